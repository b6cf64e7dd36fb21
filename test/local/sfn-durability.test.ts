/**
 * The local Step Functions keeps its word across a restart: executions are saved in a data
 * folder; a new control plane on the same folder resumes running ones (callback tokens
 * issued before stay valid, waits and retry backoffs keep their absolute due times) and can
 * still describe finished ones. `dispose()` of the first plane stands in for a crash.
 */
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FunctionInvoker, InvokeResult, LocalStateMachine } from '../../local/engine/model';
import {
  type ExecutionRecord,
  StepFunctionsControlPlane,
  type StepFunctionsControlPlaneOptions,
} from '../../local/engine/sfn/control-plane';
import { SfnApiError } from '../../local/engine/sfn/errors';
import { ExecutionStore } from '../../local/engine/sfn/store';
import { TASK_INPUT_VERSION } from '../../shared/workflow/task-input';
import { ReferralState as S } from '../../workflows/referral-states';
import { eventually, executionArn, fnArn, machine, machineArn, ok, REGION } from '../support/sfn-fixtures';
import { FAKE_ACCOUNT, synthStateMachine } from '../support/workflow-asl';

const DAY_MS = 24 * 3600 * 1000;

type Fn = (payload: unknown) => InvokeResult | Promise<InvokeResult>;

/** A FunctionInvoker over plain functions that counts calls across planes. */
class FakeInvoker implements FunctionInvoker {
  readonly calls: Array<{ fn: string; payload: unknown }> = [];
  constructor(private readonly fns: Record<string, Fn>) {}
  async invoke(fn: string, payload: unknown): Promise<InvokeResult> {
    this.calls.push({ fn, payload });
    const code = this.fns[fn];
    if (!code) return { ok: false, errorType: 'Lambda.ResourceNotFoundException', errorMessage: fn };
    return code(payload);
  }
  count(fn: string): number {
    return this.calls.filter((c) => c.fn === fn).length;
  }
}

const settle = (ms = 100) => new Promise((r) => setTimeout(r, ms));

async function rejection(promise: Promise<unknown>): Promise<SfnApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SfnApiError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

const CALLBACK = machine('Callback', {
  StartAt: 'Ask',
  States: {
    Ask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: fnArn('Notify'),
        Payload: { 'caseId.$': '$.caseId', 'taskToken.$': '$$.Task.Token' },
      },
      TimeoutSeconds: 3600,
      ResultPath: '$.answer',
      Catch: [
        { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'Rejected' },
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' },
      ],
      Next: 'Answered',
    },
    Answered: { Type: 'Pass', End: true },
    Rejected: { Type: 'Pass', End: true },
    TimedOut: { Type: 'Pass', Result: 'TIMED_OUT', ResultPath: '$.outcome', End: true },
  },
});

const WAIT = machine('Wait', {
  StartAt: 'Before',
  States: {
    Before: { Type: 'Pass', Result: 'before', ResultPath: '$.before', Next: 'Hold' },
    Hold: { Type: 'Wait', Seconds: 2_592_000, Next: 'After' },
    After: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fnArn('After'), 'Payload.$': '$' },
      ResultSelector: { 'value.$': '$.Payload' },
      ResultPath: '$.after',
      End: true,
    },
  },
});

const RETRY = machine('Retry', {
  StartAt: 'Work',
  States: {
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fnArn('Work'), 'Payload.$': '$' },
      Retry: [
        { ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 3600, BackoffRate: 2, MaxAttempts: 2 },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'GaveUp' }],
      End: true,
    },
    GaveUp: { Type: 'Pass', End: true },
  },
});

/** Callbacks inside a Map: a resume runs the whole Map again. */
const FAN = machine('Fan', {
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      ResultPath: '$.answers',
      Iterator: {
        StartAt: 'AskOne',
        States: {
          AskOne: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: {
              FunctionName: fnArn('Notify'),
              Payload: { 'item.$': '$', 'taskToken.$': '$$.Task.Token' },
            },
            TimeoutSeconds: 3600,
            End: true,
          },
        },
      },
      Next: 'Done',
    },
    Done: { Type: 'Pass', End: true },
  },
});

/** The execution's own deadline. */
const DEADLINE = machine('Deadline', {
  StartAt: 'Hold',
  TimeoutSeconds: 7200,
  States: {
    Hold: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: fnArn('Notify'), Payload: { 'taskToken.$': '$$.Task.Token' } },
      End: true,
    },
  },
});

/** A plain lambda:invoke, then a callback inside a Parallel branch. */
const PLAIN_AND_BRANCH = machine('PlainAndBranch', {
  StartAt: 'Work',
  States: {
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fnArn('Work'), 'Payload.$': '$' },
      ResultSelector: { 'value.$': '$.Payload' },
      ResultPath: '$.work',
      Next: 'Both',
    },
    Both: {
      Type: 'Parallel',
      ResultPath: '$.both',
      Branches: [
        {
          StartAt: 'AskInBranch',
          States: {
            AskInBranch: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: fnArn('Notify'), Payload: { 'taskToken.$': '$$.Task.Token' } },
              TimeoutSeconds: 3600,
              End: true,
            },
          },
        },
        { StartAt: 'Other', States: { Other: { Type: 'Pass', Result: 'other', End: true } } },
      ],
      End: true,
    },
  },
});

const MACHINES = [CALLBACK, WAIT, RETRY, FAN, DEADLINE, PLAIN_AND_BRANCH];

/** A function that never returns: the process is killed while it runs. */
const hang = (): Promise<InvokeResult> => new Promise<InvokeResult>(() => {});
const tokenIn = (call: { payload: unknown } | undefined): string => {
  if (!call) throw new Error('no such call');
  return (call.payload as { taskToken: string }).taskToken;
};

let dataDir: string;
let t: number;
const now = () => new Date(t);
const planes: StepFunctionsControlPlane[] = [];
const logged: string[] = [];

function plane(
  invoker: FunctionInvoker,
  more: Partial<StepFunctionsControlPlaneOptions> = {},
): StepFunctionsControlPlane {
  const created = new StepFunctionsControlPlane({
    stateMachines: MACHINES,
    invoker,
    region: REGION,
    accountId: FAKE_ACCOUNT,
    now,
    dataDir,
    log: (message) => logged.push(message),
    ...more,
  });
  planes.push(created);
  return created;
}

/** The record as saved on disk. */
function saved(arn: string): ExecutionRecord {
  const store = new ExecutionStore(dataDir);
  const record = store.load().records.find((r) => r.executionArn === arn);
  if (!record) throw new Error(`${arn} is not saved`);
  return record;
}

const historyTypes = async (p: StepFunctionsControlPlane, arn: string) =>
  (await p.getExecutionHistory({ executionArn: arn, maxResults: 1000 })).events.map((e) => e.type);

async function expectLinearHistory(p: StepFunctionsControlPlane, arn: string): Promise<void> {
  const { events } = await p.getExecutionHistory({ executionArn: arn, maxResults: 1000 });
  expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
  expect(events.map((e) => e.previousEventId)).toEqual(events.map((_, i) => i));
}

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'bashke-sfn-durable-'));
  t = Date.parse('2030-03-01T09:00:00.000Z');
  logged.length = 0;
});

afterEach(async () => {
  for (const p of planes.splice(0)) await p.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * A CALLBACK execution parked on its token (its function returned: TaskSubmitted), then the
 * plane disposed as a crash would leave it.
 */
async function parkedThenCrashed(name: string, caseId: string) {
  const invoker = new FakeInvoker({ [fnArn('Notify')]: () => ok({ notified: true }) });
  const first = plane(invoker);
  const arn = executionArn('Callback', name);
  await first.startExecution({ stateMachineArn: CALLBACK.arn, name, input: JSON.stringify({ caseId }) });
  const { taskToken } = (await eventually(() => invoker.calls[0], 'the Notify call')).payload as {
    taskToken: string;
  };
  await eventually(
    () => first.executionRecords()[0]?.history.some((e) => e.type === 'TaskSubmitted'),
    'submitted',
  );
  await first.dispose();
  return { invoker, arn, taskToken };
}

describe('durable executions', () => {
  it('a callback survives a restart: the token issued before answers it; the function runs once', async () => {
    const { invoker, arn, taskToken } = await parkedThenCrashed('cb-1', 'c-1');

    const before = saved(arn);
    expect(before).toMatchObject({
      status: 'RUNNING',
      current: { state: 'Ask', input: '{"caseId":"c-1"}' },
      tasks: [{ token: taskToken, state: 'Ask', status: 'OPEN', attempt: 1 }],
    });
    expect(before.tasks[0]?.dueAt).toBe(new Date(t + 3600_000).toISOString());

    t += 60_000;
    const second = plane(invoker);
    expect(second.restoreReport().resumed).toEqual([arn]);
    // Answered at once, before the resumed engine has reached the state again.
    await second.sendTaskSuccess({ taskToken, output: '{"decision":"accept"}' });
    await second.executionDone(arn);
    const done = await second.describeExecution({ executionArn: arn });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({ caseId: 'c-1', answer: { decision: 'accept' } });
    expect(invoker.count(fnArn('Notify'))).toBe(1);
    // The token is spent, not unknown.
    expect((await rejection(second.sendTaskSuccess({ taskToken, output: '{}' }))).type).toBe('TaskTimedOut');

    expect(await historyTypes(second, arn)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    await expectLinearHistory(second, arn);
    expect(saved(arn)).toMatchObject({
      status: 'SUCCEEDED',
      tasks: [{ status: 'SUCCEEDED' }],
      waits: [],
      retries: [],
    });
  });

  it('a crash between removing the old file and renaming the new one in: the new record is restored', async () => {
    const { invoker, arn, taskToken } = await parkedThenCrashed('cb-between', 'c-2');
    // What the crash leaves: the record complete under its temporary name, its file gone.
    const folder = path.join(dataDir, 'executions');
    const file = readdirSync(folder).find((f) => f.endsWith('.json') && f.includes('cb-between')) as string;
    renameSync(path.join(folder, file), path.join(folder, `${file}.4243.tmp`));

    const second = plane(invoker);
    expect(second.restoreReport()).toMatchObject({ resumed: [arn], skipped: [] });
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await second.sendTaskSuccess({ taskToken, output: '{"decision":"accept"}' });
    await second.executionDone(arn);
    expect((await second.describeExecution({ executionArn: arn })).status).toBe('SUCCEEDED');
    expect(invoker.count(fnArn('Notify'))).toBe(1);
  });

  it('a callback deadline keeps its due time across a restart and then times out (States.Timeout caught)', async () => {
    const invoker = new FakeInvoker({ [fnArn('Notify')]: () => ok(null) });
    const first = plane(invoker);
    const arn = executionArn('Callback', 'cb-2');
    const dueAt = t + 3600_000;
    await first.startExecution({ stateMachineArn: CALLBACK.arn, name: 'cb-2', input: '{"caseId":"c-2"}' });
    const { taskToken } = (await eventually(() => invoker.calls[0], 'the Notify call')).payload as {
      taskToken: string;
    };
    await first.dispose();

    // Restart 50 minutes in: 10 minutes are left, not a fresh hour.
    t += 50 * 60_000;
    const second = plane(invoker);
    t = dueAt - 1000;
    second.refreshTimers();
    await settle();
    expect((await second.describeExecution({ executionArn: arn })).status).toBe('RUNNING');
    await second.sendTaskHeartbeat({ taskToken });

    t = dueAt + 1000;
    second.refreshTimers();
    await second.executionDone(arn);
    const done = await second.describeExecution({ executionArn: arn });
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output as string);
    expect(output.outcome).toBe('TIMED_OUT');
    expect(output.error.Error).toBe('States.Timeout');
    expect(invoker.count(fnArn('Notify'))).toBe(1);
    expect((await rejection(second.sendTaskSuccess({ taskToken, output: '{}' }))).type).toBe('TaskTimedOut');
    expect(await historyTypes(second, arn)).toContain('TaskTimedOut');
    await expectLinearHistory(second, arn);
  });

  it('a 30-day Wait survives a restart and ends at its persisted due time', async () => {
    const invoker = new FakeInvoker({ [fnArn('After')]: () => ok('after') });
    // Short engine slices: the wait hands control back to the engine several times.
    const first = plane(invoker, { engineSliceMs: 7 * DAY_MS });
    const arn = executionArn('Wait', 'w-1');
    const dueAt = t + 30 * DAY_MS;
    await first.startExecution({ stateMachineArn: WAIT.arn, name: 'w-1', input: '{"n":1}' });
    await eventually(() => first.executionRecords()[0]?.waits.length === 1, 'the wait');
    t += 10 * DAY_MS;
    first.refreshTimers();
    await settle();
    await first.dispose();
    expect(saved(arn)).toMatchObject({
      status: 'RUNNING',
      current: { state: 'Hold', input: '{"n":1,"before":"before"}' },
      waits: [{ state: 'Hold', dueAt: new Date(dueAt).toISOString() }],
    });

    t += DAY_MS;
    const second = plane(invoker, { engineSliceMs: 7 * DAY_MS });
    await settle();
    t = dueAt - 1000;
    second.refreshTimers();
    await settle();
    expect((await second.describeExecution({ executionArn: arn })).status).toBe('RUNNING');
    expect(invoker.count(fnArn('After'))).toBe(0);

    t = dueAt;
    second.refreshTimers();
    await second.executionDone(arn);
    const done = await second.describeExecution({ executionArn: arn });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({ n: 1, before: 'before', after: { value: 'after' } });
    expect(done.stopDate?.getTime()).toBeGreaterThanOrEqual(dueAt);
    expect(invoker.count(fnArn('After'))).toBe(1);
    const types = await historyTypes(second, arn);
    expect(types.filter((x) => x === 'WaitStateEntered')).toHaveLength(1);
    expect(types.slice(0, 6)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'TaskStateEntered',
    ]);
    await expectLinearHistory(second, arn);
  });

  it('a retry backoff survives restarts; the attempt count and MaxAttempts hold across them', async () => {
    const invoker = new FakeInvoker({
      [fnArn('Work')]: () => ({ ok: false, errorType: 'Lambda.ServiceException', errorMessage: 'try again' }),
    });
    const work = fnArn('Work');
    const arn = executionArn('Retry', 'r-1');
    const start = t;
    const first = plane(invoker);
    await first.startExecution({ stateMachineArn: RETRY.arn, name: 'r-1', input: '{"job":7}' });
    await eventually(() => first.executionRecords()[0]?.retries[0]?.dueAt, 'the first backoff');
    await first.dispose();
    expect(invoker.count(work)).toBe(1);
    expect(saved(arn).retries).toEqual([
      {
        state: 'Work',
        inputKey: expect.any(String),
        attempt: 2,
        retriesByRetrier: [1],
        dueAt: new Date(start + 3600_000).toISOString(),
      },
    ]);

    // Restart during the first backoff (1 h): the second attempt runs at its due time.
    t += 30 * 60_000;
    const second = plane(invoker);
    await settle();
    expect(invoker.count(work)).toBe(1);
    t = start + 3600_000;
    second.refreshTimers();
    await eventually(() => second.executionRecords()[0]?.retries[0]?.attempt === 3, 'the second backoff');
    expect(invoker.count(work)).toBe(2);
    const backoff = second.executionRecords()[0]?.retries[0];
    // BackoffRate 2: two hours after the second attempt.
    expect(backoff).toMatchObject({ retriesByRetrier: [2], dueAt: new Date(t + 7200_000).toISOString() });
    await second.dispose();

    // Restart during the second backoff: one last attempt, then MaxAttempts (2 retries) holds.
    const third = plane(invoker);
    t += 7200_000;
    third.refreshTimers();
    await third.executionDone(arn);
    await settle();
    expect(invoker.count(work)).toBe(3);
    const done = await third.describeExecution({ executionArn: arn });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string).error.Error).toBe('Lambda.ServiceException');
    const types = await historyTypes(third, arn);
    expect(types.filter((x) => x === 'TaskFailed')).toHaveLength(3);
    expect(types.filter((x) => x === 'TaskStateEntered')).toHaveLength(1);
    await expectLinearHistory(third, arn);
  });

  it('a callback inside a Map: the Map runs again; its iterations take up their tokens and answers', async () => {
    const invoker = new FakeInvoker({ [fnArn('Notify')]: () => ok(null) });
    const tokenOf = (item: string, n = 0) =>
      (
        invoker.calls.filter((c) => (c.payload as { item: string }).item === item)[n]?.payload as {
          taskToken: string;
        }
      )?.taskToken;
    const first = plane(invoker);
    const arn = executionArn('Fan', 'fan-1');
    await first.startExecution({ stateMachineArn: FAN.arn, name: 'fan-1', input: '{"items":["a","b"]}' });
    await eventually(() => invoker.calls.length === 2, 'both Notify calls');
    await first.sendTaskSuccess({ taskToken: tokenOf('a') as string, output: '"A"' });
    await settle();
    const tokenB = tokenOf('b') as string;
    await first.dispose();
    expect(saved(arn).current?.state).toBe('Each');

    const second = plane(invoker);
    // Iteration a was answered in this visit of the Map: it takes up its answer, nobody is
    // asked again. Iteration b's function had returned: b waits on its token.
    await settle(200);
    await second.sendTaskSuccess({ taskToken: tokenB, output: '"B"' });
    await second.executionDone(arn);
    const done = await second.describeExecution({ executionArn: arn });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string).answers).toEqual(['A', 'B']);
    expect(invoker.calls.map((c) => (c.payload as { item: string }).item).sort()).toEqual(['a', 'b']);
    await expectLinearHistory(second, arn);
  });

  it('callbacks inside a Map whose functions had not returned are invoked again with their tokens', async () => {
    let notify: Fn = hang;
    const invoker = new FakeInvoker({ [fnArn('Notify')]: (p) => notify(p) });
    const callsFor = (item: string) =>
      invoker.calls.filter((c) => (c.payload as { item: string }).item === item);
    const first = plane(invoker);
    const arn = executionArn('Fan', 'fan-2');
    await first.startExecution({ stateMachineArn: FAN.arn, name: 'fan-2', input: '{"items":["a","b"]}' });
    await eventually(() => invoker.calls.length === 2, 'both Notify calls');
    await first.dispose();

    notify = () => ok(null);
    const second = plane(invoker);
    await eventually(() => invoker.calls.length === 4, 'both Notify calls again');
    for (const item of ['a', 'b']) expect(tokenIn(callsFor(item)[1])).toBe(tokenIn(callsFor(item)[0]));
    await second.sendTaskSuccess({ taskToken: tokenIn(callsFor('a')[0]), output: '"A"' });
    await second.sendTaskSuccess({ taskToken: tokenIn(callsFor('b')[0]), output: '"B"' });
    await second.executionDone(arn);
    const done = await second.describeExecution({ executionArn: arn });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string).answers).toEqual(['A', 'B']);
    expect(invoker.calls).toHaveLength(4);
  });

  it("the execution's TimeoutSeconds keeps its due time across a restart", async () => {
    const invoker = new FakeInvoker({ [fnArn('Notify')]: () => ok(null) });
    const first = plane(invoker);
    const arn = executionArn('Deadline', 'd-1');
    const timeoutAt = t + 7200_000;
    await first.startExecution({ stateMachineArn: DEADLINE.arn, name: 'd-1' });
    await eventually(() => invoker.calls[0], 'the Notify call');
    await first.dispose();
    expect(saved(arn).timeoutAt).toBe(new Date(timeoutAt).toISOString());

    t += 3600_000;
    const second = plane(invoker);
    t = timeoutAt - 1000;
    second.refreshTimers();
    await settle();
    expect((await second.describeExecution({ executionArn: arn })).status).toBe('RUNNING');
    t = timeoutAt;
    second.refreshTimers();
    await second.executionDone(arn);
    expect(await second.describeExecution({ executionArn: arn })).toMatchObject({
      status: 'TIMED_OUT',
      error: 'States.Timeout',
    });
    expect(invoker.count(fnArn('Notify'))).toBe(1);
  });

  it('finished executions stay describable after a restart; their names stay taken', async () => {
    const invoker = new FakeInvoker({ [fnArn('Notify')]: () => ok(null) });
    const first = plane(invoker);
    const answered = executionArn('Callback', 'done-1');
    const stopped = executionArn('Callback', 'done-2');
    await first.startExecution({ stateMachineArn: CALLBACK.arn, name: 'done-1', input: '{"caseId":"a"}' });
    const { taskToken } = (await eventually(() => invoker.calls[0], 'the Notify call')).payload as {
      taskToken: string;
    };
    await first.sendTaskFailure({ taskToken, error: 'Declined', cause: 'no capacity' });
    await first.executionDone(answered);
    await first.startExecution({ stateMachineArn: CALLBACK.arn, name: 'done-2', input: '{"caseId":"b"}' });
    await first.stopExecution({ executionArn: stopped, error: 'Test', cause: 'stopped' });
    const describedBefore = await first.describeExecution({ executionArn: answered });
    const historyBefore = await first.getExecutionHistory({ executionArn: answered });
    await first.dispose();

    const second = plane(invoker);
    expect([...second.restoreReport().finished].sort()).toEqual([answered, stopped]);
    expect(await second.describeExecution({ executionArn: answered })).toEqual(describedBefore);
    expect(await second.getExecutionHistory({ executionArn: answered })).toEqual(historyBefore);
    expect(await second.describeExecution({ executionArn: stopped })).toMatchObject({
      status: 'ABORTED',
      error: 'Test',
      cause: 'stopped',
    });
    expect(
      (
        await rejection(
          second.startExecution({ stateMachineArn: CALLBACK.arn, name: 'done-1', input: '{"caseId":"a"}' }),
        )
      ).type,
    ).toBe('ExecutionAlreadyExists');
    expect((await rejection(second.sendTaskSuccess({ taskToken, output: '{}' }))).type).toBe('TaskTimedOut');
  });

  it('a corrupt or unreadable file is skipped with its reason; the rest loads and the plane works', async () => {
    const invoker = new FakeInvoker({ [fnArn('Notify')]: () => ok(null), [fnArn('After')]: () => ok(1) });
    const first = plane(invoker);
    const good = executionArn('Callback', 'good');
    await first.startExecution({ stateMachineArn: CALLBACK.arn, name: 'good', input: '{"caseId":"g"}' });
    await eventually(() => invoker.calls[0], 'the Notify call');
    await first.stopExecution({ executionArn: good });
    await first.dispose();

    const folder = path.join(dataDir, 'executions');
    const [goodFile] = readdirSync(folder);
    writeFileSync(path.join(folder, 'torn.json'), '{"format":"bashke.local-sfn.execution","vers');
    const wrong = JSON.parse(readFileSync(path.join(folder, goodFile as string), 'utf8'));
    wrong.record.executionArn = executionArn('Callback', 'wrong');
    wrong.record.history[0].id = 7;
    writeFileSync(path.join(folder, 'wrong.json'), JSON.stringify(wrong));
    // A running execution of a state machine the app no longer has cannot resume: it fails.
    const orphan = JSON.parse(readFileSync(path.join(folder, goodFile as string), 'utf8'));
    Object.assign(orphan.record, {
      executionArn: executionArn('Gone', 'orphan'),
      stateMachineArn: machineArn('Gone'),
      status: 'RUNNING',
      tasks: [],
    });
    delete orphan.record.stopDate;
    writeFileSync(path.join(folder, 'orphan.json'), JSON.stringify(orphan));
    // A write interrupted by a crash leaves a temporary file: removed on load.
    writeFileSync(path.join(folder, `${goodFile}.4242.tmp`), '{"format"');

    const second = plane(invoker);
    const report = second.restoreReport();
    expect(report.skipped.map((s) => path.basename(s.file)).sort()).toEqual(['torn.json', 'wrong.json']);
    expect(report.skipped.find((s) => s.file.endsWith('torn.json'))?.reason).toMatch(/^not JSON/);
    expect(report.skipped.find((s) => s.file.endsWith('wrong.json'))?.reason).toMatch(/history event ids/);
    expect(logged.some((l) => l.includes('torn.json') && l.includes('not JSON'))).toBe(true);
    expect(report.finished).toEqual([good]);
    expect(report.failed).toEqual([
      { executionArn: executionArn('Gone', 'orphan'), reason: expect.stringContaining(machineArn('Gone')) },
    ]);
    expect((await second.describeExecution({ executionArn: good })).status).toBe('ABORTED');
    expect(await second.describeExecution({ executionArn: executionArn('Gone', 'orphan') })).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
    });
    // The files stay for a look; the plane carries on.
    expect(readdirSync(folder)).toEqual(expect.arrayContaining(['torn.json', 'wrong.json']));
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const { executionArn: fresh } = await second.startExecution({ stateMachineArn: WAIT.arn, input: '{}' });
    expect((await second.describeExecution({ executionArn: fresh })).status).toBe('RUNNING');
  });
});

describe('at-least-once tasks across a crash', () => {
  it('a callback whose function had not returned is invoked again on restore, once, with the same token', async () => {
    let notify: Fn = hang;
    const invoker = new FakeInvoker({ [fnArn('Notify')]: (p) => notify(p) });
    const first = plane(invoker);
    const arn = executionArn('Callback', 'alo-1');
    await first.startExecution({ stateMachineArn: CALLBACK.arn, name: 'alo-1', input: '{"caseId":"c-1"}' });
    const taskToken = tokenIn(await eventually(() => invoker.calls[0], 'the Notify call'));
    await first.dispose();
    expect(saved(arn).tasks).toEqual([expect.not.objectContaining({ submittedAt: expect.anything() })]);

    notify = () => ok({ notified: true });
    const second = plane(invoker);
    await eventually(() => invoker.count(fnArn('Notify')) === 2, 'the second Notify call');
    expect(tokenIn(invoker.calls[1])).toBe(taskToken);
    expect(invoker.calls[1]?.payload).toEqual(invoker.calls[0]?.payload);
    await eventually(() => saved(arn).tasks[0]?.submittedAt, 'the return saved');
    await settle();
    expect(invoker.count(fnArn('Notify'))).toBe(2);

    await second.sendTaskSuccess({ taskToken, output: '{"decision":"accept"}' });
    await second.executionDone(arn);
    const done = await second.describeExecution({ executionArn: arn });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string).answer).toEqual({ decision: 'accept' });
    expect(invoker.count(fnArn('Notify'))).toBe(2);
    // One attempt, one schedule: the re-invocation is not a new attempt in history.
    expect(await historyTypes(second, arn)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    await expectLinearHistory(second, arn);
  });

  it('a callback whose function had returned is not invoked again; its return was saved at once', async () => {
    const invoker = new FakeInvoker({ [fnArn('Notify')]: () => ok(null) });
    const first = plane(invoker);
    const arn = executionArn('Callback', 'alo-2');
    await first.startExecution({ stateMachineArn: CALLBACK.arn, name: 'alo-2', input: '{"caseId":"c-2"}' });
    const taskToken = tokenIn(await eventually(() => invoker.calls[0], 'the Notify call'));
    // Read from disk at once: the return is an urgent save, not one at the end of the turn.
    await eventually(() => saved(arn).tasks[0]?.submittedAt, 'the return saved');
    await first.dispose();

    const second = plane(invoker);
    await settle(200);
    expect(invoker.count(fnArn('Notify'))).toBe(1);
    await second.sendTaskSuccess({ taskToken, output: '"yes"' });
    await second.executionDone(arn);
    expect((await second.describeExecution({ executionArn: arn })).status).toBe('SUCCEEDED');
    expect(invoker.count(fnArn('Notify'))).toBe(1);
  });

  it('a token answered while its function ran is not asked again: the answer carries the execution on', async () => {
    let stopped: Promise<void> | undefined;
    // The function answers its own token, and the process dies before the function returns
    // and before the engine moves on (the answer is saved before SendTaskSuccess returns).
    const invoker = new FakeInvoker({
      [fnArn('Notify')]: (p) => {
        const { taskToken } = p as { taskToken: string };
        setImmediate(() => {
          void first.sendTaskSuccess({ taskToken, output: '{"decision":"early"}' });
          stopped = first.dispose();
        });
        return hang();
      },
    });
    const first = plane(invoker);
    const arn = executionArn('Callback', 'alo-3');
    await first.startExecution({ stateMachineArn: CALLBACK.arn, name: 'alo-3', input: '{"caseId":"c-3"}' });
    await await eventually(() => stopped, 'the crash');
    const before = saved(arn);
    expect(before).toMatchObject({ status: 'RUNNING', current: { state: 'Ask' } });
    expect(before.tasks[0]).toMatchObject({ status: 'SUCCEEDED', output: '{"decision":"early"}' });

    const second = plane(invoker);
    await second.executionDone(arn);
    const done = await second.describeExecution({ executionArn: arn });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string).answer).toEqual({ decision: 'early' });
    expect(invoker.count(fnArn('Notify'))).toBe(1);
    await expectLinearHistory(second, arn);
  });

  it("a re-invoked callback function that fails goes to the state's Catch as usual", async () => {
    let notify: Fn = hang;
    const invoker = new FakeInvoker({ [fnArn('Notify')]: (p) => notify(p) });
    const first = plane(invoker);
    const arn = executionArn('Callback', 'alo-4');
    await first.startExecution({ stateMachineArn: CALLBACK.arn, name: 'alo-4', input: '{"caseId":"c-4"}' });
    const taskToken = tokenIn(await eventually(() => invoker.calls[0], 'the Notify call'));
    await first.dispose();

    notify = () => ({ ok: false, errorType: 'MailError', errorMessage: 'the mail server said no' });
    const second = plane(invoker);
    await second.executionDone(arn);
    const done = await second.describeExecution({ executionArn: arn });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string).error).toEqual({
      Error: 'MailError',
      Cause: JSON.stringify({ errorType: 'MailError', errorMessage: 'the mail server said no' }),
    });
    expect(invoker.count(fnArn('Notify'))).toBe(2);
    expect((await rejection(second.sendTaskSuccess({ taskToken, output: '{}' }))).type).toBe('TaskTimedOut');
    const types = await historyTypes(second, arn);
    expect(types.slice(-5)).toEqual([
      'TaskFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    await expectLinearHistory(second, arn);
  });

  it('a plain lambda:invoke whose function had not returned runs again; so does a callback in a Parallel branch', async () => {
    let work: Fn = hang;
    let notify: Fn = hang;
    const invoker = new FakeInvoker({
      [fnArn('Work')]: (p) => work(p),
      [fnArn('Notify')]: (p) => notify(p),
    });
    const arn = executionArn('PlainAndBranch', 'alo-5');
    const first = plane(invoker);
    await first.startExecution({ stateMachineArn: PLAIN_AND_BRANCH.arn, name: 'alo-5', input: '{"n":5}' });
    await eventually(() => invoker.count(fnArn('Work')) === 1, 'the Work call');
    await first.dispose();

    // Killed while Work ran: it runs again. Then killed while the branch's callback function ran.
    work = () => ok('worked');
    const second = plane(invoker);
    await eventually(() => invoker.count(fnArn('Notify')) === 1, 'the Notify call');
    expect(invoker.count(fnArn('Work'))).toBe(2);
    const taskToken = tokenIn(invoker.calls.find((c) => c.fn === fnArn('Notify')));
    await second.dispose();

    notify = () => ok(null);
    const third = plane(invoker);
    await eventually(() => invoker.count(fnArn('Notify')) === 2, 'the second Notify call');
    expect(tokenIn(invoker.calls.filter((c) => c.fn === fnArn('Notify'))[1])).toBe(taskToken);
    await third.sendTaskSuccess({ taskToken, output: '"answered"' });
    await third.executionDone(arn);
    const done = await third.describeExecution({ executionArn: arn });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({
      n: 5,
      work: { value: 'worked' },
      both: ['answered', 'other'],
    });
    expect([invoker.count(fnArn('Work')), invoker.count(fnArn('Notify'))]).toEqual([2, 2]);
    await expectLinearHistory(third, arn);
  });
});

describe('the synthesized referral workflow across a restart', () => {
  it('survives a restart during the offer callback and completes on the original token', async () => {
    const synthesized = synthStateMachine({ stateMachine: 'ReferralWorkflow' });
    const region = synthesized.config.region;
    const arn = `arn:aws:states:${region}:${FAKE_ACCOUNT}:stateMachine:ReferralWorkflow`;
    const caseId = '0b9a3a4e-2f4c-4c41-9d0e-1c2b3a4d5e6f';
    const taskId = '7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const prepare = synthesized.functionArn('PrepareOfferFn');
    const send = synthesized.functionArn('OpenTaskFn');
    const accept = synthesized.functionArn('AcceptCaseFn');
    const schedule = synthesized.functionArn('ScheduleStageFn');
    const invoker = new FakeInvoker({
      [prepare]: () => ok({ found: true, taskId, orgId: 'ngo-alfa', cycle: 1 }),
      [send]: () => ok({ sent: 2 }),
      [accept]: () => ok({ accepted: true }),
      [schedule]: () => ok({ scheduled: true }),
    });
    const referral: LocalStateMachine = {
      logicalId: synthesized.logicalId,
      stackName: 'BashkeApp',
      name: 'ReferralWorkflow',
      arn,
      definition: synthesized.definitionJson,
    };
    const options = { stateMachines: [referral], region };
    const first = plane(invoker, options);
    const { executionArn: execution } = await first.startExecution({
      stateMachineArn: arn,
      name: caseId,
      input: JSON.stringify({ caseId, reference: 'KOR-2026-0001', region: 'korca' }),
    });
    // The human-task function opens the child protection task (no token) and then the offer.
    const offer = (
      await eventually(
        () => invoker.calls.find((c) => c.fn === send && (c.payload as { kind?: string }).kind === 'OFFER'),
        'the offer',
      )
    ).payload as { taskToken: string };
    await settle();
    await first.dispose();
    expect(saved(execution).current?.state).toBe(S.OFFER_TO_NGO);

    t += 3600_000;
    const second = plane(invoker, options);
    await settle();
    await second.sendTaskSuccess({
      taskToken: offer.taskToken,
      output: JSON.stringify({ taskId, result: 'accept' }),
    });
    await second.executionDone(execution);
    const done = await second.describeExecution({ executionArn: execution });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({ outcome: 'ACCEPTED' });
    expect([invoker.count(prepare), invoker.count(send), invoker.count(accept)]).toEqual([1, 2, 1]);
    expect(invoker.calls.find((c) => c.fn === accept)?.payload).toEqual({
      caseId,
      taskId,
      v: TASK_INPUT_VERSION,
    });
    const { events } = await second.getExecutionHistory({ executionArn: execution, maxResults: 1000 });
    expect(
      events.flatMap((e) => (e.stateEnteredEventDetails ? [e.stateEnteredEventDetails.name] : [])),
    ).toEqual([
      S.INIT,
      S.CHILD_PROTECTION,
      S.PREPARE_OFFER,
      S.NGO_FOUND,
      S.OFFER_TO_NGO,
      S.DECISION,
      S.ACCEPT_CASE,
      S.SCHEDULE_ASSESSMENT,
      S.ACCEPTED,
    ]);
    await expectLinearHistory(second, execution);
  }, 120_000);
});
