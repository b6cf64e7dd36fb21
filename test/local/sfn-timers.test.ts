/**
 * The control plane's clock: the Timers scheduler, task tokens, and deadlines far beyond
 * what the engine's (and Node's) timers can hold, moved on by an injected clock.
 */
import type { FunctionInvoker, InvokeResult, LocalStateMachine } from '../../local/engine/model';
import { StepFunctionsControlPlane } from '../../local/engine/sfn/control-plane';
import { Timers } from '../../local/engine/sfn/timers';
import { isWellFormedTaskToken, newTaskToken, TASK_TOKEN_LENGTH } from '../../local/engine/sfn/tokens';

const DAY_MS = 24 * 3600 * 1000;
const tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

/** A clock that runs with real time plus an offset a test can jump. */
function jumpingClock() {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    jump: (ms: number) => {
      offset += ms;
    },
  };
}

describe('Timers', () => {
  it('fires due timers in order and never a cancelled one', async () => {
    const timers = new Timers();
    const fired: string[] = [];
    const now = Date.now();
    timers.schedule(new Date(now + 40), () => fired.push('b'));
    timers.schedule(new Date(now + 10), () => fired.push('a'));
    const cancelled = timers.schedule(new Date(now + 20), () => fired.push('x'));
    timers.schedule(new Date(now - 1000), () => fired.push('past'));
    timers.cancel(cancelled);
    await tick(80);
    expect(fired).toEqual(['past', 'a', 'b']);
    expect(timers.pending()).toEqual([]);
    timers.dispose();
  });

  it('holds a timer past the 24.8-day setTimeout limit and fires it when the clock gets there', async () => {
    const clock = jumpingClock();
    const timers = new Timers({ now: clock.now });
    let fired = 0;
    const dueAt = new Date(clock.now().getTime() + 30 * DAY_MS);
    timers.schedule(dueAt, () => fired++);
    await tick();
    expect(fired).toBe(0);
    expect(timers.pending()).toEqual([{ id: expect.any(Number), dueAt }]);

    clock.jump(30 * DAY_MS - 60_000);
    timers.refresh();
    await tick();
    expect(fired).toBe(0);
    clock.jump(60_000);
    timers.refresh();
    await tick();
    expect(fired).toBe(1);
    timers.dispose();
  });

  it('reports a throwing callback and carries on; dispose cancels everything', async () => {
    const errors: unknown[] = [];
    const timers = new Timers({ onError: (e) => errors.push(e) });
    let later = 0;
    timers.schedule(new Date(), () => {
      throw new Error('boom');
    });
    timers.schedule(new Date(Date.now() + 20), () => later++);
    timers.schedule(new Date(Date.now() + 5000), () => later++);
    await tick(60);
    expect(errors).toHaveLength(1);
    expect(later).toBe(1);
    timers.dispose();
    expect(timers.pending()).toEqual([]);
    expect(() => timers.schedule(new Date(), () => {})).toThrow(/disposed/);
  });
});

describe('task tokens', () => {
  it('are long, opaque, unique and checkable', () => {
    const a = newTaskToken();
    const b = newTaskToken();
    expect(a).not.toBe(b);
    expect(a).toHaveLength(TASK_TOKEN_LENGTH);
    expect(TASK_TOKEN_LENGTH).toBeGreaterThan(256);
    expect(isWellFormedTaskToken(a)).toBe(true);
    const flipped = `${a.slice(0, 10)}${a[10] === 'A' ? 'B' : 'A'}${a.slice(11)}`;
    expect(isWellFormedTaskToken(flipped)).toBe(false);
    expect(isWellFormedTaskToken(a.slice(0, -1))).toBe(false);
    expect(isWellFormedTaskToken('')).toBe(false);
    expect(isWellFormedTaskToken('x'.repeat(TASK_TOKEN_LENGTH))).toBe(false);
  });
});

describe('long deadlines on the control plane', () => {
  const REGION = 'eu-central-1';
  const ACCOUNT = '123456789012';
  const arn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Long`;
  const notify = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:Notify`;
  const LONG: LocalStateMachine = {
    logicalId: 'Long',
    stackName: 'Test',
    name: 'Long',
    arn,
    definition: JSON.stringify({
      StartAt: 'Kind',
      States: {
        Kind: {
          Type: 'Choice',
          Choices: [{ Variable: '$.kind', StringEquals: 'wait', Next: 'FollowUp' }],
          Default: 'Ask',
        },
        // 60 days: more than the engine's timers hold (they would fire at once).
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: notify, Payload: { 'taskToken.$': '$$.Task.Token' } },
          TimeoutSeconds: 60 * 24 * 3600,
          Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Escalate' }],
          End: true,
        },
        Escalate: { Type: 'Pass', End: true },
        FollowUp: { Type: 'Wait', TimestampPath: '$.until', End: true },
      },
    }),
  };

  it('a 60-day callback deadline and a Wait until a date 90 days ahead wait until the clock gets there', async () => {
    const clock = jumpingClock();
    const calls: unknown[] = [];
    const invoker: FunctionInvoker = {
      invoke: async (_fn, payload): Promise<InvokeResult> => {
        calls.push(payload);
        return { ok: true, payload: null };
      },
    };
    const plane = new StepFunctionsControlPlane({
      stateMachines: [LONG],
      invoker,
      region: REGION,
      accountId: ACCOUNT,
      now: clock.now,
    });
    try {
      const ask = await plane.startExecution({ stateMachineArn: arn, input: '{"kind":"ask"}' });
      const until = new Date(clock.now().getTime() + 90 * DAY_MS).toISOString();
      const wait = await plane.startExecution({
        stateMachineArn: arn,
        input: JSON.stringify({ kind: 'wait', until }),
      });
      await tick(300);
      expect(calls).toHaveLength(1);
      expect((await plane.describeExecution({ executionArn: ask.executionArn })).status).toBe('RUNNING');
      expect((await plane.describeExecution({ executionArn: wait.executionArn })).status).toBe('RUNNING');
      const [token] = plane.executionRecords().flatMap((r) => r.tasks);
      expect(token).toMatchObject({ state: 'Ask', status: 'OPEN', dueAt: expect.any(String) });
      const waiting = plane.executionRecords().find((r) => r.executionArn === wait.executionArn);
      expect(waiting?.waits).toEqual([{ state: 'FollowUp', dueAt: until, inputKey: expect.any(String) }]);

      clock.jump(60 * DAY_MS);
      plane.refreshTimers();
      await plane.executionDone(ask.executionArn);
      const asked = await plane.describeExecution({ executionArn: ask.executionArn });
      expect(asked.status).toBe('SUCCEEDED');
      expect(JSON.parse(asked.output as string).error.Error).toBe('States.Timeout');
      expect(token?.status).toBe('TIMED_OUT');
      expect((await plane.describeExecution({ executionArn: wait.executionArn })).status).toBe('RUNNING');

      clock.jump(30 * DAY_MS);
      plane.refreshTimers();
      await plane.executionDone(wait.executionArn);
      const waited = await plane.describeExecution({ executionArn: wait.executionArn });
      expect(waited.status).toBe('SUCCEEDED');
      expect(waited.stopDate?.getTime()).toBeGreaterThanOrEqual(Date.parse(until));
      expect(waiting?.waits).toEqual([]);
    } finally {
      await plane.dispose();
    }
  });

  it('a jump of the clock while a function runs does not time its call out: the function runs in real time', async () => {
    const clock = jumpingClock();
    const machine: LocalStateMachine = {
      ...LONG,
      logicalId: 'Quick',
      name: 'Quick',
      arn: arn.replace(/Long$/, 'Quick'),
      definition: JSON.stringify({
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: notify, Payload: {} },
            TimeoutSeconds: 30,
            End: true,
          },
        },
      }),
    };
    const invoker: FunctionInvoker = {
      invoke: async (): Promise<InvokeResult> => {
        // Someone moves the clock a day on while the function is busy for 200 ms.
        await tick(20);
        clock.jump(DAY_MS);
        plane.refreshTimers();
        await tick(200);
        return { ok: true, payload: { done: true } };
      },
    };
    // The invoker above refers to it; it runs only once the plane is made.
    const plane: StepFunctionsControlPlane = new StepFunctionsControlPlane({
      stateMachines: [machine],
      invoker,
      region: REGION,
      accountId: ACCOUNT,
      now: clock.now,
    });
    try {
      const { executionArn } = await plane.startExecution({ stateMachineArn: machine.arn, input: '{}' });
      await plane.executionDone(executionArn);
      expect((await plane.describeExecution({ executionArn })).status).toBe('SUCCEEDED');
    } finally {
      await plane.dispose();
    }
  });

  it('dispose leaves a running execution RUNNING with its token open, as a crash would', async () => {
    const invoker: FunctionInvoker = { invoke: async () => ({ ok: true, payload: null }) };
    const plane = new StepFunctionsControlPlane({
      stateMachines: [LONG],
      invoker,
      region: REGION,
      accountId: ACCOUNT,
    });
    const { executionArn } = await plane.startExecution({ stateMachineArn: arn, input: '{"kind":"ask"}' });
    await tick(100);
    await plane.dispose();
    const [record] = plane.executionRecords();
    expect(record).toMatchObject({ executionArn, status: 'RUNNING', tasks: [{ status: 'OPEN' }] });
    expect(record?.stopDate).toBeUndefined();
    // The record is plain data.
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });
});
