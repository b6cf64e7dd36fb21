/**
 * `npm run token -- --role police --org police-korca [--sub …] [--email …] [--data-dir …]`
 *
 * Prints one ID token for the running local stack, signed with its key and carrying its
 * issuer and client id (read from runtime.json in the data folder), for use as
 * `Authorization: Bearer <token>`. The token is dated by the stack's runtime clock
 * (`<dataDir>/clock.json`, see local/engine/clock/runtime-clock.ts), so after
 * `npm run clock -- advance 25h` it is fresh for the gateway, not 25 h old. Exit codes: 0 token printed, 2 bad arguments or no
 * running stack, 1 anything else.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { type Clock, readClockOffset, readSigningKey, TokenIssuer } from './engine';

/** The role groups the app knows (shared/domain/codes.ts ROLES, repeated: local/ imports no app code). */
export const LOCAL_ROLES = ['police', 'ngo', 'localgov', 'council', 'coordinator', 'admin'] as const;

import { readRuntimeFile, resolveDataDir } from './runtime-file';

const USAGE =
  'usage: npm run token -- --role <police|ngo|localgov|council|coordinator|admin> --org <orgId> ' +
  '[--sub <id>] [--email <address>] [--data-dir <folder>]';

const argsSchema = z.strictObject({
  role: z.enum(LOCAL_ROLES),
  org: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lower-case letters, digits and single hyphens'),
  sub: z.string().trim().min(1).max(128).optional(),
  email: z.email().optional(),
  'data-dir': z.string().min(1).optional(),
});

export type TokenArgs = z.infer<typeof argsSchema>;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export class StackNotRunningError extends Error {
  override readonly name = 'StackNotRunningError';
}

export function parseTokenArgs(argv: readonly string[]): TokenArgs {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        role: { type: 'string' },
        org: { type: 'string' },
        sub: { type: 'string' },
        email: { type: 'string' },
        'data-dir': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`);
    throw new UsageError(problems.join('; '));
  }
  return parsed.data;
}

/** A stable UUID (v5 layout) per organisation and role, so repeated runs are the same user. */
export function defaultSub(org: string, role: string): string {
  const bytes = createHash('sha1').update(`bashke-local-user:${org}:${role}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Mints the token for the stack running on the data folder, dated by the stack's runtime
 * clock (`realNow` plus the offset in clock.json); throws StackNotRunningError.
 */
export async function mintLocalToken(
  args: TokenArgs,
  env: NodeJS.ProcessEnv = process.env,
  realNow: Clock = Date.now,
): Promise<string> {
  const dataDir = args['data-dir']
    ? resolveDataDir({ BASHKE_DATA_DIR: args['data-dir'] })
    : resolveDataDir(env);
  const runtime = readRuntimeFile(dataDir);
  if (!runtime.ok) {
    throw new StackNotRunningError(
      `the local stack is not running on ${dataDir} (${runtime.detail}); start it with \`npm start\``,
    );
  }
  const key = readSigningKey(dataDir);
  if (!key) throw new StackNotRunningError(`the local stack on ${dataDir} has no signing key yet`);
  const offsetMs = readClockOffset(dataDir);
  const issuer = new TokenIssuer(key, {
    issuer: runtime.runtime.issuer,
    clientId: runtime.runtime.clientId,
    now: () => realNow() + offsetMs,
  });
  return issuer.mint({
    sub: args.sub ?? defaultSub(args.org, args.role),
    attributes: { orgId: args.org },
    groups: [args.role],
    email: args.email ?? `${args.role}@${args.org}.example`,
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    process.stdout.write(`${await mintLocalToken(parseTokenArgs(argv))}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`token: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof StackNotRunningError) {
      process.stderr.write(`token: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`token: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
