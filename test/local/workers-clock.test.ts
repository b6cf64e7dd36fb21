import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RuntimeClock } from '../../local/engine/clock/runtime-clock';
import { WorkerPool } from '../../local/engine/lambda/worker-pool';
import type { InvokeResult, LocalFunction } from '../../local/engine/model';

const HOUR = 3_600_000;
const SLACK = 5_000;

/** Everything a handler could ask `Date` (and the clocks that must not move). */
const HANDLER = `
  export const handler = async (event, context) => {
    if (event.waitMs) await new Promise((r) => setTimeout(r, event.waitMs));
    class Stamp extends Date {}
    return {
      now: Date.now(),
      constructed: new Date().getTime(),
      called: Date(),
      calledType: typeof Date(),
      epoch: new Date(0).getTime(),
      fromString: new Date('2026-01-01T00:00:00Z').getTime(),
      fromParts: new Date(2026, 0, 1, 12).getTime(),
      utc: Date.UTC(2026, 0, 1),
      parse: Date.parse('2026-01-01T00:00:00Z'),
      instance: new Date() instanceof Date,
      sameConstructor: new Date().constructor === Date,
      subclass: new Stamp() instanceof Date && new Stamp() instanceof Stamp && new Stamp(5).getTime() === 5,
      subclassNow: new Stamp().getTime(),
      iso: new Date().toISOString(),
      name: Date.name,
      length: Date.length,
      perfNow: performance.now(),
      perfOrigin: performance.timeOrigin,
      remaining: context.getRemainingTimeInMillis(),
    };
  };`;

interface Seen {
  now: number;
  constructed: number;
  called: string;
  calledType: string;
  epoch: number;
  fromString: number;
  fromParts: number;
  utc: number;
  parse: number;
  instance: boolean;
  sameConstructor: boolean;
  subclass: boolean;
  subclassNow: number;
  iso: string;
  name: string;
  length: number;
  perfNow: number;
  perfOrigin: number;
  remaining: number;
}

let dir: string;
const pools: WorkerPool[] = [];

function fn(): LocalFunction {
  return {
    logicalId: 'Clock',
    stackName: 'TestStack',
    name: 'TestStack-Clock',
    arn: 'arn:aws:lambda:eu-central-1:000000000000:function:TestStack-Clock',
    assetDir: dir,
    handlerFile: 'clock.mjs',
    handlerExport: 'handler',
    environment: {},
    timeoutSeconds: 10,
    memoryMb: 256,
  };
}

function seen(result: InvokeResult): Seen {
  if (!result.ok) throw new Error(`expected success, got ${result.errorType}: ${result.errorMessage}`);
  return result.payload as Seen;
}

/** Asserts every "now" reading is real time plus `offset`, within SLACK ms. */
function expectNow(s: Seen, offset: number): void {
  const expected = Date.now() + offset;
  for (const value of [s.now, s.constructed, s.subclassNow, Date.parse(s.iso), Date.parse(s.called)]) {
    expect(Math.abs(value - expected)).toBeLessThan(SLACK);
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bashke-workers-clock-'));
  writeFileSync(path.join(dir, 'clock.mjs'), HANDLER);
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the worker Date shim', () => {
  it('follows the runtime clock, also after an advance made once the worker runs', async () => {
    const clock = new RuntimeClock(undefined);
    const pool = new WorkerPool([fn()], { baseEnv: {}, clock, log: () => {} });
    pools.push(pool);

    const before = seen(await pool.invoke('TestStack-Clock', {}));
    expectNow(before, 0);

    await clock.advance(25 * HOUR);
    const after = seen(await pool.invoke('TestStack-Clock', {}));
    expectNow(after, 25 * HOUR);
    expect(after.now - before.now).toBeGreaterThanOrEqual(25 * HOUR);

    // Explicit dates and the static helpers are untouched.
    expect(after.epoch).toBe(0);
    expect(after.fromString).toBe(Date.parse('2026-01-01T00:00:00Z'));
    // Local-time parts are read in the process's zone (worker threads share it): unshifted.
    expect(after.fromParts).toBe(new Date(2026, 0, 1, 12).getTime());
    expect(after.utc).toBe(Date.UTC(2026, 0, 1));
    expect(after.parse).toBe(Date.parse('2026-01-01T00:00:00Z'));
    // Date() still returns text; instanceof, constructor, subclasses, name and length hold.
    expect(after.calledType).toBe('string');
    expect(after).toMatchObject({
      instance: true,
      sameConstructor: true,
      subclass: true,
      name: 'Date',
      length: 7,
    });
    // Elapsed-time clocks do not jump, and the invocation deadline is still real time.
    // (Against this process's own clocks, not a fixed bound: a long test run's jest worker,
    // whose time origin the worker thread may share, is older than any bound.)
    expect(after.perfNow).toBeLessThan(performance.now() + 60_000);
    expect(after.perfOrigin).toBeGreaterThanOrEqual(performance.timeOrigin - 1_000);
    expect(after.perfOrigin).toBeLessThanOrEqual(Date.now());
    expect(after.remaining).toBeGreaterThan(5_000);
    expect(after.remaining).toBeLessThanOrEqual(10_000);
  });

  it('sees an advance made while an invocation is in flight', async () => {
    const clock = new RuntimeClock(undefined);
    const pool = new WorkerPool([fn()], { baseEnv: {}, clock, log: () => {} });
    pools.push(pool);
    seen(await pool.invoke('TestStack-Clock', {})); // warm

    const inFlight = pool.invoke('TestStack-Clock', { waitMs: 600 });
    await new Promise((r) => setTimeout(r, 150));
    await clock.advance(2 * HOUR);
    expectNow(seen(await inFlight), 2 * HOUR);
  });

  it('stops following the clock once the pool is closed, and runs on real time without one', async () => {
    const clock = new RuntimeClock(undefined);
    const pool = new WorkerPool([fn()], { baseEnv: {}, clock, log: () => {} });
    await pool.close();
    await clock.advance(HOUR); // no listener left to throw or leak

    const plain = new WorkerPool([fn()], { baseEnv: {}, log: () => {} });
    pools.push(plain);
    expectNow(seen(await plain.invoke('TestStack-Clock', {})), 0);
  });
});
