import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { TASK_INPUT_VERSION } from '../shared/workflow/task-input';
import { LAMBDA_SERVICE_ERRORS, STEP_TRANSIENT_ERRORS } from './referral-states';

/** The house retry of every Lambda step: the service's own errors, with backoff and full jitter. */
export const LAMBDA_SERVICE_RETRY: sfn.RetryProps = {
  errors: [...LAMBDA_SERVICE_ERRORS],
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
  jitterStrategy: sfn.JitterType.FULL,
};

/** The house retry of a step's own transient failures (STEP_TRANSIENT_ERRORS). */
export const STEP_TRANSIENT_RETRY: sfn.RetryProps = {
  errors: [...STEP_TRANSIENT_ERRORS],
  interval: Duration.seconds(2),
  maxAttempts: 4,
  backoffRate: 2,
  jitterStrategy: sfn.JitterType.FULL,
};

/** Upper bound of one Lambda step. */
export const STEP_TIMEOUT = Duration.seconds(60);

/**
 * A Lambda step with the house retry policy and a catch-all to the failure state. Its result
 * is discarded unless `result` names what to keep and where. Its payload carries the input
 * version (`v`) its handler reads it by.
 */
export function lambdaStep(
  scope: Construct,
  id: string,
  props: {
    readonly fn: IFunction;
    readonly payload: Record<string, unknown>;
    readonly failed: sfn.IChainable;
    readonly result?: { readonly selector: Record<string, string>; readonly path: string };
    readonly timeout?: Duration;
  },
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: props.fn,
    payload: sfn.TaskInput.fromObject({ ...props.payload, v: TASK_INPUT_VERSION }),
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(props.timeout ?? STEP_TIMEOUT),
    ...(props.result
      ? { resultSelector: props.result.selector, resultPath: props.result.path }
      : { resultPath: sfn.JsonPath.DISCARD }),
  });
  task.addRetry(LAMBDA_SERVICE_RETRY);
  task.addRetry(STEP_TRANSIENT_RETRY);
  task.addCatch(props.failed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
  return task;
}
