import type { Context } from 'aws-lambda';
import { StepFunctionsControlPlane } from '../../local/engine/index';
import { Logger } from '../../shared/util/logger';
import { workflowStep } from '../../shared/workflow/step-handler';
import { CaseStateError } from '../../shared/workflow/task-input';
import { ACCOUNT, fnArn, machine, machineArn, REGION } from '../support/sfn-fixtures';

const CANARY_ID = '6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e';
const EVENT = { caseId: CANARY_ID, taskToken: 'AQ-canary-token', reference: 'KOR-2026-0042' };

function capture() {
  const lines: string[] = [];
  const logger = new Logger({ serviceName: 'bashke', env: {}, write: (line) => lines.push(line) });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
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
  it('returns what the step returns', async () => {
    const { logger, lines } = capture();
    const handler = workflowStep('PrepareOffer', async (event) => ({ got: event }), { logger });
    await expect(handler({ caseId: 'c' }, context('req-0'))).resolves.toEqual({ got: { caseId: 'c' } });
    expect(lines).toEqual([]);
  });

  it('rethrows the same error and logs its name, the step and the Lambda context, nothing of the event or message', async () => {
    const { logger, lines, parsed } = capture();
    const handler = workflowStep('AcceptCase', async () => failing(), { logger });

    const first = await handler(EVENT, context('req-1')).catch((e: unknown) => e);
    const second = await handler(EVENT, context('req-2')).catch((e: unknown) => e);

    expect(first).toBeInstanceOf(CaseStateError);
    expect((first as Error).name).toBe('CaseStateError');
    expect(second).toBeInstanceOf(CaseStateError);
    expect(parsed()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'workflow step failed',
        step: 'AcceptCase',
        error: 'CaseStateError',
        function_name: 'BashkeApp-PrepareOfferFn',
        function_request_id: 'req-1',
        cold_start: expect.any(Boolean),
      }),
      expect.objectContaining({ function_request_id: 'req-2', cold_start: false }),
    ]);
    const text = lines.join('');
    expect(text).not.toContain(CANARY_ID);
    expect(text).not.toContain('canary');
    expect(text).not.toContain('KOR-2026-0042');
    expect(text).not.toContain('not OFFERED');
  });

  it('a thrown CaseStateError reaches Step Functions under its name, for Retry/Catch', async () => {
    const { logger } = capture();
    const handler = workflowStep('AcceptCase', async () => failing(), { logger });
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

describe('Logger.child', () => {
  it('puts its context on every line, after the line fields, never over the fixed keys', () => {
    const { logger, parsed } = capture();
    const child = logger.child({ function_request_id: 'r-1', level: 'DEBUG' }).child({ step: 'S' });
    child.info('hello', { function_request_id: 'forged', extra: 1 });
    logger.info('root');
    expect(parsed()).toEqual([
      {
        level: 'INFO',
        message: 'hello',
        service: 'bashke',
        timestamp: expect.any(String),
        function_request_id: 'r-1',
        step: 'S',
        extra: 1,
      },
      { level: 'INFO', message: 'root', service: 'bashke', timestamp: expect.any(String) },
    ]);
  });
});
