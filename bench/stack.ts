/**
 * `npm run bench -- stack` (or `tsx bench/stack.ts`): how fast the
 * whole local stack comes up, on a data folder of its own (loopback only, any free ports).
 *
 *   1. a fresh `npm start` → ready, and how much of it was the synth;
 *   2. a restart on the same folder, the assembly reused → ready, and the stack's memory;
 *   3. `--parked` referrals (default 1,000) posted, each workflow parked on its offer;
 *   4. a restart with them all parked → ready, and the memory they cost.
 *
 * Figures against the targets of issue 7, not a pass/fail: the process exits 0 either way
 * unless the stack itself failed. Only the launcher's public parts are used: spawnStack to
 * run it, the token tool to sign in, and the stack's own HTTP endpoints.
 *
 *   npm run bench -- stack [--parked 1000] [--concurrency 10] [--keep]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  demoReferral,
  mintLocalToken,
  readAssembly,
  type SpawnedStack,
  spawnStack,
  stopStack,
} from '../local';

/** Issue 7, section 3. */
const TARGETS = { freshReadyS: 20, parkedRestartReadyS: 5, rssPerThousandParkedMiB: 64 } as const;
/** Every referral names one NGO: an offer to the preferred NGO ignores capacity, so all of them park. */
const PREFERRED_NGO = 'ngo-vatra';
const OFFICER = 'bench.officer@police-korca.example.org';
const START_TIMEOUT_MS = 300_000;
const PARK_TIMEOUT_MS = 15 * 60_000;

interface Options {
  readonly parked: number;
  readonly concurrency: number;
  readonly keep: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      parked: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '10' },
      keep: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const parked = Number(values.parked);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(parked) || parked < 0 || parked > 5000) throw new Error('--parked must be 0 to 5000');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 50)
    throw new Error('--concurrency must be 1 to 50');
  return { parked, concurrency, keep: values.keep };
}

/** Resident memory of one process in MiB (Linux /proc), or NaN where there is none. */
function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
    return kib / 1024;
  } catch {
    return Number.NaN;
  }
}

interface Memory {
  /** The launcher: engine, executions, function workers (threads of the same process). */
  readonly main: number;
  /** The launcher, DynamoDB Local and the SES emulator together. */
  readonly stack: number;
}

function memory(stack: SpawnedStack): Memory {
  const pids = Object.values(stack.runtime.pids);
  return { main: rssMiB(stack.runtime.pids.main), stack: pids.reduce((sum, pid) => sum + rssMiB(pid), 0) };
}

interface Started {
  readonly stack: SpawnedStack;
  readonly readyS: number;
  /** The launcher's own account of its start-up (its `ready in …` line). */
  readonly phases: string;
}

async function start(dataDir: string): Promise<Started> {
  const t0 = performance.now();
  const stack = await spawnStack({ dataDir, capture: true, timeoutMs: START_TIMEOUT_MS });
  const readyS = (performance.now() - t0) / 1000;
  const phases = /\[bashke\] ready in [\d.]+ s \(([^)]*)\)/.exec(stack.output.join(''))?.[1] ?? '';
  return { stack, readyS, phases };
}

/** Ctrl-C, as a user would; the stack must say it stopped. */
async function stop(stack: SpawnedStack): Promise<void> {
  await stopStack(stack.child, 'SIGINT');
  if (!stack.output.join('').includes('[bashke] stopped')) {
    throw new Error(`the stack did not say it stopped:\n${stack.output.join('').slice(-2000)}`);
  }
}

/** Gives the runtime a moment after ready (timers, first requests settled) before memory is read. */
const settle = (ms = 3000) => new Promise((r) => setTimeout(r, ms));

/** Posts `count` referrals, `concurrency` at a time; resolves with their references. */
async function refer(
  stack: SpawnedStack,
  dataDir: string,
  count: number,
  concurrency: number,
): Promise<Set<string>> {
  const token = await mintLocalToken({
    role: 'police',
    org: 'police-korca',
    email: OFFICER,
    'data-dir': dataDir,
  });
  const body = JSON.stringify({ ...demoReferral(), preferredNgoId: PREFERRED_NGO });
  const references = new Set<string>();
  const refused: number[] = [];
  const run = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      // A refused or failed POST is retried with the same key, as a client would.
      for (let attempt = 0; attempt < 5; attempt++) {
        const res = await fetch(`${stack.runtime.urls.api}/referrals`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
            'Idempotency-Key': `bench-stack-${run}-${i}`,
          },
          body,
        });
        if (res.status === 201) {
          references.add(((await res.json()) as { reference: string }).reference);
          break;
        }
        refused.push(res.status);
        await res.arrayBuffer();
        await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (refused.length)
    process.stdout.write(`  (${refused.length} POSTs refused and retried: ${[...new Set(refused)]})\n`);
  return references;
}

/** Waits until every reference has its offer email: its workflow then waits on the NGO. */
async function waitParked(stack: SpawnedStack, references: Set<string>): Promise<number> {
  const deadline = Date.now() + PARK_TIMEOUT_MS;
  let parked = 0;
  while (Date.now() < deadline) {
    const store = (await (await fetch(`${stack.runtime.urls.inbox}/store`)).json()) as {
      emails: Array<{ subject: string; body: { text?: string } }>;
    };
    const offered = new Set<string>();
    for (const email of store.emails) {
      if (!(email.body.text ?? '').includes('/actions/')) continue;
      const reference = /[A-Z]{3}-\d{4}-\d+/.exec(email.subject)?.[0];
      if (reference && references.has(reference)) offered.add(reference);
    }
    parked = offered.size;
    if (parked >= references.size) return parked;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return parked;
}

/**
 * RUNNING executions of every state machine of the app, counted through the Step Functions API
 * (ListExecutions with a status filter), as any tool would count them, not from its files.
 */
async function runningExecutions(stack: SpawnedStack, dataDir: string): Promise<number> {
  const app = readAssembly(path.join(dataDir, 'cdk.out'), {
    gatewayUrl: stack.runtime.urls.api,
    issuer: stack.runtime.issuer,
    signIn: stack.runtime.urls.signIn ?? stack.runtime.issuer,
  });
  const sfn = new SFNClient({
    region: app.region,
    endpoint: stack.runtime.urls.stepFunctions,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    let count = 0;
    for (const { arn: stateMachineArn } of app.stateMachines) {
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(
          new ListExecutionsCommand({
            stateMachineArn,
            statusFilter: 'RUNNING',
            maxResults: 1000,
            nextToken,
          }),
        );
        count += page.executions?.length ?? 0;
        nextToken = page.nextToken;
      } while (nextToken);
    }
    return count;
  } finally {
    sfn.destroy();
  }
}

const s1 = (n: number) => `${n.toFixed(1)} s`;
const mib = (n: number) => `${Math.round(n)} MiB`;
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const options = parseOptions(argv);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-bench-stack-'));
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`bench stack: data folder ${dataDir}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(1)}`);
  let running: SpawnedStack | undefined;
  try {
    const fresh = await start(dataDir);
    running = fresh.stack;
    const synth = /assembly: synthesized in ([\d.]+) s/.exec(fresh.stack.output.join(''))?.[1];
    say(`  fresh start: ready in ${s1(fresh.readyS)} (${fresh.phases})`);
    await stop(fresh.stack);
    running = undefined;

    const restart = await start(dataDir);
    running = restart.stack;
    if (!restart.stack.output.join('').includes('assembly: reused'))
      throw new Error('the restart synthesized again');
    await settle();
    const idle = memory(restart.stack);
    say(`  restart: ready in ${s1(restart.readyS)} (${restart.phases}); RSS ${mib(idle.main)}`);

    let parked = 0;
    let parkedBefore: Memory | undefined;
    if (options.parked > 0) {
      const t0 = performance.now();
      const references = await refer(restart.stack, dataDir, options.parked, options.concurrency);
      parked = await waitParked(restart.stack, references);
      say(
        `  parked ${parked}/${options.parked} executions on their offer in ${s1((performance.now() - t0) / 1000)}`,
      );
      await settle();
      parkedBefore = memory(restart.stack);
    }
    await stop(restart.stack);
    running = undefined;

    const again = await start(dataDir);
    running = again.stack;
    const resumed = await runningExecutions(again.stack, dataDir);
    await settle();
    const withParked = memory(again.stack);
    say(
      `  restart with ${parked} parked: ready in ${s1(again.readyS)} (${again.phases}); resumed ${resumed}`,
    );
    await stop(again.stack);
    running = undefined;

    const perThousand = parked > 0 ? ((withParked.main - idle.main) / parked) * 1000 : Number.NaN;
    const rows: Array<[string, string, string]> = [
      [
        'fresh npm start → ready',
        `${s1(fresh.readyS)} (synth ${synth ? s1(Number(synth)) : '?'})`,
        `≤ ${TARGETS.freshReadyS} s: ${verdict(fresh.readyS <= TARGETS.freshReadyS)}`,
      ],
      ['restart, assembly reused → ready', s1(restart.readyS), ''],
      [
        `restart with ${parked} parked → ready`,
        s1(again.readyS),
        `≤ ${TARGETS.parkedRestartReadyS} s: ${verdict(again.readyS <= TARGETS.parkedRestartReadyS)}`,
      ],
      ['RSS after restart, idle', `${mib(idle.main)} (stack ${mib(idle.stack)})`, ''],
      ...(parkedBefore
        ? ([
            [
              'RSS with them parked, before restart',
              `${mib(parkedBefore.main)} (stack ${mib(parkedBefore.stack)})`,
              '',
            ],
          ] as Array<[string, string, string]>)
        : []),
      [`RSS after restart, ${parked} parked`, `${mib(withParked.main)} (stack ${mib(withParked.stack)})`, ''],
      [
        'RSS growth per 1,000 parked (restarted)',
        Number.isNaN(perThousand) ? '-' : `${perThousand >= 0 ? '+' : ''}${mib(perThousand)}`,
        Number.isNaN(perThousand)
          ? ''
          : `≤ ${TARGETS.rssPerThousandParkedMiB} MiB: ${verdict(perThousand <= TARGETS.rssPerThousandParkedMiB)}`,
      ],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    const valueWidth = Math.max(...rows.map((r) => r[1].length));
    say('');
    say(
      'npm run bench -- stack (the launcher process\'s RSS; "stack" adds DynamoDB Local and the SES emulator)',
    );
    for (const [what, value, target] of rows)
      say(`  ${what.padEnd(width)}  ${value.padEnd(valueWidth)}  ${target}`);
  } finally {
    if (running) await stopStack(running.child, 'SIGINT');
    if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`bench stack: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
