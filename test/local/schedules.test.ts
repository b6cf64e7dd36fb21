import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RuntimeClock } from '../../local/engine/clock/runtime-clock';
import type { FunctionInvoker, InvokeResult, LocalSchedule } from '../../local/engine/model';
import { startSchedules } from '../../local/engine/runtime/schedules';

const HOUR = 3_600_000;
const TICK_TARGET = 'arn:aws:lambda:eu-central-1:000000000000:function:LocalApp-Tick';

/** The fixture app's TickRule (test/fixtures/local-app: events.Schedule.rate(Duration.minutes(1))). */
const tick: LocalSchedule = {
  logicalId: 'TickRule',
  stackName: 'LocalApp',
  expression: 'rate(1 minute)',
  targets: [{ arn: TICK_TARGET }],
};

interface Call {
  readonly arn: string;
  readonly event: Record<string, unknown>;
}

/** Records invocations; `hold` keeps the next ones pending until released. */
class FakeInvoker implements FunctionInvoker {
  readonly calls: Call[] = [];
  private held: Array<() => void> | undefined;

  async invoke(arn: string, payload: unknown): Promise<InvokeResult> {
    this.calls.push({ arn, event: payload as Record<string, unknown> });
    if (this.held) await new Promise<void>((resolve) => this.held?.push(resolve));
    return { ok: true, payload: null };
  }

  hold(): void {
    this.held = [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const resolve of waiting) resolve();
  }
}

const runners: Array<{ stop(): void }> = [];
afterEach(() => {
  for (const r of runners.splice(0)) r.stop();
});

/** Real time frozen at `iso` (timers then never come due on their own within a test). */
function frozenClock(iso: string): RuntimeClock {
  const t = Date.parse(iso);
  return new RuntimeClock(undefined, 0, { realNow: () => t });
}

describe('schedules on the runtime clock', () => {
  it('fires a rate(1 minute) rule once when the clock advances 25 h, then keeps its rhythm', async () => {
    const clock = frozenClock('2026-03-29T10:00:30.000Z');
    const invoker = new FakeInvoker();
    const lines: string[] = [];
    runners.push(startSchedules([tick], invoker, (l) => lines.push(l), clock));
    expect(invoker.calls).toHaveLength(0);

    await clock.advance(25 * HOUR); // 2026-03-30T11:00:30Z: 1500 fire times passed
    expect(invoker.calls).toHaveLength(1);
    expect(invoker.calls[0]?.arn).toBe(TICK_TARGET);
    expect(invoker.calls[0]?.event).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-03-30T11:00:00Z', // the latest fire time passed
      detail: {},
    });
    expect(lines.join('\n')).toMatch(/TickRule: the clock passed its fire times .* firing once \(catch-up\)/);

    await clock.advance(10_000); // 11:00:40: not due
    expect(invoker.calls).toHaveLength(1);
    await clock.advance(20_000); // 11:01:00: due once
    expect(invoker.calls).toHaveLength(2);
    expect(invoker.calls[1]?.event.time).toBe('2026-03-30T11:01:00Z');
  });

  it('fires every due rule once (cron and rate), each with its input, and leaves the others armed', async () => {
    const clock = frozenClock('2026-03-29T08:59:00.000Z');
    const invoker = new FakeInvoker();
    const daily: LocalSchedule = {
      logicalId: 'Daily',
      stackName: 'S',
      expression: 'cron(0 9 * * ? *)',
      targets: [{ arn: 'daily-a', input: '{"sweep":"reminders"}' }, { arn: 'daily-b' }],
    };
    const yearly: LocalSchedule = {
      logicalId: 'Yearly',
      stackName: 'S',
      expression: 'cron(0 0 1 1 ? *)',
      targets: [{ arn: 'yearly' }],
    };
    runners.push(startSchedules([tick, daily, yearly], invoker, () => {}, clock));

    await clock.advance(3 * 24 * HOUR); // passes 3 daily fire times and 4320 ticks
    expect(invoker.calls.map((c) => c.arn).sort()).toEqual([TICK_TARGET, 'daily-a', 'daily-b'].sort());
    expect(invoker.calls.find((c) => c.arn === 'daily-a')?.event).toEqual({ sweep: 'reminders' });
    expect(invoker.calls.find((c) => c.arn === 'daily-b')?.event.time).toBe('2026-03-31T09:00:00Z'); // 08:59 + 3 days: the latest 09:00 passed
  });

  it('does not fire a firing rule twice when the clock jumps while its target runs', async () => {
    const clock = frozenClock('2026-03-29T10:00:30.000Z');
    const invoker = new FakeInvoker();
    runners.push(startSchedules([tick], invoker, () => {}, clock));
    invoker.hold();
    const first = clock.advance(HOUR); // fires, target held
    await new Promise((r) => setImmediate(r));
    expect(invoker.calls).toHaveLength(1);
    const second = clock.advance(HOUR); // the rule is firing: it catches up once when that ends
    await new Promise((r) => setImmediate(r));
    expect(invoker.calls).toHaveLength(1);
    invoker.release();
    await first;
    invoker.release();
    await second;
    expect(invoker.calls).toHaveLength(2);
    expect(invoker.calls[1]?.event.time).toBe('2026-03-29T12:00:00Z');
  });

  it('fires on its own when real time reaches the fire time, on the advanced clock', async () => {
    // Real time runs, starting 200 ms before a whole minute, with the clock 1 h ahead.
    const start = Date.now();
    const base = Date.parse('2026-03-29T10:00:59.800Z') - HOUR;
    const clock = new RuntimeClock(undefined, HOUR, { realNow: () => base + (Date.now() - start) });
    const invoker = new FakeInvoker();
    runners.push(startSchedules([tick], invoker, () => {}, clock));
    const deadline = Date.now() + 5_000;
    while (invoker.calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(invoker.calls).toHaveLength(1);
    expect(invoker.calls[0]?.event.time).toBe('2026-03-29T10:01:00Z');
  });

  it('does not fire a rule due in more than 24.8 days early (Node timer overflow)', async () => {
    const clock = frozenClock('2026-03-29T10:00:30.000Z');
    const invoker = new FakeInvoker();
    const yearly: LocalSchedule = { ...tick, logicalId: 'Yearly', expression: 'cron(0 0 1 1 ? *)' };
    runners.push(startSchedules([yearly], invoker, () => {}, clock));
    await new Promise((r) => setTimeout(r, 100));
    expect(invoker.calls).toHaveLength(0);
  });

  it('fires nothing after stop, and still takes a plain now function', async () => {
    const clock = frozenClock('2026-03-29T10:00:30.000Z');
    const invoker = new FakeInvoker();
    startSchedules([tick], invoker, () => {}, clock).stop();
    await clock.advance(HOUR);
    expect(invoker.calls).toHaveLength(0);

    const plain = startSchedules(
      [tick],
      invoker,
      () => {},
      () => new Date('2026-03-29T10:00:30.000Z'),
    );
    runners.push(plain);
    expect(invoker.calls).toHaveLength(0);
  });
});

describe('EventBridge Scheduler schedules on the runtime clock', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('fires a zoned cron at its wall time in the zone, and once (dated by the latest) after a long advance', async () => {
    const clock = frozenClock('2026-07-14T12:00:00.000Z');
    const invoker = new FakeInvoker();
    const morning: LocalSchedule = {
      logicalId: 'Morning',
      stackName: 'S',
      expression: 'cron(0 8 * * ? *)',
      timeZone: 'Europe/Tirane',
      targets: [{ arn: 'morning' }],
    };
    runners.push(startSchedules([morning], invoker, () => {}, clock));
    await clock.advance(17 * HOUR + 59 * 60_000); // 2026-07-15T05:59Z = 07:59 in Tirane (CEST)
    expect(invoker.calls).toHaveLength(0);
    await clock.advance(60_000); // 06:00Z = 08:00 CEST
    expect(invoker.calls.map((c) => c.event.time)).toEqual(['2026-07-15T06:00:00Z']);

    // Into winter: 120 days pass, of which the last fire time is 08:00 CET = 07:00Z.
    await clock.advance(120 * 24 * HOUR + 2 * HOUR); // 2026-11-12T08:00Z
    expect(invoker.calls.map((c) => c.event.time)).toEqual(['2026-07-15T06:00:00Z', '2026-11-12T07:00:00Z']);
  });

  it('fires an at() schedule once when the clock jumps past it, and never again', async () => {
    const clock = frozenClock('2026-07-01T00:00:00.000Z');
    const invoker = new FakeInvoker();
    const lines: string[] = [];
    const once: LocalSchedule = {
      logicalId: 'Once',
      stackName: 'S',
      expression: 'at(2026-07-01T09:30:00)',
      timeZone: 'Europe/Tirane',
      targets: [{ arn: 'once', input: '{"kind":"once"}' }],
    };
    runners.push(startSchedules([once], invoker, (l) => lines.push(l), clock));
    await clock.advance(7 * HOUR + 29 * 60_000); // 07:29Z = 09:29 CEST
    expect(invoker.calls).toHaveLength(0);
    await clock.advance(3 * HOUR);
    expect(invoker.calls.map((c) => c.event)).toEqual([{ kind: 'once' }]);
    await clock.advance(400 * 24 * HOUR);
    expect(invoker.calls).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/Once: one-time schedule done/);
  });

  it('fires a passed at() at start once, and remembers it in the data folder across a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bashke-schedules-'));
    dirs.push(dataDir);
    const clock = frozenClock('2026-08-01T00:00:00.000Z');
    const once: LocalSchedule = {
      logicalId: 'Passed',
      stackName: 'S',
      expression: 'at(2026-07-01T09:30:00)',
      targets: [{ arn: 'passed' }],
    };
    const first = new FakeInvoker();
    const runner = startSchedules([once], first, () => {}, clock, { dataDir });
    runners.push(runner);
    const deadline = Date.now() + 2_000;
    while (first.calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    expect(first.calls.map((c) => c.event.time)).toEqual(['2026-07-01T09:30:00Z']);
    runner.stop();

    const second = new FakeInvoker();
    runners.push(startSchedules([once], second, () => {}, clock, { dataDir }));
    await clock.advance(HOUR);
    await new Promise((r) => setTimeout(r, 50));
    expect(second.calls).toHaveLength(0);
  });
});

describe('schedule targets that are state machines', () => {
  it('starts an execution with the target’s input instead of invoking a function', async () => {
    const clock = frozenClock('2026-03-29T10:00:30.000Z');
    const invoker = new FakeInvoker();
    const started: Array<{ arn: string; input: string }> = [];
    const flow: LocalSchedule = {
      logicalId: 'Flow',
      stackName: 'S',
      expression: 'rate(1 hour)',
      targets: [
        { arn: 'arn:aws:states:eu-central-1:000000000000:stateMachine:S-Flow', input: '{"sweep":true}' },
      ],
    };
    runners.push(
      startSchedules([flow], invoker, () => {}, clock, {
        startExecution: async (arn, input) => void started.push({ arn, input }),
      }),
    );
    await clock.advance(HOUR);
    expect(started).toEqual([{ arn: flow.targets[0]?.arn, input: '{"sweep":true}' }]);
    expect(invoker.calls).toHaveLength(0);
  });
});
