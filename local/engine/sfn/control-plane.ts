import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type {
  DescribeExecutionOutput,
  ExecutionListItem,
  ExecutionStatus,
  HistoryEvent,
} from '@aws-sdk/client-sfn';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import * as z from 'zod';
import type { FunctionInvoker, LocalStateMachine } from '../model';
import { type Json, type JsonObject, prepareDefinition, resumeDefinition } from './definition';
import { TimeoutErrors } from './engine';
import { apiError, SfnApiError } from './errors';
import {
  type ExecutionDeps,
  type ExecutionRecord,
  ExecutionRun,
  failRecord,
  type HistoryRecord,
  type RunnableMachine,
} from './execution';
import { ExecutionStore, type IndexEntry, indexEntryOf, type SkippedExecutionFile } from './store';
import { Timers } from './timers';
import { executionRef, isWellFormedTaskToken, taskTokenRef } from './tokens';

export type {
  CurrentStateRecord,
  ExecutionRecord,
  HistoryRecord,
  RetryRecord,
  TaskTokenRecord,
  WaitRecord,
} from './execution';
export { LAMBDA_TIMEOUT_ERROR_TYPE, LAMBDA_UNKNOWN_ERROR } from './lambda';
export type { SkippedExecutionFile } from './store';

/** Each engine Task attempt hands control back well before the engine's ~24.8-day timer. */
const DEFAULT_ENGINE_SLICE_MS = 20 * 24 * 3600 * 1000;
/** Step Functions' limit on execution input and task output, in bytes. */
const MAX_PAYLOAD_BYTES = 262_144;
const DEFAULT_HISTORY_PAGE = 100;
const DEFAULT_LIST_PAGE = 100;
/** Ended executions read back from their files (DescribeExecution, history) kept for reuse. */
const ENDED_CACHE_SIZE = 64;

export interface StepFunctionsControlPlaneOptions {
  readonly stateMachines: readonly LocalStateMachine[];
  readonly invoker: FunctionInvoker;
  readonly region: string;
  readonly accountId: string;
  /** The clock of every date and deadline. @default () => new Date() */
  readonly now?: () => Date;
  /**
   * Multiplies every Retry interval (IntervalSeconds, MaxDelaySeconds) so tests can keep
   * backoff short; backoff rate and jitter keep their shape. @default 1
   */
  readonly retryIntervalScale?: number;
  /**
   * Longest time one engine Task attempt (a callback or Wait state) waits before the engine
   * re-enters it (invisible in history). Only tests lower it. @default 20 days
   */
  readonly engineSliceMs?: number;
  /**
   * A folder of the control plane's own: every execution is saved in
   * `<dataDir>/executions/` and, on construction, finished executions are loaded and
   * running ones resume (see local/engine/sfn/README.md "Durability"). Absent: memory only.
   */
  readonly dataDir?: string;
  /** Reports what the store could not load or save. @default console.warn */
  readonly log?: (message: string) => void;
}

/** What the construction found in `dataDir`. */
export interface RestoreReport {
  /** Running executions resumed. */
  readonly resumed: readonly string[];
  /** Finished executions known (describable from their files, not loaded). */
  readonly finished: readonly string[];
  /** Running executions that could not resume (state machine or state gone): now FAILED. */
  readonly failed: ReadonlyArray<{ readonly executionArn: string; readonly reason: string }>;
  /** Files that could not be read: left in place, not loaded. */
  readonly skipped: readonly SkippedExecutionFile[];
}

/** An execution as the control plane holds it: running here, or loaded after it ended. */
type Execution = Pick<ExecutionRun, 'record' | 'done' | 'stop' | 'dispose' | 'answer' | 'isOpen'>;

/** An execution that had ended before a restart: readable, nothing more. */
class EndedExecution implements Execution {
  readonly done = Promise.resolve();
  constructor(readonly record: ExecutionRecord) {}
  stop(): void {}
  dispose(): Promise<void> {
    return this.done;
  }
  answer(): boolean {
    return false;
  }
  isOpen(): boolean {
    return false;
  }
}

const arnField = z.string().min(1).max(2048);
const token = z.string().min(1).max(2048);
const schemas = {
  startExecution: z.strictObject({
    stateMachineArn: arnField,
    name: z.string().optional(),
    input: z.string().optional(),
    traceHeader: z.string().max(256).optional(),
  }),
  describeExecution: z.strictObject({
    executionArn: arnField,
    includedData: z.enum(['ALL_DATA', 'METADATA_ONLY']).optional(),
  }),
  getExecutionHistory: z.strictObject({
    executionArn: arnField,
    maxResults: z.number().int().min(0).max(1000).optional(),
    reverseOrder: z.boolean().optional(),
    nextToken: z.string().min(1).max(3096).optional(),
    includeExecutionData: z.boolean().optional(),
  }),
  sendTaskSuccess: z.strictObject({ taskToken: token, output: z.string() }),
  sendTaskFailure: z.strictObject({
    taskToken: token,
    error: z.string().max(256).optional(),
    cause: z.string().max(32_768).optional(),
  }),
  sendTaskHeartbeat: z.strictObject({ taskToken: token }),
  stopExecution: z.strictObject({
    executionArn: arnField,
    error: z.string().max(256).optional(),
    cause: z.string().max(32_768).optional(),
  }),
  listExecutions: z.strictObject({
    // AWS takes a stateMachineArn or a mapRunArn; distributed Map is not emulated.
    stateMachineArn: arnField,
    statusFilter: z
      .enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'])
      .optional(),
    maxResults: z.number().int().min(0).max(1000).optional(),
    nextToken: z.string().min(1).max(3096).optional(),
    redriveFilter: z.enum(['REDRIVEN', 'NOT_REDRIVEN']).optional(),
  }),
};

export type StartExecutionRequest = z.input<typeof schemas.startExecution>;
export type DescribeExecutionRequest = z.input<typeof schemas.describeExecution>;
export type GetExecutionHistoryRequest = z.input<typeof schemas.getExecutionHistory>;
export type SendTaskSuccessRequest = z.input<typeof schemas.sendTaskSuccess>;
export type SendTaskFailureRequest = z.input<typeof schemas.sendTaskFailure>;
export type SendTaskHeartbeatRequest = z.input<typeof schemas.sendTaskHeartbeat>;
export type StopExecutionRequest = z.input<typeof schemas.stopExecution>;
export type ListExecutionsRequest = z.input<typeof schemas.listExecutions>;

/** Validates a request; a bad one is a ValidationException naming the fields, never the values. */
function parse<T extends z.ZodType>(schema: T, request: unknown): z.output<T> {
  const result = schema.safeParse(request);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) =>
    issue.code === 'unrecognized_keys' ? '(unknown field)' : issue.path.join('.') || '(body)',
  );
  throw apiError.validation([...new Set(fields)]);
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]*:\d{12}:stateMachine:[^:\s]+(:[^:\s]+)?$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]*:\d{12}:execution:[^:\s]+:[^:\s]+$/;
// 1-80 characters; no whitespace, brackets, wildcards, the listed specials or control characters.
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

function jsonText(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function historyPageToken(executionArn: string, offset: number): string {
  return Buffer.from(JSON.stringify({ executionArn, offset })).toString('base64url');
}

function readHistoryPageToken(text: string, executionArn: string): number {
  const parsed = jsonText(Buffer.from(text, 'base64url').toString('utf8'));
  const value = parsed.ok ? (parsed.value as { executionArn?: unknown; offset?: unknown }) : undefined;
  if (
    value?.executionArn !== executionArn ||
    typeof value.offset !== 'number' ||
    !Number.isInteger(value.offset)
  ) {
    throw new SfnApiError('InvalidToken', 'Invalid Token: the nextToken is not valid for this execution');
  }
  return value.offset;
}

/** A ListExecutions page token: the filter and the last execution returned. */
function listPageToken(machine: string, status: string | undefined, after: string): string {
  return Buffer.from(JSON.stringify({ machine, status: status ?? null, after })).toString('base64url');
}

function readListPageToken(text: string, machine: string, status: string | undefined): string {
  const parsed = jsonText(Buffer.from(text, 'base64url').toString('utf8'));
  const value = parsed.ok
    ? (parsed.value as { machine?: unknown; status?: unknown; after?: unknown })
    : undefined;
  if (value?.machine !== machine || value.status !== (status ?? null) || typeof value.after !== 'string') {
    throw new SfnApiError('InvalidToken', 'Invalid Token: the nextToken is not valid for this request');
  }
  return value.after;
}

function toHistoryEvent(record: HistoryRecord, includeData: boolean): HistoryEvent {
  const event: Record<string, unknown> = { ...record, timestamp: new Date(record.timestamp) };
  if (!includeData) {
    for (const [key, value] of Object.entries(event)) {
      if (key.endsWith('EventDetails') && value !== null && typeof value === 'object') {
        const { input: _i, output: _o, ...rest } = value as Record<string, unknown>;
        event[key] = rest;
      }
    }
  }
  return event as unknown as HistoryEvent;
}

/**
 * The local Step Functions: state machines of the cloud assembly run on
 * aws-local-stepfunctions, their Lambda tasks on the `FunctionInvoker`, behind the API's
 * operations (served over HTTP by `startStepFunctionsServer`). See local/engine/sfn/README.md.
 */
export class StepFunctionsControlPlane {
  private readonly machines = new Map<string, RunnableMachine>();
  /**
   * Executions in memory: every running one; ended ones only without a `dataDir` (with one,
   * an ended execution is read from its file when asked for, see `endedExecution`).
   */
  private readonly executions = new Map<string, Execution>();
  /** Tokens of the executions in memory. */
  private readonly tokens = new Map<string, Execution>();
  /** Every execution known, running or ended, in start order (ListExecutions, names). */
  private readonly index = new Map<string, IndexEntry>();
  private readonly order: string[] = [];
  private readonly positions = new Map<string, number>();
  /** `executionRef` of every execution known → its ARN: where a token points. */
  private readonly byRef = new Map<string, string>();
  private readonly endedCache = new Map<string, EndedExecution>();
  private readonly resumeEngines = new Map<string, StateMachine>();
  private readonly timers: Timers;
  private readonly now: () => Date;
  private readonly log: (message: string) => void;
  private readonly timeouts = new TimeoutErrors();
  private readonly unsupported: Array<{ stateMachineArn: string; state: string; resource: string }> = [];
  private readonly store: ExecutionStore | undefined;
  private readonly restored: RestoreReport;
  private disposed = false;

  constructor(private readonly options: StepFunctionsControlPlaneOptions) {
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((message) => console.warn(`local step functions: ${message}`));
    this.timers = new Timers({ now: this.now });
    for (const machine of options.stateMachines) {
      let definition: JsonObject;
      try {
        definition = JSON.parse(machine.definition) as JsonObject;
      } catch {
        throw new Error(`state machine ${machine.name}: the definition is not JSON`);
      }
      const prepared = prepareDefinition(machine.name, definition, {
        ...(options.retryIntervalScale === undefined
          ? {}
          : { retryIntervalScale: options.retryIntervalScale }),
      });
      try {
        // Validates the definition as written (the engine's checks: paths, ARNs, reachability).
        new StateMachine(definition as unknown as StateMachineDefinition);
      } catch (error) {
        throw new Error(
          `state machine ${machine.name}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      const engine = new StateMachine(prepared.engineDefinition as unknown as StateMachineDefinition, {
        validationOptions: { noValidate: true },
      });
      this.machines.set(machine.arn, { arn: machine.arn, name: machine.name, engine, prepared });
      for (const task of prepared.tasks.values()) {
        if (task.kind === 'unsupported') {
          this.unsupported.push({ stateMachineArn: machine.arn, state: task.name, resource: task.resource });
        }
      }
    }
    this.store =
      options.dataDir === undefined
        ? undefined
        : new ExecutionStore(options.dataDir, { onWriteError: this.log });
    this.restored = this.store
      ? this.restore(this.store)
      : { resumed: [], finished: [], failed: [], skipped: [] };
  }

  /** What was loaded from `dataDir` at construction (all empty without one). */
  restoreReport(): RestoreReport {
    return this.restored;
  }

  /** Task states whose resource is not emulated: an execution that reaches one fails (States.Runtime). */
  unsupportedStates(): ReadonlyArray<{ stateMachineArn: string; state: string; resource: string }> {
    return this.unsupported;
  }

  /** Executions in memory and how many of them hold a running engine (the others are parked). */
  memoryStats(): { executions: number; engines: number } {
    const runs = [...this.executions.values()].filter((e): e is ExecutionRun => e instanceof ExecutionRun);
    return { executions: this.executions.size, engines: runs.filter((run) => run.engineRunning).length };
  }

  /** Every execution's record in memory (live objects; what a persistence layer saves). */
  executionRecords(): readonly ExecutionRecord[] {
    return [...this.executions.values()].map((run) => run.record);
  }

  async startExecution(request: StartExecutionRequest): Promise<{ executionArn: string; startDate: Date }> {
    this.assertLive();
    const { stateMachineArn, name = randomUUID(), input = '{}' } = parse(schemas.startExecution, request);
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw apiError.invalidArn('stateMachineArn');
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw apiError.stateMachineDoesNotExist(stateMachineArn);
    if (!EXECUTION_NAME.test(name)) throw apiError.invalidName();
    if (Buffer.byteLength(input) > MAX_PAYLOAD_BYTES)
      throw apiError.invalidExecutionInput('larger than 256 KiB');
    if (!jsonText(input).ok) throw apiError.invalidExecutionInput('not JSON');

    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    // An ended execution's name stays taken: known from the index, its file is not read.
    if (!this.executions.has(executionArn) && this.index.has(executionArn)) {
      throw apiError.executionAlreadyExists(executionArn);
    }
    const existing = this.executions.get(executionArn);
    if (existing) {
      // As AWS: the same name and input while it runs is the same start; anything else is a conflict.
      if (existing.record.status === 'RUNNING' && existing.record.input === input) {
        return { executionArn, startDate: new Date(existing.record.startDate) };
      }
      throw apiError.executionAlreadyExists(executionArn);
    }

    const startDate = this.now();
    const timeoutSeconds = machine.prepared.timeoutSeconds;
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn,
      name,
      status: 'RUNNING',
      startDate: startDate.toISOString(),
      input,
      history: [
        {
          timestamp: startDate.toISOString(),
          type: 'ExecutionStarted',
          id: 1,
          previousEventId: 0,
          executionStartedEventDetails: {
            input,
            inputDetails: { truncated: false },
            roleArn: `arn:aws:iam::${this.options.accountId}:role/local-step-functions`,
          },
        },
      ],
      tasks: [],
      waits: [],
      retries: [],
      ...(timeoutSeconds === undefined
        ? {}
        : { timeoutAt: new Date(startDate.getTime() + timeoutSeconds * 1000).toISOString() }),
    };
    const run = new ExecutionRun(record, machine, this.runDeps(machine));
    this.adopt(run);
    // Saved before StartExecution answers; then indexed.
    this.store?.save(record);
    this.noteStatus(record);
    return { executionArn, startDate };
  }

  async describeExecution(request: DescribeExecutionRequest): Promise<DescribeExecutionOutput> {
    const { executionArn, includedData } = parse(schemas.describeExecution, request);
    const { record } = this.execution(executionArn);
    const withData = includedData !== 'METADATA_ONLY';
    return {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: new Date(record.startDate),
      ...(record.stopDate === undefined ? {} : { stopDate: new Date(record.stopDate) }),
      ...(withData ? { input: record.input, inputDetails: { included: true } } : {}),
      ...(withData && record.output !== undefined
        ? { output: record.output, outputDetails: { included: true } }
        : {}),
      ...(record.error === undefined ? {} : { error: record.error }),
      ...(record.cause === undefined ? {} : { cause: record.cause }),
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  }

  async getExecutionHistory(
    request: GetExecutionHistoryRequest,
  ): Promise<{ events: HistoryEvent[]; nextToken?: string }> {
    const { executionArn, maxResults, reverseOrder, nextToken, includeExecutionData } = parse(
      schemas.getExecutionHistory,
      request,
    );
    const { record } = this.execution(executionArn);
    const all = reverseOrder ? [...record.history].reverse() : record.history;
    const offset = nextToken === undefined ? 0 : readHistoryPageToken(nextToken, executionArn);
    const size = maxResults || DEFAULT_HISTORY_PAGE;
    const page = all.slice(offset, offset + size);
    const events = page.map((e) => toHistoryEvent(e, includeExecutionData !== false));
    return offset + size < all.length
      ? { events, nextToken: historyPageToken(executionArn, offset + size) }
      : { events };
  }

  /**
   * ListExecutions of one state machine, newest first, from the index (no record is read).
   * Pages: `maxResults` (0 or absent: 100), `nextToken` as returned.
   */
  async listExecutions(
    request: ListExecutionsRequest,
  ): Promise<{ executions: ExecutionListItem[]; nextToken?: string }> {
    const { stateMachineArn, statusFilter, maxResults, nextToken, redriveFilter } = parse(
      schemas.listExecutions,
      request,
    );
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw apiError.invalidArn('stateMachineArn');
    if (!this.machines.has(stateMachineArn)) throw apiError.stateMachineDoesNotExist(stateMachineArn);
    const size = maxResults || DEFAULT_LIST_PAGE;
    let from = this.order.length - 1;
    if (nextToken !== undefined) {
      const after = this.positions.get(readListPageToken(nextToken, stateMachineArn, statusFilter));
      if (after === undefined)
        throw new SfnApiError('InvalidToken', 'Invalid Token: the nextToken is not valid');
      from = after - 1;
    }
    const executions: ExecutionListItem[] = [];
    // Nothing here is ever redriven: REDRIVEN matches none.
    for (let i = from; i >= 0 && redriveFilter !== 'REDRIVEN'; i--) {
      const entry = this.index.get(this.order[i] as string);
      if (!entry || entry.machine !== stateMachineArn) continue;
      if (statusFilter !== undefined && entry.status !== statusFilter) continue;
      if (executions.length === size) {
        const last = executions.at(-1)?.executionArn as string;
        return { executions, nextToken: listPageToken(stateMachineArn, statusFilter, last) };
      }
      executions.push({
        executionArn: entry.arn,
        stateMachineArn: entry.machine,
        name: entry.name,
        status: entry.status as ExecutionStatus,
        startDate: new Date(entry.start),
        ...(entry.stop === undefined ? {} : { stopDate: new Date(entry.stop) }),
      });
    }
    return { executions };
  }

  async sendTaskSuccess(request: SendTaskSuccessRequest): Promise<Record<string, never>> {
    const { taskToken, output } = parse(schemas.sendTaskSuccess, request);
    const run = this.openTask(taskToken);
    if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) throw apiError.invalidOutput('larger than 256 KiB');
    const parsed = jsonText(output);
    if (!parsed.ok) throw apiError.invalidOutput('not JSON');
    if (!run.answer(taskToken, { kind: 'success', output: parsed.value as Json }))
      throw apiError.taskTimedOut();
    return {};
  }

  async sendTaskFailure(request: SendTaskFailureRequest): Promise<Record<string, never>> {
    const { taskToken, error = '', cause = '' } = parse(schemas.sendTaskFailure, request);
    const run = this.openTask(taskToken);
    if (!run.answer(taskToken, { kind: 'failure', error, cause })) throw apiError.taskTimedOut();
    return {};
  }

  /** Accepted while the task is open; HeartbeatSeconds is not enforced locally. */
  async sendTaskHeartbeat(request: SendTaskHeartbeatRequest): Promise<Record<string, never>> {
    const { taskToken } = parse(schemas.sendTaskHeartbeat, request);
    this.openTask(taskToken);
    return {};
  }

  async stopExecution(request: StopExecutionRequest): Promise<{ stopDate: Date }> {
    const { executionArn, error, cause } = parse(schemas.stopExecution, request);
    const run = this.execution(executionArn);
    run.stop('ABORTED', error, cause);
    await run.done;
    return { stopDate: new Date(run.record.stopDate ?? this.now().toISOString()) };
  }

  /** Re-arms every deadline from the clock as it reads now: call it after `now()` jumps. */
  refreshTimers(): void {
    this.timers.refresh();
  }

  /** Resolves when the execution has ended (or the control plane was disposed). */
  async executionDone(executionArn: string): Promise<void> {
    await this.execution(executionArn).done;
  }

  /**
   * Stops every engine run and timer. Records are left as they are: a running execution
   * stays RUNNING with its open tokens, as after a crash (for a later resume).
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all([...this.executions.values()].map((run) => run.dispose()));
    this.timers.dispose();
    this.store?.close();
  }

  private runDeps(machine: RunnableMachine): ExecutionDeps {
    return {
      resumeEngine: (state) => this.resumeEngine(machine, state),
      invoker: this.options.invoker,
      timers: this.timers,
      now: this.now,
      region: this.options.region,
      accountId: this.options.accountId,
      timeouts: this.timeouts,
      sliceMs: this.options.engineSliceMs ?? DEFAULT_ENGINE_SLICE_MS,
      tokenIssued: (issued, owner) => this.tokens.set(issued, owner),
      changed: (run, urgent) => {
        if (urgent) this.store?.save(run.record);
        else this.store?.saveSoon(run.record);
        this.noteStatus(run.record, urgent);
      },
    };
  }

  /** A run in memory; with a store, it leaves memory once it has ended (its file stays). */
  private adopt(run: ExecutionRun): void {
    this.executions.set(run.record.executionArn, run);
    for (const task of run.record.tasks) this.tokens.set(task.token, run);
    if (!this.store) return;
    void run.done.then(() => {
      if (run.record.status === 'RUNNING' || this.executions.get(run.record.executionArn) !== run) return;
      this.executions.delete(run.record.executionArn);
      for (const task of run.record.tasks) this.tokens.delete(task.token);
    });
  }

  /**
   * Keeps the index up to date with a record's status. `saved`: the file holds this status
   * already; otherwise it is written first (a crash between the two leaves an index that says
   * less than the file, which a restart reads and corrects, never more).
   */
  private noteStatus(record: ExecutionRecord, saved = true): void {
    const known = this.index.get(record.executionArn);
    if (known?.status === record.status && known.stop === record.stopDate) return;
    if (known && !saved) this.store?.save(record);
    const entry = indexEntryOf(record);
    this.remember(entry);
    this.store?.index(entry);
  }

  private remember(entry: IndexEntry): void {
    if (!this.index.has(entry.arn)) {
      this.positions.set(entry.arn, this.order.length);
      this.order.push(entry.arn);
      this.byRef.set(executionRef(entry.arn), entry.arn);
    }
    this.index.set(entry.arn, entry);
  }

  /** An execution that has ended, read from its file (a few kept for reuse). */
  private endedExecution(executionArn: string): EndedExecution | undefined {
    const entry = this.index.get(executionArn);
    if (!this.store || !entry || entry.status === 'RUNNING') return undefined;
    const cached = this.endedCache.get(executionArn);
    if (cached) {
      this.endedCache.delete(executionArn);
      this.endedCache.set(executionArn, cached);
      return cached;
    }
    const record = this.store.read(executionArn);
    if (!record) return undefined;
    const ended = new EndedExecution(record);
    this.endedCache.set(executionArn, ended);
    if (this.endedCache.size > ENDED_CACHE_SIZE) {
      const [oldest] = this.endedCache.keys();
      if (oldest !== undefined) this.endedCache.delete(oldest);
    }
    return ended;
  }

  /**
   * Reads the index and the files of running executions (and of any file the index does not
   * know): running ones resume at their persisted current state, ended ones stay on disk,
   * known by their index entry (see local/engine/sfn/README.md "Durability").
   */
  private restore(store: ExecutionStore): RestoreReport {
    const { entries, unindexed } = store.openIndex();
    const report = {
      resumed: [] as string[],
      finished: [] as string[],
      failed: [] as Array<{ executionArn: string; reason: string }>,
      skipped: [] as SkippedExecutionFile[],
    };
    const records: ExecutionRecord[] = [];
    for (const entry of [...entries.values()]) {
      if (entry.status !== 'RUNNING') continue;
      const file = store.fileOf(entry.arn);
      const read = store.readFile(file);
      if (read.ok && read.record.executionArn === entry.arn) records.push(read.record);
      else {
        report.skipped.push({ file, reason: read.ok ? 'the record is of another execution' : read.reason });
        entries.delete(entry.arn);
      }
    }
    const seen = new Map<string, string>();
    const found: IndexEntry[] = [];
    for (const file of unindexed) {
      const read = store.readFile(file);
      if (!read.ok) {
        report.skipped.push({ file, reason: read.reason });
        continue;
      }
      const arn = read.record.executionArn;
      const other = seen.get(arn) ?? (entries.has(arn) ? store.fileOf(arn) : undefined);
      if (other !== undefined) {
        report.skipped.push({ file, reason: `the execution is already loaded from ${path.basename(other)}` });
        continue;
      }
      seen.set(arn, file);
      records.push(read.record);
      found.push(indexEntryOf(read.record));
    }
    for (const entry of found) {
      entries.set(entry.arn, entry);
      store.index(entry);
    }
    for (const { file, reason } of report.skipped) this.log(`skipped the execution file ${file}: ${reason}`);
    // Start order, as ListExecutions and the index keep it.
    for (const entry of [...entries.values()].sort((a, b) => Date.parse(a.start) - Date.parse(b.start))) {
      this.remember(entry);
    }
    records.sort((a, b) => Date.parse(a.startDate) - Date.parse(b.startDate));
    for (const record of records) {
      // The file is newer than its index line (a crash between the two), or was not indexed.
      this.noteStatus(record);
      if (record.status !== 'RUNNING') continue;
      const problem = this.resumeProblem(record);
      if (problem !== undefined) {
        const reason = `could not resume after a restart: ${problem}`;
        failRecord(record, this.now(), reason);
        store.save(record);
        this.noteStatus(record);
        this.log(`${record.executionArn} ${reason}`);
        report.failed.push({ executionArn: record.executionArn, reason });
        continue;
      }
      const machine = this.machines.get(record.stateMachineArn) as RunnableMachine;
      const engine = record.current ? this.resumeEngine(machine, record.current.state) : undefined;
      this.adopt(new ExecutionRun(record, machine, this.runDeps(machine), engine ? { engine } : {}));
      report.resumed.push(record.executionArn);
    }
    const failed = new Set(report.failed.map((f) => f.executionArn));
    for (const entry of this.index.values()) {
      if (entry.status !== 'RUNNING' && !failed.has(entry.arn)) report.finished.push(entry.arn);
    }
    return report;
  }

  /** The engine that resumes `machine` at `state`: one per state, shared by every resume. */
  private resumeEngine(machine: RunnableMachine, state: string): StateMachine {
    const key = `${machine.arn}\u0000${state}`;
    let engine = this.resumeEngines.get(key);
    if (!engine) {
      engine = new StateMachine(
        resumeDefinition(machine.prepared, state) as unknown as StateMachineDefinition,
        {
          validationOptions: { noValidate: true },
        },
      );
      this.resumeEngines.set(key, engine);
    }
    return engine;
  }

  /** Why a running record cannot resume with the state machines of this app, if it cannot. */
  private resumeProblem(record: ExecutionRecord): string | undefined {
    const machine = this.machines.get(record.stateMachineArn);
    if (!machine) return `its state machine ${record.stateMachineArn} is not in the app any more`;
    const state = record.current?.state;
    if (state !== undefined && !machine.prepared.topLevelStates.has(state)) {
      return `its state ${state} is not in the definition any more`;
    }
    return undefined;
  }

  private assertLive(): void {
    if (this.disposed) throw new SfnApiError('InternalFailure', 'the local Step Functions has stopped', 500);
  }

  private execution(executionArn: string): Execution {
    if (!EXECUTION_ARN.test(executionArn)) throw apiError.invalidArn('executionArn');
    const run = this.executions.get(executionArn) ?? this.endedExecution(executionArn);
    if (!run) throw apiError.executionDoesNotExist(executionArn);
    return run;
  }

  /** The run waiting on `token`; InvalidToken, TaskDoesNotExist or TaskTimedOut otherwise. */
  private openTask(taskToken: string): Execution {
    if (!isWellFormedTaskToken(taskToken)) throw apiError.invalidToken();
    const run = this.tokens.get(taskToken);
    if (run) {
      if (!run.isOpen(taskToken)) throw apiError.taskTimedOut();
      return run;
    }
    // Not in memory: a token of an execution that has ended, found through the reference it carries.
    const ref = taskTokenRef(taskToken);
    const arn = ref === undefined ? undefined : this.byRef.get(ref);
    const ended = arn === undefined ? undefined : this.endedExecution(arn);
    if (ended?.record.tasks.some((task) => task.token === taskToken)) throw apiError.taskTimedOut();
    throw apiError.taskDoesNotExist();
  }
}
