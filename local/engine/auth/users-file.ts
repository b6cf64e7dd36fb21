/**
 * The local user pool's users: `<dataDir>/auth/users.json` (mode 0600), the people the local
 * sign-in server offers. Each entry is an OAuthUser (what the sign-in page shows and the tokens
 * carry) with `enabled`: a disabled user stays in the file with the same `sub`, is not offered
 * and cannot sign in (the server reads the file again for each sign-in page, each sign-in and
 * each token request, so a change takes effect while the stack runs). The email is the user's
 * name in the pool: one user per email, compared without case.
 *
 * The format is the engine's; who is in the file is the app's (it seeds the file on first start
 * and adds users through its own tool). Writes go to a temporary file renamed over the old one,
 * so a reader never sees half a file.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import type { OAuthUser } from './oauth-server';

export const USERS_FILE = path.join('auth', 'users.json');

/** A user of the local pool: what the sign-in page offers, and whether it may sign in. */
export interface LocalPoolUser extends OAuthUser {
  readonly enabled: boolean;
}

const localizedText = z.union([z.string(), z.strictObject({ en: z.string(), sq: z.string() })]);

const userSchema = z.strictObject({
  sub: z.string().min(1).max(128),
  email: z.email(),
  name: z.string().min(1).max(256),
  groups: z.array(z.string().min(1)).readonly(),
  attributes: z.record(z.string(), z.string()).optional(),
  section: localizedText,
  description: localizedText,
  enabled: z.boolean(),
});

const fileSchema = z.strictObject({ users: z.array(userSchema) });

export function usersFilePath(dataDir: string): string {
  return path.join(dataDir, USERS_FILE);
}

export class UsersFileError extends Error {
  override readonly name = 'UsersFileError';
}

/** The file's users, in file order; undefined when there is no file. Throws UsersFileError on a bad file. */
export function readUsersFile(dataDir: string): LocalPoolUser[] | undefined {
  const file = usersFilePath(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsersFileError(`${file} is not JSON`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const problem = parsed.error.issues[0];
    throw new UsersFileError(
      `${file}: ${problem?.path.join('.') || '/'} ${problem?.message ?? 'is invalid'}`,
    );
  }
  const users = parsed.data.users as LocalPoolUser[];
  const emails = new Set<string>();
  const subs = new Set<string>();
  for (const u of users) {
    if (emails.has(u.email.toLowerCase())) throw new UsersFileError(`${file}: two users have ${u.email}`);
    if (subs.has(u.sub)) throw new UsersFileError(`${file}: two users have the sub ${u.sub}`);
    emails.add(u.email.toLowerCase());
    subs.add(u.sub);
  }
  return users;
}

export function writeUsersFile(dataDir: string, users: readonly LocalPoolUser[]): void {
  const file = usersFilePath(dataDir);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomUUID()}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ users }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Writes the seed users (all enabled) when there is no users file yet; returns the file's users. */
export function ensureUsersFile(dataDir: string, seed: readonly OAuthUser[]): LocalPoolUser[] {
  const existing = existsSync(usersFilePath(dataDir)) ? readUsersFile(dataDir) : undefined;
  if (existing) return existing;
  const users = seed.map((u) => ({ ...u, enabled: true }));
  writeUsersFile(dataDir, users);
  return users;
}

/** The enabled users, read from the file now (none without a file): the sign-in server's `users`. */
export function usersFileSource(dataDir: string): () => OAuthUser[] {
  return () =>
    (readUsersFile(dataDir) ?? []).filter((u) => u.enabled).map(({ enabled: _enabled, ...user }) => user);
}

/** Adds a user (enabled); refuses an email the file already has. Returns the user as stored. */
export function addUser(
  dataDir: string,
  user: Omit<OAuthUser, 'sub'> & { readonly sub?: string },
): LocalPoolUser {
  const users = readUsersFile(dataDir) ?? [];
  if (users.some((u) => u.email.toLowerCase() === user.email.toLowerCase())) {
    throw new UsersFileError(`a user with the email ${user.email} exists already`);
  }
  const added: LocalPoolUser = { ...user, sub: user.sub ?? randomUUID(), enabled: true };
  if (users.some((u) => u.sub === added.sub))
    throw new UsersFileError(`a user with the sub ${added.sub} exists already`);
  writeUsersFile(dataDir, [...users, added]);
  return added;
}

/** Enables or disables the user with the email (same `sub`); throws UsersFileError when there is none. */
export function setUserEnabled(dataDir: string, email: string, enabled: boolean): LocalPoolUser {
  const users = readUsersFile(dataDir) ?? [];
  const index = users.findIndex((u) => u.email.toLowerCase() === email.toLowerCase());
  const found = users[index];
  if (!found) throw new UsersFileError(`there is no user with the email ${email}`);
  const changed = { ...found, enabled };
  writeUsersFile(
    dataDir,
    users.map((u, i) => (i === index ? changed : u)),
  );
  return changed;
}
