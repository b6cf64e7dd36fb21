import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type AuditLog, type AuditSubject, inAuditScope } from '../audit/audit';
import { type Logger, SERVICE_NAME } from '../util/logger';
import { type FlushableMetrics, flushMetricsAfterEach } from '../util/metrics';

/**
 * The wiring every workflow step (a Lambda task of a state machine, or the target of a rule
 * or schedule) shares, as `jsonRoute` is for the HTTP routes: Powertools' Logger with the
 * Lambda context (`injectLambdaContext`: `function_name`, `function_request_id`,
 * `cold_start`, ...), plus `step`; one log line when the step throws; and the same error
 * rethrown so Step Functions sees its name (`errorType`) and Retry/Catch match it as before.
 *
 * Powertools here and not in the HTTP functions: its ~13 ms of cold start counts against the
 * request path's cold-import target there (shared/util/logger.ts), while a step's cold start
 * keeps no caller waiting.
 *
 * What is logged is strict. Never the event: `logEvent: false` holds even when
 * `POWERTOOLS_LOGGER_LOG_EVENT` is set (task inputs carry ids and the task token, which is a
 * credential for the task). The error line holds the step and the error's class name, never
 * the error itself, its message or cause (an SDK or validation message may quote the data it
 * was given; Powertools would print all of them for an Error object).
 *
 * The level comes from the environment as Powertools reads it: `POWERTOOLS_LOG_LEVEL`, else
 * `LOG_LEVEL` (the house logger's variable), else INFO; Lambda's advanced logging controls
 * (`AWS_LAMBDA_LOG_LEVEL`) win when set. It is read when the logger is made (at load).
 *
 * A step that records metrics (shared/util/powertools-metrics.ts) hands them over as
 * `metrics`: they are flushed after every invocation, also one that throws.
 */

/** A step's logger: the shared service name, the step on every line. */
export function stepLogger(step: string): PowertoolsLogger {
  return new PowertoolsLogger({ serviceName: SERVICE_NAME, persistentKeys: { step } });
}

function errorLine(log: Logger): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    onError: (request) => {
      const name = request.error instanceof Error ? request.error.name : typeof request.error;
      log.error('workflow step failed', { error: name });
      // No response set: middy rethrows request.error itself, unchanged.
    },
  };
}

export interface WorkflowStepOptions {
  /** @default stepLogger(step), made once per handler */
  readonly logger?: PowertoolsLogger;
  /**
   * The audit trail, for the steps that read or write a case or a task: each invocation whose
   * input names one (`caseId`, `taskId`) is recorded, by the system, before the step returns.
   * A record that cannot be written fails the step, which Step Functions retries (every step
   * is safe to run twice): no change to a case goes unrecorded. The sweeps (dispatch-due,
   * delivery-events) act on many tasks at once and record through the case timeline instead.
   */
  readonly audit?: AuditLog;
  /**
   * The step's metrics (made at module scope, given to its mailer and use case too), flushed
   * after every invocation.
   * @default none: the step records no metrics
   */
  readonly metrics?: FlushableMetrics;
}

/** Ids as the workflows pass them: nothing else of the input is read for the audit. */
const ID = /^[A-Za-z0-9_.:#-]{1,200}$/;

/** The case and task a step's input names, if any. */
export function stepSubject(event: unknown): AuditSubject | undefined {
  if (event === null || typeof event !== 'object') return undefined;
  const { caseId, taskId } = event as { caseId?: unknown; taskId?: unknown };
  const subject = {
    ...(typeof caseId === 'string' && ID.test(caseId) ? { caseId } : {}),
    ...(typeof taskId === 'string' && ID.test(taskId) ? { taskId } : {}),
  };
  return Object.keys(subject).length ? subject : undefined;
}

/**
 * A workflow step's handler: `fn` is the use case bound to its deps (`(event) =>
 * prepareOffer(deps, event)`); its result is the task's result, its error the task's error.
 * `log` is the step's logger, with the invocation's context on every line.
 */
export function workflowStep<R>(
  step: string,
  fn: (event: unknown, log: Logger) => Promise<R>,
  options: WorkflowStepOptions = {},
) {
  const log = options.logger ?? stepLogger(step);
  const { audit } = options;
  const run = async (event: unknown, context: Context): Promise<R> => {
    const subject = audit ? stepSubject(event) : undefined;
    if (!audit || !subject) return fn(event, log);
    const { outcome } = await inAuditScope(() => fn(event, log), { kind: 'system' });
    await audit.record([
      {
        at: new Date().toISOString(),
        requestId: context.awsRequestId,
        channel: 'workflow',
        action: step,
        actor: { kind: 'system' },
        subject,
        result: outcome.status === 'fulfilled' ? 'allowed' : 'failed',
      },
    ]);
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  };
  // middy runs onError in reverse order: the error line is written while the context is on,
  // and so are the metrics flushed (a flush that fails logs a line).
  const wired = middy<unknown, R, Error, Context>().use(
    injectLambdaContext(log, { logEvent: false, resetKeys: true }),
  );
  if (options.metrics) wired.use(flushMetricsAfterEach(options.metrics, log));
  return wired.use(errorLine(log) as MiddlewareObj<unknown, R, Error, Context>).handler(run);
}
