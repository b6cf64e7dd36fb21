/**
 * What parked executions cost the local Step Functions, measured on the control plane alone,
 * in process (no stack, no functions): N executions of a one-callback machine are started
 * with a fake invoker whose function returns at once, so each parks on its open token.
 * Prints
 *
 * - RSS and heap growth per 1,000 parked executions, against a reference taken in the same
 *   run (the same plane after a warm-up, after a full GC), so machine and Node version drop
 *   out of the comparison;
 * - the restart: a second plane on the same data folder (the first disposed as a crash
 *   would leave it), time from construction to ready (every parked execution restored, an
 *   API call answered), and the time to answer one restored token and see its execution end.
 *
 * Targets (issue 7): ≤ 64 MiB RSS growth per 1,000 parked, restart ≤ 5 s to ready.
 *
 *   npx tsx bench/stack-parked.ts [--executions 1000]
 *
 * `measureParkedExecutions()` returns the figures for a caller (e.g. `npm run bench -- stack`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type FunctionInvoker,
  type InvokeResult,
  type LocalStateMachine,
  StepFunctionsControlPlane,
} from '../local';

const REGION = 'eu-central-1';
const ACCOUNT = '123456789012';
const MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Parked`;
const OFFER_FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:Offer`;
const MIB = 1024 * 1024;

/** Shaped like the referral workflow's offer: prepare, one callback with a day's deadline, decide. */
const MACHINE: LocalStateMachine = {
  logicalId: 'Parked',
  stackName: 'Bench',
  name: 'Parked',
  arn: MACHINE_ARN,
  definition: JSON.stringify({
    StartAt: 'Prepare',
    States: {
      Prepare: { Type: 'Pass', Result: { orgId: 'ngo-alfa' }, ResultPath: '$.offer', Next: 'Offer' },
      Offer: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: OFFER_FN,
          Payload: { 'caseId.$': '$.caseId', 'orgId.$': '$.offer.orgId', 'taskToken.$': '$$.Task.Token' },
        },
        TimeoutSeconds: 86_400,
        ResultPath: '$.decision',
        Retry: [{ ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 2, MaxAttempts: 3 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Skipped' }],
        Next: 'Decided',
      },
      Decided: { Type: 'Pass', End: true },
      Skipped: { Type: 'Pass', End: true },
    },
  }),
};

/** The offer function: records the token it was given and returns at once. */
class OfferInvoker implements FunctionInvoker {
  readonly tokens = new Map<string, string>();
  async invoke(_fn: string, payload: unknown): Promise<InvokeResult> {
    const { caseId, taskToken } = payload as { caseId: string; taskToken: string };
    this.tokens.set(caseId, taskToken);
    return { ok: true, payload: { sent: 1 } };
  }
}

export interface ParkedFigures {
  readonly executions: number;
  /** RSS after the warm-up (reference) and with every execution parked, MiB. */
  readonly rssReferenceMiB: number;
  readonly rssParkedMiB: number;
  readonly rssGrowthPer1000MiB: number;
  readonly heapGrowthPer1000MiB: number;
  /** Time to start every execution and see it parked, ms. */
  readonly startMs: number;
  /** Restart: construction of the second plane until it has answered an API call, ms. */
  readonly restartReadyMs: number;
  readonly resumed: number;
  /** Restart: one restored token answered until its execution ended, ms. */
  readonly answerToEndMs: number;
  /** RSS growth of the restored plane over the reference, per 1,000, MiB. */
  readonly rssRestoredGrowthPer1000MiB: number;
  /** The same for the heap (RSS keeps pages the first plane freed; the heap does not). */
  readonly heapRestoredGrowthPer1000MiB: number;
}

/** A full GC, also without --expose-gc, so RSS and heap figures are not noise. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

async function until(what: string, probe: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const parkedCount = (plane: StepFunctionsControlPlane) =>
  plane
    .executionRecords()
    .filter((r) => r.status === 'RUNNING' && r.history.some((e) => e.type === 'TaskSubmitted')).length;

function memory(): { rss: number; heap: number } {
  collectGarbage();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed };
}

export async function measureParkedExecutions(executions = 1000): Promise<ParkedFigures> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-bench-parked-'));
  const invoker = new OfferInvoker();
  const options = {
    stateMachines: [MACHINE],
    invoker,
    region: REGION,
    accountId: ACCOUNT,
    dataDir,
    log: () => {},
  };
  const start = async (plane: StepFunctionsControlPlane, from: number, count: number) => {
    for (let i = from; i < from + count; i++) {
      await plane.startExecution({
        stateMachineArn: MACHINE_ARN,
        name: `case-${i}`,
        input: JSON.stringify({ caseId: `case-${i}` }),
      });
    }
  };
  const warmUp = 20;
  // The first plane lives in this function only, so the restored figures do not count it.
  const phaseOne = async () => {
    const first = new StepFunctionsControlPlane(options);
    // Warm-up: code loaded and compiled, one of everything allocated, before the reference.
    await start(first, 0, warmUp);
    await until('the warm-up to park', () => parkedCount(first) === warmUp);
    const reference = memory();
    const t0 = performance.now();
    await start(first, warmUp, executions);
    await until('every execution to park', () => parkedCount(first) === warmUp + executions);
    const startMs = performance.now() - t0;
    await until('every engine to be let go', () => first.memoryStats().engines === 0);
    const parked = memory();
    await first.dispose();
    return { reference, parked, startMs };
  };
  try {
    const { reference, parked, startMs } = await phaseOne();

    const t1 = performance.now();
    const second = new StepFunctionsControlPlane(options);
    const last = `case-${warmUp + executions - 1}`;
    await second.describeExecution({
      executionArn: `${MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${last}`,
    });
    const restartReadyMs = performance.now() - t1;
    const resumed = second.restoreReport().resumed.length;
    await until('every restored engine to be let go', () => second.memoryStats().engines === 0);
    const restored = memory();

    const t2 = performance.now();
    const token = invoker.tokens.get(last);
    if (!token) throw new Error('the offer function never got a token');
    await second.sendTaskSuccess({ taskToken: token, output: '{"decision":"accept"}' });
    await second.executionDone(`${MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${last}`);
    const answerToEndMs = performance.now() - t2;
    await second.dispose();

    const per1000 = (bytes: number) => (bytes / MIB) * (1000 / executions);
    return {
      executions,
      rssReferenceMiB: reference.rss / MIB,
      rssParkedMiB: parked.rss / MIB,
      rssGrowthPer1000MiB: per1000(parked.rss - reference.rss),
      heapGrowthPer1000MiB: per1000(parked.heap - reference.heap),
      startMs,
      restartReadyMs,
      resumed,
      answerToEndMs,
      rssRestoredGrowthPer1000MiB: per1000(restored.rss - reference.rss),
      heapRestoredGrowthPer1000MiB: per1000(restored.heap - reference.heap),
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const { values } = parseArgs({ options: { executions: { type: 'string', default: '1000' } } });
  const executions = Math.min(20_000, Math.max(1, Number(values.executions) || 1000));
  const f = await measureParkedExecutions(executions);
  const mib = (n: number) => `${n.toFixed(1)} MiB`;
  const ms = (n: number) => `${Math.round(n)} ms`;
  console.log(`parked executions on the local Step Functions (control plane alone, ${f.executions})`);
  console.log(`  RSS reference ${mib(f.rssReferenceMiB)}, with all parked ${mib(f.rssParkedMiB)}`);
  console.log(
    `  growth per 1,000 parked: RSS ${mib(f.rssGrowthPer1000MiB)} (target ≤ 64 MiB), heap ${mib(f.heapGrowthPer1000MiB)}`,
  );
  console.log(`  start and park all: ${ms(f.startMs)}`);
  console.log(
    `  restart: ready in ${ms(f.restartReadyMs)} with ${f.resumed} resumed (target ≤ 5 s); ` +
      `growth per 1,000 restored: RSS ${mib(f.rssRestoredGrowthPer1000MiB)} (pages of the first plane included), ` +
      `heap ${mib(f.heapRestoredGrowthPer1000MiB)}`,
  );
  console.log(`  a restored token answered → its execution ended: ${ms(f.answerToEndMs)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
