/** A message ready to send. Addresses and subject are header fields: no CR/LF allowed. */
export interface OutgoingEmail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Mail port. The SES adapter implements it; tests use a recording fake. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
}

export class HeaderInjectionError extends Error {
  override readonly name = 'HeaderInjectionError';
}

/** Refuses header values that could add headers (CR, LF, other controls). */
export function assertHeaderSafe(value: string): void {
  if (/[\p{Cc}\u2028\u2029]/u.test(value))
    throw new HeaderInjectionError('header field holds a control character');
}
