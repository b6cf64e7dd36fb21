/**
 * Source-map translation in the local runtime follows the function's own environment, as
 * on Lambda: the house construct sets no NODE_OPTIONS (test/infra/bundles.test.ts), so a
 * worker translates nothing, even when the process that runs the pool (tsx, jest) has
 * source maps on for itself.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkerPool } from '../../local/engine/lambda/worker-pool';
import type { LocalFunction } from '../../local/engine/model';

const HANDLER = `
  export const handler = async () => ({
    sourceMaps: process.sourceMapsEnabled,
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS ?? null,
  });`;

let dir: string;
const pools: WorkerPool[] = [];

function fn(environment: Record<string, string>): LocalFunction {
  return {
    logicalId: 'Maps',
    stackName: 'TestStack',
    name: 'TestStack-Maps',
    arn: 'arn:aws:lambda:eu-central-1:000000000000:function:TestStack-Maps',
    assetDir: dir,
    handlerFile: 'maps.mjs',
    handlerExport: 'handler',
    environment,
    timeoutSeconds: 10,
    memoryMb: 256,
  };
}

async function seen(environment: Record<string, string>) {
  const pool = new WorkerPool([fn(environment)], { baseEnv: {}, log: () => {} });
  pools.push(pool);
  const result = await pool.invoke('TestStack-Maps', {});
  if (!result.ok) throw new Error(`expected success, got ${result.errorType}: ${result.errorMessage}`);
  return result.payload as { sourceMaps: boolean; execArgv: string[]; nodeOptions: string | null };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bashke-workers-maps-'));
  writeFileSync(path.join(dir, 'maps.mjs'), HANDLER);
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('source maps in the worker pool', () => {
  it('translates nothing for a function whose environment sets no NODE_OPTIONS', async () => {
    const previous = process.sourceMapsEnabled;
    process.setSourceMapsEnabled(true); // the pool's own process may have them on (tsx does)
    try {
      expect(await seen({})).toEqual({ sourceMaps: false, execArgv: [], nodeOptions: null });
    } finally {
      process.setSourceMapsEnabled(previous);
    }
  });

  it("turns translation on only when the function's environment asks for it", async () => {
    expect((await seen({ NODE_OPTIONS: '--enable-source-maps' })).sourceMaps).toBe(true);
  });
});
