import { randomBytes } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';

/**
 * Runs a synthesized state machine in-process on aws-local-stepfunctions, with its Lambda
 * steps bound to local functions (use cases wired to fakes).
 *
 * What the local runtime lacks, and how this harness fills it:
 *
 * - `arn:aws:states:::lambda:invoke`: every Task state gets a local handler that reads
 *   `FunctionName` and `Payload` (the state's Parameters, already resolved), calls the
 *   function registered for that ARN with a JSON copy of the payload, and answers like
 *   the service integration: `{ ExecutedVersion, Payload, SdkHttpMetadata,
 *   SdkResponseMetadata, StatusCode: 200 }`. A thrown error becomes a task error named
 *   after the error (`error.name`), as a Lambda function error is named by its errorType.
 * - `.waitForTaskToken`: the runtime has no callback pattern. The execution's Context
 *   Object holds `Task.Token = TASK_TOKEN_PLACEHOLDER`; the callback state's handler
 *   replaces it with a fresh token per attempt, opens the token in `CallbackTokens`,
 *   invokes the function, and returns a promise that settles only when the token is
 *   answered: `callbacks.succeed()` (SendTaskSuccess: the state's result is the output),
 *   `callbacks.fail()` (SendTaskFailure: a task error with that name) or
 *   `callbacks.timeOut()` (the task's TimeoutSeconds elapsing: an error named
 *   `States.Timeout`, which Retry/Catch match by name). A token whose attempt has ended
 *   answers 'closed', as the real API's TaskTimedOut/TaskDoesNotExist do.
 * - Retry pauses are overridden (0 ms by default) so retried steps run at once.
 *
 * Limits: Map and Parallel states are not supported (their Task states would get no
 * handler); the emulated `States.Timeout` is an ordinary error named so, which a
 * `States.TaskFailed` catcher would also match (the real one is excluded from it). No
 * heartbeats.
 */

type RunResult = ReturnType<StateMachine['run']>;
/** One entry of the runtime's execution event log (StateEntered, StateExited, ...). */
export type EventLog = RunResult['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type LocalHandler = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>[string];
type JsonValue = Awaited<ReturnType<LocalHandler>>;

/** The value `$$.Task.Token` resolves to before the callback handler swaps in a real token. */
export const TASK_TOKEN_PLACEHOLDER = '__local-sfn-task-token__';

const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
const LAMBDA_INVOKE_CALLBACK = /^arn:aws[a-z-]*:states:::lambda:invoke\.waitForTaskToken$/;

/** A Lambda function's code: receives the event, returns the payload (or throws). */
export type LocalFunction = (event: unknown) => unknown;

/** A Lambda function error as the service integration reports it. */
export class LambdaFunctionError extends Error {
  constructor(errorType: string, errorMessage: string) {
    super(JSON.stringify({ errorType, errorMessage }));
    this.name = errorType;
  }
}

/** SendTaskFailure's error: named by the caller, with its cause as the message. */
export class TaskFailureError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** The emulated expiry of a callback task (its TimeoutSeconds). */
export class CallbackTimeoutError extends Error {
  override readonly name = 'States.Timeout';
  constructor() {
    super('the callback task timed out');
  }
}

/** A callback task whose function returned: its token awaits an answer. */
export interface PendingCallback {
  readonly token: string;
  readonly execution: string;
  readonly state: string;
  /** The event the function received (token included). */
  readonly payload: unknown;
}

/** How a token was answered (or closed without one). */
export type TokenAnswer =
  | { readonly kind: 'success'; readonly output: unknown }
  | { readonly kind: 'failure'; readonly error: string; readonly cause: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'closed'; readonly reason: string };

/** One call of a local function. */
export interface Invocation {
  readonly execution: string;
  readonly state: string;
  readonly functionArn: string;
  readonly payload: unknown;
  /** undefined while the function runs. */
  readonly outcome?:
    | { readonly ok: true; readonly result: unknown }
    | { readonly ok: false; readonly error: string };
}

export type ExecutionOutcome =
  | { readonly status: 'SUCCEEDED'; readonly output: unknown }
  | { readonly status: 'FAILED'; readonly error: string; readonly cause: string }
  | { readonly status: 'ABORTED' }
  | { readonly status: 'TIMED_OUT' };

interface OpenToken {
  readonly pending: PendingCallback;
  readonly settle: { resolve: (v: JsonValue) => void; reject: (e: Error) => void };
  armed: boolean;
}

function json<T>(value: T): T {
  return value === undefined ? (null as T) : (JSON.parse(JSON.stringify(value)) as T);
}

function newToken(): string {
  // Real tokens are long opaque strings; any unguessable string serves.
  return `local-token-${randomBytes(24).toString('base64url')}`;
}

/** Replaces every string equal to the placeholder; counts how many it replaced. */
function withToken(value: unknown, token: string): { value: unknown; count: number } {
  let count = 0;
  const walk = (v: unknown): unknown => {
    if (v === TASK_TOKEN_PLACEHOLDER) {
      count++;
      return token;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return { value: walk(value), count };
}

/**
 * The task-token API of the emulated Step Functions. `succeed` has the shape of the
 * project's `TaskCallback` port, so this object can be given to the action-link use case.
 */
export class CallbackTokens {
  private readonly openTokens = new Map<string, OpenToken>();
  private readonly log: Array<{ token: string; answer: TokenAnswer }> = [];

  /** SendTaskSuccess. The output goes through JSON, as the API's string does. */
  async succeed(token: string, output: unknown): Promise<'ok' | 'closed'> {
    const text = JSON.stringify(output);
    if (text === undefined) throw new Error('SendTaskSuccess output must be JSON');
    return this.answer(token, { kind: 'success', output: JSON.parse(text) });
  }

  /** SendTaskFailure: the task fails with error `error`. */
  async fail(token: string, error: string, cause = ''): Promise<'ok' | 'closed'> {
    return this.answer(token, { kind: 'failure', error, cause });
  }

  /** The task's TimeoutSeconds elapse now: the state fails with `States.Timeout`. */
  timeOut(token: string): 'ok' | 'closed' {
    return this.answer(token, { kind: 'timeout' });
  }

  /** True while the token's state waits for an answer. */
  isOpen(token: string): boolean {
    return this.openTokens.has(token);
  }

  /** Every token still waiting, armed or not. */
  open(): PendingCallback[] {
    return [...this.openTokens.values()].map((t) => t.pending);
  }

  /** Every token that was answered or closed, in order, with how. */
  history(): Array<{ token: string; answer: TokenAnswer }> {
    return json(this.log);
  }

  /** @internal Opens a token for a callback state's attempt. */
  register(pending: PendingCallback, settle: OpenToken['settle']): void {
    this.openTokens.set(pending.token, { pending, settle, armed: false });
  }

  /** @internal The function returned: the token may now be used by whoever got it. */
  arm(token: string): boolean {
    const entry = this.openTokens.get(token);
    if (entry) entry.armed = true;
    return entry !== undefined;
  }

  /** @internal Ends an attempt without an answer (its function failed, the run was stopped). */
  close(token: string, reason: string, error: Error): void {
    const entry = this.openTokens.get(token);
    if (!entry) return;
    this.openTokens.delete(token);
    this.record(token, { kind: 'closed', reason });
    entry.settle.reject(error);
  }

  private answer(token: string, answer: TokenAnswer): 'ok' | 'closed' {
    const entry = this.openTokens.get(token);
    if (!entry) return 'closed';
    this.openTokens.delete(token);
    this.record(token, answer);
    if (answer.kind === 'success') entry.settle.resolve(answer.output as JsonValue);
    else if (answer.kind === 'timeout') entry.settle.reject(new CallbackTimeoutError());
    else if (answer.kind === 'failure') entry.settle.reject(new TaskFailureError(answer.error, answer.cause));
    return 'ok';
  }

  private record(token: string, answer: TokenAnswer): void {
    this.log.push({ token, answer: json(answer) });
  }
}

/** One running (or finished) execution. */
export class LocalExecution {
  /** The runtime's event log, as far as it got (StateEntered/Exited carry input and output). */
  readonly events: EventLog[] = [];
  private readonly armedCallbacks: PendingCallback[] = [];
  private cursor = 0;
  private wakers: Array<() => void> = [];
  private finished: ExecutionOutcome | undefined;
  private readonly done: Promise<ExecutionOutcome>;
  private readonly stop: () => void;

  constructor(
    readonly name: string,
    readonly input: unknown,
    run: (execution: LocalExecution) => RunResult,
  ) {
    const { result, eventLogs, abort } = run(this);
    this.stop = abort;
    const drained = (async () => {
      for await (const event of eventLogs) this.events.push(event);
    })();
    const outcome = result.then(
      (output): ExecutionOutcome => ({ status: 'SUCCEEDED', output: json(output) }),
      (error: unknown): ExecutionOutcome => {
        if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' };
        if (error instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT' };
        if (error instanceof ExecutionError && error.cause instanceof Error) {
          return { status: 'FAILED', error: error.cause.name, cause: error.cause.message };
        }
        throw error;
      },
    );
    this.done = Promise.all([outcome, drained]).then(([o]) => {
      this.finished = o;
      this.wake();
      return o;
    });
  }

  /** Resolves when the execution ends (the event log is complete by then). */
  result(): Promise<ExecutionOutcome> {
    return this.done;
  }

  /** The outcome, or undefined while it runs. */
  get outcome(): ExecutionOutcome | undefined {
    return this.finished;
  }

  /**
   * The next callback task of this execution whose function has returned (each is
   * handed out once, in order). Rejects if the execution ends first.
   */
  async nextCallback(): Promise<PendingCallback> {
    for (;;) {
      const next = this.armedCallbacks[this.cursor];
      if (next) {
        this.cursor++;
        return next;
      }
      if (this.finished) {
        throw new Error(
          `execution ${this.name} ended (${this.finished.status}) without another callback task: ` +
            JSON.stringify(this.finished),
        );
      }
      await new Promise<void>((resolve) => this.wakers.push(resolve));
    }
  }

  /** Names of the states entered, in order. */
  statesEntered(): string[] {
    return this.events.flatMap((e) => (e.type === 'StateEntered' ? [e.state.name] : []));
  }

  /** StopExecution. */
  abort(): void {
    this.stop();
  }

  /** @internal */
  armed(callback: PendingCallback): void {
    this.armedCallbacks.push(callback);
    this.wake();
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }
}

export interface LocalWorkflowOptions {
  /** The resolved definition (see `synthStateMachine`). */
  readonly definition: StateMachineDefinition;
  /** Function ARN (as in the definition's `FunctionName`) -> its local code. */
  readonly functions: Readonly<Record<string, LocalFunction>>;
  /** Pause before a retry, in ms. @default 0 */
  readonly retryPauseMs?: number;
  /** Name of the state machine, for the Context Object. @default 'StateMachine' */
  readonly name?: string;
  /** Region of the Context Object's ARNs. @default 'eu-central-1' */
  readonly region?: string;
}

/** A state machine bound to local functions; starts executions and answers their callbacks. */
export class LocalWorkflow {
  /** SendTaskSuccess / SendTaskFailure / task timeout for every execution of this workflow. */
  readonly callbacks = new CallbackTokens();
  private readonly machine: StateMachine;
  private readonly executions = new Map<string, LocalExecution>();
  private readonly calls: Array<Invocation & { outcome?: Invocation['outcome'] }> = [];
  private readonly taskStates: ReadonlyArray<[string, 'invoke' | 'callback']>;
  private readonly retryStates: readonly string[];

  constructor(private readonly options: LocalWorkflowOptions) {
    const states = Object.entries(options.definition.States);
    for (const [name, state] of states) {
      if (state.Type === 'Map' || state.Type === 'Parallel') {
        throw new Error(`state ${name}: ${state.Type} states are not supported by this harness`);
      }
    }
    this.taskStates = states.flatMap(([name, state]): Array<[string, 'invoke' | 'callback']> => {
      if (state.Type !== 'Task') return [];
      if (LAMBDA_INVOKE.test(state.Resource)) return [[name, 'invoke']];
      if (LAMBDA_INVOKE_CALLBACK.test(state.Resource)) return [[name, 'callback']];
      throw new Error(`state ${name}: resource ${state.Resource} is not supported by this harness`);
    });
    this.retryStates = states.flatMap(([name, state]) => ('Retry' in state && state.Retry ? [name] : []));
    this.machine = new StateMachine(options.definition);
  }

  /**
   * StartExecution. The same name with the same input returns the running execution (the
   * API's idempotent start); with another input it throws ExecutionAlreadyExists.
   */
  start(name: string, input: unknown): LocalExecution {
    const existing = this.executions.get(name);
    if (existing) {
      if (JSON.stringify(existing.input) === JSON.stringify(input)) return existing;
      throw Object.assign(new Error(`execution ${name} already exists`), { name: 'ExecutionAlreadyExists' });
    }
    const execution = new LocalExecution(name, json(input), (exec) => this.run(exec));
    this.executions.set(name, execution);
    return execution;
  }

  execution(name: string): LocalExecution {
    const found = this.executions.get(name);
    if (!found) throw new Error(`no execution ${name}`);
    return found;
  }

  /** Every function call so far (all executions), oldest first. */
  invocations(): Invocation[] {
    return json(this.calls);
  }

  /**
   * Stops every execution still running and closes its open tokens, then waits for all
   * of them to end: no timer of the runtime outlives the test.
   */
  async dispose(): Promise<void> {
    for (const execution of this.executions.values()) if (!execution.outcome) execution.abort();
    for (const pending of this.callbacks.open()) {
      this.callbacks.close(pending.token, 'disposed', new Error('the local workflow was disposed'));
    }
    await Promise.all([...this.executions.values()].map((e) => e.result()));
  }

  private run(execution: LocalExecution): RunResult {
    const handlers: Record<string, LocalHandler> = {};
    for (const [state, kind] of this.taskStates) {
      handlers[state] =
        kind === 'invoke'
          ? (input) => this.invoke(execution, state, input)
          : (input) => this.invokeWithCallback(execution, state, input);
    }
    const pause = this.options.retryPauseMs ?? 0;
    const machineName = this.options.name ?? 'StateMachine';
    const region = this.options.region ?? 'eu-central-1';
    const machineArn = `arn:aws:states:${region}:123456789012:stateMachine:${machineName}`;
    return this.machine.run(execution.input as JsonValue, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        retryIntervalOverrides: Object.fromEntries(this.retryStates.map((s) => [s, pause])),
      },
      context: {
        Execution: {
          Id: `${machineArn.replace(':stateMachine:', ':execution:')}:${execution.name}`,
          Name: execution.name,
        },
        StateMachine: { Id: machineArn, Name: machineName },
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
      },
    });
  }

  private target(state: string, input: JsonValue): { arn: string; fn: LocalFunction; payload: unknown } {
    const params = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
    const arn = String(params.FunctionName);
    const fn = this.options.functions[arn];
    if (!fn) throw new Error(`state ${state}: no local function for ${arn}`);
    return { arn, fn, payload: params.Payload ?? {} };
  }

  /** Calls the function and records the call; errors come back as Lambda function errors. */
  private async call(
    execution: LocalExecution,
    state: string,
    arn: string,
    fn: LocalFunction,
    payload: unknown,
  ) {
    const record: { -readonly [K in keyof Invocation]: Invocation[K] } = {
      execution: execution.name,
      state,
      functionArn: arn,
      payload: json(payload),
    };
    this.calls.push(record);
    try {
      const result = json(await fn(json(payload)));
      record.outcome = { ok: true, result };
      return result;
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      record.outcome = { ok: false, error: err.name };
      throw new LambdaFunctionError(err.name || 'Error', err.message);
    }
  }

  private async invoke(execution: LocalExecution, state: string, input: JsonValue): Promise<JsonValue> {
    const { arn, fn, payload } = this.target(state, input);
    if (withToken(payload, '').count > 0) {
      throw new Error(`state ${state}: $$.Task.Token is only defined in a callback task`);
    }
    const result = await this.call(execution, state, arn, fn, payload);
    return {
      ExecutedVersion: '$LATEST',
      Payload: result as JsonValue,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: randomBytes(8).toString('hex') },
      StatusCode: 200,
    };
  }

  private invokeWithCallback(execution: LocalExecution, state: string, input: JsonValue): Promise<JsonValue> {
    const { arn, fn, payload: template } = this.target(state, input);
    const token = newToken();
    const { value: payload, count } = withToken(template, token);
    if (count === 0) {
      // Step Functions would wait for a token nobody was given until the state times out.
      return Promise.reject(new Error(`state ${state}: the callback task does not pass $$.Task.Token`));
    }
    // (tsconfig's lib is ES2023: no Promise.withResolvers in the types.)
    let settle: OpenToken['settle'] = { resolve: () => {}, reject: () => {} };
    const waiting = new Promise<JsonValue>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const pending: PendingCallback = { token, execution: execution.name, state, payload: json(payload) };
    // The token is valid from the start of the attempt, before the function runs.
    this.callbacks.register(pending, settle);
    this.call(execution, state, arn, fn, payload).then(
      () => {
        if (this.callbacks.arm(token)) execution.armed(pending);
      },
      (error: Error) => this.callbacks.close(token, `function failed: ${error.name}`, error),
    );
    return waiting;
  }
}
