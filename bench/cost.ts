/**
 * `npm run bench -- cost`: what one case costs on AWS from referral to closure. One case is
 * walked to CLOSED on a local stack of its own (the walk of `npm run demo -- --to-closure`:
 * every task done through its emailed link, the runtime clock moved on months where a stage
 * waits), what it used of each billed service is counted, and the counts are priced with the
 * dated table of list prices below.
 *
 * How each count is made (loopback only; the stack is the one `npm start` runs):
 * - Step Functions state transitions: GetExecutionHistory of each of the case's executions;
 *   every `…StateEntered` event is a transition, and each retry of a task one more (Standard
 *   workflows are billed per transition, retries included).
 * - Lambda requests and duration: the workflow's task invocations from the same histories
 *   (`TaskScheduled`; duration from `TaskStarted` to the function's return); the API's as
 *   people would make them (the referral's POST, and for each task done a GET of its page and
 *   the POST of its form; the walk itself polls more), timed by the gateway's own log line; the
 *   delivery-events function once per SES event (Send, and Delivery per recipient) plus each
 *   retry the local EventBridge logs, timed as the median workflow step. The minute schedule's
 *   dispatcher is a fixed cost, priced per month on its own line; the sweeps the walk's clock
 *   moves caused are taken out of the case's DynamoDB figures at the idle sweep's cost.
 *   Memory (256 MB) and architecture (arm64) are the template's.
 * - DynamoDB request units: a metering proxy between the functions and DynamoDB Local
 *   (BASHKE_FUNCTIONS_DYNAMODB_URL) asks every call for `ReturnConsumedCapacity: INDEXES` and
 *   sums what DynamoDB Local answers (the table and its index); a transaction is counted by
 *   DynamoDB's rule instead (2 units per item and KB written, 2 per item read; DynamoDB Local
 *   under-counts multi-item transactions), as is a refused conditional write (1 unit, 2 an
 *   item in a transaction).
 * - SES: the messages the emulator accepted during the walk, and their recipients (SES bills
 *   each recipient as one email).
 *
 * Durations are this machine's (a shared 2-core VM), not Lambda's; the figures are a model,
 * not a bill. Not counted: CloudWatch Logs ingestion and metrics, KMS, data transfer,
 * storage, Cognito, the free tiers.
 *
 *   npm run bench -- cost [--keep]
 */

import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import {
  CaseClient,
  demoReferral,
  freePortBase,
  mintLocalToken,
  portPlan,
  readAssembly,
  spawnStack,
  stopStack,
  walkCase,
} from '../local';

/**
 * List prices in USD, as read on 2026-12-02 from the pages named (list prices as of that day,
 * before any free tier, discount or tax). `region` says which region's figure it is: the AWS
 * pages render most regional tables in the browser, so where the stored page gives no
 * Europe (Frankfurt) figure, the figure is the one the page states for US East (N. Virginia).
 */
export const PRICES = {
  date: '2026-12-02',
  stepFunctionsPerThousandTransitions: {
    usd: 0.025,
    region: 'eu-central-1',
    source:
      'https://aws.amazon.com/step-functions/pricing/ (State transitions pricing table, Europe (Frankfurt))',
  },
  lambdaPerMillionRequests: {
    usd: 0.2,
    region: 'us-east-1 and eu-central-1',
    source:
      'https://aws.amazon.com/lambda/pricing/ (as quoted by cloudchipr.com; the page renders its table in the browser)',
  },
  lambdaArmPerGbSecond: {
    usd: 0.0000133334,
    region: 'eu-central-1 = us-east-1 (the "base" price of alexcasalboni/aws-lambda-power-tuning)',
    source:
      'https://aws.amazon.com/lambda/pricing/ (Arm, first 7.5 billion GB-s a month; the page renders the regional table in the browser)',
  },
  dynamoDbPerMillionWriteUnits: {
    usd: 0.625,
    region: 'us-east-1 (eu-central-1 not confirmed)',
    source:
      'https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the November 2024 halving, as quoted by airbyte.com, July 2025)',
  },
  dynamoDbPerMillionReadUnits: {
    usd: 0.125,
    region: 'us-east-1 (eu-central-1 not confirmed)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  sesPerThousandEmails: {
    usd: 0.1,
    region: 'us-east-1 and eu-central-1 (SES prices outbound email the same in its regions)',
    source:
      'https://aws.amazon.com/ses/pricing/ (outbound email; the stored copies of the page give no table)',
  },
  httpApiPerMillionRequests: {
    usd: 1.0,
    region: 'us-east-1 (eu-central-1 not confirmed)',
    source: 'https://aws.amazon.com/api-gateway/pricing/ (HTTP APIs, first 300 million)',
  },
} as const;

const MEMORY_GB = 256 / 1024;
const MINUTES_A_MONTH = 31 * 24 * 60;
const OFFICER = { org: 'police-korca', email: 'cost.officer@police-korca.example.org' };

/** Operations that take ReturnConsumedCapacity. */
const METERED = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

interface Units {
  read: number;
  write: number;
  calls: number;
  refused: number;
  /** Per operation: calls and units (read + write). */
  byOperation: Map<string, { calls: number; units: number }>;
}

const noUnits = (): Units => ({ read: 0, write: 0, calls: 0, refused: 0, byOperation: new Map() });

/** Bytes of an attribute value by DynamoDB's item size rules (names and values, UTF-8). */
function valueBytes(value: unknown): number {
  if (!value || typeof value !== 'object') return 0;
  const [type, v] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(v));
    case 'N':
      return Math.ceil(String(v).replace(/^-/, '').length / 2) + 1;
    case 'B':
      return Buffer.from(String(v), 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
    case 'NS':
    case 'BS':
      return (v as unknown[]).reduce<number>((n, x) => n + valueBytes({ [type.slice(0, 1)]: x }), 0);
    case 'L':
      return 3 + (v as unknown[]).reduce<number>((n, x) => n + 1 + valueBytes(x), 0);
    case 'M':
      return 3 + itemBytes(v);
    default:
      return 0;
  }
}

function itemBytes(item: unknown): number {
  if (!item || typeof item !== 'object') return 0;
  return Object.entries(item as Record<string, unknown>).reduce(
    (n, [name, value]) => n + Buffer.byteLength(name) + valueBytes(value),
    0,
  );
}

/** An item's size in KB as DynamoDB rounds it for writes (at least 1). */
const kb = (item: unknown) => Math.max(1, Math.ceil(itemBytes(item) / 1024));

/** DynamoDB's rule for a transaction: 2 units per item and KB written (index included), 2 per item read. */
function transactionUnits(operation: string, body: Record<string, unknown>): { read: number; write: number } {
  const items = (body.TransactItems as Array<Record<string, Record<string, unknown>>> | undefined) ?? [];
  if (operation === 'TransactGetItems') return { read: 2 * items.length, write: 0 };
  let write = 0;
  for (const item of items) {
    const put = item.Put;
    const update = item.Update;
    if (put) {
      const size = kb(put.Item);
      const indexed = put.Item && typeof put.Item === 'object' && 'gsi1pk' in put.Item;
      write += 2 * size * (indexed ? 2 : 1);
    } else if (update) {
      write += 2 * (String(update.UpdateExpression ?? '').includes('gsi1') ? 2 : 1);
    } else write += 2;
  }
  return { read: 0, write };
}

/** A loopback proxy before DynamoDB Local that meters every call in request units. */
class MeteringProxy {
  private units: Units = noUnits();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<MeteringProxy> {
    let proxy: MeteringProxy | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => proxy?.forward(target, req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the metering proxy has no port');
    proxy = new MeteringProxy(server, `http://127.0.0.1:${address.port}`);
    return proxy;
  }

  take(): Units {
    const taken = this.units;
    this.units = noUnits();
    return taken;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(target: string, req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): void {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '');
    let body: Record<string, unknown> | undefined;
    let payload = raw;
    if (METERED.has(operation)) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
        // DynamoDB Local checks no signature over the body, so the meter may ask for the figure.
        body.ReturnConsumedCapacity = 'INDEXES';
        payload = Buffer.from(JSON.stringify(body));
      } catch {
        body = undefined;
      }
    }
    const url = new URL(target);
    const upstream = http.request({
      host: url.hostname,
      port: url.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, 'content-length': String(payload.length) },
      agent: this.agent,
    });
    upstream.on('response', (answer) => {
      const out: Buffer[] = [];
      answer.on('data', (c: Buffer) => out.push(c));
      answer.on('end', () => {
        const text = Buffer.concat(out);
        if (body) this.meter(operation, body, answer.statusCode ?? 0, text.toString('utf8'));
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(text);
      });
    });
    upstream.on('error', () => res.socket?.destroy());
    upstream.end(payload);
  }

  private meter(operation: string, body: Record<string, unknown>, status: number, text: string): void {
    const before = this.units.read + this.units.write;
    this.count(operation, body, status, text);
    this.units.calls++;
    const op = this.units.byOperation.get(operation) ?? { calls: 0, units: 0 };
    op.calls++;
    op.units += this.units.read + this.units.write - before;
    this.units.byOperation.set(operation, op);
  }

  private count(operation: string, body: Record<string, unknown>, status: number, text: string): void {
    const transactional = operation.startsWith('Transact');
    if (status !== 200) {
      // A refused conditional write (or a cancelled transaction) is still billed.
      if (!WRITES.has(operation)) return;
      this.units.refused++;
      this.units.write += transactional ? transactionUnits(operation, body).write : 1;
      return;
    }
    if (transactional) {
      const { read, write } = transactionUnits(operation, body);
      this.units.read += read;
      this.units.write += write;
      return;
    }
    let consumed: unknown;
    try {
      consumed = (JSON.parse(text) as { ConsumedCapacity?: unknown }).ConsumedCapacity;
    } catch {
      return;
    }
    const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Array<{
      CapacityUnits?: number;
    }>;
    const total = list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
    if (WRITES.has(operation)) this.units.write += total;
    else this.units.read += total;
  }
}

interface Histories {
  readonly executions: number;
  readonly transitions: number;
  readonly retries: number;
  readonly tasks: number;
  /** Each task function's run, from its start to its return. */
  readonly taskMs: number[];
}

function countHistory(events: readonly HistoryEvent[], into: { taskMs: number[] }) {
  let transitions = 0;
  let scheduled = 0;
  let taskStates = 0;
  let startedAt: number | undefined;
  for (const e of events) {
    const type = e.type ?? '';
    const at = e.timestamp ? new Date(e.timestamp).getTime() : Number.NaN;
    if (type.endsWith('StateEntered')) transitions++;
    if (type === 'TaskStateEntered') taskStates++;
    if (type === 'TaskScheduled') scheduled++;
    if (type === 'TaskStarted') startedAt = at;
    if (
      startedAt !== undefined &&
      ['TaskSubmitted', 'TaskSucceeded', 'TaskFailed', 'TaskTimedOut'].includes(type)
    ) {
      into.taskMs.push(Math.max(1, at - startedAt));
      startedAt = undefined;
    }
  }
  return { transitions, scheduled, retries: Math.max(0, scheduled - taskStates) };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};
const usd = (n: number) => (n >= 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(6)}`);

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { keep: { type: 'boolean', default: false } } });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const t0 = Date.now();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-bench-cost-'));
  const base = await freePortBase();
  const meter = await MeteringProxy.start(`http://127.0.0.1:${portPlan(base).dynamodb}`);
  say(`bench cost: data folder ${dataDir}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(1)}`);
  const { child, runtime, output } = await spawnStack({
    dataDir,
    capture: true,
    timeoutMs: 300_000,
    env: { BASHKE_PORT: String(base), BASHKE_FUNCTIONS_DYNAMODB_URL: meter.url },
  });
  const { urls } = runtime;
  const log = () => output.join('');
  const advance = async (by: string) => {
    const t = performance.now();
    const res = await fetch(`${urls.admin}/clock/advance`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ by }),
    });
    if (!res.ok) throw new Error(`the clock did not advance: ${res.status}`);
    await res.arrayBuffer();
    return performance.now() - t;
  };
  const inbox = async () =>
    (
      (await (await fetch(`${urls.inbox}/store`)).json()) as {
        emails: Array<{ destination: { to: string[] } }>;
      }
    ).emails;
  try {
    // The idle sweep: what one run of the minute schedule costs with nothing due.
    await new Promise((r) => setTimeout(r, 3000));
    await advance('1m');
    meter.take();
    const idleMs: number[] = [];
    for (let i = 0; i < 3; i++) idleMs.push(await advance('1m'));
    const idle = meter.take();
    const idleSweep = { read: idle.read / 3, write: idle.write / 3, ms: median(idleMs) };

    // The case.
    const logFrom = log().length;
    const mailFrom = (await inbox()).length;
    const lines: string[] = [];
    const client = new CaseClient({
      runtime,
      token: (role, org, email) =>
        mintLocalToken({ role: role as 'police', org, ...(email ? { email } : {}), 'data-dir': dataDir }),
    });
    const walked = await walkCase(
      client,
      {
        referral: { ...demoReferral(), consent: { given: true, localGovernment: true } },
        planOrgs: ['social-services-korca'],
        officer: OFFICER,
        idempotencyKey: `bench-cost-${Date.now()}`,
      },
      (line) => lines.push(line),
    );
    if (walked.status !== 'CLOSED') throw new Error(`the walk ended ${walked.status}`);

    // Its executions, once none runs any more, and their histories.
    const app = readAssembly(path.join(dataDir, 'cdk.out'), {
      gatewayUrl: urls.api,
      issuer: runtime.issuer,
      signIn: urls.signIn ?? runtime.issuer,
    });
    const sfn = new SFNClient({
      region: app.region,
      endpoint: urls.stepFunctions,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    let own: ExecutionListItem[] = [];
    const histories: Histories = { executions: 0, transitions: 0, retries: 0, tasks: 0, taskMs: [] };
    try {
      for (let i = 0; i < 60; i++) {
        own = [];
        for (const { arn } of app.stateMachines) {
          const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1000 }));
          own.push(...(page.executions ?? []).filter((e) => e.name?.startsWith(walked.caseId)));
        }
        if (!own.some((e) => e.status === 'RUNNING')) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      // Delivery events and the last notices settle.
      await new Promise((r) => setTimeout(r, 5000));
      for (const e of own) {
        const events: HistoryEvent[] = [];
        let nextToken: string | undefined;
        do {
          const page = await sfn.send(
            new GetExecutionHistoryCommand({ executionArn: e.executionArn, maxResults: 1000, nextToken }),
          );
          events.push(...(page.events ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
        const counted = countHistory(events, histories);
        Object.assign(histories, {
          executions: histories.executions + 1,
          transitions: histories.transitions + counted.transitions,
          retries: histories.retries + counted.retries,
          tasks: histories.tasks + counted.scheduled,
        });
      }
    } finally {
      sfn.destroy();
    }
    const units = meter.take();
    const walkLog = log().slice(logFrom);

    // The API as people would use it, timed by the gateway's log lines.
    const gateway = [...walkLog.matchAll(/^\[gateway\] (\S+) (\S+) (\d{3}) (\d+)ms$/gm)].map((m) => ({
      route: `${m[1]} ${m[2]}`,
      status: Number(m[3]),
      ms: Number(m[4]),
    }));
    const done = gateway.filter((g) => g.route === 'POST /actions/{token}' && g.status === 200).length;
    const routeMs = (route: string) => median(gateway.filter((g) => g.route === route).map((g) => g.ms));
    const api = {
      requests: 1 + 2 * done,
      ms:
        routeMs('POST /referrals') +
        done * (routeMs('GET /actions/{token}') + routeMs('POST /actions/{token}')),
      walkRequests: gateway.length,
    };

    // Mail, and the delivery events it makes.
    const mails = (await inbox()).slice(mailFrom);
    const recipients = mails.reduce((n, m) => n + m.destination.to.length, 0);
    const eventRetries = [...walkLog.matchAll(/delivery of event \S+ failed/g)].length;
    const delivery = { invocations: mails.length + recipients + eventRetries };

    // Sweeps the walk's clock moves caused: their idle share comes off the case's figures.
    const sweeps = [...walkLog.matchAll(/^\[BashkeApp-DispatchDueFn[^\]]*\] \{"_aws"/gm)].length;
    const read = Math.max(0, units.read - sweeps * idleSweep.read);
    const write = Math.max(0, units.write - sweeps * idleSweep.write);

    const stepMs = median(histories.taskMs);
    const lambdaRequests = histories.tasks + api.requests + delivery.invocations;
    const gbSeconds =
      ((histories.taskMs.reduce((a, b) => a + Math.ceil(b), 0) + api.ms + delivery.invocations * stepMs) /
        1000) *
      MEMORY_GB;
    const transitions = histories.transitions + histories.retries;

    const p = PRICES;
    const costs: Array<[string, string, number]> = [
      [
        'Step Functions',
        `${transitions} state transitions (${histories.executions} executions, ${histories.retries} retries)`,
        (transitions / 1000) * p.stepFunctionsPerThousandTransitions.usd,
      ],
      [
        'Lambda requests',
        `${lambdaRequests} (workflow ${histories.tasks}, API ${api.requests}, delivery events ${delivery.invocations})`,
        (lambdaRequests / 1e6) * p.lambdaPerMillionRequests.usd,
      ],
      [
        'Lambda duration',
        `${gbSeconds.toFixed(2)} GB-s (arm64, 256 MB; median step ${stepMs} ms, measured here)`,
        gbSeconds * p.lambdaArmPerGbSecond.usd,
      ],
      [
        'DynamoDB writes',
        `${write.toFixed(1)} WRU (${units.calls} calls, ${units.refused} refused conditional writes)`,
        (write / 1e6) * p.dynamoDbPerMillionWriteUnits.usd,
      ],
      [
        'DynamoDB reads',
        `${read.toFixed(1)} RRU (the walk's own polling of pages and the case included)`,
        (read / 1e6) * p.dynamoDbPerMillionReadUnits.usd,
      ],
      [
        'SES',
        `${recipients} emails (${mails.length} messages)`,
        (recipients / 1000) * p.sesPerThousandEmails.usd,
      ],
      ['HTTP API', `${api.requests} requests`, (api.requests / 1e6) * p.httpApiPerMillionRequests.usd],
    ];
    const total = costs.reduce((sum, c) => sum + c[2], 0);
    const fixed = {
      requests: MINUTES_A_MONTH,
      gbSeconds: ((MINUTES_A_MONTH * idleSweep.ms) / 1000) * MEMORY_GB,
      read: MINUTES_A_MONTH * idleSweep.read,
      write: MINUTES_A_MONTH * idleSweep.write,
    };
    const fixedUsd =
      (fixed.requests / 1e6) * p.lambdaPerMillionRequests.usd +
      fixed.gbSeconds * p.lambdaArmPerGbSecond.usd +
      (fixed.read / 1e6) * p.dynamoDbPerMillionReadUnits.usd +
      (fixed.write / 1e6) * p.dynamoDbPerMillionWriteUnits.usd;

    say(
      `  walked ${walked.reference} to ${walked.status}: ${lines.length} steps, ${api.walkRequests} API requests by the walk`,
    );
    say('');
    say(`npm run bench -- cost: one case from referral to closure, priced at list prices of ${p.date}`);
    const w = Math.max(...costs.map((c) => c[0].length));
    const v = Math.max(...costs.map((c) => c[1].length));
    for (const [what, used, cost] of costs) say(`  ${what.padEnd(w)}  ${used.padEnd(v)}  ${usd(cost)}`);
    say(`  ${'per case'.padEnd(w)}  ${''.padEnd(v)}  ${usd(total)}  (${usd(total * 1000)} per 1,000 cases)`);
    say(
      `  fixed: the minute sweep, ${fixed.requests} runs a month (idle: ${idleSweep.read.toFixed(1)} RRU, ` +
        `${idleSweep.ms.toFixed(0)} ms each, measured here) ${usd(fixedUsd)} a month`,
    );
    say(
      `  DynamoDB by operation (calls, units): ${[...units.byOperation.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([op, u]) => `${op} ${u.calls}, ${u.units.toFixed(1)}`)
        .join('; ')}`,
    );
    say('  prices:');
    for (const [name, price] of Object.entries(p)) {
      if (typeof price === 'string') continue;
      say(`    ${name}: $${price.usd} (${price.region}) ${price.source}`);
    }
    say(`  total time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await stopStack(child, 'SIGINT', 30_000);
    await meter.close();
    if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(
      `bench cost: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
