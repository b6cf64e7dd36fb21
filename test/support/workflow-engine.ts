/**
 * The workflow tier's one harness: synthesized state machines run on the local engine's own
 * Step Functions control plane (local/engine, the one `npm start` runs), with
 *
 * - an in-process `FunctionInvoker`: each Lambda ARN of the definitions is bound to a test
 *   function (the real use case wired to test deps); a thrown error reaches the state machine
 *   as a Lambda function error named after it (`error.name`), as the Lambda runtime reports it;
 * - the control plane's own task tokens, SendTaskSuccess/SendTaskFailure (directly, or over
 *   its HTTP server through `@aws-sdk/client-sfn`: `wf.sfn`);
 * - one controllable clock (the engine's `RuntimeClock` on a virtual time source): every
 *   deadline of the control plane (TimeoutSeconds, Waits, backoffs) is absolute on it, and
 *   `wf.advance(ms)` moves it and re-arms the timers, so a 24-hour offer deadline or a
 *   months-long Wait passes at once.
 *
 * ```ts
 * const wf = await startWorkflowEngine({
 *   definitions: { ReferralWorkflow: synthStateMachine({ stateMachine: 'ReferralWorkflow' }) },
 *   functions: { PrepareOfferFn: (e) => prepareOffer(deps, e), SendOfferFn: ... },
 * });
 * const arn = await wf.start('ReferralWorkflow', { caseId }, caseId);
 * const offer = await wf.nextCallback(arn);          // the next callback whose function returned
 * await wf.advance(24 * 3600_000);                   // its TimeoutSeconds pass: States.Timeout
 * await wf.sendTaskFailure(token, 'Cancelled', '');  // or sendTaskSuccess(token, output)
 * const view = await wf.waitFor(arn, (v) => v.statesEntered.includes('Accepted'));
 * expect((await wf.result(arn)).status).toBe('SUCCEEDED');
 * await wf.stop();                                   // afterEach: no timer, socket or engine left
 * ```
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  type ExecutionRecord,
  type FunctionInvoker,
  type HistoryRecord,
  type InvokeResult,
  type LocalStateMachine,
  RuntimeClock,
  StepFunctionsControlPlane,
  type StepFunctionsServer,
  startStepFunctionsServer,
} from '../../local/engine/index';
import { FAKE_ACCOUNT, type SynthesizedStateMachine } from './workflow-asl';

/** A Lambda function's code in the test: receives the event, returns the payload (or throws). */
export type WorkflowFunction = (event: unknown) => unknown;

export interface WorkflowEngineOptions {
  /** State machines by name, as `synthStateMachine` returns them. */
  readonly definitions: Readonly<Record<string, SynthesizedStateMachine>>;
  /**
   * Function code by the function's ARN (as in the definitions), logical id
   * (`PrepareOfferFn5DAF18BC`) or construct id (`PrepareOfferFn`). A key that names no
   * function of the definitions is an error; a function without code fails its task with
   * `Lambda.ResourceNotFoundException`, as on AWS.
   */
  readonly functions: Readonly<Record<string, WorkflowFunction>>;
  /** @default a new `WorkflowClock` at 2026-03-10T08:00:00Z */
  readonly clock?: WorkflowClock;
  /** Multiplies every Retry interval (0: retries at once). @default 0 */
  readonly retryIntervalScale?: number;
}

/**
 * The engine's RuntimeClock on virtual time: starts at `start`, follows real time, moves on
 * by at least `stepMs` on every read (store keys hold instants: two steps never see the same
 * time) and jumps forward with `advance`. Give `now` to the use cases under test.
 */
export class WorkflowClock extends RuntimeClock {
  constructor(start = '2026-03-10T08:00:00.000Z', stepMs = 1000) {
    const base = Date.parse(start);
    if (Number.isNaN(base)) throw new Error(`not an instant: ${start}`);
    const realStart = Date.now();
    let reads = 0;
    super(undefined, 0, { realNow: () => base + (Date.now() - realStart) + reads++ * stepMs });
  }

  /** The clock as a function, for the `now` of use-case deps. */
  readonly nowFn = (): Date => this.now();
}

/** One call of a test function. */
export interface Invocation {
  readonly functionArn: string;
  readonly payload: unknown;
  /** undefined while the function runs. */
  outcome?: { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string };
}

/** A callback task whose function has returned: its token awaits SendTask*. */
export interface PendingCallback {
  readonly executionArn: string;
  readonly token: string;
  readonly state: string;
  /** What the function received (token included). */
  readonly payload: unknown;
  /** When the state's TimeoutSeconds end the wait (ISO), if it has one. */
  readonly dueAt?: string;
}

export type ExecutionOutcome =
  | { readonly status: 'SUCCEEDED'; readonly output: unknown }
  | { readonly status: 'FAILED'; readonly error: string; readonly cause: string }
  | { readonly status: 'ABORTED' | 'TIMED_OUT'; readonly error?: string; readonly cause?: string };

/** An execution as the control plane holds it, with what tests usually ask of it. */
export interface ExecutionView {
  readonly record: ExecutionRecord;
  readonly status: ExecutionRecord['status'];
  /** AWS-shaped history events, oldest first. */
  readonly history: readonly HistoryRecord[];
  /** Names of the states entered, in order. */
  readonly statesEntered: readonly string[];
}

export interface WorkflowEngine {
  readonly plane: StepFunctionsControlPlane;
  readonly clock: WorkflowClock;
  /** A Step Functions client of the control plane's HTTP server (for the real adapters). */
  readonly sfn: SFNClient;
  stateMachineArn(name: string): string;
  /** StartExecution; returns the execution ARN. */
  start(stateMachine: string, input: unknown, name?: string): Promise<string>;
  view(executionArn: string): ExecutionView;
  /** Polls until `predicate` holds; throws (with the history's types) if the execution ends first or after `timeoutMs`. */
  waitFor(
    executionArn: string,
    predicate: (view: ExecutionView) => boolean,
    opts?: { timeoutMs?: number; what?: string },
  ): Promise<ExecutionView>;
  /** Waits for the end of the execution. */
  result(executionArn: string): Promise<ExecutionOutcome>;
  /** Open callback tokens whose function returned (of one execution, or all). */
  pendingCallbacks(executionArn?: string): PendingCallback[];
  /** The next callback of the execution not handed out before; rejects if it ends first. */
  nextCallback(executionArn: string): Promise<PendingCallback>;
  sendTaskSuccess(token: string, output: unknown): Promise<'ok' | 'closed'>;
  sendTaskFailure(token: string, error: string, cause?: string): Promise<'ok' | 'closed'>;
  /** Moves the clock and lets whatever fell due run. */
  advance(ms: number): Promise<void>;
  /** Every function call so far, oldest first. */
  invocations(): readonly Invocation[];
  /** Disposes the control plane (timers, engines), closes its server and client. */
  stop(): Promise<void>;
}

const POLL_MS = 5;

function copy<T>(value: T): T {
  return value === undefined ? (null as T) : (JSON.parse(JSON.stringify(value)) as T);
}

function statesEntered(history: readonly HistoryRecord[]): string[] {
  return history.flatMap((e) =>
    e.type.endsWith('StateEntered') && e.stateEnteredEventDetails?.name
      ? [e.stateEnteredEventDetails.name]
      : [],
  );
}

/** The function ARNs a definition names, by logical id (from `synthStateMachine`). */
function resolveFunctions(
  definitions: WorkflowEngineOptions['definitions'],
  functions: WorkflowEngineOptions['functions'],
): Map<string, WorkflowFunction> {
  const known = new Map<string, string>(); // logical id -> ARN
  for (const machine of Object.values(definitions)) {
    for (const [id, arn] of machine.functionArns) known.set(id, arn);
  }
  const arns = new Set(known.values());
  const bound = new Map<string, WorkflowFunction>();
  for (const [key, fn] of Object.entries(functions)) {
    const arn =
      (arns.has(key) ? key : undefined) ??
      known.get(key) ??
      [...known].find(([id]) => new RegExp(`^${key.replace(/[^A-Za-z0-9]/g, '')}[0-9A-F]{8}$`).test(id))?.[1];
    if (arn === undefined) {
      throw new Error(`no state machine names the function ${key} (named: ${[...known.keys()].join(', ')})`);
    }
    bound.set(arn, fn);
  }
  return bound;
}

/** Starts the control plane for `definitions` with the functions bound in-process. */
export async function startWorkflowEngine(options: WorkflowEngineOptions): Promise<WorkflowEngine> {
  const clock = options.clock ?? new WorkflowClock();
  const functions = resolveFunctions(options.definitions, options.functions);
  const regions = new Set(Object.values(options.definitions).map((m) => m.config.region));
  if (regions.size !== 1) throw new Error('the definitions must share one region');
  const region = [...regions][0] as string;
  const machineArn = (name: string) => `arn:aws:states:${region}:${FAKE_ACCOUNT}:stateMachine:${name}`;
  const stateMachines: LocalStateMachine[] = Object.entries(options.definitions).map(([name, m]) => ({
    logicalId: m.logicalId,
    stackName: 'Test',
    name,
    arn: machineArn(name),
    definition: m.definitionJson,
  }));

  const calls: Invocation[] = [];
  const invoker: FunctionInvoker = {
    async invoke(functionArn, payload): Promise<InvokeResult> {
      const fn = functions.get(functionArn);
      if (!fn) {
        return { ok: false, errorType: 'Lambda.ResourceNotFoundException', errorMessage: functionArn };
      }
      const call: Invocation = { functionArn, payload: copy(payload) };
      calls.push(call);
      try {
        const result = copy(await fn(copy(payload)));
        call.outcome = { ok: true, result };
        return { ok: true, payload: result };
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        call.outcome = { ok: false, error: err.name };
        return { ok: false, errorType: err.name, errorMessage: err.message };
      }
    },
  };

  const plane = new StepFunctionsControlPlane({
    stateMachines,
    invoker,
    region,
    accountId: FAKE_ACCOUNT,
    now: () => clock.now(),
    retryIntervalScale: options.retryIntervalScale ?? 0,
    log: (message) => {
      throw new Error(`local step functions: ${message}`);
    },
  });
  const unhook = clock.onAdvance(() => plane.refreshTimers());
  let server: StepFunctionsServer;
  try {
    server = await startStepFunctionsServer(plane, { host: '127.0.0.1', port: 0 });
  } catch (error) {
    unhook();
    await plane.dispose();
    throw error;
  }
  const sfn = new SFNClient({
    endpoint: server.url,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const handedOut = new Set<string>();

  const record = (executionArn: string): ExecutionRecord => {
    const found = plane.executionRecords().find((r) => r.executionArn === executionArn);
    if (!found) throw new Error(`no execution ${executionArn} in memory`);
    return found;
  };
  const view = (executionArn: string): ExecutionView => {
    const r = record(executionArn);
    return { record: r, status: r.status, history: r.history, statesEntered: statesEntered(r.history) };
  };
  const pendingCallbacks = (executionArn?: string): PendingCallback[] =>
    plane
      .executionRecords()
      .filter((r) => executionArn === undefined || r.executionArn === executionArn)
      .flatMap((r) =>
        r.tasks
          .filter((t) => t.status === 'OPEN' && t.submittedAt !== undefined)
          .map((t) => ({
            executionArn: r.executionArn,
            token: t.token,
            state: t.state,
            payload: calls.find((c) => JSON.stringify(c.payload).includes(t.token))?.payload,
            ...(t.dueAt === undefined ? {} : { dueAt: t.dueAt }),
          })),
      );
  const waitFor: WorkflowEngine['waitFor'] = async (executionArn, predicate, opts = {}) => {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    for (;;) {
      const v = view(executionArn);
      if (predicate(v)) return v;
      const why =
        v.status !== 'RUNNING'
          ? `the execution ended ${v.status}`
          : Date.now() > deadline
            ? 'timed out'
            : undefined;
      if (why) {
        throw new Error(
          `waiting for ${opts.what ?? 'a condition'}: ${why} (${JSON.stringify({
            error: v.record.error,
            cause: v.record.cause,
            history: v.history.map((e) => e.type),
          })})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  const answered = async (send: () => Promise<unknown>): Promise<'ok' | 'closed'> => {
    try {
      await send();
      return 'ok';
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'TaskTimedOut' || name === 'TaskDoesNotExist') return 'closed';
      throw error;
    }
  };

  return {
    plane,
    clock,
    sfn,
    stateMachineArn: machineArn,
    async start(stateMachine, input, name) {
      const { executionArn } = await plane.startExecution({
        stateMachineArn: machineArn(stateMachine),
        input: JSON.stringify(input),
        ...(name === undefined ? {} : { name }),
      });
      return executionArn;
    },
    view,
    waitFor,
    async result(executionArn) {
      await plane.executionDone(executionArn);
      const r = record(executionArn);
      if (r.status === 'SUCCEEDED') return { status: 'SUCCEEDED', output: JSON.parse(r.output ?? 'null') };
      if (r.status === 'FAILED') return { status: 'FAILED', error: r.error ?? '', cause: r.cause ?? '' };
      if (r.status === 'ABORTED' || r.status === 'TIMED_OUT') {
        return {
          status: r.status,
          ...(r.error === undefined ? {} : { error: r.error }),
          ...(r.cause === undefined ? {} : { cause: r.cause }),
        };
      }
      throw new Error(`execution ${executionArn} has not ended (${r.status})`);
    },
    pendingCallbacks,
    async nextCallback(executionArn) {
      let next: PendingCallback | undefined;
      await waitFor(
        executionArn,
        () => {
          next = pendingCallbacks(executionArn).find((c) => !handedOut.has(c.token));
          return next !== undefined;
        },
        { what: 'the next callback task' },
      );
      const found = next as PendingCallback;
      handedOut.add(found.token);
      return found;
    },
    sendTaskSuccess: (token, output) =>
      answered(() => plane.sendTaskSuccess({ taskToken: token, output: JSON.stringify(output) })),
    sendTaskFailure: (token, error, cause = '') =>
      answered(() => plane.sendTaskFailure({ taskToken: token, error, cause })),
    async advance(ms) {
      await clock.advance(ms);
      // Let what fell due (timers at delay 0) run before the caller looks.
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    },
    invocations: () => copy(calls),
    async stop() {
      unhook();
      sfn.destroy();
      await server.close();
      await plane.dispose();
    },
  };
}
