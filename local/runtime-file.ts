/**
 * `runtime.json` in the local data folder: written by the running stack (local/main.ts)
 * once everything listens, read by tools such as `npm run token`. One schema for both
 * sides, so the writer cannot drift from the readers.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';

export const RUNTIME_FILE_NAME = 'runtime.json';

/** The data folder: BASHKE_DATA_DIR, else `.bashke/` in the working directory; absolute. */
export function resolveDataDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const configured = env.BASHKE_DATA_DIR?.trim();
  return path.resolve(cwd, configured ? configured : '.bashke');
}

export function runtimeFilePath(dataDir: string): string {
  return path.join(dataDir, RUNTIME_FILE_NAME);
}

const pid = z.number().int().positive();
const localUrl = z.url({ protocol: /^https?$/ });

export const runtimeFileSchema = z.object({
  /** Absolute path of the data folder the stack runs on. */
  dataDir: z.string().min(1),
  /** Base URLs, no trailing slash. */
  urls: z.object({
    /** The HTTP API gateway. */
    api: localUrl,
    /** The SES local inbox page. */
    inbox: localUrl,
    /** The Step Functions control plane. */
    stepFunctions: localUrl,
    /** DynamoDB Local. */
    dynamodb: localUrl,
    /** The admin endpoint (`GET /clock`, `POST /clock/advance`), used by `npm run clock`. */
    admin: localUrl.optional(),
    /** The EventBridge PutEvents endpoint the functions use (`AWS_ENDPOINT_URL_EVENTBRIDGE`). */
    eventBridge: localUrl.optional(),
    /** The sign-in server: the issuer and the managed login's OAuth endpoints (`/oauth2/authorize`, …). */
    signIn: localUrl.optional(),
    /** The web console (`<api>/console`). */
    console: localUrl.optional(),
  }),
  /** Process ids; `main` is the runtime itself. Other helpers (e.g. `ses`) may be listed. */
  pids: z.object({ main: pid, dynamodb: pid.optional() }).catchall(pid),
  /** The token issuer (`iss`, the user pool's ProviderURL as resolved locally). */
  issuer: z.string().min(1),
  /** The user pool client id (`aud`). */
  clientId: z.string().min(1),
  /** ISO 8601 instant the stack finished starting. */
  startedAt: z.iso.datetime({ offset: true }),
});

export type RuntimeFile = z.infer<typeof runtimeFileSchema>;

export type RuntimeFileRead =
  | { readonly ok: true; readonly runtime: RuntimeFile }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid' | 'stale'; readonly detail: string };

/** True when a process with that id exists (EPERM: exists, owned by someone else). */
export function processAlive(processId: number): boolean {
  try {
    process.kill(processId, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The running stack's runtime file. `stale` when the file is left over from a stack whose
 * main process is gone (a crash or SIGKILL does not remove it).
 */
export function readRuntimeFile(dataDir: string): RuntimeFileRead {
  const file = runtimeFilePath(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { ok: false, reason: 'missing', detail: `${file} does not exist` };
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid', detail: `${file} is not JSON` };
  }
  const parsed = runtimeFileSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    return { ok: false, reason: 'invalid', detail: `${file} has invalid fields: ${fields}` };
  }
  if (!processAlive(parsed.data.pids.main)) {
    return {
      ok: false,
      reason: 'stale',
      detail: `${file} names process ${parsed.data.pids.main}, which is not running`,
    };
  }
  return { ok: true, runtime: parsed.data };
}

/** Writes the runtime file atomically (temporary file, then rename), mode 0600. */
export function writeRuntimeFile(dataDir: string, runtime: RuntimeFile): void {
  const value = runtimeFileSchema.parse(runtime);
  const file = runtimeFilePath(dataDir);
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}
