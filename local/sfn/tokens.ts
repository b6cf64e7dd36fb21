import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Task tokens of the emulated callback pattern. A token is opaque and about as long as a
 * real one: `AQ` + 256 base64url characters of randomness (192 bytes) + a 12-character
 * checksum. The checksum lets the API tell a malformed token (InvalidToken) from a
 * well-formed one it does not know (TaskDoesNotExist), e.g. one issued before a restart.
 */

const PREFIX = 'AQ';
const BODY_BYTES = 192;
const CHECK_BYTES = 9;
const BODY_CHARS = (BODY_BYTES / 3) * 4;
const CHECK_CHARS = (CHECK_BYTES / 3) * 4;
const TOKEN = new RegExp(`^${PREFIX}([A-Za-z0-9_-]{${BODY_CHARS}})([A-Za-z0-9_-]{${CHECK_CHARS}})$`);

/** Length of every token this module issues. */
export const TASK_TOKEN_LENGTH = PREFIX.length + BODY_CHARS + CHECK_CHARS;

function checksum(body: string): Buffer {
  return createHash('sha256').update(`bashke-local-sfn-task-token:${body}`).digest().subarray(0, CHECK_BYTES);
}

export function newTaskToken(): string {
  const body = randomBytes(BODY_BYTES).toString('base64url');
  return `${PREFIX}${body}${checksum(body).toString('base64url')}`;
}

/** True when `token` has the shape and checksum of a token this module issues. */
export function isWellFormedTaskToken(token: string): boolean {
  const match = TOKEN.exec(token);
  if (!match?.[1] || !match[2]) return false;
  const given = Buffer.from(match[2], 'base64url');
  const expected = checksum(match[1]);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
