/**
 * The local Step Functions control plane, driven through its HTTP server by the real
 * `SFNClient`, with hand-written ASL and a fake FunctionInvoker; then the synthesized
 * referral ASL on one path.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidArn,
  InvalidName,
  InvalidOutput,
  InvalidToken,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { FunctionInvoker, InvokeResult } from '../../local/engine/model';
import { LAMBDA_TIMEOUT_ERROR_TYPE, StepFunctionsControlPlane } from '../../local/engine/sfn/control-plane';
import { type StepFunctionsServer, startStepFunctionsServer } from '../../local/engine/sfn/http-server';
import { newTaskToken } from '../../local/engine/sfn/tokens';
import { NO_PREVIOUS_OFFER, TASK_INPUT_VERSION } from '../../shared/workflow/task-input';
import { ReferralState as S } from '../../workflows/referral-states';
import { fnArn, machine, machineArn, ok, REGION } from '../support/sfn-fixtures';
import { FAKE_ACCOUNT, synthStateMachine } from '../support/workflow-asl';

type Fn = (payload: unknown) => InvokeResult | Promise<InvokeResult>;

/** A FunctionInvoker over plain functions; records every call and lets a test await the next one. */
class FakeInvoker implements FunctionInvoker {
  readonly calls: Array<{ fn: string; payload: unknown; at: number }> = [];
  private waiters: Array<() => void> = [];

  constructor(private readonly fns: Record<string, Fn>) {}

  async invoke(fn: string, payload: unknown): Promise<InvokeResult> {
    this.calls.push({ fn, payload, at: Date.now() });
    for (const w of this.waiters.splice(0)) w();
    const code = this.fns[fn];
    if (!code) return { ok: false, errorType: 'Lambda.ResourceNotFoundException', errorMessage: fn };
    return code(payload);
  }

  /** The `n`th call (0-based) of `fn`, once it has happened. */
  async call(fn: string, n = 0): Promise<{ payload: unknown }> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = this.calls.filter((c) => c.fn === fn)[n];
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no call ${n} of ${fn}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** `lambda:invoke` of `fn`: the result shape through a ResultSelector, and whole. */
const BASIC = machine('Basic', {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Parameters: { 'caseId.$': '$.caseId', 'x.$': '$.x' }, Next: 'Echo' },
    Echo: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fnArn('Echo'), 'Payload.$': '$' },
      ResultSelector: { 'x.$': '$.Payload.x', 'status.$': '$.StatusCode' },
      ResultPath: '$.selected',
      TimeoutSeconds: 30,
      Next: 'Raw',
    },
    Raw: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fnArn('Echo'), Payload: { x: 'raw' } },
      ResultPath: '$.raw',
      Next: 'Check',
    },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.selected.status', NumericEquals: 200, Next: 'Done' }],
      Default: 'Broken',
    },
    Done: { Type: 'Succeed' },
    Broken: { Type: 'Fail', Error: 'Broken' },
  },
});

/**
 * A human step: the token goes to `Notify`; the deadline comes from the input. The
 * `States.TaskFailed` catcher comes first: a timeout must pass it by, as in AWS.
 */
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
      TimeoutSecondsPath: '$.timeoutSeconds',
      HeartbeatSeconds: 1,
      ResultPath: '$.answer',
      Catch: [
        { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'Rejected' },
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' },
      ],
      Next: 'Answered',
    },
    Answered: { Type: 'Pass', End: true },
    Rejected: { Type: 'Pass', End: true },
    TimedOut: { Type: 'Pass', Result: { outcome: 'TIMED_OUT' }, ResultPath: '$.outcome', End: true },
  },
});

/** A step that fails in the ways a function fails; `$.mode` tells the fake which. */
const ERRORS = machine('Errors', {
  StartAt: 'Work',
  States: {
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fnArn('Work'), 'Payload.$': '$' },
      TimeoutSeconds: 30,
      Retry: [
        { ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 1, BackoffRate: 4, MaxAttempts: 2 },
      ],
      Catch: [
        { ErrorEquals: ['CaseStateError'], ResultPath: '$.error', Next: 'CaseState' },
        { ErrorEquals: ['Lambda.Unknown'], ResultPath: '$.error', Next: 'Unknown' },
      ],
      OutputPath: '$.Payload',
      End: true,
    },
    CaseState: { Type: 'Pass', End: true },
    Unknown: { Type: 'Pass', End: true },
  },
});

/** A plain function ARN as Resource, a Wait longer than an engine slice, and a Fail. */
const DIRECT = machine('Direct', {
  StartAt: 'Call',
  States: {
    Call: { Type: 'Task', Resource: fnArn('Echo'), Next: 'Pause' },
    Pause: { Type: 'Wait', SecondsPath: '$.pause', Next: 'Decide' },
    Decide: {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.fail', IsPresent: true },
            { Variable: '$.fail', BooleanEquals: true },
          ],
          Next: 'Give up',
        },
      ],
      Default: 'End',
    },
    'Give up': { Type: 'Fail', Error: 'GaveUp', Cause: 'asked to' },
    End: { Type: 'Succeed' },
  },
});

/** An execution deadline; and a resource the local runtime does not emulate. */
const SLOW = machine('Slow', {
  StartAt: 'Branch',
  TimeoutSeconds: 1,
  States: {
    Branch: {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.unsupported', IsPresent: true },
            { Variable: '$.unsupported', BooleanEquals: true },
          ],
          Next: 'Put',
        },
      ],
      Default: 'Hold',
    },
    Hold: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: fnArn('Notify'), Payload: { 'taskToken.$': '$$.Task.Token' } },
      End: true,
    },
    Put: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Parameters: { TableName: 't', Item: {} },
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
      End: true,
    },
    Caught: { Type: 'Pass', End: true },
  },
});

let plane: StepFunctionsControlPlane;
let server: StepFunctionsServer;
let client: SFNClient;
let invoker: FakeInvoker;
let serviceFailures = 0;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  invoker = new FakeInvoker({
    [fnArn('Echo')]: (payload) => ok(payload),
    [fnArn('Notify')]: () => ok({ notified: true }),
    [fnArn('Work')]: (payload) => {
      const mode = (payload as { mode?: string }).mode;
      if (mode === 'case-error')
        return { ok: false, errorType: 'CaseStateError', errorMessage: 'case is closed' };
      if (mode === 'timeout') {
        return {
          ok: false,
          errorType: LAMBDA_TIMEOUT_ERROR_TYPE,
          errorMessage: 'Task timed out after 3.00 seconds',
        };
      }
      if (mode === 'flaky' && serviceFailures++ < 2) {
        return { ok: false, errorType: 'Lambda.ServiceException', errorMessage: 'try again' };
      }
      if (mode === 'boom') return { ok: false, errorType: 'Boom', errorMessage: 'unexpected' };
      return ok({ done: mode ?? 'none' });
    },
  });
  plane = new StepFunctionsControlPlane({
    stateMachines: [BASIC, CALLBACK, ERRORS, DIRECT, SLOW],
    invoker,
    region: REGION,
    accountId: FAKE_ACCOUNT,
    retryIntervalScale: 0.05,
    // Short engine slices: every wait below spans several re-entries of its state.
    engineSliceMs: 150,
  });
  server = await startStepFunctionsServer(plane, { host: '127.0.0.1', port: 0 });
  client = new SFNClient({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await server.close();
  await plane.dispose();
  process.off('unhandledRejection', onUnhandled);
});

async function start(name: string, input: object, execName?: string) {
  return client.send(
    new StartExecutionCommand({
      stateMachineArn: machineArn(name),
      input: JSON.stringify(input),
      ...(execName ? { name: execName } : {}),
    }),
  );
}

/** Polls DescribeExecution until the execution has ended. */
async function finished(executionArn: string): Promise<DescribeExecutionOutput> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const out = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status !== 'RUNNING') return out;
    if (Date.now() > deadline) throw new Error(`${executionArn} still runs`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  return (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

const types = (events: HistoryEvent[]) => events.map((e) => e.type);

/** SendTaskSuccess/Failure's rejection, to assert its class and status. */
async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('local Step Functions control plane (SFNClient over HTTP)', () => {
  it('starts and describes an execution; the lambda:invoke result has the service shape', async () => {
    const { executionArn, startDate } = await start('Basic', { caseId: 'c-1', x: 42 }, 'basic-1');
    expect(executionArn).toBe(`arn:aws:states:${REGION}:${FAKE_ACCOUNT}:execution:Basic:basic-1`);
    expect(startDate).toBeInstanceOf(Date);

    const done = await finished(executionArn as string);
    expect(done).toMatchObject({
      executionArn,
      stateMachineArn: machineArn('Basic'),
      name: 'basic-1',
      status: 'SUCCEEDED',
      input: '{"caseId":"c-1","x":42}',
    });
    expect(done.startDate?.getTime()).toBe(startDate?.getTime());
    expect(done.stopDate?.getTime()).toBeGreaterThanOrEqual(startDate?.getTime() ?? 0);
    const output = JSON.parse(done.output as string);
    expect(output.selected).toEqual({ x: 42, status: 200 });
    expect(output.raw).toEqual({
      ExecutedVersion: '$LATEST',
      Payload: { x: 'raw' },
      SdkHttpMetadata: expect.objectContaining({ HttpStatusCode: 200 }),
      SdkResponseMetadata: { RequestId: expect.any(String) },
      StatusCode: 200,
    });
    expect(invoker.calls.find((c) => c.fn === fnArn('Echo'))?.payload).toEqual({ caseId: 'c-1', x: 42 });
  });

  it('returns the same execution for the same name and input while it runs; other input conflicts', async () => {
    const first = await start('Callback', { caseId: 'dup', timeoutSeconds: 30 }, 'dup-1');
    const again = await start('Callback', { caseId: 'dup', timeoutSeconds: 30 }, 'dup-1');
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());

    const conflict = await rejection(start('Callback', { caseId: 'other', timeoutSeconds: 30 }, 'dup-1'));
    expect(conflict).toBeInstanceOf(ExecutionAlreadyExists);
    expect(conflict.$metadata?.httpStatusCode).toBe(400);

    await client.send(
      new StopExecutionCommand({ executionArn: first.executionArn, error: 'Test', cause: 'done' }),
    );
    expect(await finished(first.executionArn as string)).toMatchObject({ status: 'ABORTED', error: 'Test' });
    // A closed execution's name stays taken, whatever the input.
    expect(await rejection(start('Callback', { caseId: 'dup', timeoutSeconds: 30 }, 'dup-1'))).toBeInstanceOf(
      ExecutionAlreadyExists,
    );
  });

  it('callback: the function gets a token; SendTaskSuccess resumes with its output; the token is then spent', async () => {
    const calls = invoker.calls.filter((c) => c.fn === fnArn('Notify')).length;
    const { executionArn } = await start('Callback', { caseId: 'cb-1', timeoutSeconds: 30 });
    const { payload } = await invoker.call(fnArn('Notify'), calls);
    const { taskToken } = payload as { taskToken: string; caseId: string };
    expect(payload).toEqual({ caseId: 'cb-1', taskToken: expect.any(String) });
    expect(taskToken.length).toBeGreaterThan(200);

    // Past several engine slices: the wait resumes the same token.
    await new Promise((r) => setTimeout(r, 400));
    expect(
      await rejection(client.send(new SendTaskSuccessCommand({ taskToken, output: 'not json' }))),
    ).toBeInstanceOf(InvalidOutput);
    await client.send(
      new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ decision: 'accept' }) }),
    );

    const done = await finished(executionArn as string);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({
      caseId: 'cb-1',
      timeoutSeconds: 30,
      answer: { decision: 'accept' },
    });

    const reused = await rejection(client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })));
    expect(reused).toBeInstanceOf(TaskTimedOut);
    expect(reused.$metadata?.httpStatusCode).toBe(400);

    const events = await history(executionArn as string);
    expect(types(events)).toEqual([
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
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.previousEventId)).toEqual(events.map((_, i) => i));
    for (const e of events) expect(e.timestamp).toBeInstanceOf(Date);
    expect(events[2]?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      region: REGION,
      timeoutInSeconds: 30,
      heartbeatInSeconds: 1,
    });
    expect(events[5]?.taskSucceededEventDetails?.output).toBe('{"decision":"accept"}');
  });

  it('SendTaskFailure fails the task under the given error name', async () => {
    const calls = invoker.calls.filter((c) => c.fn === fnArn('Notify')).length;
    const { executionArn } = await start('Callback', { caseId: 'cb-2', timeoutSeconds: 30 });
    const { taskToken } = (await invoker.call(fnArn('Notify'), calls)).payload as { taskToken: string };
    await client.send(new SendTaskFailureCommand({ taskToken, error: 'Declined', cause: 'no capacity' }));
    const done = await finished(executionArn as string);
    expect(JSON.parse(done.output as string).error).toEqual({ Error: 'Declined', Cause: 'no capacity' });
    expect(
      await rejection(client.send(new SendTaskFailureCommand({ taskToken, error: 'Again' }))),
    ).toBeInstanceOf(TaskTimedOut);
  });

  it('a random token is InvalidToken; a well-formed unknown one is TaskDoesNotExist', async () => {
    const random = await rejection(
      client.send(new SendTaskSuccessCommand({ taskToken: 'abc', output: '{}' })),
    );
    expect(random).toBeInstanceOf(InvalidToken);
    const unknown = await rejection(
      client.send(new SendTaskSuccessCommand({ taskToken: newTaskToken(), output: '{}' })),
    );
    expect(unknown).toBeInstanceOf(TaskDoesNotExist);
    expect(unknown.$metadata?.httpStatusCode).toBe(400);
  });

  it('a callback state past its TimeoutSeconds fails with States.Timeout, which States.TaskFailed does not catch', async () => {
    const calls = invoker.calls.filter((c) => c.fn === fnArn('Notify')).length;
    const { executionArn } = await start('Callback', { caseId: 'cb-3', timeoutSeconds: 1 });
    const { taskToken } = (await invoker.call(fnArn('Notify'), calls)).payload as { taskToken: string };
    const done = await finished(executionArn as string);
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output as string);
    expect(output.outcome).toEqual({ outcome: 'TIMED_OUT' });
    expect(output.error.Error).toBe('States.Timeout');
    expect(
      done.stopDate && done.startDate && done.stopDate.getTime() - done.startDate.getTime(),
    ).toBeGreaterThanOrEqual(950);
    expect(types(await history(executionArn as string))).toContain('TaskTimedOut');
    // The answer came too late.
    expect(
      await rejection(client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))),
    ).toBeInstanceOf(TaskTimedOut);
  });

  it('a function error reaches Catch under its errorType', async () => {
    const { executionArn } = await start('Errors', { mode: 'case-error' });
    const done = await finished(executionArn as string);
    expect(done.status).toBe('SUCCEEDED');
    const { error } = JSON.parse(done.output as string);
    expect(error.Error).toBe('CaseStateError');
    expect(JSON.parse(error.Cause)).toEqual({ errorType: 'CaseStateError', errorMessage: 'case is closed' });
    expect(types(await history(executionArn as string))).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('a function timeout is Lambda.Unknown', async () => {
    const { executionArn } = await start('Errors', { mode: 'timeout' });
    const done = await finished(executionArn as string);
    expect(JSON.parse(done.output as string).error.Error).toBe('Lambda.Unknown');
  });

  it('retries Lambda.ServiceException with backoff, then succeeds', async () => {
    serviceFailures = 0;
    const before = invoker.calls.length;
    const { executionArn } = await start('Errors', { mode: 'flaky' });
    const done = await finished(executionArn as string);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({ done: 'flaky' });
    const at = invoker.calls.slice(before).map((c) => c.at);
    expect(at).toHaveLength(3);
    // IntervalSeconds 1 and BackoffRate 4, scaled by 0.05: 50 ms, then 200 ms.
    const [first, second] = [(at[1] ?? 0) - (at[0] ?? 0), (at[2] ?? 0) - (at[1] ?? 0)];
    expect(first).toBeGreaterThanOrEqual(45);
    expect(second).toBeGreaterThanOrEqual(190);
    expect(second).toBeGreaterThan(first);
    expect(types(await history(executionArn as string)).filter((t) => t?.startsWith('Task'))).toEqual([
      'TaskStateEntered',
      ...['TaskScheduled', 'TaskStarted', 'TaskFailed'],
      ...['TaskScheduled', 'TaskStarted', 'TaskFailed'],
      ...['TaskScheduled', 'TaskStarted', 'TaskSucceeded'],
      'TaskStateExited',
    ]);
  });

  it('a failed execution is FAILED with its error and cause; the process carries on', async () => {
    const { executionArn } = await start('Errors', { mode: 'boom' });
    const done = await finished(executionArn as string);
    expect(done).toMatchObject({ status: 'FAILED', error: 'Boom' });
    expect(types(await history(executionArn as string)).at(-1)).toBe('ExecutionFailed');

    const fail = await start('Direct', { pause: 0, fail: true });
    expect(await finished(fail.executionArn as string)).toMatchObject({
      status: 'FAILED',
      error: 'GaveUp',
      cause: 'asked to',
    });
    expect(types(await history(fail.executionArn as string)).slice(-2)).toEqual([
      'FailStateEntered',
      'ExecutionFailed',
    ]);
    expect(unhandled).toEqual([]);
  });

  it('a function ARN as Resource, and a Wait longer than an engine slice', async () => {
    const { executionArn } = await start('Direct', { pause: 1, value: 'v' });
    const done = await finished(executionArn as string);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({ pause: 1, value: 'v' });
    expect(
      done.stopDate && done.startDate && done.stopDate.getTime() - done.startDate.getTime(),
    ).toBeGreaterThanOrEqual(950);
    const events = await history(executionArn as string);
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[2]?.lambdaFunctionScheduledEventDetails).toMatchObject({
      resource: fnArn('Echo'),
      input: '{"pause":1,"value":"v"}',
    });
  });

  it('times out an execution past its TimeoutSeconds; fails one that reaches an unemulated resource', async () => {
    const slow = await start('Slow', {});
    expect(await finished(slow.executionArn as string)).toMatchObject({ status: 'TIMED_OUT' });
    expect(types(await history(slow.executionArn as string)).at(-1)).toBe('ExecutionTimedOut');

    const put = await start('Slow', { unsupported: true });
    const done = await finished(put.executionArn as string);
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(done.cause).toContain('arn:aws:states:::dynamodb:putItem');
    expect(plane.unsupportedStates()).toEqual([
      { stateMachineArn: machineArn('Slow'), state: 'Put', resource: 'arn:aws:states:::dynamodb:putItem' },
    ]);
  });

  it('history pages, reverse order and data-free events', async () => {
    const { executionArn } = await start('Basic', { caseId: 'c-2', x: 1 });
    await finished(executionArn as string);
    const all = await history(executionArn as string);
    const first = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 4 }));
    expect(first.events?.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    const second = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 4, nextToken: first.nextToken }),
    );
    expect(second.events?.map((e) => e.id)).toEqual([5, 6, 7, 8]);
    const reversed = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    expect(reversed.events?.map((e) => e.id)).toEqual(all.map((e) => e.id).reverse());
    const bare = await client.send(
      new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }),
    );
    expect(bare.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
    expect(bare.events?.[0]?.executionStartedEventDetails?.roleArn).toEqual(expect.any(String));
  });

  it('answers bad ARNs, unknown executions and machines, and bad names with AWS errors', async () => {
    expect(
      await rejection(client.send(new DescribeExecutionCommand({ executionArn: 'nope' }))),
    ).toBeInstanceOf(InvalidArn);
    const missing = `arn:aws:states:${REGION}:${FAKE_ACCOUNT}:execution:Basic:missing`;
    expect(
      await rejection(client.send(new DescribeExecutionCommand({ executionArn: missing }))),
    ).toBeInstanceOf(ExecutionDoesNotExist);
    expect(await rejection(start('Nope', {}))).toBeInstanceOf(StateMachineDoesNotExist);
    expect(await rejection(start('Basic', {}, 'has space'))).toBeInstanceOf(InvalidName);
    expect(await rejection(start('Basic', {}, 'x'.repeat(81)))).toBeInstanceOf(InvalidName);
  });

  it('answers an operation it does not implement with 400 naming it', async () => {
    const error = await rejection(client.send(new ListStateMachinesCommand({})));
    expect(error.name).toBe('UnknownOperationException');
    expect(error.message).toContain('ListStateMachines');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('speaks AWS JSON 1.0: epoch-second dates, __type errors, loopback only', async () => {
    const post = (target: string, body: string, contentType = 'application/x-amz-json-1.0') =>
      fetch(`${server.url}/`, {
        method: 'POST',
        headers: { 'Content-Type': contentType, 'X-Amz-Target': target },
        body,
      });
    const started = await post(
      'AWSStepFunctions.StartExecution',
      JSON.stringify({ stateMachineArn: machineArn('Basic'), input: '{"x":1,"caseId":"w"}' }),
    );
    expect(started.status).toBe(200);
    expect(started.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    const body = (await started.json()) as { startDate: unknown };
    expect(typeof body.startDate).toBe('number');
    expect(Math.abs((body.startDate as number) - Date.now() / 1000)).toBeLessThan(60);

    const bad = await post(
      'AWSStepFunctions.StartExecution',
      JSON.stringify({ stateMachineArn: 1, extra: true }),
    );
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as { __type: string; message: string };
    expect(err.__type).toBe('com.amazonaws.states#ValidationException');
    expect(err.message).toContain('stateMachineArn');
    expect((await post('AWSStepFunctions.StartExecution', '{oops')).status).toBe(400);
    expect((await post('AWSStepFunctions.StartExecution', '{}', 'text/plain')).status).toBe(400);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('the synthesized referral workflow on the control plane', () => {
  it('child protection → prepare → offer (callback) → accept → schedule the assessment', async () => {
    const synthesized = synthStateMachine({ stateMachine: 'ReferralWorkflow' });
    const region = synthesized.config.region;
    const arn = `arn:aws:states:${region}:${FAKE_ACCOUNT}:stateMachine:ReferralWorkflow`;
    const caseId = '0b9a3a4e-2f4c-4c41-9d0e-1c2b3a4d5e6f';
    const taskId = '7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const referral = new FakeInvoker({
      [synthesized.functionArn('PrepareOfferFn')]: () =>
        ok({ found: true, taskId, orgId: 'ngo-alfa', cycle: 1 }),
      [synthesized.functionArn('OpenTaskFn')]: () => ok({ sent: 1 }),
      [synthesized.functionArn('AcceptCaseFn')]: () => ok({ accepted: true }),
      [synthesized.functionArn('ScheduleStageFn')]: () => ok({ scheduled: true }),
    });
    const referralPlane = new StepFunctionsControlPlane({
      stateMachines: [
        {
          logicalId: synthesized.logicalId,
          stackName: 'BashkeApp',
          name: 'ReferralWorkflow',
          arn,
          definition: synthesized.definitionJson,
        },
      ],
      invoker: referral,
      region,
      accountId: FAKE_ACCOUNT,
    });
    const referralServer = await startStepFunctionsServer(referralPlane, { host: '127.0.0.1', port: 0 });
    const sfn = new SFNClient({
      endpoint: referralServer.url,
      region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    try {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: arn,
          name: caseId,
          input: JSON.stringify({ caseId, reference: 'KOR-2026-0001', region: 'korca' }),
        }),
      );
      expect((await referral.call(synthesized.functionArn('PrepareOfferFn'))).payload).toEqual({
        caseId,
        afterTaskId: NO_PREVIOUS_OFFER,
        v: TASK_INPUT_VERSION,
      });
      // The same human-task function first opens the (standalone) child protection task, then the offer.
      const openTask = synthesized.functionArn('OpenTaskFn');
      expect((await referral.call(openTask, 0)).payload).toMatchObject({ kind: 'CHILD_PROTECTION', caseId });
      const offer = (await referral.call(openTask, 1)).payload as Record<string, string>;
      expect(offer).toEqual({
        caseId,
        taskId,
        orgId: 'ngo-alfa',
        reference: 'KOR-2026-0001',
        region: 'korca',
        cycle: 1,
        sequence: 1,
        kind: 'OFFER',
        taskToken: expect.any(String),
        v: TASK_INPUT_VERSION,
      });

      await sfn.send(
        new SendTaskSuccessCommand({
          taskToken: offer.taskToken,
          output: JSON.stringify({ taskId, result: 'accept' }),
        }),
      );
      await referralPlane.executionDone(executionArn as string);
      const done = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect(done.status).toBe('SUCCEEDED');
      expect(JSON.parse(done.output as string)).toEqual({ outcome: 'ACCEPTED' });
      expect((await referral.call(synthesized.functionArn('AcceptCaseFn'))).payload).toEqual({
        caseId,
        taskId,
        v: TASK_INPUT_VERSION,
      });

      const events = (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
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
      expect((await referral.call(synthesized.functionArn('ScheduleStageFn'))).payload).toMatchObject({
        caseId,
        stage: 'assessment',
      });
      // Principle 4: the history holds ids, never a person's details.
      expect(JSON.stringify(events)).not.toMatch(/nationality|ageGroup|riskLevel/);
    } finally {
      sfn.destroy();
      await referralServer.close();
      await referralPlane.dispose();
    }
    // CDK synth of the whole app.
  }, 120_000);
});
