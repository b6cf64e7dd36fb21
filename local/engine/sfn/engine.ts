import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { ENGINE_SLICE_ERROR } from './definition';

/**
 * Errors the control plane's task handlers throw into aws-local-stepfunctions. The engine
 * matches Retry/Catch on `error.name`, gives Catch `{Error: name, Cause: message}`, and
 * reads `isRetryable` / `isCatchable` (absent: true).
 */

type RunResult = ReturnType<StateMachine['run']>;
/** One entry of the engine's event log. */
export type EngineEvent = RunResult['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
/** A local Task handler as the engine calls it. */
export type EngineTaskHandler = NonNullable<
  NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']
>[string];
/** A JSON value as the engine types it. */
export type EngineJson = Awaited<ReturnType<EngineTaskHandler>>;

/** A task error with Step Functions' name for it (a function's errorType, SendTaskFailure's error). */
export class TaskError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** `States.Runtime`: fails the execution; neither Retry nor Catch sees it (as in AWS). */
export class StatesRuntimeError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(message: string) {
    super(message);
    this.name = 'States.Runtime';
  }
}

/** Hands control back to the engine, which re-enters the state at once (see definition.ts). */
export class EngineSliceError extends Error {
  readonly isCatchable = false;
  constructor() {
    super('the local control plane resumes this state');
    this.name = ENGINE_SLICE_ERROR;
  }
}

type TimeoutCtor = new () => Error;
let timeoutCtor: Promise<TimeoutCtor | undefined> | undefined;

/**
 * The engine's own `States.Timeout` class. Its `States.TaskFailed` matcher excludes only
 * instances of that class (as AWS excludes timeouts), and the class is not exported: it is
 * taken once from a one-state machine whose task times out after 1 ms.
 */
function engineTimeoutCtor(): Promise<TimeoutCtor | undefined> {
  timeoutCtor ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: 'Probe',
        States: {
          Probe: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:123456789012:function:probe',
            TimeoutSeconds: 0.001,
            End: true,
          },
        },
      },
      { validationOptions: { noValidate: true } },
    );
    const run = probe.run(null, {
      overrides: { taskResourceLocalHandlers: { Probe: () => new Promise<EngineJson>(() => {}) } },
    });
    try {
      await run.result;
      return undefined;
    } catch (error) {
      const cause = error instanceof ExecutionError ? error.cause : undefined;
      return cause instanceof Error && cause.name === 'States.Timeout'
        ? (cause.constructor as TimeoutCtor)
        : undefined;
    }
  })();
  return timeoutCtor;
}

/** Builds `States.Timeout` errors; `load()` once before the first execution. */
export class TimeoutErrors {
  private ctor: TimeoutCtor | undefined;

  async load(): Promise<void> {
    this.ctor = await engineTimeoutCtor();
  }

  create(cause: string): Error {
    const error = this.ctor ? new this.ctor() : Object.assign(new Error(), { name: 'States.Timeout' });
    error.message = cause;
    return error;
  }
}
