import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type Logger, logger as rootLogger } from '../util/logger';

/**
 * The wiring every workflow step (a Lambda task of a state machine) shares, as `jsonRoute`
 * is for the HTTP routes: a logger with the Lambda context, one log line when the step
 * throws, and the same error rethrown so Step Functions sees its name (`errorType`) and
 * Retry/Catch match it as before.
 *
 * The issue asks for Powertools' `injectLambdaContext`; the project removed Powertools'
 * logger for its cold-start cost (shared/util/logger.ts), so this is the same context on our
 * own logger (`child`), with Powertools' key names: `function_name`, `function_request_id`,
 * `cold_start`, plus `step`.
 *
 * What the error line holds is strict: the step and the error's class name. Never the event
 * (task inputs carry ids and the task token, which is a credential for the task), never the
 * error's message or cause (an SDK or validation message may quote the data it was given).
 */

/** True until the first invocation of this container has started. */
let coldStart = true;

/** The logger of one invocation: the root logger with the Lambda context. */
export function stepLogger(step: string, context: Context, base: Logger = rootLogger): Logger {
  const cold = coldStart;
  coldStart = false;
  return base.child({
    step,
    function_name: context.functionName,
    function_request_id: context.awsRequestId,
    cold_start: cold,
  });
}

function stepContext(step: string, base: Logger): MiddlewareObj<unknown, unknown, Error, Context> {
  const loggers = new WeakMap<object, Logger>();
  return {
    before: (request) => {
      loggers.set(request, stepLogger(step, request.context, base));
    },
    onError: (request) => {
      const log = loggers.get(request) ?? base.child({ step });
      const name = request.error instanceof Error ? request.error.name : typeof request.error;
      log.error('workflow step failed', { error: name });
      // No response set: middy rethrows request.error itself, unchanged.
    },
  };
}

export interface WorkflowStepOptions {
  /** @default the shared logger */
  readonly logger?: Logger;
}

/**
 * A workflow step's handler: `fn` is the use case bound to its deps (`(event) =>
 * prepareOffer(deps, event)`); its result is the task's result, its error the task's error.
 */
export function workflowStep<R>(
  step: string,
  fn: (event: unknown) => Promise<R>,
  options: WorkflowStepOptions = {},
) {
  return middy<unknown, R, Error, Context>()
    .use(stepContext(step, options.logger ?? rootLogger) as MiddlewareObj<unknown, R, Error, Context>)
    .handler((event) => fn(event));
}
