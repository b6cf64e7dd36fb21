import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes (256 bits) from the CSPRNG, base64url: 43 characters. */
export const ACTION_TOKEN_BYTES = 32;
/** The shape of an action token in a link path. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface IssuedToken {
  /** Goes into the email link only; never stored. */
  readonly token: string;
  /** Stored key: SHA-256 of the token, hex. */
  readonly hash: string;
}

export function issueActionToken(random: (n: number) => Buffer = randomBytes): IssuedToken {
  const token = random(ACTION_TOKEN_BYTES).toString('base64url');
  return { token, hash: hashActionToken(token) };
}

export function hashActionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Shape check before any lookup: a truncated or padded token is simply unknown. */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}
