import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createRunLedger,
  LEDGER_ENV,
  processStartTime,
  readLedger,
  reapLedger,
  recordPid,
  runLedger,
} from '../support/pid-ledger';

const setup = require('../support/e2e-setup.js') as () => Promise<void>;
const teardown = require('../support/e2e-teardown.js') as () => Promise<void>;

/** A harmless process that lives until killed (at most a minute). */
function sleeper(): ChildProcess & { pid: number } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('sleep did not start');
  return child as ChildProcess & { pid: number };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.signalCode;
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

describe('the e2e pid ledger', () => {
  const started: ChildProcess[] = [];
  const spawnSleeper = () => {
    const child = sleeper();
    started.push(child);
    return child;
  };
  afterEach(() => {
    for (const child of started.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill();
  });

  it('is a fresh file of its own for every run, under the temp folder', () => {
    const a = createRunLedger();
    const b = createRunLedger();
    expect(a).not.toBe(b);
    expect(a.startsWith(os.tmpdir())).toBe(true);
    expect(existsSync(a)).toBe(false);
    reapLedger(a);
    reapLedger(b);
  });

  it('records each pid with the start time the kernel gives the process', () => {
    const child = spawnSleeper();
    const ledger = createRunLedger();
    recordPid(ledger, child.pid);
    recordPid(ledger, child.pid);
    const start = processStartTime(child.pid);
    expect(start).toMatch(/\S/);
    expect(processStartTime(process.pid)).not.toBe(start);
    expect(readLedger(ledger)).toEqual([{ pid: child.pid, startTime: start }]);
    reapLedger(ledger);
  });

  it('kills only the processes of its own run, and removes its ledger', async () => {
    const mine = spawnSleeper();
    const theirs = spawnSleeper();
    const myLedger = createRunLedger();
    const theirLedger = createRunLedger();
    recordPid(myLedger, mine.pid);
    recordPid(theirLedger, theirs.pid);

    expect(reapLedger(myLedger)).toEqual({ killed: [mine.pid], foreign: [] });
    expect(await exited(mine)).toBe('SIGKILL');
    expect(alive(theirs.pid)).toBe(true);
    expect(existsSync(myLedger)).toBe(false);
    expect(existsSync(path.dirname(myLedger))).toBe(false);

    expect(reapLedger(theirLedger)).toEqual({ killed: [theirs.pid], foreign: [] });
    expect(await exited(theirs)).toBe('SIGKILL');
  });

  it('leaves alone a pid that now belongs to another process (its start time differs)', async () => {
    const unrelated = spawnSleeper();
    const ledger = createRunLedger();
    // What the ledger holds when our process ended and the kernel gave its pid to this one.
    writeFileSync(ledger, `${unrelated.pid} 1\n`);
    expect(reapLedger(ledger)).toEqual({ killed: [], foreign: [unrelated.pid] });
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(unrelated.pid)).toBe(true);
    expect(unrelated.exitCode).toBeNull();
  });

  it('ignores processes that are gone, and never signals a pid recorded without a start time', async () => {
    const gone = spawnSleeper();
    const ledger = createRunLedger();
    recordPid(ledger, gone.pid);
    gone.kill('SIGTERM');
    await exited(gone);
    const unknown = spawnSleeper();
    writeFileSync(ledger, `${gone.pid} ${processStartTime(process.pid)}\n${unknown.pid} -\nnot a line\n`, {
      flag: 'a',
    });
    expect(reapLedger(ledger)).toEqual({ killed: [], foreign: [unknown.pid] });
    expect(alive(unknown.pid)).toBe(true);
  });

  it('is named to the run by the global setup, and the teardown fails a run that left a process behind', async () => {
    const before = process.env[LEDGER_ENV];
    try {
      await setup();
      const ledger = runLedger();
      expect(ledger).not.toBe(before);
      const left = spawnSleeper();
      recordPid(ledger, left.pid);
      await expect(teardown()).rejects.toThrow(`processes left running by the e2e tests: ${left.pid}`);
      expect(await exited(left)).toBe('SIGKILL');

      await setup();
      const clean = spawnSleeper();
      recordPid(runLedger(), clean.pid);
      clean.kill('SIGTERM');
      await exited(clean);
      await expect(teardown()).resolves.toBeUndefined();
    } finally {
      if (before === undefined) delete process.env[LEDGER_ENV];
      else process.env[LEDGER_ENV] = before;
    }
  });

  it('refuses to run a stack without a ledger of the run', () => {
    expect(() => runLedger({})).toThrow(/npm run test:e2e/);
  });
});
