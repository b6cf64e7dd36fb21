import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { functionEnvironment, SANDBOX_TIMEDOUT, WorkerPool } from '../../local/engine/lambda/worker-pool';
import type { InvokeResult, LocalFunction } from '../../local/engine/model';

const REPO = path.join(__dirname, '..', '..');
const REGION = 'eu-central-1';
const ACCOUNT = '000000000000';

/** Tiny ESM handlers, like the bundles in cdk.out (index.mjs exporting `handler`). */
const HANDLERS: Record<string, string> = {
  'env.mjs': `
    export const handler = async (event, context) => {
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));
      return { x: process.env.X, i: event.i, name: context.functionName, fnEnv: process.env.AWS_LAMBDA_FUNCTION_NAME };
    };`,
  'fail.mjs': `
    class CaseStateError extends Error { name = 'CaseStateError'; }
    class Unnamed extends Error {}
    Object.defineProperty(Unnamed.prototype, 'name', { value: '' });
    export const handler = async (event) => {
      await Promise.resolve();
      if (event.kind === 'named') throw new CaseStateError('the case is closed');
      if (event.kind === 'unnamed') throw new Unnamed('no name');
      if (event.kind === 'string') throw 'just a string';
      if (event.kind === 'rejection') { Promise.reject(new Error('nobody waits for me')); return new Promise(() => {}); }
      return 'fine';
    };`,
  'slow.mjs': `
    let calls = 0;
    export const handler = async (event, context) => {
      calls += 1;
      const remaining = context.getRemainingTimeInMillis();
      await new Promise((r) => setTimeout(r, event.sleepMs));
      return { calls, remaining, requestId: context.awsRequestId };
    };`,
  'log.mjs': `
    export const handler = async (event) => {
      console.log('hello from ' + process.env.AWS_LAMBDA_FUNCTION_NAME);
      console.error('to stderr');
      process.stdout.write('partial ');
      process.stdout.write('line\\n');
      return { logged: true, home: process.env.HOME ?? null, path: process.env.PATH ?? null };
    };`,
  'tz.mjs': `
    export const handler = async () => ({
      tz: process.env.TZ,
      offset: new Date(2026, 0, 1).getTimezoneOffset(),
      zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    });`,
  'result.mjs': `
    export const handler = async (event) => {
      if (event.kind === 'undefined') return undefined;
      if (event.kind === 'date') return { at: new Date(0) };
      if (event.kind === 'circular') { const a = {}; a.a = a; return a; }
      return event;
    };`,
  'no-export.mjs': `export const other = () => 1;`,
};

let dir: string;
const pools: WorkerPool[] = [];

function fn(name: string, handlerFile: string, extra: Partial<LocalFunction> = {}): LocalFunction {
  return {
    logicalId: name,
    stackName: 'TestStack',
    name: `TestStack-${name}`,
    arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:TestStack-${name}`,
    assetDir: dir,
    handlerFile,
    handlerExport: 'handler',
    environment: {},
    timeoutSeconds: 10,
    memoryMb: 256,
    ...extra,
  };
}

function pool(functions: LocalFunction[], log?: (fnName: string, line: string) => void): WorkerPool {
  const p = new WorkerPool(functions, { baseEnv: { BASE: 'base', X: 'from-base' }, ...(log ? { log } : {}) });
  pools.push(p);
  return p;
}

function ok(result: InvokeResult): unknown {
  if (!result.ok) throw new Error(`expected success, got ${result.errorType}: ${result.errorMessage}`);
  return result.payload;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bashke-workers-'));
  for (const [file, code] of Object.entries(HANDLERS)) writeFileSync(path.join(dir, file), code);
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('WorkerPool', () => {
  it('keeps each function in its own environment under concurrency', async () => {
    const a = fn('A', 'env.mjs', { environment: { X: 'alpha' } });
    const b = fn('B', 'env.mjs', { environment: { X: 'beta' } });
    const p = pool([a, b]);
    const calls = Array.from({ length: 40 }, (_, i) => {
      const target = i % 2 === 0 ? a : b;
      // Half by ARN, half by name.
      return p.invoke(i % 4 < 2 ? target.arn : target.name, { i }).then((r) => ({ i, target, r }));
    });
    for (const { i, target, r } of await Promise.all(calls)) {
      expect(ok(r)).toEqual({
        x: target === a ? 'alpha' : 'beta',
        i,
        name: target.name,
        fnEnv: target.name,
      });
    }
  });

  it('gives the worker only the base env, the template env and the Lambda variables', () => {
    const f = fn('A', 'env.mjs', {
      environment: { X: 'alpha', AWS_REGION: 'us-west-2', NODE_OPTIONS: '--x' },
    });
    const env = functionEnvironment(f, { X: 'base', AWS_ACCESS_KEY_ID: 'local' });
    expect(env).toMatchObject({
      X: 'alpha',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_LAMBDA_FUNCTION_NAME: f.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      TZ: 'UTC',
      _HANDLER: 'env.handler',
      LAMBDA_TASK_ROOT: dir,
    });
    expect(env.AWS_EXECUTION_ENV).toBeUndefined();
  });

  it('does not pass this process environment to a handler', async () => {
    const p = pool([fn('L', 'log.mjs')], () => {});
    expect(ok(await p.invoke('TestStack-L', {}))).toEqual({ logged: true, home: null, path: null });
  });

  it('maps thrown errors to errorType/errorMessage as Lambda does', async () => {
    const p = pool([fn('F', 'fail.mjs')]);
    expect(await p.invoke('TestStack-F', { kind: 'named' })).toEqual({
      ok: false,
      errorType: 'CaseStateError',
      errorMessage: 'the case is closed',
    });
    expect(await p.invoke('TestStack-F', { kind: 'unnamed' })).toEqual({
      ok: false,
      errorType: 'Unnamed',
      errorMessage: 'no name',
    });
    expect(await p.invoke('TestStack-F', { kind: 'string' })).toEqual({
      ok: false,
      errorType: 'string',
      errorMessage: 'just a string',
    });
    // The worker survives handled errors.
    expect(ok(await p.invoke('TestStack-F', {}))).toBe('fine');
  });

  it('fails an unhandled rejection and starts a fresh worker afterwards', async () => {
    const p = pool([fn('F', 'fail.mjs')]);
    expect(await p.invoke('TestStack-F', { kind: 'rejection' })).toEqual({
      ok: false,
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'nobody waits for me',
    });
    expect(ok(await p.invoke('TestStack-F', {}))).toBe('fine');
  });

  it('reports init failures with Lambda runtime error types', async () => {
    const p = pool([fn('N', 'no-export.mjs'), fn('M', 'missing.mjs')]);
    expect(await p.invoke('TestStack-N', {})).toEqual({
      ok: false,
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'no-export.handler is undefined or not exported',
    });
    const missing = await p.invoke('TestStack-M', {});
    expect(missing).toMatchObject({ ok: false, errorType: 'Runtime.ImportModuleError' });
  });

  it('returns what JSON makes of the result, as the Invoke API does', async () => {
    const p = pool([fn('R', 'result.mjs')]);
    expect(ok(await p.invoke('TestStack-R', { kind: 'undefined' }))).toBeNull();
    expect(ok(await p.invoke('TestStack-R', { kind: 'date' }))).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(await p.invoke('TestStack-R', { kind: 'circular' })).toMatchObject({
      ok: false,
      errorType: 'Runtime.MarshalError',
    });
    expect(ok(await p.invoke('TestStack-R', { a: [1, 'two', null] }))).toEqual({ a: [1, 'two', null] });
  });

  it('times out with Sandbox.Timedout, then runs again in a fresh worker', async () => {
    const slow = fn('S', 'slow.mjs', { timeoutSeconds: 1 });
    const p = pool([slow]);
    const first = ok(await p.invoke(slow.arn, { sleepMs: 10 })) as { calls: number; remaining: number };
    expect(first.calls).toBe(1);
    expect(first.remaining).toBeGreaterThan(500);
    expect(first.remaining).toBeLessThanOrEqual(1000);

    const started = Date.now();
    expect(await p.invoke(slow.arn, { sleepMs: 60_000 })).toEqual({
      ok: false,
      errorType: SANDBOX_TIMEDOUT,
      errorMessage: 'Task timed out after 1.00 seconds',
    });
    expect(Date.now() - started).toBeLessThan(3000);

    // A new worker: module state starts over.
    const after = ok(await p.invoke(slow.arn, { sleepMs: 10 })) as { calls: number; requestId: string };
    expect(after.calls).toBe(1);
    expect(after.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('lets invocations in flight finish when another one in the same worker times out', async () => {
    const slow = fn('S', 'slow.mjs', { timeoutSeconds: 1 });
    const p = pool([slow]);
    ok(await p.invoke(slow.arn, { sleepMs: 0 })); // warm
    const [hung, quick] = await Promise.all([
      p.invoke(slow.arn, { sleepMs: 60_000 }),
      new Promise((r) => setTimeout(r, 600)).then(() => p.invoke(slow.arn, { sleepMs: 600 })),
    ]);
    expect(hung).toMatchObject({ ok: false, errorType: SANDBOX_TIMEDOUT });
    // The second call started in the old worker before the first timed out; it completes there.
    expect(ok(quick)).toMatchObject({ calls: 3 });
  });

  it('prefixes each stdout/stderr line with the function name', async () => {
    const lines: string[] = [];
    const p = pool([fn('L', 'log.mjs')], (name, line) => lines.push(`[${name}] ${line}`));
    ok(await p.invoke('TestStack-L', {}));
    const deadline = Date.now() + 5000;
    while (lines.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(lines.sort()).toEqual(
      [
        '[TestStack-L] hello from TestStack-L',
        '[TestStack-L] partial line',
        '[TestStack-L] to stderr',
      ].sort(),
    );
  });

  it('resolves ARNs (with a qualifier) and names, and refuses unknown functions', async () => {
    const f = fn('R', 'result.mjs');
    const p = pool([f]);
    expect(p.resolve(f.arn)).toBe(f);
    expect(p.resolve(`${f.arn}:$LATEST`)).toBe(f);
    expect(p.resolve(f.name)).toBe(f);
    expect(await p.invoke('nope', {})).toMatchObject({
      ok: false,
      errorType: 'Lambda.ResourceNotFoundException',
    });
  });

  it('fails invocations in flight and later ones after close()', async () => {
    const slow = fn('S', 'slow.mjs', { timeoutSeconds: 30 });
    const p = pool([slow]);
    const inFlight = p.invoke(slow.arn, { sleepMs: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    await p.close();
    expect(await inFlight).toMatchObject({ ok: false, errorType: 'Runtime.ExitError' });
    expect(await p.invoke(slow.arn, { sleepMs: 0 })).toMatchObject({ ok: false });
  });

  it('sets TZ=UTC in the worker environment', async () => {
    const p = pool([fn('T', 'tz.mjs')]);
    expect(ok(await p.invoke('TestStack-T', {}))).toMatchObject({ tz: 'UTC' });
  });

  it('runs handlers in UTC even when the runtime was started in another zone', () => {
    // The zone is per process (a worker's TZ variable does not change Date), so this runs the
    // pool in a fresh process started in Pacific/Auckland, as `npm start` would run it (tsx).
    const script = path.join(dir, 'tz-check.ts');
    writeFileSync(
      script,
      `import { WorkerPool } from ${JSON.stringify(path.join(REPO, 'local', 'engine', 'lambda', 'worker-pool.ts'))};
       const fn = ${JSON.stringify(fn('T', 'tz.mjs'))};
       const pool = new WorkerPool([fn], { baseEnv: {} });
       pool.invoke(fn.name, {}).then(async (r) => {
         console.log(JSON.stringify({ main: new Date(2026, 0, 1).getTimezoneOffset(), r }));
         await pool.close();
       });`,
    );
    const run = spawnSync(
      process.execPath,
      [path.join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs'), script],
      {
        env: { ...process.env, TZ: 'Pacific/Auckland' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as { main: number; r: InvokeResult };
    expect(out.main).toBe(0);
    expect(out.r).toEqual({ ok: true, payload: { tz: 'UTC', offset: 0, zone: 'UTC' } });
  });
});
