/**
 * Runs inside one worker thread per Lambda function (see worker-pool.ts). Plain ESM
 * JavaScript on purpose: the worker loads this file by path with Node alone (no tsx, no
 * loader hooks), just as Lambda's Node runtime loads the bundled handler.
 *
 * Protocol over the parent port (the pool is the only sender/receiver):
 *   worker → pool  { type: 'ready' } | { type: 'init-error', errorType, errorMessage }
 *   pool → worker  { type: 'invoke', id, event (JSON text), requestId, deadline (epoch ms) }
 *   worker → pool  { type: 'result', id, ok: true, payload (JSON text) }
 *                | { type: 'result', id, ok: false, errorType, errorMessage }
 *                | { type: 'crash', errorType, errorMessage }
 * After 'init-error' or 'crash' the worker stays idle until the pool terminates it: a
 * message posted right before process.exit() is not guaranteed to arrive.
 *
 * Payloads cross as JSON text, as they do through Lambda's Invoke API: a handler result is
 * what JSON.stringify makes of it (undefined → null), never a structured clone.
 *
 * The runtime clock (local/engine/clock/runtime-clock.ts): `workerData.clockOffset` is a
 * SharedArrayBuffer holding one BigInt64 — the clock's offset in ms, which the pool updates
 * whenever the clock advances. Before the bundle loads, `Date` is replaced so that
 * `Date.now()`, `new Date()` and `Date()` read real time plus that offset, live. `new Date(x)`,
 * `Date.UTC`, `Date.parse`, `instanceof Date` and subclasses behave as before;
 * `performance.now()`, `process.hrtime` and timers are untouched (they measure elapsed time).
 */
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort;
if (!port) throw new Error('worker-bootstrap.mjs must run in a worker thread');

/** @type {{ file: string, exportName: string, handlerSpec: string, functionName: string, functionArn: string, memoryMb: number, logGroupName: string, logStreamName: string, clockOffset?: SharedArrayBuffer }} */
const config = workerData;

/** Real epoch ms, whatever the shim below does (deadlines come from the pool in real time). */
const realNow = Date.now;

/** Replaces the global Date with one that reads real time plus the shared offset. */
function installClock(buffer) {
  const RealDate = Date;
  const offset = new BigInt64Array(buffer);
  const current = () => realNow() + Number(Atomics.load(offset, 0));
  function LocalDate(...args) {
    // Called as a function, Date ignores its arguments and returns the current time as text.
    if (new.target === undefined) return new RealDate(current()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [current()] : args, new.target);
  }
  const statics = {
    now() {
      return current();
    },
  };
  // Static methods (UTC, parse) through the prototype chain; instances share Date.prototype,
  // so instanceof holds for the old and the new constructor alike.
  Object.setPrototypeOf(LocalDate, RealDate);
  Object.defineProperty(LocalDate, 'prototype', { value: RealDate.prototype, writable: false });
  Object.defineProperty(LocalDate, 'name', { value: 'Date' });
  Object.defineProperty(LocalDate, 'length', { value: 7 });
  Object.defineProperty(LocalDate, 'now', {
    value: statics.now,
    writable: true,
    configurable: true,
  });
  Object.defineProperty(RealDate.prototype, 'constructor', {
    value: LocalDate,
    writable: true,
    configurable: true,
  });
  globalThis.Date = LocalDate;
}

if (config.clockOffset instanceof SharedArrayBuffer) installClock(config.clockOffset);

/** Lambda reports `error.name` as the error type; typeof for thrown non-errors. */
function describe(error) {
  if (error !== null && typeof error === 'object' && 'message' in error) {
    const name =
      typeof error.name === 'string' && error.name !== ''
        ? error.name
        : (error.constructor && typeof error.constructor.name === 'string' && error.constructor.name) ||
          'Error';
    return { errorType: name, errorMessage: String(error.message ?? '') };
  }
  return { errorType: typeof error, errorMessage: String(error) };
}

// Lambda's Node runtime ends the sandbox on an uncaught exception or unhandled rejection;
// here the worker reports it (every invocation in flight fails with it) and the pool ends it.
let crashed = false;
function crash(described) {
  if (crashed) return;
  crashed = true;
  port.postMessage({ type: 'crash', ...described });
}
process.on('unhandledRejection', (reason) => {
  crash({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: describe(reason).errorMessage });
});
process.on('uncaughtException', (error) => crash(describe(error)));

/** Imports the bundle once (Lambda's init phase); undefined when init failed (reported). */
async function init() {
  let mod;
  try {
    mod = await import(pathToFileURL(config.file).href);
  } catch (error) {
    const code = error && typeof error === 'object' ? error.code : undefined;
    port.postMessage({
      type: 'init-error',
      ...(code === 'ERR_MODULE_NOT_FOUND'
        ? { errorType: 'Runtime.ImportModuleError', errorMessage: String(error.message) }
        : describe(error)),
    });
    return undefined;
  }
  const fn = mod[config.exportName];
  if (typeof fn !== 'function') {
    port.postMessage({
      type: 'init-error',
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: `${config.handlerSpec} is undefined or not exported`,
    });
    return undefined;
  }
  return fn;
}

const handler = await init();
// Listening keeps the thread alive even after a failed init, so the report above is read
// before the pool terminates the worker.
port.on('message', onMessage);
if (handler) port.postMessage({ type: 'ready' });

async function onMessage(message) {
  if (message?.type !== 'invoke' || crashed || !handler) return;
  const { id, requestId, deadline } = message;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: config.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: config.functionArn,
    memoryLimitInMB: String(config.memoryMb),
    awsRequestId: requestId,
    logGroupName: config.logGroupName,
    logStreamName: config.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - realNow()),
    // Callback-style completion is gone from the nodejs24.x runtime; these only fail loudly.
    done: () => {
      throw new Error('context.done is not supported: return a value or a promise');
    },
    succeed: () => {
      throw new Error('context.succeed is not supported: return a value or a promise');
    },
    fail: () => {
      throw new Error('context.fail is not supported: throw an error instead');
    },
  };
  let result;
  try {
    const event = JSON.parse(message.event);
    result = await handler(event, context);
  } catch (error) {
    port.postMessage({ type: 'result', id, ok: false, ...describe(error) });
    return;
  }
  let payload;
  try {
    payload = JSON.stringify(result === undefined ? null : result);
  } catch (error) {
    port.postMessage({
      type: 'result',
      id,
      ok: false,
      errorType: 'Runtime.MarshalError',
      errorMessage: `Unable to stringify response body: ${describe(error).errorMessage}`,
    });
    return;
  }
  port.postMessage({ type: 'result', id, ok: true, payload });
}
