import type { Context } from 'aws-lambda';
import { StepFunctionsControlPlane } from '../../local/engine/index';
import { workflowStep } from '../../shared/workflow/step-handler';
import { CaseStateError } from '../../shared/workflow/task-input';
import { ACCOUNT, fnArn, machine, machineArn, REGION } from '../support/sfn-fixtures';

const CANARY_ID = '6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e';
const EVENT = { caseId: CANARY_ID, taskToken: 'AQ-canary-token', reference: 'KOR-2026-0042' };

/**
 * The variables Powertools' Logger reads when it is made; each test sets its own. Lambda sets
 * AWS_LAMBDA_INITIALIZATION_TYPE; without `on-demand` Powertools never reports a cold start.
 */
const LOGGER_ENV = [
  'LOG_LEVEL',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_LOGGER_LOG_EVENT',
  'POWERTOOLS_DEV',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
];
const saved = Object.fromEntries(LOGGER_ENV.map((k) => [k, process.env[k]]));

function setEnv(env: Readonly<Record<string, string>>) {
  for (const k of LOGGER_ENV) delete process.env[k];
  Object.assign(process.env, { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' }, env);
}

afterEach(() => {
  for (const k of LOGGER_ENV) delete process.env[k];
  for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  jest.restoreAllMocks();
});

/**
 * Everything written to stdout and stderr (Powertools writes ERROR and WARN to stderr) while
 * `act` runs.
 */
async function captured(act: () => Promise<void>) {
  const chunks: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
  }
  try {
    await act();
  } finally {
    jest.restoreAllMocks();
  }
  const text = chunks.join('');
  const lines = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { text, lines };
}

const context = (awsRequestId: string) =>
  ({
    awsRequestId,
    functionName: 'BashkeApp-PrepareOfferFn',
    getRemainingTimeInMillis: () => 10_000,
  }) as unknown as Context;

const failing = () => {
  throw new CaseStateError(`case ${CANARY_ID} is not OFFERED`);
};

describe('workflowStep', () => {
  it('returns what the step returns, and the step logs with the Lambda context on its lines', async () => {
    setEnv({ LOG_LEVEL: 'INFO' });
    const handler = workflowStep('PrepareOffer', async (event, log) => {
      log.info('offer prepared', { ngos: 2 });
      return { got: event };
    });
    const { lines } = await captured(async () => {
      await expect(handler({ caseId: 'c' }, context('req-0'))).resolves.toEqual({ got: { caseId: 'c' } });
    });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'offer prepared',
        service: 'bashke',
        timestamp: expect.any(String),
        step: 'PrepareOffer',
        ngos: 2,
        function_name: 'BashkeApp-PrepareOfferFn',
        function_request_id: 'req-0',
        cold_start: true,
      }),
    ]);
  });

  it('rethrows the same error and logs its name, the step and the Lambda context, nothing of the event or message', async () => {
    // Even with Powertools' own switch for logging events on: the wrapper says logEvent false.
    setEnv({ LOG_LEVEL: 'INFO', POWERTOOLS_LOGGER_LOG_EVENT: 'true' });
    const handler = workflowStep('AcceptCase', async () => failing());
    let first: unknown;
    let second: unknown;
    const { text, lines } = await captured(async () => {
      first = await handler(EVENT, context('req-1')).catch((e: unknown) => e);
      second = await handler(EVENT, context('req-2')).catch((e: unknown) => e);
    });

    expect(first).toBeInstanceOf(CaseStateError);
    expect((first as Error).name).toBe('CaseStateError');
    expect(second).toBeInstanceOf(CaseStateError);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'workflow step failed',
        service: 'bashke',
        step: 'AcceptCase',
        error: 'CaseStateError',
        function_name: 'BashkeApp-PrepareOfferFn',
        function_request_id: 'req-1',
        cold_start: true,
      }),
      expect.objectContaining({ error: 'CaseStateError', function_request_id: 'req-2', cold_start: false }),
    ]);
    expect(text).not.toContain(CANARY_ID);
    expect(text).not.toContain('canary');
    expect(text).not.toContain('KOR-2026-0042');
    expect(text).not.toContain('not OFFERED');
    expect(text).not.toContain('stack');
  });

  it("takes its level from POWERTOOLS_LOG_LEVEL, else LOG_LEVEL (the house logger's variable)", async () => {
    const step = () =>
      workflowStep('OpenTask', async (_event, log) => {
        log.info('task opened', {});
        log.error('task mail failed', { error: 'Throttling' });
      });
    setEnv({ POWERTOOLS_LOG_LEVEL: 'ERROR', LOG_LEVEL: 'DEBUG' });
    const errorOnly = step();
    setEnv({ LOG_LEVEL: 'SILENT' });
    const silent = step();

    const { lines } = await captured(async () => {
      await errorOnly({}, context('req-4'));
      await silent({}, context('req-5'));
    });
    expect(lines.map((l) => [l.message, l.function_request_id])).toEqual([['task mail failed', 'req-4']]);
  });

  it('a thrown CaseStateError reaches Step Functions under its name, for Retry/Catch', async () => {
    const handler = workflowStep('AcceptCase', async () => failing());
    const plane = new StepFunctionsControlPlane({
      stateMachines: [
        machine('Step', {
          StartAt: 'Accept',
          States: {
            Accept: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: fnArn('accept'), 'Payload.$': '$' },
              Catch: [{ ErrorEquals: ['CaseStateError'], ResultPath: '$.error', Next: 'Caught' }],
              End: true,
            },
            Caught: { Type: 'Fail', Error: 'Caught', CausePath: '$.error.Error' },
          },
        }),
      ],
      // As the Lambda runtime reports a function error: errorType is the error's name.
      invoker: {
        async invoke(_arn, payload) {
          try {
            return { ok: true, payload: await handler(payload, context('req-3')) };
          } catch (error) {
            const e = error as Error;
            return { ok: false, errorType: e.name, errorMessage: e.message };
          }
        },
      },
      region: REGION,
      accountId: ACCOUNT,
    });
    try {
      const { executionArn } = await plane.startExecution({
        stateMachineArn: machineArn('Step'),
        input: JSON.stringify(EVENT),
      });
      await plane.executionDone(executionArn);
      const described = await plane.describeExecution({ executionArn });
      expect(described).toMatchObject({ status: 'FAILED', error: 'Caught', cause: 'CaseStateError' });
    } finally {
      await plane.dispose();
    }
  });
});
