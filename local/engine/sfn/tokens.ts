import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Task tokens of the emulated callback pattern. A token is opaque and about as long as a
 * real one: `AQ` + 256 base64url characters + a 12-character checksum. The checksum lets the
 * API tell a malformed token (InvalidToken) from a well-formed one it does not know
 * (TaskDoesNotExist). The 256 characters are the execution's reference (`executionRef`, 16
 * characters) followed by 240 of randomness (180 bytes): a token of an execution that ended
 * before a restart is then traced to that execution's file without loading every file.
 */

const PREFIX = 'AQ';
const BODY_BYTES = 192;
const CHECK_BYTES = 9;
const BODY_CHARS = (BODY_BYTES / 3) * 4;
const CHECK_CHARS = (CHECK_BYTES / 3) * 4;
const TOKEN = new RegExp(`^${PREFIX}([A-Za-z0-9_-]{${BODY_CHARS}})([A-Za-z0-9_-]{${CHECK_CHARS}})$`);

/** Length of every token this module issues. */
export const TASK_TOKEN_LENGTH = PREFIX.length + BODY_CHARS + CHECK_CHARS;

/**
 * The checksum's domain. The second one is what data folders made before the engine was its
 * own part hold: their open tokens stay answerable.
 */
const CHECK_DOMAIN = 'local-sfn-task-token';
const EARLIER_CHECK_DOMAINS = ['bashke-local-sfn-task-token'];

function checksum(body: string, domain = CHECK_DOMAIN): Buffer {
  return createHash('sha256').update(`${domain}:${body}`).digest().subarray(0, CHECK_BYTES);
}

const REF_CHARS = 16;

/** A short, stable reference of an execution: also the hash in its file's name (store.ts). */
export function executionRef(executionArn: string): string {
  return createHash('sha256').update(executionArn).digest('hex').slice(0, REF_CHARS);
}

/** A fresh token of the execution with reference `ref` (see `executionRef`); without one, all random. */
export function newTaskToken(ref?: string): string {
  if (ref !== undefined && !/^[0-9a-f]{16}$/.test(ref))
    throw new Error('an execution reference is 16 hex digits');
  const random = randomBytes(BODY_BYTES).toString('base64url');
  const body = ref === undefined ? random : `${ref}${random.slice(REF_CHARS)}`;
  return `${PREFIX}${body}${checksum(body).toString('base64url')}`;
}

/** The execution reference a well-formed token carries (tokens of older versions carry none that resolves). */
export function taskTokenRef(token: string): string | undefined {
  return TOKEN.exec(token)?.[1]?.slice(0, REF_CHARS);
}

/** True when `token` has the shape and checksum of a token this module issues. */
export function isWellFormedTaskToken(token: string): boolean {
  const match = TOKEN.exec(token);
  if (!match?.[1] || !match[2]) return false;
  const given = Buffer.from(match[2], 'base64url');
  const body = match[1];
  return [CHECK_DOMAIN, ...EARLIER_CHECK_DOMAINS].some((domain) => {
    const expected = checksum(body, domain);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
