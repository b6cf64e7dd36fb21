import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { SingleTable } from '../data/table';
import { ROLES } from '../domain/codes';

/**
 * Console sessions, server-side. The browser holds only a random id (256 bits, in an
 * `HttpOnly; Secure; SameSite=Lax` cookie); the table holds its SHA-256, so a read of the
 * table gives no usable cookie. Each session carries its own CSRF token, what the ID token
 * said of the user (never the token itself), and its end: DynamoDB's TTL removes it later,
 * and reads refuse it from the moment it ends (TTL deletion is lazy).
 *
 * A sign-in in progress is a `LOGIN#` item of its own, keyed by the hash of the OAuth
 * `state`: it holds the PKCE verifier and the nonce for the ten minutes the managed login
 * may take, and is deleted by the callback that uses it (single use).
 */

/** A working day: after it the user signs in again (Cognito's ID token lasts an hour; we keep no refresh token). */
export const SESSION_TTL_MS = 8 * 3600_000;
/** How long the managed login may take between the redirect and the callback. */
export const LOGIN_TTL_MS = 10 * 60_000;

export const sessionRecordSchema = z.strictObject({
  sub: z.string().min(1).max(128),
  email: z.email().optional(),
  orgId: z.string().min(1).max(64),
  role: z.enum(ROLES),
  lang: z.enum(['sq', 'en']),
  csrf: z.string().min(32).max(128),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});
export type SessionRecord = z.infer<typeof sessionRecordSchema>;

export const loginRecordSchema = z.strictObject({
  verifier: z.string().min(43).max(128),
  nonce: z.string().min(16).max(128),
  /** Where to go once signed in: a console path (checked when it was taken). */
  next: z.string().max(500),
  lang: z.enum(['sq', 'en']),
  expiresAt: z.iso.datetime(),
});
export type LoginRecord = z.infer<typeof loginRecordSchema>;

/** A random value for an id, a token or a verifier: base64url of `bytes` CSPRNG bytes. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function hashSecret(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares two secrets in constant time (a mismatch of length is not a timing signal either). */
export function sameSecret(a: string | null | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

/** Well-formed cookie and state values only: anything else is not looked up at all. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,128}$/;

export interface Sessions {
  startLogin(state: string, login: LoginRecord): Promise<void>;
  /** The sign-in the state belongs to, deleted in the same call; undefined when unknown, used or old. */
  takeLogin(state: string, now: Date): Promise<LoginRecord | undefined>;
  createSession(id: string, session: SessionRecord): Promise<void>;
  /** The live session of a cookie's id; undefined when unknown, malformed or ended. */
  findSession(id: string, now: Date): Promise<SessionRecord | undefined>;
  endSession(id: string): Promise<void>;
}

const ttlOf = (iso: string) => Math.ceil(Date.parse(iso) / 1000);

export class SessionStore extends SingleTable implements Sessions {
  private static sessionKey(id: string) {
    return { pk: `SESSION#${hashSecret(id)}`, sk: 'SESSION' };
  }

  private static loginKey(state: string) {
    return { pk: `LOGIN#${hashSecret(state)}`, sk: 'LOGIN' };
  }

  async startLogin(state: string, login: LoginRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...SessionStore.loginKey(state), ...login, ttl: ttlOf(login.expiresAt) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async takeLogin(state: string, now: Date): Promise<LoginRecord | undefined> {
    if (!TOKEN_SHAPE.test(state)) return undefined;
    const out = await this.doc.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: SessionStore.loginKey(state),
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!out.Attributes) return undefined;
    const { pk: _pk, sk: _sk, ttl: _ttl, ...rest } = out.Attributes;
    const login = loginRecordSchema.safeParse(rest);
    if (!login.success || Date.parse(login.data.expiresAt) <= now.getTime()) return undefined;
    return login.data;
  }

  async createSession(id: string, session: SessionRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...SessionStore.sessionKey(id), ...session, ttl: ttlOf(session.expiresAt) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async findSession(id: string, now: Date): Promise<SessionRecord | undefined> {
    if (!TOKEN_SHAPE.test(id)) return undefined;
    const item = await this.get<Record<string, unknown>>(SessionStore.sessionKey(id));
    if (!item) return undefined;
    const session = sessionRecordSchema.safeParse(item);
    if (!session.success || Date.parse(session.data.expiresAt) <= now.getTime()) return undefined;
    return session.data;
  }

  async endSession(id: string): Promise<void> {
    if (!TOKEN_SHAPE.test(id)) return;
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: SessionStore.sessionKey(id) }));
  }
}
