/**
 * The ASL constructs a long-running stage workflow is built of, on the control plane: a
 * callback task waiting up to 150 days on the injected clock (across a restart), Catch on
 * custom error names from SendTaskFailure and from a function's error, `States.MathAdd` in
 * Parameters, Succeed and Fail ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FunctionInvoker, InvokeResult } from '../../local/engine/model';
import { StepFunctionsControlPlane } from '../../local/engine/sfn/control-plane';
import { ACCOUNT, eventually, fnArn, machine, REGION } from '../support/sfn-fixtures';

const DAY_MS = 24 * 3600 * 1000;
const CEILING_DAYS = 150;

const STAGE = machine('Stage', {
  StartAt: 'Ask',
  States: {
    Ask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: fnArn('OpenTask'),
        Payload: { 'part.$': '$.part', 'taskToken.$': '$$.Task.Token' },
      },
      TimeoutSeconds: CEILING_DAYS * 24 * 3600,
      ResultPath: '$.answer',
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: null, Next: 'Continue' },
        { ErrorEquals: ['TaskCancelled', 'CaseClosedError'], ResultPath: null, Next: 'Ended' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' },
      ],
      Next: 'Done',
    },
    Continue: {
      Type: 'Pass',
      Parameters: { 'part.$': 'States.MathAdd($.part, 1)', continued: true },
      Next: 'Continued',
    },
    Continued: { Type: 'Succeed' },
    Ended: { Type: 'Succeed' },
    Done: { Type: 'Succeed' },
    Failed: { Type: 'Fail', Error: 'StageFailed', Cause: 'a step failed' },
  },
});

function jumpingClock() {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    jump: (ms: number) => {
      offset += ms;
    },
  };
}

/** An open-task stand-in: hands out the tokens it was given, or fails as told. */
function openTask(fail?: string) {
  const tokens: string[] = [];
  const invoker: FunctionInvoker = {
    invoke: async (_fn, payload): Promise<InvokeResult> => {
      tokens.push((payload as { taskToken: string }).taskToken);
      return fail
        ? { ok: false, errorType: fail, errorMessage: 'the case has ended' }
        : { ok: true, payload: {} };
    },
  };
  return { tokens, invoker };
}

describe('a stage workflow on the control plane', () => {
  const planes: StepFunctionsControlPlane[] = [];
  const dirs: string[] = [];
  const plane = (invoker: FunctionInvoker, now: () => Date, dataDir?: string) => {
    const p = new StepFunctionsControlPlane({
      stateMachines: [STAGE],
      invoker,
      region: REGION,
      accountId: ACCOUNT,
      now,
      ...(dataDir ? { dataDir } : {}),
    });
    planes.push(p);
    return p;
  };

  afterEach(async () => {
    for (const p of planes.splice(0)) await p.dispose();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('ends at the Catch of a custom error sent with SendTaskFailure', async () => {
    const fn = openTask();
    const p = plane(fn.invoker, () => new Date());
    const { executionArn } = await p.startExecution({ stateMachineArn: STAGE.arn, input: '{"part":0}' });
    const token = await eventually(() => fn.tokens[0], 'the token');
    await p.sendTaskFailure({ taskToken: token, error: 'TaskCancelled', cause: 'withdrawn' });
    await p.executionDone(executionArn);
    const done = await p.describeExecution({ executionArn });
    expect(done.status).toBe('SUCCEEDED');
    const history = await p.getExecutionHistory({ executionArn });
    const entered = history.events.filter((e) => e.type === 'SucceedStateEntered');
    expect(entered.map((e) => e.stateEnteredEventDetails?.name)).toEqual(['Ended']);
  });

  it("ends at the Catch of the function's own error name", async () => {
    const fn = openTask('CaseClosedError');
    const p = plane(fn.invoker, () => new Date());
    const { executionArn } = await p.startExecution({ stateMachineArn: STAGE.arn, input: '{"part":0}' });
    await p.executionDone(executionArn);
    const history = await p.getExecutionHistory({ executionArn });
    expect((await p.describeExecution({ executionArn })).status).toBe('SUCCEEDED');
    expect(
      history.events
        .filter((e) => e.type === 'SucceedStateEntered')
        .map((e) => e.stateEnteredEventDetails?.name),
    ).toEqual(['Ended']);
  });

  it('fails with the Fail state for any other error', async () => {
    const fn = openTask();
    const p = plane(fn.invoker, () => new Date());
    const { executionArn } = await p.startExecution({ stateMachineArn: STAGE.arn, input: '{"part":0}' });
    const token = await eventually(() => fn.tokens[0], 'the token');
    await p.sendTaskFailure({ taskToken: token, error: 'Boom' });
    await p.executionDone(executionArn);
    const failed = await p.describeExecution({ executionArn });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'StageFailed', cause: 'a step failed' });
  });

  it('times out after 150 days of the clock, across a restart, and adds with States.MathAdd', async () => {
    const clock = jumpingClock();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sfn-stage-'));
    dirs.push(dataDir);
    const fn = openTask();
    const first = plane(fn.invoker, clock.now, dataDir);
    const { executionArn } = await first.startExecution({ stateMachineArn: STAGE.arn, input: '{"part":2}' });
    await eventually(() => fn.tokens[0], 'the token');
    await eventually(
      () => first.executionRecords().find((r) => r.tasks[0]?.submittedAt !== undefined),
      'the function returned',
    );
    clock.jump(100 * DAY_MS);
    first.refreshTimers();
    await new Promise((r) => setTimeout(r, 100));
    expect((await first.describeExecution({ executionArn })).status).toBe('RUNNING');
    await first.dispose();

    const second = plane(fn.invoker, clock.now, dataDir);
    expect((await second.describeExecution({ executionArn })).status).toBe('RUNNING');
    clock.jump(CEILING_DAYS * DAY_MS - 100 * DAY_MS - 60_000);
    second.refreshTimers();
    await new Promise((r) => setTimeout(r, 100));
    expect((await second.describeExecution({ executionArn })).status).toBe('RUNNING');
    clock.jump(60_000);
    second.refreshTimers();
    await second.executionDone(executionArn);
    const done = await second.describeExecution({ executionArn });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}')).toEqual({ part: 3, continued: true });
    // The function was not asked again after the restart: its return was recorded.
    expect(fn.tokens).toHaveLength(1);
  });
});
