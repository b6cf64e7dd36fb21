import { createHash } from 'node:crypto';
import type { ExecutionStatus, HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import { ExecutionAbortedError, ExecutionError, type StateMachine } from 'aws-local-stepfunctions';
import type { FunctionInvoker } from '../model';
import { CompoundStateEvents } from './compound-events';
import {
  type Json,
  type JsonObject,
  type PreparedDefinition,
  RESUME_STATE,
  type StateType,
  type TaskStateInfo,
} from './definition';
import {
  type EngineEvent,
  type EngineJson,
  EngineSliceError,
  type EngineTaskHandler,
  StatesRuntimeError,
  TaskError,
  type TimeoutErrors,
} from './engine';
import {
  functionError,
  invokerFailure,
  lambdaInvokeResult,
  lambdaPayload,
  qualifiedFunctionArn,
  type TaskError as TaskErrorInfo,
} from './lambda';
import type { TimerId, Timers } from './timers';
import { executionRef, newTaskToken } from './tokens';
import { enteredEventId, waitDueAt } from './wait';

/** A history event as stored: the API's shape, the timestamp as ISO text. */
export type HistoryRecord = Omit<HistoryEvent, 'timestamp' | 'type' | 'id' | 'previousEventId'> & {
  id: number;
  previousEventId: number;
  type: HistoryEventType;
  timestamp: string;
};

export type TaskTokenStatus = 'OPEN' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'CLOSED';

/** A task token this execution issued (one per callback attempt). */
export interface TaskTokenRecord {
  token: string;
  state: string;
  status: TaskTokenStatus;
  issuedAt: string;
  /** When the state's TimeoutSeconds ends the wait. */
  dueAt?: string;
  /** The state's attempt this token belongs to: 1, then 2 after the first retry, ... */
  attempt: number;
  /** Which entry of the state (a hash of the state's resolved Parameters): see `inputKey`. */
  inputKey: string;
  /** The id of its TaskScheduled event: tells this visit of the state from earlier ones. */
  scheduledEventId?: number;
  /**
   * When the function given this token returned (TaskSubmitted). Absent while it runs: a
   * resume invokes it again with this token (at-least-once, as a Lambda retry on AWS).
   */
  submittedAt?: string;
  /** SUCCEEDED: the output sent (JSON text). FAILED: the error and cause. A resume hands them on. */
  output?: string;
  error?: string;
  cause?: string;
}

/** A Wait state in progress. */
export interface WaitRecord {
  state: string;
  dueAt: string;
  inputKey: string;
}

/** A Task state that has failed at least once and is retried (its Retry, run by the control plane). */
export interface RetryRecord {
  state: string;
  inputKey: string;
  /** The attempt that runs, or runs next once `dueAt` is reached (2 after the first failure). */
  attempt: number;
  /** Retries so far, per retrier of the state's Retry (each retrier's MaxAttempts counts these). */
  retriesByRetrier: number[];
  /** Set while the backoff before `attempt` is in progress. */
  dueAt?: string;
}

/** The top-level state the execution is in: where a resume after a restart starts. */
export interface CurrentStateRecord {
  state: string;
  /** The state's input, JSON text (before its InputPath). */
  input: string;
  enteredAt: string;
}

/**
 * Everything known about one execution, as one plain JSON-serializable object: what the
 * `ExecutionStore` saves and loads, and what a resume starts from.
 */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: string;
  stopDate?: string;
  /** JSON text, as given to StartExecution. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** When the definition's TimeoutSeconds ends the execution. */
  timeoutAt?: string;
  /** While RUNNING: the last top-level state entered. */
  current?: CurrentStateRecord;
  history: HistoryRecord[];
  tasks: TaskTokenRecord[];
  /** Wait states in progress and when each ends. */
  waits: WaitRecord[];
  /** Task states being retried: attempt counts and the backoff in progress. */
  retries: RetryRecord[];
}

/** A state machine ready to run: the engine and what the control plane knows of its states. */
export interface RunnableMachine {
  readonly arn: string;
  readonly name: string;
  readonly engine: StateMachine;
  readonly prepared: PreparedDefinition;
}

export interface ExecutionDeps {
  readonly invoker: FunctionInvoker;
  readonly timers: Timers;
  readonly now: () => Date;
  readonly region: string;
  readonly accountId: string;
  readonly timeouts: TimeoutErrors;
  /** Longest stretch one engine Task attempt waits before the engine gets control back. */
  readonly sliceMs: number;
  /**
   * The engine that resumes this machine at a top-level state (`resumeDefinition`). With it,
   * an execution that waits at a top-level state lets its engine go (see `ExecutionRun`).
   */
  readonly resumeEngine?: (state: string) => StateMachine;
  /** A token was issued: the control plane indexes it. */
  readonly tokenIssued: (token: string, run: ExecutionRun) => void;
  /**
   * The record changed. `urgent`: save it before returning (a token about to be handed out,
   * an answer, a due time); otherwise at the end of the event-loop turn.
   */
  readonly changed: (run: ExecutionRun, urgent: boolean) => void;
}

/** How an execution loaded from the store goes on. */
export interface ResumeFrom {
  /** The engine of `resumeDefinition(prepared, record.current.state)`; absent: start over. */
  readonly engine?: StateMachine;
}

/** The value `$$.Task.Token` resolves to; the callback handler swaps in a fresh token. */
const TOKEN_PLACEHOLDER = `__local-sfn-task-token-${process.pid}-${Date.now().toString(36)}__`;

type TaskOutcome =
  | { readonly kind: 'success'; readonly output: Json }
  | { readonly kind: 'failure'; readonly error: string; readonly cause: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'closed' };

interface OpenTask {
  readonly record: TaskTokenRecord;
  deadline?: TimerId;
  outcome?: TaskOutcome;
  waiter?: (outcome: TaskOutcome) => void;
  /** Its function is running in this process (so a handler that adopts it does not invoke it again). */
  invoking?: boolean;
}

interface Parked {
  readonly timer: TimerId;
  readonly reject: (error: Error) => void;
}

type Invocation = { ok: true; payload: Json } | { ok: false; error: TaskErrorInfo };

/**
 * Thrown by a handler whose top-level state waits (a callback, a Wait, a retry backoff)
 * after the engine was aborted: the run keeps the record and its timers, not the engine.
 */
class ParkedError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor() {
    super('the local control plane parked this execution');
    this.name = 'Local.Parked';
  }
}

const ENTERED: Record<StateType, HistoryEventType> = {
  Task: 'TaskStateEntered',
  Parallel: 'ParallelStateEntered',
  Map: 'MapStateEntered',
  Pass: 'PassStateEntered',
  Wait: 'WaitStateEntered',
  Choice: 'ChoiceStateEntered',
  Succeed: 'SucceedStateEntered',
  Fail: 'FailStateEntered',
};
const EXITED: Record<Exclude<StateType, 'Fail'>, HistoryEventType> = {
  Task: 'TaskStateExited',
  Parallel: 'ParallelStateExited',
  Map: 'MapStateExited',
  Pass: 'PassStateExited',
  Wait: 'WaitStateExited',
  Choice: 'ChoiceStateExited',
  Succeed: 'SucceedStateExited',
};

const TIMEOUT_CAUSE = 'The task did not finish within its TimeoutSeconds.';
const NO_DATA = { truncated: false } as const;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function toJson(value: unknown): Json {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as Json);
}

/** Replaces the token placeholder wherever it occurs (also inside formatted strings). */
function withToken(value: Json, token: string): { value: Json; count: number } {
  let count = 0;
  const walk = (v: Json): Json => {
    if (typeof v === 'string' && v.includes(TOKEN_PLACEHOLDER)) {
      const parts = v.split(TOKEN_PLACEHOLDER);
      count += parts.length - 1;
      return parts.join(token);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { value: walk(value), count };
}

/**
 * Which entry of a state a token, wait or retry belongs to: a hash of the state's name and
 * the handler's input (its resolved Parameters), the same in every process. Inside a Map,
 * iterations differ by their input; a top-level state has one entry at a time.
 */
export function inputKey(state: string, handlerInput: Json): string {
  const stable = JSON.stringify(withToken(handlerInput, '$$.Task.Token').value);
  return createHash('sha256').update(`${state}\u0000${stable}`).digest('base64url').slice(0, 22);
}

/**
 * The id of the entry event of the current state's latest visit (state names are unique
 * in a definition, nested ones included): tokens scheduled after it belong to this visit.
 */
function currentVisitStart(record: ExecutionRecord): number | undefined {
  const state = record.current?.state;
  if (state === undefined) return undefined;
  return record.history.findLast((e) => e.stateEnteredEventDetails?.name === state)?.id;
}

/** The outcome a settled token's record kept, if it can be handed on. */
function savedOutcome(task: TaskTokenRecord): TaskOutcome | undefined {
  if (task.status === 'TIMED_OUT') return { kind: 'timeout' };
  if (task.status === 'FAILED' && task.error !== undefined) {
    return { kind: 'failure', error: task.error, cause: task.cause ?? '' };
  }
  if (task.status === 'SUCCEEDED' && task.output !== undefined) {
    return { kind: 'success', output: JSON.parse(task.output) as Json };
  }
  return undefined;
}

/**
 * Ends a record that cannot resume (its state machine or state is gone): FAILED with
 * `States.Runtime` and the reason, its tokens closed.
 */
export function failRecord(record: ExecutionRecord, now: Date, cause: string): void {
  const at = now.toISOString();
  for (const task of record.tasks) if (task.status === 'OPEN') task.status = 'CLOSED';
  record.waits = [];
  record.retries = [];
  delete record.current;
  Object.assign(record, { status: 'FAILED', stopDate: at, error: 'States.Runtime', cause });
  const previous = record.history.at(-1)?.id ?? 0;
  record.history.push({
    timestamp: at,
    type: 'ExecutionFailed',
    id: previous + 1,
    previousEventId: previous,
    executionFailedEventDetails: { error: 'States.Runtime', cause },
  });
}

/** What the next attempt of a failed Task is, per its Retry (as the engine decides it). */
function retryDecision(
  info: TaskStateInfo,
  error: unknown,
  previous: readonly number[] | undefined,
): { retriesByRetrier: number[]; delayMs: number } | undefined {
  if (!(error instanceof Error) || (error as { isRetryable?: boolean }).isRetryable === false)
    return undefined;
  const timeout = error.name === 'States.Timeout';
  const counts = info.retry.map((_, i) => previous?.[i] ?? 0);
  for (const [i, policy] of info.retry.entries()) {
    const matches = policy.errorEquals.some(
      (e) => e === error.name || e === 'States.ALL' || (e === 'States.TaskFailed' && !timeout),
    );
    if (!matches) continue;
    const done = counts[i] ?? 0;
    // The first retrier that matches decides, as in Step Functions.
    if (done >= policy.maxAttempts) return undefined;
    let seconds = policy.intervalSeconds * policy.backoffRate ** done;
    if (policy.maxDelaySeconds !== undefined) seconds = Math.min(seconds, policy.maxDelaySeconds);
    let delayMs = Math.max(0, seconds * 1000);
    if (policy.fullJitter) delayMs = Math.floor(Math.random() * (Math.floor(delayMs) + 1));
    counts[i] = done + 1;
    return { retriesByRetrier: counts, delayMs };
  }
  return undefined;
}

/**
 * One execution on the engine. The engine runs the states; the handlers here run every
 * Task (with its Retry) and Wait, hold the callback tokens and their deadlines, and write
 * the AWS-shaped history. History order: a handler writes its task events only after the
 * event consumer has written the state's entry (`claim`), and the engine writes the state's
 * exit only after the handler returned, so events appear in the order they happened.
 *
 * Every wait (a callback, a Wait state, a retry backoff) is in the record with an absolute
 * due time. A handler that lets go of one (the engine slice ended, or the process stopped)
 * leaves it there; the next entry of the same state with the same input takes it up again
 * (`adopt`), in this process or, after a restart, in a resumed one.
 *
 * Parking: a wait at a top-level state (the only state running then) does not keep the
 * engine. The handler leaves its wait in the record, aborts the engine and throws
 * `ParkedError`; the run keeps the record, its open tokens and timers. An answer, a
 * deadline or the wait's due time wakes it: a new engine session starts at the current
 * state (`resumeEngine`, as after a restart, its entry not written again) and the handler
 * takes up the same wait, now over.
 */
export class ExecutionRun {
  /** Settles when the execution has ended (or was disposed); never rejects. */
  readonly done: Promise<void>;
  /** Tokens still open (answerable), by token. */
  private readonly open = new Map<string, OpenTask>();
  /** Callback attempts no handler waits on (slice ended, or loaded after a restart). */
  private readonly dormant: OpenTask[] = [];
  /** Wait and retry records a handler is working on. */
  private readonly held = new Set<WaitRecord | RetryRecord>();
  private readonly parked = new Set<Parked>();
  private readonly entries = new Map<string, number>();
  private readonly claimWaiters = new Map<string, Array<() => void>>();
  private readonly claimable: ReadonlySet<string>;
  /** Map and Parallel events the engine has none for (see compound-events.ts). */
  private readonly compound = new CompoundStateEvents();
  /** A resumed run: the engine's entry into the persisted current state is in history already. */
  private skipEntry: string | undefined;
  private abortEngine: () => void = () => {};
  private stopping: { kind: 'ABORTED' | 'TIMED_OUT'; error?: string; cause?: string } | undefined;
  private disposed = false;
  private ended = false;
  private executionTimer: TimerId | undefined;
  /**
   * `parking`: a handler aborted the engine to park, the session winds down (a wake-up now
   * is remembered in `wokenEarly`); `parked`: only the record and its timers are left.
   */
  private parkState: 'running' | 'parking' | 'parked' = 'running';
  private wokenEarly = false;
  /** Wakes a parked run (an answer, a due time, a stop); undefined while an engine runs. */
  private wake: (() => void) | undefined;
  /** Handlers waiting on something that only a stop ends (a function call): woken by closeAll. */
  private readonly stopListeners = new Set<() => void>();

  constructor(
    readonly record: ExecutionRecord,
    private readonly machine: RunnableMachine,
    private readonly deps: ExecutionDeps,
    private readonly resume?: ResumeFrom,
  ) {
    this.claimable = new Set([
      ...[...machine.prepared.tasks.values()].filter((t) => t.kind !== 'unsupported').map((t) => t.name),
      ...machine.prepared.waits,
    ]);
    if (resume) {
      if (resume.engine && record.current) this.skipEntry = record.current.state;
      const visit = currentVisitStart(record);
      for (const task of record.tasks) {
        if (task.status === 'OPEN') {
          const open: OpenTask = { record: task };
          this.open.set(task.token, open);
          this.dormant.push(open);
          continue;
        }
        // Answered (or timed out) in this visit of the current state, but the state had not
        // moved on: the resumed state takes the saved outcome instead of asking again.
        const outcome = savedOutcome(task);
        if (outcome && visit !== undefined && (task.scheduledEventId ?? 0) > visit) {
          this.dormant.push({ record: task, outcome });
        }
      }
    }
    this.done = this.run().catch((error: unknown) => {
      // A bug of ours must not take the process down: the execution fails instead.
      this.finish({
        ok: false,
        error: 'States.Runtime',
        cause: `local control plane error (${String(error)})`,
      });
    });
  }

  /** StopExecution / the execution's TimeoutSeconds. No effect once it has ended. */
  stop(kind: 'ABORTED' | 'TIMED_OUT', error?: string, cause?: string): void {
    if (this.ended || this.stopping) return;
    this.stopping = {
      kind,
      ...(error === undefined ? {} : { error }),
      ...(cause === undefined ? {} : { cause }),
    };
    this.closeAll();
    this.abortEngine();
  }

  /** Stops the engine without recording an end: the record stays as it is (e.g. RUNNING). */
  dispose(): Promise<void> {
    if (!this.ended) {
      this.disposed = true;
      this.closeAll();
      this.abortEngine();
    }
    return this.done;
  }

  /** SendTaskSuccess / SendTaskFailure. False when the token is no longer open. */
  answer(token: string, outcome: TaskOutcome & { kind: 'success' | 'failure' }): boolean {
    return this.settle(token, outcome);
  }

  /** True while an engine runs this execution (false once it has ended or while it is parked). */
  get engineRunning(): boolean {
    return !this.ended && this.parkState !== 'parked';
  }

  /** SendTaskHeartbeat: heartbeats are not tracked (HeartbeatSeconds is ignored). */
  isOpen(token: string): boolean {
    return this.open.get(token)?.record.status === 'OPEN';
  }

  /** Reports a change of the record to the store; nothing once disposed (as after a crash). */
  private changed(urgent = false): void {
    if (!this.disposed) this.deps.changed(this, urgent);
  }

  private async run(): Promise<void> {
    await this.deps.timeouts.load();
    const { record, machine } = this;
    if (record.timeoutAt) {
      this.executionTimer = this.deps.timers.schedule(new Date(record.timeoutAt), () =>
        this.stop('TIMED_OUT'),
      );
    }
    // Loaded open tokens keep their deadline, whenever their state is entered again.
    for (const open of this.open.values()) this.armDeadline(open);
    const handlers: Record<string, EngineTaskHandler> = {};
    for (const info of machine.prepared.tasks.values()) {
      handlers[info.name] = (input) => this.task(info, input);
    }
    for (const name of machine.prepared.waits) handlers[name] = (input) => this.wait(name, input);
    handlers[RESUME_STATE] = async () => JSON.parse(this.record.current?.input ?? 'null') as EngineJson;
    let engine = this.resume?.engine && record.current ? this.resume.engine : machine.engine;
    // A restored execution that was parked stays parked: no engine until it is woken.
    let outcome =
      this.resume?.engine && this.parkRestored() ? 'parked' : await this.session(engine, handlers);
    for (;;) {
      if (outcome !== 'parked') {
        this.finish(outcome);
        return;
      }
      // Parked: nothing of the engine is kept; wait to be woken (unless that happened already,
      // or the execution was stopped or disposed before it got here: a restored run may park
      // after a dispose that found it still starting, and then nothing would wake it).
      if (!this.wokenEarly && !this.stopping && !this.disposed) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.parkState = 'parked';
        });
      }
      this.wake = undefined;
      this.wokenEarly = false;
      this.parkState = 'running';
      const current = this.record.current;
      if (this.stopping || this.disposed || !current || !this.deps.resumeEngine) {
        this.finish({ ok: false });
        return;
      }
      this.skipEntry = current.state;
      engine = this.deps.resumeEngine(current.state);
      outcome = await this.session(engine, handlers);
    }
  }

  /**
   * After a restart: parks at once when the current state only waits — on an open token
   * whose function had returned, or until a Wait's or a backoff's due time in the future.
   * Anything else (a function to invoke again, a due time passed) needs the engine now.
   */
  private parkRestored(): boolean {
    const state = this.record.current?.state;
    if (state === undefined || !this.deps.resumeEngine || !this.machine.prepared.topLevelStates.has(state)) {
      return false;
    }
    const now = this.deps.now().getTime();
    const mine = <T extends { state: string }>(items: readonly T[]) => items.filter((i) => i.state === state);
    const tasks = mine(this.dormant.map((o) => o.record));
    const waits = mine(this.record.waits);
    const retries = mine(this.record.retries);
    if (tasks.length + waits.length + retries.length !== 1 && !(tasks.length === 1 && retries.length === 1)) {
      return false;
    }
    const [task] = tasks;
    const [due] = [...waits, ...retries].flatMap((r) => (r.dueAt === undefined ? [] : [Date.parse(r.dueAt)]));
    if (task) {
      // Its answer or deadline wakes the run (settle); a backoff cannot run alongside a token.
      if (task.status !== 'OPEN' || task.submittedAt === undefined || due !== undefined) return false;
    } else if (due === undefined || due <= now) return false;
    else this.wakeAt(due);
    this.parkState = 'parking';
    return true;
  }

  /** One engine run, from the start or resumed at the current state: its outcome, or parked. */
  private async session(
    engine: StateMachine,
    handlers: Record<string, EngineTaskHandler>,
  ): Promise<{ ok: true; output: Json } | { ok: false; error?: string; cause?: string } | 'parked'> {
    const { record, machine } = this;
    const roleArn = `arn:aws:iam::${this.deps.accountId}:role/local-step-functions`;
    const { result, eventLogs, abort } = engine.run(JSON.parse(record.input) as EngineJson, {
      overrides: { taskResourceLocalHandlers: handlers },
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          RoleArn: roleArn,
          StartTime: record.startDate,
          RedriveCount: 0,
        },
        StateMachine: { Id: machine.arn, Name: machine.name },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
    });
    this.abortEngine = abort;
    if (this.stopping || this.disposed) abort();
    const drained = (async () => {
      for await (const event of eventLogs) this.consume(event);
    })();
    const outcome = await result.then(
      (output) => ({ ok: true as const, output: toJson(output) }),
      (error: unknown) => this.failure(error),
    );
    await drained.catch(() => {});
    this.abortEngine = () => {};
    return this.parkState === 'parking' ? 'parked' : outcome;
  }

  /** Wakes a parked run; remembered when the engine session is still winding down. */
  private wakeUp(): void {
    if (this.wake) this.wake();
    else if (this.parkState === 'parking') this.wokenEarly = true;
  }

  /**
   * Parks the run if this top-level state is the current one (and a resume engine exists):
   * aborts the engine and returns the error the handler throws; undefined: keep waiting here.
   */
  private parkHere(state: string): ParkedError | undefined {
    if (!this.deps.resumeEngine || this.record.current?.state !== state) return undefined;
    if (!this.machine.prepared.topLevelStates.has(state) || this.stopping || this.disposed) return undefined;
    this.parkState = 'parking';
    this.abortEngine();
    return new ParkedError();
  }

  private failure(error: unknown): { ok: false; error?: string; cause?: string } {
    if (error instanceof ExecutionAbortedError) return { ok: false };
    const cause = error instanceof ExecutionError ? error.cause : error;
    if (!(cause instanceof Error)) return { ok: false, error: 'States.Runtime', cause: String(cause) };
    if (cause.name === 'FailStateError' && cause.message === 'Execution failed because of a Fail state') {
      return { ok: false };
    }
    return { ok: false, error: cause.name, cause: cause.message };
  }

  private finish(outcome: { ok: true; output: Json } | { ok: false; error?: string; cause?: string }): void {
    if (this.ended) return;
    this.ended = true;
    this.closeAll();
    this.deps.timers.cancel(this.executionTimer);
    this.releaseClaims();
    if (this.disposed) return;
    const { record } = this;
    record.waits = [];
    record.retries = [];
    delete record.current;
    record.stopDate = this.deps.now().toISOString();
    const errorFields = (error?: string, cause?: string) => ({
      ...(error === undefined ? {} : { error }),
      ...(cause === undefined ? {} : { cause }),
    });
    if (this.stopping?.kind === 'TIMED_OUT') {
      const details = {
        error: 'States.Timeout',
        cause: 'The execution did not finish within its TimeoutSeconds.',
      };
      Object.assign(record, details, { status: 'TIMED_OUT' });
      this.append('ExecutionTimedOut', { executionTimedOutEventDetails: details });
    } else if (this.stopping) {
      const details = errorFields(this.stopping.error, this.stopping.cause);
      Object.assign(record, details, { status: 'ABORTED' });
      this.append('ExecutionAborted', { executionAbortedEventDetails: details });
    } else if (outcome.ok) {
      record.status = 'SUCCEEDED';
      record.output = JSON.stringify(outcome.output);
      this.append('ExecutionSucceeded', {
        executionSucceededEventDetails: { output: record.output, outputDetails: NO_DATA },
      });
    } else {
      const details = errorFields(outcome.error, outcome.cause);
      Object.assign(record, details, { status: 'FAILED' });
      this.append('ExecutionFailed', { executionFailedEventDetails: details });
    }
    this.changed(true);
  }

  // ---- history ---------------------------------------------------------------------------

  private append(
    type: HistoryEventType,
    details: Omit<HistoryRecord, 'id' | 'previousEventId' | 'type' | 'timestamp'>,
  ) {
    // After disposal the record stays as a crash would leave it.
    if (this.disposed) return;
    const { history } = this.record;
    const previous = history.at(-1)?.id ?? 0;
    history.push({
      timestamp: this.deps.now().toISOString(),
      type,
      id: previous + 1,
      previousEventId: previous,
      ...details,
    });
    this.changed();
  }

  private consume(event: EngineEvent): void {
    try {
      if (event.type === 'StateEntered' || event.type === 'StateExited') {
        const { name } = event.state;
        if (name === RESUME_STATE) return;
        const type = this.machine.prepared.stateTypes.get(name) ?? event.state.type;
        if (event.type === 'StateEntered') {
          if (this.skipEntry === name) {
            // The resumed state: its entry was recorded before the restart.
            this.skipEntry = undefined;
          } else {
            const input = JSON.stringify(event.state.input);
            if (this.machine.prepared.topLevelStates.has(name) && !this.disposed) {
              this.record.current = { state: name, input, enteredAt: this.deps.now().toISOString() };
            }
            this.append(ENTERED[type], {
              stateEnteredEventDetails: { name, input, inputDetails: NO_DATA },
            });
            for (const extra of this.compound.entered(type)) this.append(extra, {});
          }
          this.noteEntry(name);
        } else if (type !== 'Fail') {
          for (const extra of this.compound.exiting(type, name)) this.append(extra, {});
          this.append(EXITED[type], {
            stateExitedEventDetails: {
              name,
              output: JSON.stringify(event.state.output),
              outputDetails: NO_DATA,
            },
          });
        }
      } else if (event.type === 'StateRetried') {
        const type = this.machine.prepared.stateTypes.get(event.state.name) ?? event.state.type;
        for (const extra of this.compound.retried(type)) this.append(extra, {});
        this.noteEntry(event.state.name);
      } else if (event.type === 'StateFailed' || event.type === 'StateCaught') {
        const type = this.machine.prepared.stateTypes.get(event.state.name) ?? event.state.type;
        if (event.type === 'StateCaught') this.compound.noteCaught(type, event.state.name);
        else for (const extra of this.compound.failed(type, event.willRetry === true)) this.append(extra, {});
      } else if (
        event.type === 'MapIterationStarted' ||
        event.type === 'MapIterationSucceeded' ||
        event.type === 'MapIterationFailed'
      ) {
        const details = { name: event.parentState.name, index: event.index };
        if (event.type === 'MapIterationStarted') {
          this.append('MapIterationStarted', { mapIterationStartedEventDetails: details });
        } else if (event.type === 'MapIterationSucceeded') {
          this.append('MapIterationSucceeded', { mapIterationSucceededEventDetails: details });
        } else this.append('MapIterationFailed', { mapIterationFailedEventDetails: details });
      }
    } catch (error) {
      console.error('local step functions: could not record an engine event', error);
    }
  }

  /** The engine entered (or re-entered, on a slice) a state whose handler writes events. */
  private noteEntry(name: string): void {
    if (!this.claimable.has(name)) return;
    const waiter = this.claimWaiters.get(name)?.shift();
    if (waiter) waiter();
    else this.entries.set(name, (this.entries.get(name) ?? 0) + 1);
  }

  /** Waits until the consumer has written this entry of the state (see the class comment). */
  private claim(name: string): Promise<void> {
    const pending = this.entries.get(name) ?? 0;
    if (pending > 0 || this.ended) {
      this.entries.set(name, Math.max(0, pending - 1));
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const waiters = this.claimWaiters.get(name) ?? [];
      waiters.push(resolve);
      this.claimWaiters.set(name, waiters);
    });
  }

  private releaseClaims(): void {
    for (const waiters of this.claimWaiters.values()) for (const w of waiters.splice(0)) w();
  }

  // ---- adopting what a handler let go of -------------------------------------------------

  /**
   * The first of `items` for this entry of `state`: same input key, or (a top-level state
   * has one entry at a time) any of that state.
   */
  private pick<T>(
    items: readonly T[],
    state: string,
    key: string,
    of: (item: T) => { state: string; inputKey: string },
  ): number {
    const candidates = items.filter((item) => of(item).state === state);
    const exact = candidates.findIndex((item) => of(item).inputKey === key);
    if (exact >= 0) return items.indexOf(candidates[exact] as T);
    const topLevel = this.machine.prepared.topLevelStates.has(state);
    return topLevel && candidates.length > 0 ? items.indexOf(candidates[0] as T) : -1;
  }

  /** A wait or retry record of this entry that no handler holds; held from now on. */
  private adopt<T extends WaitRecord | RetryRecord>(
    list: readonly T[],
    state: string,
    key: string,
  ): T | undefined {
    const free = list.filter((item) => !this.held.has(item));
    const found = free[this.pick(free, state, key, (item) => item)];
    if (found) this.held.add(found);
    return found;
  }

  /**
   * A callback attempt of this entry that no handler waits on: an open token, or one already
   * answered for this very attempt (its outcome is handed on, not asked for again).
   */
  private adoptTask(state: string, key: string, attempt: number): OpenTask | undefined {
    const candidates = this.dormant.filter((o) => o.record.status === 'OPEN' || o.record.attempt === attempt);
    const found = candidates[this.pick(candidates, state, key, (open) => open.record)];
    if (found) this.dormant.splice(this.dormant.indexOf(found), 1);
    return found;
  }

  // ---- tasks -----------------------------------------------------------------------------

  private assertRunning(): void {
    if (this.ended || this.stopping || this.disposed)
      throw new StatesRuntimeError('the execution is stopping');
  }

  /**
   * A Task state: attempts under its Retry. The retry state (attempt, counts per retrier,
   * the backoff's due time) is in the record, so a restart resumes it where it was.
   */
  private async task(info: TaskStateInfo, input: EngineJson): Promise<EngineJson> {
    if (info.kind === 'unsupported') {
      throw new StatesRuntimeError(
        `state ${info.name}: the resource ${info.resource} is not emulated by the local Step Functions`,
      );
    }
    const raw = toJson(input);
    const key = inputKey(info.name, raw);
    const sliceEnd = this.deps.now().getTime() + this.deps.sliceMs;
    await this.claim(info.name);
    this.assertRunning();
    let retry = this.adopt(this.record.retries, info.name, key);
    let keep = false;
    try {
      for (;;) {
        if (retry?.dueAt !== undefined) {
          const dueAt = Date.parse(retry.dueAt);
          const parked = dueAt > this.deps.now().getTime() ? this.parkHere(info.name) : undefined;
          if (parked) {
            this.wakeAt(dueAt);
            throw parked;
          }
          if (dueAt > this.deps.now().getTime() && (await this.park(dueAt, sliceEnd)) === 'slice') {
            throw new EngineSliceError();
          }
          this.assertRunning();
          delete retry.dueAt;
          this.changed(true);
        }
        const attempt = retry?.attempt ?? 1;
        try {
          const output =
            info.kind === 'lambda-callback'
              ? await this.callbackAttempt(info, raw, key, attempt, sliceEnd)
              : await this.invokeAttempt(info, raw);
          return output as EngineJson;
        } catch (error) {
          if (error instanceof EngineSliceError || error instanceof ParkedError || this.disposed) throw error;
          const next = retryDecision(info, error, retry?.retriesByRetrier);
          if (!next) throw error;
          if (!retry) {
            retry = { state: info.name, inputKey: key, attempt: 1, retriesByRetrier: [] };
            this.record.retries.push(retry);
            this.held.add(retry);
          }
          retry.attempt += 1;
          retry.retriesByRetrier = next.retriesByRetrier;
          retry.dueAt = new Date(this.deps.now().getTime() + next.delayMs).toISOString();
          this.changed(true);
        }
      }
    } catch (error) {
      // A slice or the process stopping: the retry state stays for the next entry.
      keep = error instanceof EngineSliceError || error instanceof ParkedError || this.disposed;
      throw error;
    } finally {
      if (retry) {
        this.held.delete(retry);
        if (!keep && !this.disposed) {
          this.record.retries = this.record.retries.filter((r) => r !== retry);
          this.changed();
        }
      }
    }
  }

  /** The handler's input: `{parameters, timeoutSeconds?}` (see definition.ts). */
  private unwrap(info: TaskStateInfo, raw: Json): { parameters: Json; timeoutSeconds?: number } {
    const wrapped = isObject(raw) ? raw : {};
    const parameters = wrapped.parameters ?? null;
    if ('timeoutSeconds' in wrapped) {
      const t = wrapped.timeoutSeconds;
      if (typeof t !== 'number' || !Number.isInteger(t) || t < 1) {
        throw new StatesRuntimeError(`state ${info.name}: TimeoutSecondsPath must select a positive integer`);
      }
      return { parameters, timeoutSeconds: t };
    }
    return info.timeoutSeconds === undefined
      ? { parameters }
      : { parameters, timeoutSeconds: info.timeoutSeconds };
  }

  /** FunctionName and Payload of a `lambda:invoke` task's Parameters. */
  private lambdaTarget(
    info: TaskStateInfo,
    parameters: Json,
  ): { functionName: string; payload: Json; logTail: boolean } {
    if (!isObject(parameters) || typeof parameters.FunctionName !== 'string' || !parameters.FunctionName) {
      throw new StatesRuntimeError(`state ${info.name}: Parameters.FunctionName must be a string`);
    }
    const { InvocationType, Qualifier } = parameters;
    if (InvocationType !== undefined && InvocationType !== 'RequestResponse') {
      throw new StatesRuntimeError(`state ${info.name}: only InvocationType RequestResponse is emulated`);
    }
    if (Qualifier !== undefined && Qualifier !== '$LATEST') {
      throw new StatesRuntimeError(`state ${info.name}: only the $LATEST version is emulated`);
    }
    return {
      functionName: parameters.FunctionName,
      payload: parameters.Payload ?? null,
      logTail: parameters.LogType === 'Tail',
    };
  }

  /** Calls the function (`integration`: a `lambda:invoke` Payload, see `lambdaPayload`); never rejects. */
  private async invoke(functionName: string, payload: Json, integration: boolean): Promise<Invocation> {
    const body = integration ? lambdaPayload(payload) : { ok: true as const, payload };
    if (!body.ok) return body;
    try {
      const result = await this.deps.invoker.invoke(functionName, toJson(body.payload));
      const arn = qualifiedFunctionArn(functionName, this.deps.region, this.deps.accountId);
      return result.ok
        ? { ok: true, payload: toJson(result.payload) }
        : { ok: false, error: functionError(result, arn) };
    } catch (error) {
      return { ok: false, error: invokerFailure(error) };
    }
  }

  /** A timer that the execution's end cancels; its promise then rejects. */
  private sleep(dueAt: number): { promise: Promise<void>; cancel: () => void } {
    const parked: { entry?: Parked } = {};
    const promise = new Promise<void>((resolve, reject) => {
      const entry: Parked = {
        timer: this.deps.timers.schedule(new Date(dueAt), () => {
          this.parked.delete(entry);
          resolve();
        }),
        reject,
      };
      parked.entry = entry;
      this.parked.add(entry);
    });
    const cancel = () => {
      if (!parked.entry) return;
      this.parked.delete(parked.entry);
      this.deps.timers.cancel(parked.entry.timer);
    };
    return { promise, cancel };
  }

  /** Wakes the parked run at `dueAt` (cancelled, and the run woken, by the execution's end). */
  private wakeAt(dueAt: number): void {
    const entry: Parked = {
      timer: this.deps.timers.schedule(new Date(dueAt), () => {
        this.parked.delete(entry);
        this.wakeUp();
      }),
      reject: () => this.wakeUp(),
    };
    this.parked.add(entry);
  }

  /** Sleeps until `dueAt` or the end of the handler's engine slice, whichever comes first. */
  private async park(dueAt: number, sliceEnd: number): Promise<'due' | 'slice'> {
    await this.sleep(Math.min(dueAt, sliceEnd)).promise;
    return dueAt <= sliceEnd ? 'due' : 'slice';
  }

  /** `lambda:invoke` or a function ARN as Resource: one invocation, under the state's deadline. */
  private async invokeAttempt(info: TaskStateInfo, raw: Json): Promise<Json> {
    this.assertRunning();
    const { parameters, timeoutSeconds } = this.unwrap(info, raw);
    const viaIntegration = info.kind === 'lambda-invoke';
    const { functionName, payload, logTail } = viaIntegration
      ? this.lambdaTarget(info, parameters)
      : { functionName: info.resource, payload: parameters, logTail: false };
    if (withToken(payload, '').count > 0) {
      throw new StatesRuntimeError(`state ${info.name}: $$.Task.Token exists only in a callback task`);
    }
    const task = { resourceType: 'lambda', resource: 'invoke' };
    const timeout = timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds };
    if (viaIntegration) {
      this.append('TaskScheduled', {
        taskScheduledEventDetails: {
          ...task,
          region: this.deps.region,
          parameters: JSON.stringify(parameters),
          ...timeout,
          ...(info.heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: info.heartbeatSeconds }),
        },
      });
      this.append('TaskStarted', { taskStartedEventDetails: task });
    } else {
      this.append('LambdaFunctionScheduled', {
        lambdaFunctionScheduledEventDetails: {
          resource: info.resource,
          input: JSON.stringify(payload),
          inputDetails: NO_DATA,
          ...timeout,
        },
      });
      this.append('LambdaFunctionStarted', {});
    }

    const invocation = this.invoke(functionName, payload, viaIntegration);
    // The function runs in real time, so its deadline is real time too, as Lambda measures it:
    // a jump of the runtime clock (`npm run clock -- advance 25h`) while it runs must not time
    // out a call that took a second. Waits (callbacks, Wait states, retries) stay on the clock.
    const deadline = timeoutSeconds === undefined ? undefined : realTimeDeadline(timeoutSeconds * 1000);
    let result: Invocation | 'timeout' | 'stopped';
    // A stop (or the process stopping) ends the wait for the function: nothing else would.
    let onStop: () => void = () => {};
    const stopped = new Promise<'stopped'>((resolve) => {
      onStop = () => resolve('stopped');
      this.stopListeners.add(onStop);
    });
    try {
      result = await Promise.race([
        invocation,
        stopped,
        ...(deadline ? [deadline.promise.then(() => 'timeout' as const)] : []),
      ]);
    } finally {
      deadline?.cancel();
      this.stopListeners.delete(onStop);
    }
    this.assertRunning();
    if (result === 'stopped') throw new StatesRuntimeError('the execution is stopping');
    if (result === 'timeout') {
      const details = { error: 'States.Timeout', cause: TIMEOUT_CAUSE };
      if (viaIntegration) this.append('TaskTimedOut', { taskTimedOutEventDetails: { ...task, ...details } });
      else this.append('LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: details });
      throw this.deps.timeouts.create(TIMEOUT_CAUSE);
    }
    if (!result.ok) {
      const details = { error: result.error.error, cause: result.error.cause };
      if (viaIntegration) this.append('TaskFailed', { taskFailedEventDetails: { ...task, ...details } });
      else this.append('LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: details });
      throw new TaskError(result.error.error, result.error.cause);
    }
    const output = viaIntegration
      ? lambdaInvokeResult(result.payload, this.deps.now(), { logTail })
      : result.payload;
    const text = JSON.stringify(output);
    if (viaIntegration) {
      this.append('TaskSucceeded', {
        taskSucceededEventDetails: { ...task, output: text, outputDetails: NO_DATA },
      });
    } else {
      this.append('LambdaFunctionSucceeded', {
        lambdaFunctionSucceededEventDetails: { output: text, outputDetails: NO_DATA },
      });
    }
    return output;
  }

  /**
   * One attempt of `lambda:invoke.waitForTaskToken`: a fresh token substituted for
   * `$$.Task.Token`; the state waits for SendTaskSuccess/Failure or its TimeoutSeconds. An
   * attempt a handler let go of (slice end, restart) is taken up again with its token and
   * due time; its function is invoked again, with the same token, only when it had not
   * returned (`submittedAt`) and is not running here: at-least-once, as AWS retries a Lambda.
   */
  private async callbackAttempt(
    info: TaskStateInfo,
    raw: Json,
    key: string,
    attempt: number,
    sliceEnd: number,
  ): Promise<Json> {
    this.assertRunning();
    const adopted = this.adoptTask(info.name, key, attempt);
    const open = adopted ?? this.openCallback(info, raw, key, attempt);
    if (adopted?.record.status === 'OPEN' && adopted.record.submittedAt === undefined && !adopted.invoking) {
      // The process stopped while the function ran: it may have died before doing its work.
      const { parameters } = this.unwrap(info, raw);
      const target = this.lambdaTarget(info, parameters);
      this.invokeCallback(adopted, target, withToken(target.payload, adopted.record.token).value);
    }
    const parked = open.outcome ? undefined : this.parkHere(info.name);
    if (parked) {
      // The token waits in the record; its answer or deadline wakes the run (see settle).
      this.dormant.push(open);
      throw parked;
    }
    const outcome = await this.outcomeOf(open, sliceEnd);
    switch (outcome.kind) {
      case 'success':
        return outcome.output;
      case 'failure':
        throw new TaskError(outcome.error, outcome.cause);
      case 'timeout':
        throw this.deps.timeouts.create(TIMEOUT_CAUSE);
      default:
        throw new StatesRuntimeError('the execution is stopping');
    }
  }

  private openCallback(info: TaskStateInfo, raw: Json, key: string, attempt: number): OpenTask {
    const { parameters, timeoutSeconds } = this.unwrap(info, raw);
    const target = this.lambdaTarget(info, parameters);
    const token = newTaskToken(executionRef(this.record.executionArn));
    const { value: payload, count } = withToken(target.payload, token);
    if (count === 0) {
      // Step Functions would wait for a token nobody was given until the state times out.
      throw new StatesRuntimeError(`state ${info.name}: the callback task does not pass $$.Task.Token`);
    }
    const now = this.deps.now();
    const record: TaskTokenRecord = {
      token,
      state: info.name,
      status: 'OPEN',
      issuedAt: now.toISOString(),
      attempt,
      inputKey: key,
    };
    if (timeoutSeconds !== undefined)
      record.dueAt = new Date(now.getTime() + timeoutSeconds * 1000).toISOString();
    const open: OpenTask = { record };
    this.record.tasks.push(record);
    this.open.set(token, open);
    this.deps.tokenIssued(token, this);

    const task = { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' };
    this.append('TaskScheduled', {
      taskScheduledEventDetails: {
        ...task,
        region: this.deps.region,
        parameters: JSON.stringify(isObject(parameters) ? { ...parameters, Payload: payload } : parameters),
        ...(timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds }),
        ...(info.heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: info.heartbeatSeconds }),
      },
    });
    record.scheduledEventId = this.record.history.at(-1)?.id;
    this.append('TaskStarted', { taskStartedEventDetails: task });
    this.armDeadline(open);
    // Saved before the function has the token: a token handed out is never lost.
    this.changed(true);
    this.invokeCallback(open, target, payload);
    return open;
  }

  /**
   * Invokes a callback task's function with its token's payload. The token is valid from
   * before: the function may answer it before it returns. Its return is saved at once
   * (`submittedAt`): after a restart, only a function that had not returned runs again.
   */
  private invokeCallback(
    open: OpenTask,
    target: { functionName: string; logTail: boolean },
    payload: Json,
  ): void {
    const task = { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' };
    open.invoking = true;
    void this.invoke(target.functionName, payload, true).then((result) => {
      open.invoking = false;
      if (open.record.status !== 'OPEN' || this.disposed) return;
      if (result.ok) {
        open.record.submittedAt = this.deps.now().toISOString();
        const output = JSON.stringify(
          lambdaInvokeResult(result.payload, this.deps.now(), { logTail: target.logTail }),
        );
        this.append('TaskSubmitted', {
          taskSubmittedEventDetails: { ...task, output, outputDetails: NO_DATA },
        });
        this.changed(true);
      } else {
        this.settle(open.record.token, { kind: 'failure', ...result.error });
      }
    });
  }

  /** The token's TimeoutSeconds, from its absolute due time. */
  private armDeadline(open: OpenTask): void {
    const { dueAt, token } = open.record;
    if (dueAt === undefined || open.deadline !== undefined) return;
    open.deadline = this.deps.timers.schedule(new Date(dueAt), () => this.settle(token, { kind: 'timeout' }));
  }

  /** The task's outcome, or an EngineSliceError when the slice ends first. */
  private outcomeOf(open: OpenTask, sliceEnd: number): Promise<TaskOutcome> {
    if (open.outcome) return Promise.resolve(open.outcome);
    return new Promise((resolve, reject) => {
      const parked: Parked = {
        timer: this.deps.timers.schedule(new Date(sliceEnd), () => {
          this.parked.delete(parked);
          open.waiter = undefined;
          this.dormant.push(open);
          reject(new EngineSliceError());
        }),
        reject,
      };
      this.parked.add(parked);
      open.waiter = (outcome) => {
        this.parked.delete(parked);
        this.deps.timers.cancel(parked.timer);
        open.waiter = undefined;
        resolve(outcome);
      };
    });
  }

  /** Ends a token's wait once; writes the task event. False when it had already ended. */
  private settle(token: string, outcome: TaskOutcome): boolean {
    const open = this.open.get(token);
    if (open?.record.status !== 'OPEN') return false;
    this.open.delete(token);
    this.deps.timers.cancel(open.deadline);
    const task = { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' };
    switch (outcome.kind) {
      case 'success':
        open.record.status = 'SUCCEEDED';
        open.record.output = JSON.stringify(outcome.output);
        this.append('TaskSucceeded', {
          taskSucceededEventDetails: {
            ...task,
            output: JSON.stringify(outcome.output),
            outputDetails: NO_DATA,
          },
        });
        break;
      case 'failure':
        Object.assign(open.record, { status: 'FAILED', error: outcome.error, cause: outcome.cause });
        this.append('TaskFailed', {
          taskFailedEventDetails: { ...task, error: outcome.error, cause: outcome.cause },
        });
        break;
      case 'timeout':
        open.record.status = 'TIMED_OUT';
        this.append('TaskTimedOut', {
          taskTimedOutEventDetails: { ...task, error: 'States.Timeout', cause: TIMEOUT_CAUSE },
        });
        break;
      default:
        // Disposal is not an end: the record keeps the token open, as a crash would.
        if (!this.disposed) open.record.status = 'CLOSED';
    }
    open.outcome = outcome;
    // An answer is saved before SendTask* returns.
    this.changed(true);
    if (open.waiter) open.waiter(outcome);
    else this.wakeUp();
    return true;
  }

  /** Closes every open token and wakes every parked handler: the execution is ending. */
  private closeAll(): void {
    for (const token of [...this.open.keys()]) this.settle(token, { kind: 'closed' });
    for (const parked of [...this.parked]) {
      this.deps.timers.cancel(parked.timer);
      parked.reject(new StatesRuntimeError('the execution is stopping'));
    }
    this.parked.clear();
    for (const listener of [...this.stopListeners]) listener();
    this.releaseClaims();
    this.wakeUp();
  }

  // ---- Wait ------------------------------------------------------------------------------

  /** A Wait state (rewritten as a Task, see definition.ts): sleeps on the control plane's timers. */
  private async wait(name: string, input: EngineJson): Promise<EngineJson> {
    const raw = toJson(input);
    const args = isObject(raw) ? raw : {};
    const key = inputKey(name, raw);
    const sliceEnd = this.deps.now().getTime() + this.deps.sliceMs;
    await this.claim(name);
    this.assertRunning();
    let waiting = this.adopt(this.record.waits, name, key);
    let keep = false;
    try {
      if (!waiting) {
        const entered = enteredEventId(this.record.history, name);
        const dueAt = waitDueAt(name, args, this.deps.now().getTime(), entered);
        waiting = { state: name, dueAt: new Date(dueAt).toISOString(), inputKey: key };
        this.record.waits.push(waiting);
        this.held.add(waiting);
        this.changed(true);
      }
      const dueAt = Date.parse(waiting.dueAt);
      const parked = dueAt > this.deps.now().getTime() ? this.parkHere(name) : undefined;
      if (parked) {
        keep = true;
        this.wakeAt(dueAt);
        throw parked;
      }
      if (dueAt > this.deps.now().getTime() && (await this.park(dueAt, sliceEnd)) === 'slice') {
        keep = true;
        throw new EngineSliceError();
      }
      return (args.input ?? null) as EngineJson;
    } finally {
      if (waiting) {
        this.held.delete(waiting);
        // Disposal is not an end: the record keeps the wait, as a crash would.
        if (!keep && !this.disposed) {
          this.record.waits = this.record.waits.filter((w) => w !== waiting);
          this.changed();
        }
      }
    }
  }
}

/** A deadline `ms` of real time from now (the runtime clock's jumps do not move it). */
function realTimeDeadline(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
