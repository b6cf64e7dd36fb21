/**
 * What a message is about, for its delivery record and the SES message tags: ids and a
 * purpose, never content. The delivery-event handler finds the task and the case by these.
 */
export type MailPurpose =
  | 'task'
  | 'notice'
  | 'reminder'
  | 'escalation'
  | 'case-end'
  | 'unreachable'
  | 'meeting';

export interface MailAbout {
  readonly purpose: MailPurpose;
  readonly caseId?: string;
  /** The tasks the message is about (a digest lists several). */
  readonly taskIds?: readonly string[];
}

/**
 * A calendar invite a message carries (built by `calendarInvite`, shared/email/invite.ts). The
 * mail adapter sends it twice, as calendar clients expect: a `text/calendar; method=<method>`
 * alternative beside the text and HTML, and an `invite.ics` attachment. `method` must be the
 * `METHOD` the `.ics` names; the adapter refuses a mismatch.
 */
export interface MailCalendar {
  readonly method: 'REQUEST' | 'CANCEL';
  readonly ics: string;
}

/** A message ready to send. Addresses and subject are header fields: no CR/LF allowed. */
export interface OutgoingEmail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly about?: MailAbout;
  readonly calendar?: MailCalendar;
}

/**
 * How a send ended: accepted by the mail service (with its message id), or kept in the
 * outbox on the due-time index to be retried by the dispatcher (the service was down or
 * throttling after the client's own retries).
 */
export type SendResult =
  | { readonly status: 'sent'; readonly messageId: string }
  | { readonly status: 'queued'; readonly outboxRef: string };

/** Mail port. The SES adapter implements it; tests use a recording fake. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<SendResult>;
}

export class HeaderInjectionError extends Error {
  override readonly name = 'HeaderInjectionError';
}

/** Refuses header values that could add headers (CR, LF, other controls). */
export function assertHeaderSafe(value: string): void {
  if (/[\p{Cc}\u2028\u2029]/u.test(value))
    throw new HeaderInjectionError('header field holds a control character');
}

export class CalendarMethodError extends Error {
  override readonly name = 'CalendarMethodError';
}

/**
 * Refuses a calendar part whose `.ics` does not name exactly the method its MIME type will
 * carry: a client that reads the part's `method=` and one that reads the `METHOD` line must
 * see the same message.
 */
export function assertCalendarMethod(calendar: MailCalendar): void {
  const unfolded = calendar.ics.replace(/\r?\n[ \t]/g, '');
  const methods = [...unfolded.matchAll(/^METHOD:(.*?)\r?$/gm)].map((m) => m[1]);
  const known = calendar.method === 'REQUEST' || calendar.method === 'CANCEL';
  if (!known || methods.length !== 1 || methods[0] !== calendar.method)
    throw new CalendarMethodError('the calendar part must name its method once, the same as the .ics');
}
