/**
 * Parked executions: a wait at a top-level state (a callback, a Wait, a retry backoff) lets
 * the engine go; an answer, a deadline, the due time or a stop wakes the execution, which
 * goes on as if it had never stopped (same history, same outputs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FunctionInvoker, InvokeResult } from '../../local/engine/model';
import { StepFunctionsControlPlane } from '../../local/engine/sfn/control-plane';
import { ACCOUNT, eventually, fnArn, machine, REGION } from '../support/sfn-fixtures';

const FLOW = machine('Flow', {
  StartAt: 'Ask',
  States: {
    Ask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: fnArn('Notify'),
        Payload: { 'id.$': '$.id', 'taskToken.$': '$$.Task.Token' },
      },
      TimeoutSeconds: 3600,
      ResultPath: '$.answer',
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' }],
      Next: 'Hold',
    },
    Hold: { Type: 'Wait', Seconds: 600, Next: 'Work' },
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fnArn('Work'), 'Payload.$': '$' },
      ResultSelector: { 'value.$': '$.Payload' },
      ResultPath: '$.work',
      Retry: [{ ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 60, MaxAttempts: 1 }],
      End: true,
    },
    TimedOut: { Type: 'Pass', End: true },
  },
});

class Invoker implements FunctionInvoker {
  readonly tokens = new Map<string, string>();
  workCalls = 0;
  async invoke(fn: string, payload: unknown): Promise<InvokeResult> {
    if (fn === fnArn('Notify')) {
      const { id, taskToken } = payload as { id: string; taskToken: string };
      this.tokens.set(id, taskToken);
      return { ok: true, payload: null };
    }
    this.workCalls++;
    return this.workCalls === 1
      ? { ok: false, errorType: 'Lambda.ServiceException', errorMessage: 'busy' }
      : { ok: true, payload: 'worked' };
  }
}

let t: number;
let plane: StepFunctionsControlPlane;
let invoker: Invoker;
const arnOf = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:Flow:${name}`;

/** A plane's options on a data folder: what it keeps survives the next plane on the folder. */
const durable = (dataDir: string) => ({
  stateMachines: [FLOW],
  invoker,
  region: REGION,
  accountId: ACCOUNT,
  now: () => new Date(t),
  dataDir,
});
const recordOf = (name: string) => plane.executionRecords().find((r) => r.name === name);
const types = (name: string) => recordOf(name)?.history.map((e) => e.type) ?? [];

beforeEach(() => {
  t = Date.parse('2030-06-01T10:00:00.000Z');
  invoker = new Invoker();
  plane = new StepFunctionsControlPlane({
    stateMachines: [FLOW],
    invoker,
    region: REGION,
    accountId: ACCOUNT,
    now: () => new Date(t),
  });
});

afterEach(async () => {
  await plane.dispose();
});

describe('parked executions', () => {
  it('stay parked across a restart: no engine until the answer or the due time', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bashke-sfn-parking-'));
    const options = durable(dataDir);
    try {
      const first = new StepFunctionsControlPlane(options);
      await first.startExecution({ stateMachineArn: FLOW.arn, name: 'r-1', input: '{"id":"r-1"}' });
      await first.startExecution({ stateMachineArn: FLOW.arn, name: 'r-2', input: '{"id":"r-2"}' });
      await eventually(() => invoker.tokens.size === 2 && first.memoryStats().engines === 0, 'both to park');
      await first.sendTaskSuccess({ taskToken: invoker.tokens.get('r-2') as string, output: '"yes"' });
      await eventually(
        () =>
          first.executionRecords().find((r) => r.name === 'r-2')?.waits.length === 1 &&
          first.memoryStats().engines === 0,
        'r-2 to park on its Wait',
      );
      await first.dispose();

      const second = new StepFunctionsControlPlane(options);
      try {
        await eventually(() => second.memoryStats().engines === 0, 'the restored executions to park');
        expect(second.memoryStats()).toEqual({ executions: 2, engines: 0 });
        await second.sendTaskSuccess({ taskToken: invoker.tokens.get('r-1') as string, output: '"ok"' });
        t += 600_000;
        second.refreshTimers();
        invoker.workCalls = 1;
        await second.executionDone(arnOf('r-2'));
        expect((await second.describeExecution({ executionArn: arnOf('r-2') })).status).toBe('SUCCEEDED');
        t += 600_000;
        second.refreshTimers();
        await second.executionDone(arnOf('r-1'));
        const r1 = await second.describeExecution({ executionArn: arnOf('r-1') });
        expect(JSON.parse(r1.output as string)).toEqual({
          id: 'r-1',
          answer: 'ok',
          work: { value: 'worked' },
        });
      } finally {
        await second.dispose();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a plane disposed at once after restoring parked executions settles, and they stay as they were', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bashke-sfn-parking-'));
    const options = durable(dataDir);
    try {
      const first = new StepFunctionsControlPlane(options);
      for (const n of [1, 2, 3]) {
        await first.startExecution({ stateMachineArn: FLOW.arn, name: `d-${n}`, input: `{"id":"d-${n}"}` });
      }
      await eventually(() => invoker.tokens.size === 3 && first.memoryStats().engines === 0, 'all to park');
      await first.dispose();

      // A start that fails right after the restore (as the launcher's did when a port was taken)
      // disposes the plane before the restored runs have parked: it must not wait for ever.
      const second = new StepFunctionsControlPlane(options);
      let timer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([
        second.dispose().then(() => 'disposed'),
        new Promise((r) => {
          timer = setTimeout(() => r('still waiting'), 5_000);
        }),
      ]);
      clearTimeout(timer);
      expect(settled).toBe('disposed');

      // Nothing was written by the disposal: the next plane finds them parked on their offers.
      const third = new StepFunctionsControlPlane(options);
      try {
        await eventually(() => third.memoryStats().engines === 0, 'the restored executions to park');
        expect(third.memoryStats()).toEqual({ executions: 3, engines: 0 });
        expect((await third.describeExecution({ executionArn: arnOf('d-2') })).status).toBe('RUNNING');
      } finally {
        await third.dispose();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('let the engine go at a callback, a Wait and a retry backoff, and go on when woken', async () => {
    await plane.startExecution({ stateMachineArn: FLOW.arn, name: 'p-1', input: '{"id":"p-1"}' });
    const taskToken = await eventually(() => invoker.tokens.get('p-1'), 'the token');
    // Parked on its callback: no engine.
    await eventually(() => plane.memoryStats().engines === 0, 'the callback to park');
    expect(plane.memoryStats()).toEqual({ executions: 1, engines: 0 });

    await plane.sendTaskSuccess({ taskToken, output: '"yes"' });
    // Woken, then parked again on the Wait.
    await eventually(() => recordOf('p-1')?.waits.length === 1, 'the wait');
    await eventually(() => plane.memoryStats().engines === 0, 'the wait to park');

    t += 600_000;
    plane.refreshTimers();
    // Work fails once: parked again on its backoff.
    await eventually(() => recordOf('p-1')?.retries[0]?.dueAt, 'the backoff');
    await eventually(() => plane.memoryStats().engines === 0, 'the backoff to park');
    expect(invoker.workCalls).toBe(1);

    t += 60_000;
    plane.refreshTimers();
    await plane.executionDone(arnOf('p-1'));
    const done = await plane.describeExecution({ executionArn: arnOf('p-1') });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({
      id: 'p-1',
      answer: 'yes',
      work: { value: 'worked' },
    });
    // The history of an execution that never let go of its engine.
    expect(types('p-1')).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    const ids = recordOf('p-1')?.history.map((e) => e.id);
    expect(ids).toEqual(ids?.map((_, i) => i + 1));
  });

  it('a parked callback times out at its deadline into its Catch; a parked execution can be stopped', async () => {
    await plane.startExecution({ stateMachineArn: FLOW.arn, name: 'p-2', input: '{"id":"p-2"}' });
    await plane.startExecution({ stateMachineArn: FLOW.arn, name: 'p-3', input: '{"id":"p-3"}' });
    await eventually(() => invoker.tokens.size === 2 && plane.memoryStats().engines === 0, 'both to park');

    t += 3600_000;
    plane.refreshTimers();
    await plane.executionDone(arnOf('p-2'));
    const timedOut = await plane.describeExecution({ executionArn: arnOf('p-2') });
    expect(JSON.parse(timedOut.output as string).error.Error).toBe('States.Timeout');

    // p-3's deadline fired too; stop p-2's sibling while it sits in its Wait.
    await eventually(
      () => recordOf('p-3')?.status === 'SUCCEEDED' || recordOf('p-3')?.waits.length === 0,
      'p-3',
    );
    const stopped = await plane.startExecution({
      stateMachineArn: FLOW.arn,
      name: 'p-4',
      input: '{"id":"p-4"}',
    });
    await eventually(() => invoker.tokens.has('p-4') && plane.memoryStats().engines === 0, 'p-4 to park');
    await plane.stopExecution({
      executionArn: stopped.executionArn,
      error: 'Test',
      cause: 'stopped while parked',
    });
    expect(await plane.describeExecution({ executionArn: stopped.executionArn })).toMatchObject({
      status: 'ABORTED',
      error: 'Test',
    });
    expect(types('p-4').at(-1)).toBe('ExecutionAborted');
  });
});
