import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { clockFilePath } from '../clock/runtime-clock';

export interface SesLocal {
  /** API endpoint for `AWS_ENDPOINT_URL_SES`, and the inbox page at `/`. */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface SesLocalOptions {
  /** 0: any free port. */
  readonly port: number;
  /** The local data folder: the inbox is kept in `<dataDir>/inbox.jsonl`. */
  readonly dataDir: string;
  readonly log?: (line: string) => void;
}

export const INBOX_FILE_NAME = 'inbox.jsonl';

export function inboxFilePath(dataDir: string): string {
  return path.join(dataDir, INBOX_FILE_NAME);
}

const HOST = path.join(__dirname, 'ses-host.cjs');
const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

/**
 * Starts the `aws-ses-v2-local` emulator (inbox page at its root, `GET /store`) on 127.0.0.1
 * in a child process (ses-host.cjs) whose mail survives a restart: sent emails are appended
 * to `<dataDir>/inbox.jsonl` and loaded again at start, dated by the runtime clock
 * (`<dataDir>/clock.json`). The child ends with its parent, even a SIGKILLed one.
 */
export async function startSesLocal(opts: SesLocalOptions): Promise<SesLocal> {
  mkdirSync(opts.dataDir, { recursive: true });
  const log = opts.log ?? (() => {});
  const child: ChildProcess = spawn(
    process.execPath,
    [
      HOST,
      '--port',
      String(opts.port),
      '--inbox',
      inboxFilePath(opts.dataDir),
      '--clock',
      clockFilePath(opts.dataDir),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the SES emulator did not start within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    let buffered = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      if (started) {
        for (const line of chunk.split('\n')) if (line.trim()) log(line.trim());
        return;
      }
      buffered += chunk;
      const m = /ses-host: ready (http:\/\/127\.0\.0\.1:\d+) \((\d+) emails restored\)/.exec(buffered);
      if (m?.[1]) {
        started = true;
        clearTimeout(timer);
        log(`inbox: ${m[2]} email(s) restored from ${inboxFilePath(opts.dataDir)}`);
        resolve(m[1]);
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (!started) stderr += chunk;
      for (const line of chunk.split('\n')) if (line.trim()) log(line.trim());
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`the SES emulator could not be started: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const why = stderr.trim().replace(/^ses-host: /gm, '');
      reject(
        new Error(
          `the SES emulator exited during start-up (${signal ?? `code ${code}`})${why ? `: ${why}` : ''}`,
        ),
      );
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the SES emulator has no pid');
  return {
    url,
    pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        child.kill('SIGTERM');
        await exited;
        clearTimeout(kill);
      }
      child.stdin?.destroy();
    },
  };
}
