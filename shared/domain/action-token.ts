import { createHash, createHmac, randomBytes } from 'node:crypto';

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

/** Separates offer-link tokens from any other use of the same key. */
export const OFFER_LINK_DOMAIN = 'bashke/offer-action-link/v1';

/**
 * The action token of one attempt of a callback task: HMAC-SHA256 keyed with the Step
 * Functions task token, over a domain string and the task id; 256 bits, base64url (43
 * characters, the shape of a random token).
 *
 * Why derived and not random: a step run again with the same task token (the local engine
 * after a crash, a Lambda retry on AWS) must email a link that works even if an earlier run
 * emailed one and stopped before recording it. Both runs derive the same token, so both
 * copies of the email hold the same, working link. A new attempt has a new task token and so
 * a new link.
 *
 * Why this is safe: the key, the task token, is a secret made by Step Functions (unguessable,
 * unique per attempt) that never leaves the server. HMAC is one-way: the link token reveals
 * nothing of the task token, so a link cannot be turned into a SendTaskSuccess call, and
 * nobody can make a valid link for a task without its task token. The token keeps the
 * strength of a random one (256 bits, unpredictable to anyone without the key); the table
 * still holds only its SHA-256, and single use, expiry and the one 410 for every bad token
 * are unchanged. What changes: someone who reads the task item (which holds the task token)
 * can derive the link as well; that reader could already answer the task with the token.
 */
export function deriveActionToken(sfnTaskToken: string, taskId: string): IssuedToken {
  if (sfnTaskToken.length === 0) throw new Error('a task token is needed to derive an action token');
  const token = createHmac('sha256', sfnTaskToken)
    .update(`${OFFER_LINK_DOMAIN}\u0000${taskId}`, 'utf8')
    .digest('base64url');
  return { token, hash: hashActionToken(token) };
}

export function hashActionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Shape check before any lookup: a truncated or padded token is simply unknown. */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}
