import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main as clockCli } from '../../local/clock-cli';
import { RuntimeClock, readClockOffset } from '../../local/engine/clock/runtime-clock';
import type { FunctionInvoker, InvokeResult } from '../../local/engine/model';
import { type AdminServer, startAdminServer } from '../../local/engine/runtime/admin-server';
import { startSchedules } from '../../local/engine/runtime/schedules';
import { type RuntimeFile, writeRuntimeFile } from '../../local/runtime-file';

const REPO = path.join(__dirname, '..', '..');
const H = 3_600_000;

const dirs: string[] = [];
const servers: AdminServer[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'bashke-admin-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function admin(clock: RuntimeClock): Promise<AdminServer> {
  const server = await startAdminServer({ clock });
  servers.push(server);
  return server;
}

async function post(url: string, body: string, contentType = 'application/json') {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function runtimeFor(dataDir: string, adminUrl?: string): RuntimeFile {
  const dummy = 'http://127.0.0.1:9';
  return {
    dataDir,
    urls: {
      api: dummy,
      inbox: dummy,
      stepFunctions: dummy,
      dynamodb: dummy,
      ...(adminUrl ? { admin: adminUrl } : {}),
    },
    pids: { main: process.pid },
    issuer: `${dummy}/local-issuer`,
    clientId: 'local-client',
    startedAt: new Date().toISOString(),
  };
}

describe('admin endpoint', () => {
  it('answers the clock and advances it by a duration or ms, persisting the offset', async () => {
    const dir = tempDir();
    const clock = RuntimeClock.open(dir);
    const server = await admin(clock);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const state = (await (await fetch(`${server.url}/clock`)).json()) as { now: string; offsetMs: number };
    expect(state.offsetMs).toBe(0);
    expect(Math.abs(Date.parse(state.now) - Date.now())).toBeLessThan(5000);

    const advanced = await post(`${server.url}/clock/advance`, '{"by": "25h"}');
    expect(advanced.status).toBe(200);
    expect(advanced.json).toMatchObject({ offsetMs: 25 * H, offset: '1d1h', advancedByMs: 25 * H });
    expect(Math.abs(Date.parse(String(advanced.json.now)) - (Date.now() + 25 * H))).toBeLessThan(5000);
    expect(readClockOffset(dir)).toBe(25 * H);

    const byMs = await post(`${server.url}/clock/advance`, '{"ms": 1000}');
    expect(byMs).toMatchObject({ status: 200, json: { offsetMs: 25 * H + 1000 } });
  });

  it.each([
    ['{"by": "soon"}', 400, /"soon" is not a duration/],
    ['{"by": "-1h"}', 400, /not a duration/],
    ['{"ms": -1}', 400, /only moves forward/],
    ['{"ms": 1.5}', 400, /whole number/],
    ['{}', 400, /exactly one of "by" and "ms"/],
    ['{"by": "1h", "ms": 5}', 400, /exactly one of "by" and "ms"/],
    ['{"hours": 25}', 400, /exactly one of "by" and "ms"/],
    ['25h', 400, /the body is not JSON/],
  ])('refuses %s with %d and a clear message, leaving the clock alone', async (body, status, message) => {
    const clock = new RuntimeClock(undefined);
    const server = await admin(clock);
    const res = await post(`${server.url}/clock/advance`, body);
    expect(res.status).toBe(status);
    expect(String(res.json.message)).toMatch(message);
    expect(clock.offsetMs).toBe(0);
  });

  it('takes only JSON POSTs to its two routes, addressed to loopback', async () => {
    const clock = new RuntimeClock(undefined);
    const server = await admin(clock);
    expect((await post(`${server.url}/clock/advance`, '{"by": "1h"}', 'text/plain')).status).toBe(415);
    expect((await fetch(`${server.url}/clock/advance`)).status).toBe(405);
    expect((await fetch(`${server.url}/clock`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const port = Number(new URL(server.url).port);
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: '/clock', headers: { Host: `evil.example:${port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(403);
    expect(clock.offsetMs).toBe(0);
  });

  it('answers once the schedules due by the new time have run; 500 when a listener fails', async () => {
    const clock = new RuntimeClock(undefined, 0, { realNow: () => Date.parse('2026-03-29T10:00:30Z') });
    const calls: unknown[] = [];
    const invoker: FunctionInvoker = {
      async invoke(_arn: string, payload: unknown): Promise<InvokeResult> {
        await new Promise((r) => setTimeout(r, 50));
        calls.push(payload);
        return { ok: true, payload: null };
      },
    };
    const schedules = startSchedules(
      [{ logicalId: 'TickRule', stackName: 'S', expression: 'rate(1 minute)', targets: [{ arn: 'tick' }] }],
      invoker,
      () => {},
      clock,
    );
    try {
      const server = await admin(clock);
      expect((await post(`${server.url}/clock/advance`, '{"by": "25h"}')).status).toBe(200);
      expect(calls).toHaveLength(1);

      clock.onAdvance(() => {
        throw new Error('timers broke');
      });
      const failed = await post(`${server.url}/clock/advance`, '{"by": "1m"}');
      expect(failed.status).toBe(500);
      expect(String(failed.json.message)).toMatch(/the clock moved to .* failed: timers broke/);
      expect(clock.offsetMs).toBe(25 * H + 60_000);
    } finally {
      schedules.stop();
    }
  });
});

describe('npm run clock', () => {
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
  }

  it('reads and advances the running stack clock through runtime.json', async () => {
    const dir = tempDir();
    const clock = RuntimeClock.open(dir);
    const server = await admin(clock);
    writeRuntimeFile(dir, runtimeFor(dir, server.url));
    const env = { BASHKE_DATA_DIR: dir };

    const now = io();
    expect(await clockCli(['now'], env, now.io)).toBe(0);
    expect(now.out.join('')).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \(real time\)\n$/);

    const adv = io();
    expect(await clockCli(['advance', '25h'], env, adv.io)).toBe(0);
    expect(adv.out.join('')).toMatch(/^advanced 25h: now \S+Z \(1d1h ahead of real time\)\n$/);
    expect(clock.offsetMs).toBe(25 * H);

    const other = tempDir();
    const viaOption = io();
    expect(await clockCli(['now', '--data-dir', dir], { BASHKE_DATA_DIR: other }, viaOption.io)).toBe(0);
    expect(viaOption.out.join('')).toMatch(/1d1h ahead/);
  });

  it('exits 2 with a clear message for bad arguments or when the stack is not running', async () => {
    const dir = tempDir();
    const env = { BASHKE_DATA_DIR: dir };

    for (const argv of [[], ['advance'], ['advance', 'soon'], ['back', '1h'], ['now', '--wat']]) {
      const r = io();
      expect(await clockCli(argv, env, r.io)).toBe(2);
      expect(r.err.join('')).toMatch(/usage: npm run clock/);
      expect(r.out).toEqual([]);
    }

    const missing = io();
    expect(await clockCli(['now'], env, missing.io)).toBe(2);
    expect(missing.err.join('')).toMatch(/the local stack is not running on .*start it with `npm start`/);

    writeRuntimeFile(dir, runtimeFor(dir));
    const noAdmin = io();
    expect(await clockCli(['now'], env, noAdmin.io)).toBe(2);
    expect(noAdmin.err.join('')).toMatch(/no admin endpoint/);

    const server = await startAdminServer({ clock: new RuntimeClock(undefined) });
    await server.close();
    writeRuntimeFile(dir, runtimeFor(dir, server.url));
    const gone = io();
    expect(await clockCli(['advance', '1h'], env, gone.io)).toBe(2);
    expect(gone.err.join('')).toMatch(/admin endpoint http:\/\/127\.0\.0\.1:\d+ does not answer/);
  });

  it('runs as `npm run clock` (tsx), exiting 2 when no stack runs', () => {
    const dir = tempDir();
    const result = spawnSync(
      process.execPath,
      [path.join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'local/clock-cli.ts', 'advance', '25h'],
      { cwd: REPO, env: { ...process.env, BASHKE_DATA_DIR: dir }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/clock: the local stack is not running/);
  });
});

describe('admin endpoint: services', () => {
  it('stops and starts a service it was given, and refuses others, other methods and other bodies', async () => {
    const clock = new RuntimeClock(undefined);
    const calls: string[] = [];
    const service = {
      running: true,
      stop: async () => {
        calls.push('stop');
        service.running = false;
      },
      start: async () => {
        calls.push('start');
        service.running = true;
      },
    };
    const server = await startAdminServer({ clock, services: { ses: service } });
    servers.push(server);
    expect(await post(`${server.url}/services/ses/stop`, '{}')).toEqual({
      status: 200,
      json: { service: 'ses', running: false },
    });
    expect(await post(`${server.url}/services/ses/start`, '')).toEqual({
      status: 200,
      json: { service: 'ses', running: true },
    });
    expect(calls).toEqual(['stop', 'start']);
    expect((await post(`${server.url}/services/dynamodb/stop`, '{}')).status).toBe(404);
    expect((await post(`${server.url}/services/ses/stop`, '{}', 'text/plain')).status).toBe(415);
    expect((await fetch(`${server.url}/services/ses/stop`)).status).toBe(405);
    expect(calls).toEqual(['stop', 'start']);
  });
});
