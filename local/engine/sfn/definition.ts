/**
 * Reads a state machine's ASL and rewrites it for aws-local-stepfunctions so that the
 * control plane, not the engine, owns every task and every clock:
 *
 * - Each supported Task state keeps its InputPath/ResultSelector/ResultPath/OutputPath,
 *   Retry and Catch, but its Parameters are wrapped as `{"parameters": <original>}` (or
 *   `{"parameters.$": "$"}`) plus `"timeoutSeconds.$"` when the state has
 *   TimeoutSecondsPath, so the engine's own JSONPath resolves both and the control plane's
 *   handler receives them. The engine's timeout is set to the longest its timers honour;
 *   the real one is the control plane's (see `Timers`).
 * - Each Wait state becomes a Task state the control plane handles (Parameters
 *   `{"input.$": "$", "seconds"|"timestamp"[.$]: ..., "path"?: the path as written}`, the
 *   handler returns the input), so
 *   waits of any length run on the control plane's timers. History still reports it as a
 *   Wait state.
 * - A supported Task state's Retry is taken out of the engine: the control plane's handler
 *   retries (`TaskStateInfo.retry`), so the backoff runs on the control plane's timers with
 *   an absolute due time that survives a restart, and the attempt count is persisted.
 * - Supported Task states and Wait states get one engine retrier matching only
 *   `ENGINE_SLICE_ERROR`: the handler gives the engine back control before its timer could
 *   fire (~24.8 days) and the engine re-enters the state at once, where the handler resumes
 *   the same wait.
 * - Every retrier's IntervalSeconds and MaxDelaySeconds are multiplied by
 *   `retryIntervalScale` (tests use a small factor; backoff and jitter keep their shape).
 *   Parallel and Map states keep their Retry on the engine (its timers: not durable).
 * - The definition's TimeoutSeconds is removed: the control plane times executions out.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type StateType = 'Task' | 'Parallel' | 'Map' | 'Pass' | 'Wait' | 'Choice' | 'Succeed' | 'Fail';

/** How the control plane runs a Task state. */
export type TaskKind = 'lambda-invoke' | 'lambda-callback' | 'lambda-function' | 'unsupported';

/** One retrier of a Task state's Retry, defaults applied, intervals scaled. */
export interface RetryPolicy {
  readonly errorEquals: readonly string[];
  readonly intervalSeconds: number;
  readonly maxAttempts: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds?: number;
  /** JitterStrategy FULL: the delay is drawn between 0 and the computed one. */
  readonly fullJitter: boolean;
}

export interface TaskStateInfo {
  readonly name: string;
  readonly kind: TaskKind;
  readonly resource: string;
  /** The state's TimeoutSeconds (absent: no deadline, TimeoutSecondsPath or none). */
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
  /** The state's Retry, run by the control plane (empty for unsupported resources). */
  readonly retry: readonly RetryPolicy[];
}

export interface PreparedDefinition {
  /** What the engine runs (validation off: it holds fields real ASL does not). */
  readonly engineDefinition: JsonObject;
  /** Every state, nested ones included, with its type as written. */
  readonly stateTypes: ReadonlyMap<string, StateType>;
  readonly tasks: ReadonlyMap<string, TaskStateInfo>;
  readonly waits: ReadonlySet<string>;
  /** The states of the top level (not inside a Parallel branch or a Map): where a resume can start. */
  readonly topLevelStates: ReadonlySet<string>;
  /** The execution's TimeoutSeconds. */
  readonly timeoutSeconds?: number;
}

/** The error a callback or Wait handler throws to hand control back to the engine. */
export const ENGINE_SLICE_ERROR = 'Local.EngineSlice';

/** The longest Task timeout the engine's setTimeout honours: 2^31-1 ms, rounded down. */
export const ENGINE_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Resource of the Task states Wait states become. */
export const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::local:wait';

/** Resource and name of the hidden first state of a resumed execution (see `resumeDefinition`). */
export const LOCAL_RESUME_RESOURCE = 'arn:aws:states:::local:resume';
export const RESUME_STATE = 'Local.Resume\u0000';

const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
const LAMBDA_CALLBACK = /^arn:aws[a-z-]*:states:::lambda:invoke\.waitForTaskToken$/;
const LAMBDA_FUNCTION =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;

const STATE_TYPES: readonly StateType[] = [
  'Task',
  'Parallel',
  'Map',
  'Pass',
  'Wait',
  'Choice',
  'Succeed',
  'Fail',
];

function taskKind(resource: string): TaskKind {
  if (LAMBDA_INVOKE.test(resource)) return 'lambda-invoke';
  if (LAMBDA_CALLBACK.test(resource)) return 'lambda-callback';
  if (LAMBDA_FUNCTION.test(resource)) return 'lambda-function';
  return 'unsupported';
}

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function positiveNumber(value: Json | undefined): number | undefined {
  return typeof value === 'number' && value > 0 ? value : undefined;
}

const SLICE_RETRIER: JsonObject = {
  ErrorEquals: [ENGINE_SLICE_ERROR],
  IntervalSeconds: 0,
  BackoffRate: 1,
  MaxAttempts: Number.MAX_SAFE_INTEGER,
};

export interface PrepareOptions {
  /** Multiplies every retry interval. @default 1 */
  readonly retryIntervalScale?: number;
}

/**
 * Checks what the engine cannot run and rewrites the rest (see the module comment). Throws
 * with the machine's name for JSONata, `Assign`, duplicate state names and unknown types.
 */
export function prepareDefinition(
  machineName: string,
  definition: JsonObject,
  options: PrepareOptions = {},
): PreparedDefinition {
  const scale = options.retryIntervalScale ?? 1;
  const stateTypes = new Map<string, StateType>();
  const tasks = new Map<string, TaskStateInfo>();
  const waits = new Set<string>();
  const refuse = (why: string): never => {
    throw new Error(`state machine ${machineName}: ${why}`);
  };

  const scaleRetry = (retry: Json | undefined): Json[] =>
    (Array.isArray(retry) ? retry : []).map((retrier) => {
      if (!isObject(retrier)) return retrier;
      const interval = typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1;
      const scaled: JsonObject = { ...retrier, IntervalSeconds: interval * scale };
      if (typeof retrier.MaxDelaySeconds === 'number')
        scaled.MaxDelaySeconds = retrier.MaxDelaySeconds * scale;
      return scaled;
    });

  const retryPolicies = (retry: Json | undefined): RetryPolicy[] =>
    (Array.isArray(retry) ? retry : []).filter(isObject).map((retrier) => {
      const number = (value: Json | undefined, fallback: number) =>
        typeof value === 'number' && Number.isFinite(value) ? value : fallback;
      const errorEquals = Array.isArray(retrier.ErrorEquals)
        ? retrier.ErrorEquals.filter((e): e is string => typeof e === 'string')
        : [];
      const maxDelay = retrier.MaxDelaySeconds;
      return {
        errorEquals,
        intervalSeconds: number(retrier.IntervalSeconds, 1) * scale,
        maxAttempts: number(retrier.MaxAttempts, 3),
        backoffRate: number(retrier.BackoffRate, 2),
        ...(typeof maxDelay === 'number' && maxDelay > 0 ? { maxDelaySeconds: maxDelay * scale } : {}),
        fullJitter: retrier.JitterStrategy === 'FULL',
      };
    });

  const rewriteTask = (name: string, state: JsonObject): JsonObject => {
    const resource = typeof state.Resource === 'string' ? state.Resource : '';
    const kind = taskKind(resource);
    const timeoutSeconds = positiveNumber(state.TimeoutSeconds);
    const heartbeatSeconds = positiveNumber(state.HeartbeatSeconds);
    tasks.set(name, {
      name,
      kind,
      resource,
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
      ...(heartbeatSeconds === undefined ? {} : { heartbeatSeconds }),
      retry: kind === 'unsupported' ? [] : retryPolicies(state.Retry),
    });
    const {
      TimeoutSeconds: _t,
      TimeoutSecondsPath,
      HeartbeatSeconds: _h,
      HeartbeatSecondsPath: _hp,
      Credentials: _c,
      ...rest
    } = state;
    const engine: JsonObject = { ...rest, TimeoutSeconds: ENGINE_TASK_TIMEOUT_SECONDS };
    if (kind !== 'unsupported') {
      const parameters: JsonObject =
        'Parameters' in state ? { parameters: state.Parameters ?? null } : { 'parameters.$': '$' };
      if (typeof TimeoutSecondsPath === 'string') parameters['timeoutSeconds.$'] = TimeoutSecondsPath;
      engine.Parameters = parameters;
    }
    if (kind !== 'unsupported') engine.Retry = [SLICE_RETRIER];
    else if (Array.isArray(state.Retry)) engine.Retry = scaleRetry(state.Retry);
    return engine;
  };

  const rewriteWait = (name: string, state: JsonObject): JsonObject => {
    waits.add(name);
    const parameters: JsonObject = { 'input.$': '$' };
    if (typeof state.Seconds === 'number') parameters.seconds = state.Seconds;
    else if (typeof state.Timestamp === 'string') parameters.timestamp = state.Timestamp;
    else if (typeof state.SecondsPath === 'string') {
      parameters['seconds.$'] = state.SecondsPath;
      parameters.path = state.SecondsPath;
    } else if (typeof state.TimestampPath === 'string') {
      parameters['timestamp.$'] = state.TimestampPath;
      parameters.path = state.TimestampPath;
    } else refuse(`Wait state ${name} has no Seconds, Timestamp, SecondsPath or TimestampPath`);
    const engine: JsonObject = {
      Type: 'Task',
      Resource: LOCAL_WAIT_RESOURCE,
      Parameters: parameters,
      TimeoutSeconds: ENGINE_TASK_TIMEOUT_SECONDS,
      Retry: [SLICE_RETRIER],
    };
    for (const key of ['Comment', 'InputPath', 'OutputPath', 'Next', 'End'] as const) {
      if (key in state) engine[key] = state[key] ?? null;
    }
    return engine;
  };

  const rewriteMachine = (machine: JsonObject, where: string): JsonObject => {
    if ('QueryLanguage' in machine && machine.QueryLanguage !== 'JSONPath') {
      refuse(
        `${where} uses QueryLanguage ${String(machine.QueryLanguage)}; the local engine runs JSONPath only`,
      );
    }
    const states = machine.States;
    if (!isObject(states)) return refuse(`${where} has no States`);
    const rewritten: JsonObject = {};
    for (const [name, value] of Object.entries(states)) {
      if (!isObject(value)) return refuse(`state ${name} is not an object`);
      const type = value.Type;
      if (typeof type !== 'string' || !STATE_TYPES.includes(type as StateType)) {
        return refuse(`state ${name} has an unknown Type`);
      }
      if (stateTypes.has(name)) refuse(`the state name ${name} is used twice`);
      if ('Assign' in value) refuse(`state ${name} uses Assign, which the local engine does not run`);
      if ('QueryLanguage' in value && value.QueryLanguage !== 'JSONPath') {
        refuse(
          `state ${name} uses QueryLanguage ${String(value.QueryLanguage)}; the local engine runs JSONPath only`,
        );
      }
      stateTypes.set(name, type as StateType);
      let state: JsonObject = { ...value };
      if (type === 'Task') state = rewriteTask(name, value);
      else if (type === 'Wait') state = rewriteWait(name, value);
      else if (type === 'Parallel') {
        const branches = Array.isArray(value.Branches) ? value.Branches : [];
        state.Branches = branches.map((b, i) =>
          isObject(b) ? rewriteMachine(b, `branch ${i} of ${name}`) : refuse(`branch ${i} of ${name}`),
        );
        if ('Retry' in value) state.Retry = scaleRetry(value.Retry);
      } else if (type === 'Map') {
        for (const key of ['Iterator', 'ItemProcessor'] as const) {
          const inner = value[key];
          if (isObject(inner)) state[key] = rewriteMachine(inner, `${key} of ${name}`);
        }
        if ('Retry' in value) state.Retry = scaleRetry(value.Retry);
      }
      rewritten[name] = state;
    }
    const { TimeoutSeconds: _timeout, QueryLanguage: _language, ...rest } = machine;
    return { ...rest, States: rewritten };
  };

  const engineDefinition = rewriteMachine(definition, 'the definition');
  if (stateTypes.has(RESUME_STATE)) refuse(`the state name ${JSON.stringify(RESUME_STATE)} is reserved`);
  const topLevelStates = new Set(Object.keys(isObject(definition.States) ? definition.States : {}));
  const timeoutSeconds = positiveNumber(definition.TimeoutSeconds);
  return {
    engineDefinition,
    stateTypes,
    tasks,
    waits,
    topLevelStates,
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
  };
}

/**
 * The engine definition of a resumed execution: a hidden first Task state (`RESUME_STATE`,
 * handled by the control plane: it returns the persisted input of `stateName`) leads to
 * `stateName`, a top-level state. The engine thus starts with the execution's own input,
 * so `$$.Execution.Input` stays the original, and enters `stateName` with the state input
 * it had before the restart.
 */
export function resumeDefinition(prepared: PreparedDefinition, stateName: string): JsonObject {
  if (!prepared.topLevelStates.has(stateName)) {
    throw new Error(`the state ${stateName} is not a top-level state of the definition`);
  }
  const states = prepared.engineDefinition.States;
  return {
    ...prepared.engineDefinition,
    StartAt: RESUME_STATE,
    States: {
      ...(isObject(states) ? states : {}),
      [RESUME_STATE]: {
        Type: 'Task',
        Resource: LOCAL_RESUME_RESOURCE,
        TimeoutSeconds: ENGINE_TASK_TIMEOUT_SECONDS,
        Next: stateName,
      },
    },
  };
}
