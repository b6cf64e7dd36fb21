import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readAssembly } from '../../local/engine/assembly/read-assembly';
import { RuntimeClock } from '../../local/engine/clock/runtime-clock';
import { WorkerPool } from '../../local/engine/lambda/worker-pool';
import type { InvokeResult } from '../../local/engine/model';
import { startSchedules } from '../../local/engine/runtime/schedules';
import { buildFixtureApp } from '../fixtures/local-app/app';

describe('the fixture app’s schedule rule', () => {
  let outdir: string;
  let pool: WorkerPool | undefined;
  let stop: (() => void) | undefined;

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bashke-schedule-fixture-'));
    buildFixtureApp(outdir).synth();
  });

  afterAll(async () => {
    stop?.();
    await pool?.close();
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('runs its target, the synthesized function, when the runtime clock is advanced past a fire time', async () => {
    const app = readAssembly(outdir, {
      gatewayUrl: 'http://127.0.0.1:1',
      issuer: 'http://127.0.0.1:1/issuer',
    });
    expect(app.schedules.map((s) => s.expression)).toContain('rate(1 minute)');
    // Pin real time just after a minute boundary, so nothing fires before the advance.
    const realNow = () => Date.parse('2026-03-01T10:00:01.000Z');
    const clock = new RuntimeClock(undefined, 0, { realNow });
    pool = new WorkerPool(app.functions, { baseEnv: {}, clock, log: () => {} });
    const calls: Array<{ arn: string; result: InvokeResult }> = [];
    const workers = pool;
    const recording = {
      invoke: async (arn: string, payload: unknown) => {
        const result = await workers.invoke(arn, payload);
        calls.push({ arn, result });
        return result;
      },
    };
    stop = startSchedules(app.schedules, recording, () => {}, clock).stop;
    expect(calls).toHaveLength(0);

    await clock.advance(25 * 3_600_000);

    // Every rule of the fixture falls due within 25 h: each fires once (catch-up fires once,
    // not once per missed minute), and its target, the real bundled function, ran.
    const targets = app.schedules.flatMap((s) => s.targets.map((t) => t.arn));
    expect(calls.map((c) => c.arn).sort()).toEqual(targets.sort());
    for (const call of calls) expect(call.result).toMatchObject({ ok: true });
  });
});
