/**
 * Runs the synthesized Lambda bundles, one worker thread per function.
 *
 * Why threads: functions that share one process share `process.env`, and under concurrency
 * they corrupt each other's configuration (measured). A worker thread gets its own
 * `process.env` from the Worker `env` option, so each function sees exactly its template
 * environment plus the variables Lambda itself sets, and nothing of this process's own
 * environment (no real AWS credentials leak into a handler).
 *
 * Why a plain .mjs bootstrap: the worker loads `worker-bootstrap.mjs` by path with Node
 * alone (`execArgv` carries no tsx loader), and the bootstrap `import()`s the bundle's
 * `index.mjs` by file URL, as Lambda's runtime does. Nothing in the worker needs compiling.
 *
 * The time zone is per process, not per thread: a worker's `TZ` variable changes only what
 * `process.env.TZ` reads, not how `Date` or `Intl` behave (measured). The pool therefore
 * puts the whole process on UTC (see ensureUtc).
 *
 * The runtime clock: every worker gets the pool's SharedArrayBuffer (one BigInt64, the
 * clock's offset in ms) in its workerData, and its bootstrap makes `Date` read real time
 * plus that offset. The pool writes the offset when the clock advances (`onAdvance`) and
 * again before every invocation, so a handler sees a jump at once, even mid-invocation.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { FunctionInvoker, InvokeResult, LocalFunction } from '../model';

/** Where the worker's stdout/stderr lines go; `stream` tells which one a line came from. */
export type FunctionLog = (fnName: string, line: string, stream: 'stdout' | 'stderr') => void;

export interface WorkerPoolOptions {
  /** Shared by every function (endpoints, local credentials); the template's env wins over it. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Default: this process's stdout, each line prefixed `[fnName] `. */
  readonly log?: FunctionLog;
  /**
   * How long a cold start (importing the bundle) may take, apart from the invocation timeout.
   * Default 30 s: Lambda allows 10 s, but many workers starting at once on a small machine
   * share its cores (18 bundles took ~7 s together on 2 cores).
   */
  readonly initTimeoutSeconds?: number;
  /**
   * The runtime clock the handlers' `Date` follows (e.g. a RuntimeClock). Without one the
   * handlers see real time.
   */
  readonly clock?: WorkerClock;
}

/** What the pool needs of the runtime clock. */
export interface WorkerClock {
  /** Milliseconds the clock runs ahead of real time. */
  readonly offsetMs: number;
  /** Subscribes to advances; returns the function that unsubscribes. */
  onAdvance(listener: () => void): () => void;
}

/** Error types with AWS's names, so the Step Functions control plane can map them. */
export const SANDBOX_TIMEDOUT = 'Sandbox.Timedout';

const BOOTSTRAP = path.join(__dirname, 'worker-bootstrap.mjs');

/** Puts the process (and so every worker thread) on UTC, as Lambda runs. */
export function ensureUtc(): void {
  if (process.env.TZ !== 'UTC') process.env.TZ = 'UTC';
}

const defaultLog: FunctionLog = (fnName, line) => {
  process.stdout.write(`[${fnName}] ${line}\n`);
};

function regionOf(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts[0] === 'arn' && parts[2] === 'lambda' && parts[3] ? parts[3] : undefined;
}

function timedOut(fn: LocalFunction): InvokeResult {
  return {
    ok: false,
    errorType: SANDBOX_TIMEDOUT,
    errorMessage: `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
  };
}

/** The environment Lambda gives a function: the template's variables plus its reserved ones. */
export function functionEnvironment(
  fn: LocalFunction,
  baseEnv: Readonly<Record<string, string>>,
): Record<string, string> {
  const region = regionOf(fn.arn) ?? baseEnv.AWS_REGION ?? 'us-east-1';
  const logStream = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`;
  return {
    ...baseEnv,
    ...fn.environment,
    // Reserved: Lambda sets these and a template cannot override them. AWS_EXECUTION_ENV is
    // deliberately absent: with it Powertools' tracer switches to X-Ray and wants a daemon.
    _HANDLER: `${fn.handlerFile.replace(/\.(?:m|c)?js$/, '')}.${fn.handlerExport}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStream,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    LAMBDA_TASK_ROOT: fn.assetDir,
    TZ: 'UTC',
  };
}

type FromWorker =
  | { type: 'ready' }
  | { type: 'init-error'; errorType: string; errorMessage: string }
  | { type: 'crash'; errorType: string; errorMessage: string }
  | { type: 'result'; id: number; ok: true; payload: string }
  | { type: 'result'; id: number; ok: false; errorType: string; errorMessage: string };

interface Pending {
  readonly resolve: (result: InvokeResult) => void;
  readonly timer: NodeJS.Timeout;
}

type Failure = Extract<InvokeResult, { ok: false }>;

/**
 * One function's worker thread. Invocations run concurrently in it. On an invocation
 * timeout the worker is retired: new invocations go to a fresh worker, the retired one is
 * terminated as soon as nothing else is in flight in it (each of those keeps its own
 * deadline, so a hung worker lives at most one timeout longer).
 */
class FunctionWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly ready: Promise<Failure | undefined>;
  private readonly exited: Promise<void>;
  private settleInit: (failure: Failure | undefined) => void = () => {};
  private nextId = 1;
  private retired = false;
  private dead: Failure | undefined;

  constructor(
    private readonly fn: LocalFunction,
    env: Record<string, string>,
    log: FunctionLog,
    initTimeoutMs: number,
    /** The pool's clock offset buffer, and the call that brings it up to date. */
    private readonly clock: { readonly buffer: SharedArrayBuffer; readonly sync: () => void },
    /** Called once when the worker takes no more invocations (timed out, crashed, closed). */
    private readonly onRetire: (w: FunctionWorker) => void,
    /** Called once the thread has exited. */
    onExit: (w: FunctionWorker) => void,
  ) {
    this.worker = createWorker(
      env,
      {
        file: path.join(fn.assetDir, fn.handlerFile),
        exportName: fn.handlerExport,
        handlerSpec: env._HANDLER,
        functionName: fn.name,
        functionArn: fn.arn,
        memoryMb: fn.memoryMb,
        logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
        clockOffset: clock.buffer,
      },
      fn.memoryMb,
    );
    pipeLines(this.worker.stdout, (line) => log(fn.name, line, 'stdout'));
    pipeLines(this.worker.stderr, (line) => log(fn.name, line, 'stderr'));

    const initTimer = setTimeout(() => {
      this.fail({
        ok: false,
        errorType: SANDBOX_TIMEDOUT,
        errorMessage: `Init timed out after ${(initTimeoutMs / 1000).toFixed(2)} seconds`,
      });
    }, initTimeoutMs);
    this.ready = new Promise((resolve) => {
      this.settleInit = (failure) => {
        clearTimeout(initTimer);
        resolve(failure);
      };
    });
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', () => {
        onExit(this);
        resolve();
      });
    });

    this.worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          this.settleInit(undefined);
          break;
        case 'init-error':
        case 'crash':
          this.fail({ ok: false, errorType: message.errorType, errorMessage: message.errorMessage });
          break;
        case 'result':
          this.settle(
            message.id,
            message.ok
              ? { ok: true, payload: JSON.parse(message.payload) }
              : { ok: false, errorType: message.errorType, errorMessage: message.errorMessage },
          );
          break;
      }
    });
    this.worker.on('error', (error: Error & { code?: string }) => {
      this.fail(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? { ok: false, errorType: 'Runtime.OutOfMemory', errorMessage: 'Runtime exited: out of memory' }
          : { ok: false, errorType: error.name || 'Error', errorMessage: error.message },
      );
    });
    this.worker.on('exit', (code) => {
      this.fail({
        ok: false,
        errorType: 'Runtime.ExitError',
        errorMessage: `Runtime exited with error: exit status ${code}`,
      });
    });
  }

  get isUsable(): boolean {
    return !this.retired && this.dead === undefined;
  }

  async invoke(payload: unknown): Promise<InvokeResult> {
    const initFailure = await this.ready;
    if (initFailure) return initFailure;
    if (this.dead) return this.dead;
    let event: string;
    try {
      event = JSON.stringify(payload === undefined ? {} : payload);
    } catch (error) {
      return {
        ok: false,
        errorType: 'Lambda.InvalidRequestContentException',
        errorMessage: `Could not serialise the payload: ${(error as Error).message}`,
      };
    }
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    return new Promise<InvokeResult>((resolve) => {
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.settle(id, timedOut(this.fn));
        this.retire();
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
      this.clock.sync();
      this.worker.postMessage({
        type: 'invoke',
        id,
        event,
        requestId: randomUUID(),
        deadline: Date.now() + timeoutMs,
      });
    });
  }

  private settle(id: number, result: InvokeResult): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(result);
    if (this.retired && this.pending.size === 0) void this.terminate();
  }

  private retire(): void {
    if (this.retired) return;
    this.retired = true;
    this.onRetire(this);
    if (this.pending.size === 0) void this.terminate();
  }

  /** The worker is gone or unusable: the init and every invocation in flight fail with `failure`. */
  private fail(failure: Failure): void {
    this.settleInit(failure);
    if (this.dead) return;
    this.dead = failure;
    this.retire();
    for (const id of [...this.pending.keys()]) this.settle(id, failure);
    void this.terminate();
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
    await this.exited;
  }

  /** Ends the worker now, failing whatever is in flight (pool shutdown). */
  async close(): Promise<void> {
    this.fail({
      ok: false,
      errorType: 'Runtime.ExitError',
      errorMessage: 'the local runtime is shutting down',
    });
    await this.terminate();
  }
}

/**
 * A worker on the bootstrap. The function's NODE_OPTIONS become the worker's execArgv when
 * a worker accepts them (e.g. --enable-source-maps); otherwise the worker runs without.
 */
function createWorker(env: Record<string, string>, workerData: object, memoryMb: number): Worker {
  const options = {
    env,
    workerData,
    stdout: true,
    stderr: true,
    resourceLimits: { maxOldGenerationSizeMb: memoryMb },
  };
  const nodeOptions = (env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
  if (nodeOptions.length > 0) {
    try {
      return new Worker(BOOTSTRAP, { ...options, execArgv: nodeOptions });
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    }
  }
  return new Worker(BOOTSTRAP, { ...options, execArgv: [] });
}

/** Calls `onLine` for every line of `stream`, the last one even without a newline. */
function pipeLines(stream: Readable, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      onLine(buffered.slice(0, newline).replace(/\r$/, ''));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (buffered !== '') onLine(buffered);
    buffered = '';
  });
}

export class WorkerPool implements FunctionInvoker {
  private readonly byName = new Map<string, LocalFunction>();
  private readonly byArn = new Map<string, LocalFunction>();
  private readonly active = new Map<string, FunctionWorker>();
  private readonly all = new Set<FunctionWorker>();
  private readonly log: FunctionLog;
  private readonly initTimeoutMs: number;
  private readonly clockOffset = new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT);
  private readonly clockView = new BigInt64Array(this.clockOffset);
  private readonly clockSync = { buffer: this.clockOffset, sync: () => this.syncClock() };
  private readonly unsubscribeClock: () => void;
  private closed = false;

  constructor(
    functions: readonly LocalFunction[],
    private readonly options: WorkerPoolOptions,
  ) {
    ensureUtc();
    for (const fn of functions) {
      this.byName.set(fn.name, fn);
      this.byArn.set(fn.arn, fn);
    }
    this.log = options.log ?? defaultLog;
    this.initTimeoutMs = (options.initTimeoutSeconds ?? 30) * 1000;
    this.syncClock();
    this.unsubscribeClock = options.clock?.onAdvance(() => this.syncClock()) ?? (() => {});
  }

  /** Writes the clock's offset where every worker's `Date` reads it. */
  private syncClock(): void {
    const offset = this.options.clock?.offsetMs ?? 0;
    Atomics.store(this.clockView, 0, BigInt(Math.round(offset)));
  }

  /** The function an ARN (also with a `:$LATEST` or alias qualifier) or a name refers to. */
  resolve(arnOrName: string): LocalFunction | undefined {
    const direct = this.byArn.get(arnOrName) ?? this.byName.get(arnOrName);
    if (direct) return direct;
    if (arnOrName.startsWith('arn:')) {
      const parts = arnOrName.split(':');
      if (parts.length === 8) return this.byArn.get(parts.slice(0, 7).join(':'));
    }
    return undefined;
  }

  async invoke(arnOrName: string, payload: unknown): Promise<InvokeResult> {
    if (this.closed) {
      return { ok: false, errorType: 'Lambda.ServiceException', errorMessage: 'the local runtime is closed' };
    }
    const fn = this.resolve(arnOrName);
    if (!fn) {
      return {
        ok: false,
        errorType: 'Lambda.ResourceNotFoundException',
        errorMessage: `Function not found: ${arnOrName}`,
      };
    }
    return this.workerFor(fn).invoke(payload);
  }

  private workerFor(fn: LocalFunction): FunctionWorker {
    const current = this.active.get(fn.name);
    if (current?.isUsable) return current;
    const worker = new FunctionWorker(
      fn,
      functionEnvironment(fn, this.options.baseEnv),
      this.log,
      this.initTimeoutMs,
      this.clockSync,
      (retired) => {
        if (this.active.get(fn.name) === retired) this.active.delete(fn.name);
      },
      (gone) => this.all.delete(gone),
    );
    this.active.set(fn.name, worker);
    this.all.add(worker);
    return worker;
  }

  /** Terminates every worker; invocations in flight fail with Runtime.ExitError. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribeClock();
    const workers = [...this.all];
    this.all.clear();
    this.active.clear();
    await Promise.all(workers.map((w) => w.close()));
  }
}
