/**
 * `npm run bench -- reminders` (issue 9 §3): the reminder sweep's cost on a table with
 * 100,000 pending reminders of which a few hundred are due, swept by the deployed dispatcher
 * itself: the DispatchDueFn bundle of a freshly synthesized assembly, run in the local
 * engine's worker pool (its template environment, the engine's Date shim on a runtime clock),
 * against DynamoDB Local and the SES emulator, both started through the engine's public
 * starters on 127.0.0.1.
 *
 * The data: a generated directory (`--orgs` organisations, each with a focal point and a case
 * worker in one of six European time zones), `--pending` open NEEDS_ASSESSMENT tasks with their
 * task records, case records (four tasks a case) and reminder chain items (REMINDER) on the
 * due-time index, written with BatchWriteItem (25 a call, `--concurrency` calls in flight).
 * All but `--due` of them have their next reminder days ahead (their first step, from the real
 * plan); the `--due` ones are at their deadline step, due in the last five minutes, and belong
 * to the first `--due-orgs` organisations, so each case worker has several in one run (the
 * digest: `emails < sent`).
 *
 * Quiet hours: kept as configured (the template's, by default 20:00–08:00); the runtime clock is
 * set forward to the next 10:00 Europe/Tirane instead, so every recipient (09:00–12:00 in their
 * zones) is outside them. `sesPerSecond` is raised to `--ses-per-second` (default 500, the
 * schema's maximum) in the function's REMINDERS variable so the sweep is not rate-limited.
 *
 * A sweep is runs of the handler back to back until its report says `more: false` (a run takes
 * at most 25 items a shard, 200 in all; the deployed schedule would run them a minute apart):
 * its line sums the runs' reports (`read` is the report's, the shards' ScannedCount) and says
 * how many there were; `ms` is the wall time of those invocations. A warm-up run after the
 * pending ones are written and before the due ones are (a sweep of the full table with nothing
 * due, so also `read=0` at 100,000 pending) takes the cold start out of the figure. The
 * function reaches DynamoDB Local through the launcher's DynamoDbProxy, which counts its calls
 * by operation (printed). Then a second sweep, which
 * should read nothing. Checked independently of the reports: a COUNT query of every shard for
 * REMINDER items due by now (before: = `--due`; after: 0), the SES emulator's accepted messages
 * (= `emails`), and the due tasks' records (their chain moved to a later step). The reference,
 * measured in the same run: one plain Query of one shard as the dispatcher makes it (Limit 25),
 * the median of 15.
 *
 *   npm run bench -- reminders [--pending 100000] [--due 300] [--orgs 200] [--due-orgs 40]
 *                              [--concurrency 8] [--ses-per-second 500] [--assembly <cdk.out>]
 *                              [--verbose]
 *
 * DynamoDB Local's data folder is on /dev/shm when there is one (seeding about twice as fast);
 * the rest (runtime clock, SES inbox) in the temporary folder.
 *
 * What this bench found: a run claimed up to 200 items at once, and the SDK's connection timeout
 * (1 s, shared/aws/client-config.ts) starts, below 2 s, when a request is made, so requests
 * queued behind the agent's 50 sockets failed with TimeoutError when DynamoDB Local answered
 * slowly (100,000 items, a loaded machine); the dispatcher now claims ten at a time
 * (functions/dispatch-due/reminders.ts). Should a run fail so again, the bench says why.
 *
 * `--assembly` runs an already synthesized assembly (skips the ~20 s synth). Exits 1 when a
 * target fails. Every process it starts (DynamoDB Local, the SES emulator, the worker thread)
 * is stopped on success, failure and Ctrl-C, and its temporary folders removed.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { App } from 'aws-cdk-lib';
import type { DispatchReport } from '../functions/dispatch-due/dispatch-due';
import { buildApp, cdkJsonContext } from '../infra/build-app';
import {
  type DynamoDbLocal,
  DynamoDbProxy,
  dataTableName,
  ensureTables,
  type LocalFunction,
  RuntimeClock,
  readAssembly,
  type SesLocal,
  startDynamoDbLocal,
  startRefuseServer,
  startSesLocal,
  WorkerPool,
} from '../local';
import {
  caseIndexKeys,
  DUE_SHARDS,
  dueShard,
  keys,
  ORGS_PARTITION,
  taskIndexKeys,
} from '../shared/data/keys';
import type { CaseRecord, ReminderDueItem, TaskRecord } from '../shared/data/records';
import type { Organisation, Region } from '../shared/domain/directory';
import { msOfDay, reminderConfigSchema, reminderPlan } from '../shared/domain/reminders';
import { taskClockFromEnv } from '../shared/tasks/task-context';
import { addCalendarDays, instantAt, wallClock } from '../shared/util/time';

const { values } = parseArgs({
  options: {
    pending: { type: 'string', default: '100000' },
    due: { type: 'string', default: '300' },
    orgs: { type: 'string', default: '200' },
    'due-orgs': { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '8' },
    'ses-per-second': { type: 'string', default: '500' },
    assembly: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
const bounded = (v: unknown, lo: number, hi: number) =>
  Math.min(hi, Math.max(lo, Math.round(Number(v)) || lo));
const PENDING = bounded(values.pending, 100, 1_000_000);
const DUE = Math.min(PENDING, bounded(values.due, 1, 10_000));
const ORGS = bounded(values.orgs, 1, 2000);
const DUE_ORGS = Math.min(ORGS, bounded(values['due-orgs'], 1, 2000));
const CONCURRENCY = bounded(values.concurrency, 1, 64);
const SES_PER_SECOND = bounded(values['ses-per-second'], 1, 500);
const TASKS_PER_CASE = 4;
/** Runs of one sweep at most (a backlog of `--due` drains in ceil(due / 25 per shard) runs). */
const MAX_RUNS = 200;
const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'bashkelocal', AWS_SECRET_ACCESS_KEY: 'bashkelocal' };
const ZONES = [
  'Europe/Tirane',
  'Europe/Rome',
  'Europe/London',
  'Europe/Athens',
  'Europe/Istanbul',
  'Europe/Lisbon',
] as const;
const BENCH_ZONE = 'Europe/Tirane';
const DAY_MS = 86_400_000;

type Item = Record<string, unknown>;

const ms = (n: number) => `${Math.round(n)}`;
const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** The next instant, strictly after `fromMs`, that is 10:00 on the wall clock of `zone`. */
function nextTenOClock(fromMs: number, zone: string): number {
  const wall = wallClock(new Date(fromMs), zone);
  const today = instantAt(wall.date, msOfDay('10:00'), zone).getTime();
  if (today > fromMs) return today;
  // The same wall-clock time a day later (instantAt of the next date: DST-proof).
  return instantAt(addCalendarDays(wall.date, 1), msOfDay('10:00'), zone).getTime();
}

/** The generated directory: regions, and organisations with a focal point and a case worker. */
function generatedDirectory(): { regions: Region[]; organisations: Organisation[] } {
  const regions: Region[] = ['korca', 'tirana', 'vlora', 'shkodra'].map((regionId) => ({
    regionId,
    code: regionId.slice(0, 3).toUpperCase(),
    name: regionId,
  }));
  const organisations: Organisation[] = Array.from({ length: ORGS }, (_, n) => {
    const orgId = `ngo-bench-${String(n).padStart(4, '0')}`;
    const region = regions[n % regions.length] as Region;
    return {
      orgId,
      name: `Bench NGO ${n}`,
      kind: 'ngo',
      regions: [region.regionId],
      services: ['shelter', 'legal'],
      capacity: 10,
      childProtection: false,
      contacts: [
        {
          name: `Focal point ${n}`,
          email: `focal.${n}@${orgId}.example.org`,
          language: n % 2 === 0 ? 'sq' : 'en',
          roles: ['focal-point'],
          timeZone: ZONES[(n + 3) % ZONES.length] as string,
        },
        {
          name: `Case worker ${n}`,
          email: `worker.${n}@${orgId}.example.org`,
          language: n % 2 === 0 ? 'sq' : 'en',
          roles: ['case-worker'],
          timeZone: ZONES[n % ZONES.length] as string,
        },
      ],
    };
  });
  return { regions, organisations };
}

/** BatchWriteItem of `items` in calls of 25, `CONCURRENCY` in flight, retrying what is left unprocessed. */
async function batchWrite(
  doc: DynamoDBDocumentClient,
  table: string,
  items: Iterable<Item>,
): Promise<number> {
  const iterator = items[Symbol.iterator]();
  let written = 0;
  const next = (): Item[] => {
    const chunk: Item[] = [];
    for (let r = iterator.next(); !r.done; r = iterator.next()) {
      chunk.push(r.value);
      if (chunk.length === 25) break;
    }
    return chunk;
  };
  const worker = async () => {
    for (let chunk = next(); chunk.length > 0; chunk = next()) {
      let requests: Array<{ PutRequest: { Item: Item } }> = chunk.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt += 1) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
        if (attempt > 10) throw new Error('BatchWriteItem left items unprocessed after 10 retries');
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        const left = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
        written += requests.length - left.length;
        requests = left;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return written;
}

/** REMINDER items due by `now` in every shard, counted by DynamoDB (Select COUNT, every page). */
async function countDueReminders(doc: DynamoDBDocumentClient, table: string, now: string): Promise<number> {
  let total = 0;
  for (let shard = 0; shard < DUE_SHARDS; shard += 1) {
    let start: Item | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :p AND sk <= :now',
          FilterExpression: '#t = :reminder',
          ExpressionAttributeNames: { '#t': 'type' },
          ExpressionAttributeValues: { ':p': `DUE#${shard}`, ':now': `${now}~`, ':reminder': 'REMINDER' },
          ConsistentRead: true,
          Select: 'COUNT',
          ExclusiveStartKey: start,
        }),
      );
      total += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
  }
  return total;
}

/** Every REMINDER item of the due-time index, due or not (Select COUNT, every page of every shard). */
async function countReminders(doc: DynamoDBDocumentClient, table: string): Promise<number> {
  return countDueReminders(doc, table, '9999');
}

interface Sweep {
  readonly runs: number;
  readonly read: number;
  readonly due: number;
  readonly sent: number;
  readonly emails: number;
  readonly deferred: number;
  readonly ms: number;
  readonly perRun: readonly string[];
}

async function sweep(pool: WorkerPool, fn: LocalFunction): Promise<Sweep> {
  let read = 0;
  let due = 0;
  let sent = 0;
  let emails = 0;
  let deferred = 0;
  let elapsed = 0;
  const perRun: string[] = [];
  for (let run = 1; run <= MAX_RUNS; run += 1) {
    const t0 = performance.now();
    // The event of the EventBridge schedule (the handler does not read it).
    const result = await pool.invoke(fn.arn, { source: 'aws.events', 'detail-type': 'Scheduled Event' });
    const took = performance.now() - t0;
    elapsed += took;
    if (!result.ok) {
      throw new Error(
        `run ${run} of the dispatcher failed: ${result.errorType}: ${result.errorMessage}` +
          (result.errorType === 'TimeoutError'
            ? ' (the SDK starts a connection timeout under 2 s when the request is made, so a request' +
              " queued behind the agent's 50 sockets fails when DynamoDB Local is slow: the handler" +
              ' claims up to 200 items at once)'
            : ''),
      );
    }
    const report = result.payload as DispatchReport;
    read += report.read;
    due += report.reminders.due;
    sent += report.reminders.sent;
    emails += report.reminders.emails;
    deferred += report.reminders.deferred;
    perRun.push(
      `run ${run}: read=${report.read} due=${report.reminders.due} sent=${report.reminders.sent} ` +
        `emails=${report.reminders.emails} more=${report.more} ms=${ms(took)}`,
    );
    if (!report.more) return { runs: run, read, due, sent, emails, deferred, ms: elapsed, perRun };
  }
  throw new Error(`the sweep still reported more after ${MAX_RUNS} runs`);
}

async function main(): Promise<void> {
  const tempDirs: string[] = [];
  const stoppers: Array<{ what: string; stop: () => Promise<void> }> = [];
  const stopped: string[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanUp = () => {
    cleaning ??= (async () => {
      for (const { what, stop } of [...stoppers].reverse()) {
        try {
          await stop();
          stopped.push(what);
        } catch (error) {
          process.stderr.write(`stopping ${what} failed: ${(error as Error).message}\n`);
        }
      }
      for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
    })();
    return cleaning;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: stopping what the bench started\n`);
    void cleanUp().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let failed = false;
  /** Messages the SES emulator accepted (its own report, independent of the handler's). */
  let accepted = 0;
  try {
    // The data folder (runtime clock, SES inbox) in the temporary folder; DynamoDB Local's own
    // on tmpfs where there is one, so seeding is not bound by the disk's syncs (measured: about
    // twice as fast; the engine's starter has no in-memory mode). Not the whole data folder:
    // with the SES emulator's on /dev/shm too, the handler's sends timed out connecting (seen
    // three times, cause not found).
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bashke-bench-reminders-'));
    tempDirs.push(dataDir);
    const dbDir = fs.mkdtempSync(
      path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'bashke-bench-reminders-db-'),
    );
    tempDirs.push(dbDir);

    // --- the assembly: the DispatchDueFn bundle as the template deploys it ------------------
    let outdir = values.assembly ? path.resolve(values.assembly) : '';
    const synthStart = performance.now();
    if (!outdir) {
      outdir = path.join(dataDir, 'cdk.out');
      const app = new App({ context: cdkJsonContext(), outdir });
      buildApp(app);
      app.synth();
      console.log(`assembly: synthesized in ${ms(performance.now() - synthStart)} ms (${outdir})`);
    } else {
      console.log(`assembly: ${outdir} (given)`);
    }

    // --- services, all on 127.0.0.1 -------------------------------------------------------
    const started = performance.now();
    const [dynamodb, ses, refuse] = await Promise.all([
      startDynamoDbLocal({
        dataDir: dbDir,
        port: 0,
        ...(values.verbose ? { log: (l: string) => process.stderr.write(`[dynamodb] ${l}\n`) } : {}),
      }).then((d: DynamoDbLocal) => {
        stoppers.push({ what: `DynamoDB Local (pid ${d.pid})`, stop: () => d.stop() });
        return d;
      }),
      startSesLocal({
        port: 0,
        dataDir,
        onSent: () => {
          accepted += 1;
        },
      }).then((s: SesLocal) => {
        stoppers.push({ what: `SES emulator (pid ${s.pid})`, stop: () => s.stop() });
        return s;
      }),
      startRefuseServer(0).then((r) => {
        stoppers.push({ what: 'refusing endpoint', stop: () => r.close() });
        return r;
      }),
    ]);
    console.log(
      `services: DynamoDB Local pid ${dynamodb.pid} ${dynamodb.url}, SES emulator pid ${ses.pid} ${ses.url} ` +
        `(${ms(performance.now() - started)} ms)`,
    );

    // The function reaches DynamoDB Local through the launcher's loopback proxy (as in `npm run
    // bench`), which counts its calls by operation. Responses pass through unchanged: `read` is
    // still DynamoDB's ScannedCount.
    const proxy = await DynamoDbProxy.start(dynamodb.url);
    stoppers.push({ what: 'DynamoDB proxy', stop: () => proxy.close() });

    const gatewayUrl = 'http://127.0.0.1:9';
    const app = readAssembly(outdir, {
      gatewayUrl,
      issuer: `${gatewayUrl}/local-issuer`,
      signIn: gatewayUrl,
    });
    const template = app.functions.find((f) => f.logicalId.startsWith('DispatchDueFn'));
    if (!template) throw new Error(`${outdir} has no DispatchDueFn`);
    const table = dataTableName(app.tables.map((t) => t.name));
    const templateReminders = JSON.parse(template.environment.REMINDERS ?? '{}') as Record<string, unknown>;
    const remindersEnv = JSON.stringify({ ...templateReminders, sesPerSecond: SES_PER_SECOND });
    const fn: LocalFunction = {
      ...template,
      environment: { ...template.environment, REMINDERS: remindersEnv },
    };
    // The bench plans its tasks with the very configuration the function parses.
    const taskClock = taskClockFromEnv({ ...fn.environment });
    const config = reminderConfigSchema.parse(JSON.parse(remindersEnv));
    const quiet = `${config.quietHours.from}–${config.quietHours.to}`;

    // --- the runtime clock: the next 10:00 in Tirana ----------------------------------------
    const clock = new RuntimeClock(dataDir);
    await clock.advance(Math.max(0, nextTenOClock(Date.now(), BENCH_ZONE) - Date.now()));
    const hhmm = (zone: string) => {
      const t = wallClock(clock.now(), zone).msOfDay;
      return `${String(Math.floor(t / 3_600_000)).padStart(2, '0')}:${String(Math.floor((t % 3_600_000) / 60_000)).padStart(2, '0')}`;
    };
    const zoneTimes = ZONES.map((z) => `${z.split('/')[1]} ${hhmm(z)}`);
    console.log(
      `clock: ${clock.now().toISOString()} (10:00 ${BENCH_ZONE}; recipients: ${zoneTimes.join(', ')}); ` +
        `quiet hours ${quiet} kept as configured`,
    );
    console.log(
      `REMINDERS: template ${template.environment.REMINDERS ?? '(unset)'} + sesPerSecond=${config.sesPerSecond}/s ` +
        `(bench override); handler batchSize 25 per shard, ${DUE_SHARDS} shards`,
    );

    const client = new DynamoDBClient({
      region: app.region,
      endpoint: dynamodb.url,
      credentials: {
        accessKeyId: LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID,
        secretAccessKey: LOCAL_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
      },
    });
    stoppers.push({ what: 'DynamoDB client', stop: async () => client.destroy() });
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    await ensureTables(client, app.tables);
    ses.setConfigurationSets(app.configurationSets.map((s) => s.name));

    const pool = new WorkerPool([fn], {
      baseEnv: {
        AWS_REGION: app.region,
        AWS_DEFAULT_REGION: app.region,
        ...LOCAL_CREDENTIALS,
        AWS_ENDPOINT_URL: refuse.url,
        AWS_ENDPOINT_URL_DYNAMODB: proxy.url,
        AWS_ENDPOINT_URL_SES: ses.url,
        AWS_ENDPOINT_URL_SFN: refuse.url,
      },
      clock,
      log: (_fn, line, stream) => {
        if (values.verbose || stream === 'stderr' || line.includes('"level":"ERROR"'))
          process.stderr.write(`[dispatch-due] ${line}\n`);
      },
    });
    stoppers.push({ what: 'the dispatcher worker', stop: () => pool.close() });

    // --- the directory, then the cold start on it -----------------------------------------
    const directory = generatedDirectory();
    await batchWrite(doc, table, [
      ...directory.regions.map((r) => ({ ...keys.region(r.regionId), ...r })),
      ...directory.organisations.map((o) => ({
        ...keys.org(o.orgId),
        gsi1pk: ORGS_PARTITION,
        gsi1sk: o.orgId,
        ...o,
        openOffers: 0,
      })),
    ]);
    console.log(`directory: ${ORGS} organisations, ${ORGS * 2} contacts in ${ZONES.length} zones`);

    // --- the pending reminders ------------------------------------------------------------
    const nowMs = clock.nowMs();
    const createdAt = new Date(Math.floor((nowMs - DAY_MS) / 60_000) * 60_000).toISOString();
    const future = new Map<number, { reminderStep: number; reminderAt: string }>();
    /** The first step after now of a task due `slot` ten-minute slots past two days ahead. */
    const futureStep = (dueAt: string, slot: number) => {
      let step = future.get(slot);
      if (!step) {
        const plan = reminderPlan({ kind: 'NEEDS_ASSESSMENT', createdAt, dueAt }, config, taskClock.calendar);
        const i = plan.findIndex((s) => s.at.getTime() > nowMs + 3_600_000);
        if (i < 0) throw new Error(`a plan due ${dueAt} has no step an hour ahead`);
        step = { reminderStep: i, reminderAt: (plan[i] as { at: Date }).at.toISOString() };
        future.set(slot, step);
      }
      return step;
    };
    const dueTasks: string[] = [];
    const dueOrgs = new Set<string>();
    /** Tasks `from` to `to` (the first DUE of all are the due ones), due ones `baseMs` - 10 s to - 5 min. */
    function* items(from: number, to: number, baseMs: number): Generator<Item> {
      let openTasks: Record<string, 'NEEDS_ASSESSMENT'> = {};
      let caseId = randomUUID();
      let org = directory.organisations[0] as Organisation;
      for (let n = from; n < to; n += 1) {
        const isDue = n < DUE;
        if (n % TASKS_PER_CASE === 0 || n === from) {
          // A case and its tasks belong to one organisation; the due ones to the first DUE_ORGS.
          const c = Math.floor(n / TASKS_PER_CASE);
          org = directory.organisations[isDue ? c % DUE_ORGS : c % ORGS] as Organisation;
          caseId = randomUUID();
          openTasks = {};
        }
        const caseOrg = org.orgId;
        const taskId = randomUUID();
        let dueAt: string;
        let reminder: { reminderStep: number; reminderAt: string };
        if (isDue) {
          // At its deadline step, due in the last five minutes (ten seconds at the latest).
          dueAt = new Date(baseMs - 10_000 - Math.floor(Math.random() * 290_000)).toISOString();
          const taskCreated = new Date(Date.parse(dueAt) - 3 * DAY_MS).toISOString();
          const plan = reminderPlan(
            { kind: 'NEEDS_ASSESSMENT', createdAt: taskCreated, dueAt },
            config,
            taskClock.calendar,
          );
          const i = plan.findIndex((s) => s.kind === 'due');
          reminder = { reminderStep: i, reminderAt: dueAt };
          dueTasks.push(taskId);
          dueOrgs.add(caseOrg);
        } else {
          const slot = n % 2000;
          dueAt = new Date(Math.floor(nowMs / 60_000) * 60_000 + 2 * DAY_MS + slot * 600_000).toISOString();
          reminder = futureStep(dueAt, slot);
        }
        const region = org.regions[0] as string;
        const task: TaskRecord = {
          taskId,
          kind: 'NEEDS_ASSESSMENT',
          subject: 'case',
          caseId,
          orgId: caseOrg,
          contactEmails: org.contacts.filter((c) => c.roles.includes('case-worker')).map((c) => c.email),
          status: 'OPEN',
          createdAt: isDue ? new Date(Date.parse(dueAt) - 3 * DAY_MS).toISOString() : createdAt,
          dueAt,
          sequence: 1,
          // A waited task: its link is derived from the token, as for the workflow's tasks.
          sfnTaskToken: `bench-token-${taskId}`,
          emailedAt: createdAt,
          ...reminder,
        };
        const chain: ReminderDueItem = {
          type: 'REMINDER',
          dueAt: reminder.reminderAt,
          ref: taskId,
          caseId,
          taskId,
          step: reminder.reminderStep,
        };
        yield { ...keys.task(taskId), ...taskIndexKeys(caseOrg, true, dueAt, taskId), ...task };
        yield { ...keys.due(taskId, chain.dueAt, 'REMINDER'), ...chain };
        openTasks[taskId] = 'NEEDS_ASSESSMENT';
        if (n % TASKS_PER_CASE === TASKS_PER_CASE - 1 || n === to - 1) {
          const record: CaseRecord = {
            caseId,
            reference: `${region.slice(0, 3).toUpperCase()}-2026-${String(Math.floor(n / TASKS_PER_CASE) + 1).padStart(6, '0')}`,
            region,
            status: 'ACCEPTED',
            version: 2,
            interviewDate: createdAt.slice(0, 10),
            socialWorkerPresent: true,
            socialWorkerOrgId: caseOrg,
            person: {
              ageGroup: 'adult',
              gender: 'female',
              nationality: 'AL',
              language: 'sq',
              needs: ['shelter', 'legal'],
              riskLevel: 'high',
            },
            consentGiven: true,
            referringOrgId: caseOrg,
            officerSub: 'bench-officer',
            offeredOrgIds: [caseOrg],
            acceptedOrgId: caseOrg,
            acceptedAt: createdAt,
            cycle: 1,
            openTasks,
            createdAt,
            updatedAt: createdAt,
          };
          yield { ...keys.case(caseId), ...caseIndexKeys(region, createdAt, caseId), ...record };
        }
      }
    }
    // The pending ones first; then a warm-up run (the cold start, and a sweep with nothing due);
    // then the due ones, so the sweep follows them within seconds.
    const seedStart = performance.now();
    let written = await batchWrite(doc, table, items(DUE, PENDING, nowMs));
    const warm = await sweep(pool, fn);
    console.log(
      `warm-up run (cold start) on ${PENDING - DUE} pending, none due: due=${warm.due} read=${warm.read} ms=${ms(warm.ms)}`,
    );
    const warmMs = warm.ms;
    written += await batchWrite(doc, table, items(0, DUE, clock.nowMs()));
    const seedMs = performance.now() - seedStart - warmMs;
    const cases = Math.ceil((PENDING - DUE) / TASKS_PER_CASE) + Math.ceil(DUE / TASKS_PER_CASE);
    const aheadMs = [...future.values()].map((f) => Date.parse(f.reminderAt) - nowMs);
    const ahead = (t: number) =>
      t < DAY_MS ? `${(t / 3_600_000).toFixed(1)} h` : `${(t / DAY_MS).toFixed(1)} d`;
    console.log(
      `seeded: ${PENDING} tasks + ${PENDING} REMINDER items + ${cases} cases = ${written} items in ` +
        `${ms(seedMs)} ms (${ms((written / seedMs) * 1000)} items/s, BatchWriteItem 25 a call, ${CONCURRENCY} in flight); ` +
        `${DUE} due in the last 5 min for ${dueOrgs.size} case workers, the rest from ${ahead(Math.min(...aheadMs))} ` +
        `to ${ahead(Math.max(...aheadMs))} ahead`,
    );

    // --- independent count before, and the reference ---------------------------------------
    const dueBefore = await countDueReminders(doc, table, clock.now().toISOString());
    const perShard = Array.from({ length: DUE_SHARDS }, () => 0);
    for (const id of dueTasks) perShard[dueShard(id)] = (perShard[dueShard(id)] ?? 0) + 1;
    const busiest = perShard.indexOf(Math.max(...perShard));
    const reference: number[] = [];
    let referenceScanned = 0;
    for (let i = 0; i < 15; i += 1) {
      const t0 = performance.now();
      const out = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :p AND sk <= :now',
          ExpressionAttributeValues: { ':p': `DUE#${busiest}`, ':now': `${clock.now().toISOString()}~` },
          ConsistentRead: true,
          Limit: 25,
        }),
      );
      reference.push(performance.now() - t0);
      referenceScanned = out.ScannedCount ?? 0;
    }
    console.log(
      `due before the sweep (COUNT query of every shard): ${dueBefore}; per shard ${perShard.join('/')}`,
    );
    console.log(
      `reference: one plain Query of one shard (DUE#${busiest}, Limit 25, ScannedCount ${referenceScanned}): ` +
        `median ${median(reference).toFixed(1)} ms of 15`,
    );

    // --- the sweeps -----------------------------------------------------------------------
    proxy.resetCounts();
    const first = await sweep(pool, fn);
    const calls = [...proxy.counts()].sort(([a], [b]) => (a < b ? -1 : 1));
    const shards = DUE_SHARDS;
    console.log(
      `reminder sweep: pending=${PENDING} due=${first.due} read=${first.read} sent=${first.sent} ` +
        `emails=${first.emails} shards=${shards} ms=${ms(first.ms)} runs=${first.runs} deferred=${first.deferred}`,
    );
    for (const line of first.perRun) console.log(`  ${line}`);
    console.log(`  the function's DynamoDB calls: ${calls.map(([op, n]) => `${op} ${n}`).join(', ')}`);
    const acceptedAfterFirst = accepted;
    // Each reminded task's chain item was replaced by its next step's: as many pending as before.
    const pendingAfter = await countReminders(doc, table);
    const second = await sweep(pool, fn);
    console.log(
      `reminder sweep: pending=${pendingAfter} due=${second.due} read=${second.read} sent=${second.sent} ` +
        `emails=${second.emails} shards=${shards} ms=${ms(second.ms)} runs=${second.runs} deferred=${second.deferred}`,
    );

    // --- independent checks ---------------------------------------------------------------
    const now = clock.now();
    const dueAfter = await countDueReminders(doc, table, now.toISOString());
    const advanced: TaskRecord[] = [];
    for (let i = 0; i < dueTasks.length; i += 100) {
      const out = await doc.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: { Keys: dueTasks.slice(i, i + 100).map((id) => keys.task(id)), ConsistentRead: true },
          },
        }),
      );
      advanced.push(...((out.Responses?.[table] ?? []) as TaskRecord[]));
    }
    const moved = advanced.filter(
      (t) => t.remindersSent === 1 && t.reminderAt !== undefined && Date.parse(t.reminderAt) > now.getTime(),
    ).length;
    console.log(
      `checked: REMINDER items due by now after the sweeps (COUNT query) ${dueAfter}; SES emulator accepted ` +
        `${acceptedAfterFirst} messages in the first sweep, ${accepted - acceptedAfterFirst} in the second; ` +
        `${moved} of ${dueTasks.length} due tasks reminded once, their chain moved to a later step`,
    );

    const targets: Array<[string, boolean, string]> = [
      [
        'read ≤ 1.1 × due',
        first.read <= 1.1 * first.due && first.due > 0,
        `${first.read} ≤ ${(1.1 * first.due).toFixed(1)}`,
      ],
      [
        'sent = due',
        first.sent === first.due && first.due === DUE,
        `sent ${first.sent}, due ${first.due}, made due ${DUE}`,
      ],
      ['emails < sent (digest)', first.emails < first.sent, `${first.emails} < ${first.sent}`],
      [
        'second sweep due=0 read=0',
        second.due === 0 && second.read === 0,
        `due=${second.due} read=${second.read}`,
      ],
      [
        'independent: due before = made due, after = 0',
        dueBefore === DUE && dueAfter === 0,
        `${dueBefore} = ${DUE}, ${dueAfter} = 0`,
      ],
      [
        'independent: SES accepted = emails, chains moved = due',
        acceptedAfterFirst === first.emails && accepted === acceptedAfterFirst && moved === DUE,
        `${acceptedAfterFirst} = ${first.emails}, ${moved} = ${DUE}`,
      ],
    ];
    for (const [name, ok, detail] of targets) {
      console.log(`${ok ? 'PASS' : 'FAIL'} ${name} (${detail})`);
      if (!ok) failed = true;
    }
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    console.log(`stopped: ${stopped.join(', ')}; removed ${tempDirs.join(', ')}`);
  }
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
