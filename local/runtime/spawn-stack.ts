import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { type RuntimeFile, readRuntimeFile } from '../runtime-file';

const REPO = path.resolve(__dirname, '..', '..');

export interface SpawnedStack {
  readonly child: ChildProcess;
  readonly runtime: RuntimeFile;
  /** Everything the stack printed so far (empty unless `capture`). */
  readonly output: string[];
}

/**
 * Starts `npm start`'s entry as a child in its own process group (so one signal stops it
 * all) and waits for its runtime.json. For the bench and the end-to-end tests.
 */
export async function spawnStack(opts: {
  dataDir: string;
  env?: Record<string, string>;
  capture?: boolean;
  timeoutMs?: number;
  onSpawn?: (pid: number) => void;
}): Promise<SpawnedStack> {
  const child = spawn(path.join(REPO, 'node_modules', '.bin', 'tsx'), ['local/main.ts'], {
    cwd: REPO,
    env: { ...process.env, BASHKE_DATA_DIR: opts.dataDir, BASHKE_PORT: '0', ...opts.env },
    detached: true,
    stdio: ['ignore', opts.capture ? 'pipe' : 'ignore', opts.capture ? 'pipe' : 'ignore'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  if (child.pid) opts.onSpawn?.(child.pid);
  const deadline = Date.now() + (opts.timeoutMs ?? 150_000);
  while (Date.now() < deadline) {
    const read = readRuntimeFile(opts.dataDir);
    if (read.ok) return { child, runtime: read.runtime, output };
    if (child.exitCode !== null) throw new Error(`the stack exited during start-up:\n${output.join('')}`);
    // Short: `npm run bench -- stack` times start-ups with this, to a tenth of a second.
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the stack did not become ready:\n${output.join('')}`);
}

/** Ctrl-C to the stack's process group; resolves when its main process exited (or after `graceMs`). */
export async function stopStack(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGINT',
  graceMs = 15_000,
): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, signal);
  await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
  clearTimeout(timer);
}
