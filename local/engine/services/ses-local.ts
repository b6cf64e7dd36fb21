import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { clockFilePath } from '../clock/runtime-clock';

/** A message the emulator accepted (SES v1 SendEmail or SendRawEmail), as ses-host.cjs reports it. */
export interface SesSentMessage {
  /** The id the emulator returned to the sender. */
  readonly messageId: string;
  /** ISO instant by the runtime clock. */
  readonly timestamp: string;
  readonly action: 'SendEmail' | 'SendRawEmail';
  readonly source: string;
  /** Every recipient (To, Cc, Bcc, or SendRawEmail's Destinations). */
  readonly destination: readonly string[];
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly subject: string;
  readonly headers: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  readonly configurationSetName?: string;
  /** The request's message tags, name → value. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface SesLocal {
  /**
   * API endpoint for `AWS_ENDPOINT_URL_SES`, the inbox page at `/` (its JSON at `/store`), and
   * each `SendRawEmail` message byte for byte at `/raw?messageId=<id>` (`message/rfc822`).
   */
  readonly url: string;
  readonly port: number;
  /** The emulator's process id (it changes when it is started again). */
  readonly pid: number;
  /** Whether the emulator is running (false after `stop`, until `start`). */
  readonly running: boolean;
  /** Stops the emulator; its port refuses connections until `start`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data folder (a no-op while it runs). */
  start(): Promise<void>;
  /**
   * The app's SES configuration sets: from now on (and after a restart) a send naming another
   * one fails with `ConfigurationSetDoesNotExist`, as in SES. Until called, any name is taken.
   */
  setConfigurationSets(names: readonly string[]): void;
}

export interface SesLocalOptions {
  /** 0: any free port (kept across `stop`/`start`). */
  readonly port: number;
  /** The local data folder: the inbox is kept in `<dataDir>/inbox.jsonl`. */
  readonly dataDir: string;
  readonly log?: (line: string) => void;
  /** Called for each message the emulator accepted, before the sender gets its response. */
  readonly onSent?: (message: SesSentMessage) => void;
}

export const INBOX_FILE_NAME = 'inbox.jsonl';

export function inboxFilePath(dataDir: string): string {
  return path.join(dataDir, INBOX_FILE_NAME);
}

const HOST = path.join(__dirname, 'ses-host.cjs');
const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const SENT_PREFIX = 'ses-host: sent ';

interface Host {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

/**
 * Starts the `aws-ses-v2-local` emulator (inbox page at its root, `GET /store`, raw messages at
 * `GET /raw?messageId=`) on 127.0.0.1
 * in a child process (ses-host.cjs) whose mail survives a restart: sent emails are appended
 * to `<dataDir>/inbox.jsonl` and loaded again at start, dated by the runtime clock
 * (`<dataDir>/clock.json`). The child ends with its parent, even a SIGKILLed one.
 *
 * Each accepted message is reported to `onSent` (a line on the child's stdout, written before
 * the sender gets its MessageId): while this process runs, none is missed; when it dies, the
 * child ends with it. `stop()` and `start()` take the emulator down and up again on the same
 * port and data folder (fault injection: while stopped, SES calls are refused).
 */
export async function startSesLocal(opts: SesLocalOptions): Promise<SesLocal> {
  mkdirSync(opts.dataDir, { recursive: true });
  const log = opts.log ?? (() => {});
  let host: Host | undefined = await spawnHost(opts, opts.port, log);
  const port = Number(new URL(host.url).port);
  const url = host.url;
  let pid = host.child.pid as number;
  let starting: Promise<void> | undefined;
  let configurationSets: readonly string[] | undefined;
  const tellConfigurationSets = () => {
    if (host && configurationSets)
      host.child.stdin?.write(`configuration-sets ${JSON.stringify(configurationSets)}\n`);
  };
  return {
    url,
    port,
    get pid() {
      return pid;
    },
    get running() {
      return host !== undefined;
    },
    stop: async () => {
      await starting?.catch(() => {});
      const current = host;
      host = undefined;
      if (!current) return;
      const { child, exited } = current;
      if (child.exitCode === null && child.signalCode === null) {
        const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        child.kill('SIGTERM');
        await exited;
        clearTimeout(kill);
      }
      child.stdin?.destroy();
    },
    setConfigurationSets: (names) => {
      configurationSets = [...names];
      tellConfigurationSets();
    },
    start: async () => {
      if (host || starting) return starting;
      starting = spawnHost(opts, port, log).then(
        (started) => {
          host = started;
          pid = started.child.pid as number;
          starting = undefined;
          tellConfigurationSets();
        },
        (error: unknown) => {
          starting = undefined;
          throw error;
        },
      );
      return starting;
    },
  };
}

async function spawnHost(opts: SesLocalOptions, port: number, log: (line: string) => void): Promise<Host> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      HOST,
      '--port',
      String(port),
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
    const onLine = (line: string) => {
      if (line.startsWith(SENT_PREFIX)) {
        let message: SesSentMessage;
        try {
          message = JSON.parse(line.slice(SENT_PREFIX.length)) as SesSentMessage;
        } catch {
          log('ses: an unreadable sent-message line was ignored');
          return;
        }
        try {
          opts.onSent?.(message);
        } catch (error) {
          log(`ses: handling a sent message failed (${(error as Error).message})`);
        }
        return;
      }
      if (!started) {
        const m = /ses-host: ready (http:\/\/127\.0\.0\.1:\d+) \((\d+) emails restored\)/.exec(line);
        if (m?.[1]) {
          started = true;
          clearTimeout(timer);
          log(`inbox: ${m[2]} email(s) restored from ${inboxFilePath(opts.dataDir)}`);
          resolve(m[1]);
        }
        return;
      }
      if (line.trim()) log(line.trim());
    };
    // Whole lines only: a sent-message line may arrive in several chunks.
    let buffered = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        onLine(line);
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
  if (child.pid === undefined) throw new Error('the SES emulator has no pid');
  return { url, child, exited };
}
