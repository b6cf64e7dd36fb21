/**
 * `npm run bench`: referrals against a local stack of its own (loopback only, bounded in
 * count and time). Figures, not a pass/fail:
 *
 * - DynamoDB calls per referral, counted by a proxy the bench puts between the functions and
 *   DynamoDB Local (the stack gives the functions its URL, BASHKE_FUNCTIONS_DYNAMODB_URL);
 * - DynamoDB Local's own ceiling for 4-item TransactWriteItems, measured in the same run by a
 *   burst straight at the same DynamoDB Local, and the referrals/s to OFFERED at 10 in
 *   flight as a share of it (target >= 50 %);
 * - p99 from POST to the offer email at 1 and at 10 in flight, and their ratio (target <= 3x);
 * - how many POSTs were refused (target 0).
 *
 * The offer email's arrival is seen in the inbox file the SES emulator appends to (polled
 * every 5 ms). Every NGO's capacity is raised first, so every referral is offered: this
 * measures throughput, not the directory's capacity.
 *
 *   npm run bench -- [--referrals 60] [--serial 20] [--concurrency 10] [--burst 600]
 */
import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DynamoDBClient,
  ListTablesCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDbProxy,
  dataTableName,
  demoReferral,
  freePortBase,
  mintLocalToken,
  portPlan,
  spawnStack,
  stopStack,
} from '../local';

const { values } = parseArgs({
  options: {
    referrals: { type: 'string', default: '60' },
    serial: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '10' },
    burst: { type: 'string', default: '600' },
  },
});
const bounded = (v: unknown, lo: number, hi: number) => Math.min(hi, Math.max(lo, Number(v) || lo));
const TOTAL = bounded(values.referrals, 1, 500);
const SERIAL = bounded(values.serial, 1, 200);
const CONCURRENCY = bounded(values.concurrency, 1, 50);
const BURST = bounded(values.burst, 10, 5000);
const PHASE_DEADLINE_MS = 4 * 60_000;
const WARM_REFERRALS = 20;
/** The calls that commit to DynamoDB Local's file. */
const WRITE_CALLS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);
const POLL_MS = 5;
const LOCAL_CREDENTIALS = { accessKeyId: 'bashkelocal', secretAccessKey: 'bashkelocal' };

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows the inbox file: the time each offer email (one with an action link) first appeared, by subject. */
function inboxWatcher(file: string) {
  const seen: Array<{ subject: string; at: number }> = [];
  let offset = 0;
  let rest = '';
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      let size = 0;
      try {
        size = statSync(file).size;
      } catch {
        size = 0;
      }
      if (size > offset) {
        const at = performance.now();
        const fd = openSync(file, 'r');
        const buffer = Buffer.alloc(size - offset);
        readSync(fd, buffer, 0, buffer.length, offset);
        closeSync(fd);
        offset = size;
        const lines = (rest + buffer.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          const email = JSON.parse(line) as { subject: string; body?: { text?: string } };
          if (email.body?.text?.includes('/actions/')) seen.push({ subject: email.subject, at });
        }
      }
      await sleep(POLL_MS);
    }
  };
  const running = poll();
  return {
    /** Time the first offer email naming `reference` arrived, if it did. */
    arrival: (reference: string) => seen.find((e) => e.subject.includes(reference))?.at,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

/** Burst of 4-item transactions shaped like intake (a case-sized item, its event, a record, a counter). */
async function transactionCeiling(client: DynamoDBClient, table: string): Promise<number> {
  const profile = 'x'.repeat(600);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < BURST) {
      const id = `${next++}-${randomUUID()}`;
      const put = (pk: string, extra: Record<string, { S: string }> = {}) => ({
        Put: {
          TableName: table,
          Item: { pk: { S: pk }, sk: { S: 'BENCH' }, ...extra },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
      await client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            put(`BENCH#IDEM#${id}`, { hash: { S: id } }),
            put(`BENCH#CASE#${id}`, { profile: { S: profile } }),
            put(`BENCH#EVENT#${id}`, { type: { S: 'REFERRED' } }),
            {
              Update: {
                TableName: table,
                Key: { pk: { S: `BENCH#COUNTER#${id}` }, sk: { S: 'BENCH' } },
                UpdateExpression: 'ADD #v :one',
                ExpressionAttributeNames: { '#v': 'value' },
                ExpressionAttributeValues: { ':one': { N: '1' } },
              },
            },
          ],
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return (BURST / (performance.now() - started)) * 1000;
}

/** Room for every referral at every NGO, so each one reaches OFFERED. */
async function raiseCapacity(client: DynamoDBClient, table: string): Promise<number> {
  const out = await client.send(
    new ScanCommand({
      TableName: table,
      FilterExpression: '#k = :ngo',
      ExpressionAttributeNames: { '#k': 'kind' },
      ExpressionAttributeValues: { ':ngo': { S: 'ngo' } },
    }),
  );
  for (const item of out.Items ?? []) {
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: item.pk as { S: string }, sk: item.sk as { S: string } },
        UpdateExpression: 'SET #c = :c',
        ExpressionAttributeNames: { '#c': 'capacity' },
        ExpressionAttributeValues: { ':c': { N: '100000' } },
      }),
    );
  }
  return out.Items?.length ?? 0;
}

interface Phase {
  readonly inFlight: number;
  readonly sent: number;
  /** POST round trips (201 or not), sorted. */
  readonly post: number[];
  readonly refused: number[];
  readonly toOffer: number[];
  readonly offered: number;
  readonly perSecond: number;
  readonly calls: Map<string, number>;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-bench-'));
  const base = await freePortBase();
  const proxy = await DynamoDbProxy.start(`http://127.0.0.1:${portPlan(base).dynamodb}`);
  const { child, runtime } = await spawnStack({
    dataDir,
    timeoutMs: 180_000,
    env: { BASHKE_PORT: String(base), BASHKE_FUNCTIONS_DYNAMODB_URL: proxy.url },
  });
  const inbox = inboxWatcher(path.join(dataDir, 'inbox.jsonl'));
  const ddb = new DynamoDBClient({
    region: 'eu-central-1',
    endpoint: runtime.urls.dynamodb,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const { urls } = runtime;
    const tables = (await ddb.send(new ListTablesCommand({}))).TableNames ?? [];
    const table = dataTableName(tables);
    const ngos = await raiseCapacity(ddb, table);

    const token = await mintLocalToken({
      role: 'police',
      org: 'police-korca',
      sub: 'bench-officer',
      email: 'bench@police-korca.example.org',
      'data-dir': dataDir,
    });
    const body = JSON.stringify(demoReferral());

    const phase = async (count: number, inFlight: number, tag: string): Promise<Phase> => {
      proxy.resetCounts();
      const posted: Array<{ reference: string; t0: number }> = [];
      const refused: number[] = [];
      const post: number[] = [];
      let next = 0;
      const started = performance.now();
      const worker = async () => {
        while (next < count) {
          const i = next++;
          const t0 = performance.now();
          const res = await fetch(`${urls.api}/referrals`, {
            method: 'POST',
            headers: {
              Authorization: `Bearer ${token}`,
              'Content-Type': 'application/json',
              'Idempotency-Key': `bench-${tag}-${i}-${Date.now()}`,
            },
            body,
          });
          post.push(performance.now() - t0);
          if (res.status === 201)
            posted.push({ reference: ((await res.json()) as { reference: string }).reference, t0 });
          else {
            refused.push(res.status);
            await res.arrayBuffer();
          }
        }
      };
      await Promise.all(Array.from({ length: inFlight }, worker));
      const deadline = Date.now() + PHASE_DEADLINE_MS;
      while (Date.now() < deadline && posted.some((p) => inbox.arrival(p.reference) === undefined))
        await sleep(20);
      // The step marks the task emailed just after the mail service accepted: let that call land.
      await sleep(500);
      const arrivals = posted.map((p) => ({ ...p, at: inbox.arrival(p.reference) }));
      const reached = arrivals.filter((a): a is typeof a & { at: number } => a.at !== undefined);
      const last = Math.max(...reached.map((a) => a.at));
      return {
        inFlight,
        sent: count,
        post: post.sort((a, b) => a - b),
        refused,
        toOffer: reached.map((a) => a.at - a.t0).sort((a, b) => a - b),
        offered: reached.length,
        perSecond: reached.length ? (reached.length / (last - started)) * 1000 : 0,
        calls: proxy.counts(),
      };
    };

    // Warm every function, so neither phase pays cold starts the other does not, and DynamoDB
    // Local's JIT: its first thousand or so transactions cost it two to three times the CPU of
    // later ones, so a ceiling taken cold would be low and the referrals would pay the warm-up.
    await phase(WARM_REFERRALS, CONCURRENCY, 'warm');
    await transactionCeiling(ddb, table);
    const ceiling = await transactionCeiling(ddb, table);
    const one = await phase(SERIAL, 1, 'one');
    const many = await phase(TOTAL, CONCURRENCY, 'many');

    const f = (n: number) => `${n.toFixed(0)} ms`;
    const calls = (p: Phase) => {
      const total = [...p.calls.values()].reduce((a, b) => a + b, 0);
      const parts = [...p.calls.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
      // DynamoDB Local commits every write call to its SQLite file (a transaction as one):
      // the writes bound throughput against the ceiling more than the reads do.
      const writes = parts.filter(([k]) => WRITE_CALLS.has(k)).reduce((a, [, v]) => a + v, 0);
      const per = (n: number) => (n / Math.max(1, p.offered)).toFixed(1);
      return `${per(total)}, ${per(writes)} of them writes (${parts.map(([k, v]) => `${k} ${per(v)}`).join(', ')})`;
    };
    const p99one = percentile(one.toOffer, 99);
    const p99many = percentile(many.toOffer, 99);
    const line = (p: Phase) =>
      `${p.inFlight} in flight: ${p.offered}/${p.sent} offered, refused ${p.refused.length}` +
      `${p.refused.length ? ` (${[...new Set(p.refused)].join(', ')})` : ''}; ` +
      `POST p50 ${f(percentile(p.post, 50))}, p99 ${f(percentile(p.post, 99))}; POST -> offer email ` +
      `p50 ${f(percentile(p.toOffer, 50))}, p99 ${f(percentile(p.toOffer, 99))}; ${p.perSecond.toFixed(1)} referrals/s to OFFERED`;
    process.stdout.write(
      [
        `stack: ${urls.api}; ${ngos} NGOs given room for every referral; ${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(1)}`,
        line(one),
        line(many),
        `DynamoDB calls per referral (proxy, POST to offer email): ${calls(one)} at 1 in flight; ${calls(many)} at ${CONCURRENCY}`,
        `DynamoDB Local 4-item TransactWriteItems ceiling: ${ceiling.toFixed(1)}/s (${BURST} at ${CONCURRENCY} in flight, after ${WARM_REFERRALS} referrals and ${BURST} transactions to warm it)`,
        `referrals/s to OFFERED at ${CONCURRENCY} in flight / ceiling: ${((many.perSecond / ceiling) * 100).toFixed(0)} % (target >= 50 %)`,
        `p99 POST -> offer email, ${CONCURRENCY} in flight / 1 in flight: ${f(p99many)} / ${f(p99one)} = ${(p99many / p99one).toFixed(2)}x (target <= 3x)`,
        `refused: ${one.refused.length + many.refused.length} (target 0); lost: ${one.sent - one.refused.length - one.offered + many.sent - many.refused.length - many.offered}`,
        '',
      ].join('\n'),
    );
  } finally {
    ddb.destroy();
    await inbox.stop();
    await stopStack(child);
    await proxy.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
