/**
 * `npm run bench -- chaos` (issue 12 §3): referrals moving through their first tasks while the
 * whole local stack is killed with SIGKILL at random points, again and again, and started
 * again on the same data folder and the same ports (the links already emailed must still
 * work). Loopback only, bounded in count and time; not part of `npm test`.
 *
 * - A pool of clients POSTs `--referrals` referrals, each with its own Idempotency-Key, and
 *   retries the same key and body on a connection error, a timeout or a 5xx (503 after its
 *   Retry-After) until it is answered, as a real client would.
 * - Each referral names a preferred NGO (the nine NGOs of the demo directory in turn: an offer to
 *   the preferred NGO ignores capacity, so every referral is offered). An acceptor reads the
 *   SES emulator's inbox and accepts `--accept` of the offers (chosen by the seed) by POSTing
 *   the emailed link, as the NGO would; the accepted cases' next task, the needs assessment,
 *   is then emailed by the assessment stage the one-minute sweep starts.
 * - A killer sends SIGKILL to the stack's whole process group (launcher, DynamoDB Local, the
 *   SES emulator), waits until each of them is gone and starts it again, `--kills` times. Kill
 *   k falls at a random point of the k-th slice of the run (once that many referrals are
 *   answered), the stack up at least `--min-up` seconds, plus a random wait of up to
 *   `--max-up` − `--min-up` seconds: the kills spread over the whole run, however fast the
 *   machine is, and land anywhere in the work (intake, offer steps, acceptances, stages).
 *
 * At the end (a last start, the acceptances done, the runtime clock moved on a minute at a
 * time until every accepted case's assessment email is there, the inbox quiet), it checks,
 * each through the way a user or a tool would look:
 * - the API (`GET /cases` as the region's coordinator, and every key POSTed again): one case per
 *   referral, none more, each OFFERED or, accepted, ACCEPTED; a key again answers its case;
 * - the control plane (ListExecutions of every state machine): one referral execution per case
 *   (RUNNING on its offer, or SUCCEEDED once accepted), one assessment execution per accepted
 *   case, none failed, none that belongs to no case;
 * - the inbox: each referral's offer email with a link that works (its confirm page, or for
 *   an accepted offer the 410 of a used link), each accepted case's assessment email with a
 *   working link and the officer's notice.
 * Copies of one email are duplicates. A duplicate is expected only where a kill fell between
 * the mail service accepting a message and the step recording it (SES has no idempotency
 * key; the step runs again): its first copy is from before a kill and the next from after
 * it. Each is counted and printed with the kill it straddles; a duplicate no kill explains,
 * or anything lost, is a failure (exit code 1).
 *
 *   npm run bench -- chaos [--referrals 500] [--kills 20] [--seed <n>] [--concurrency 8]
 *                          [--accept 0.5] [--min-up 3] [--max-up 13] [--keep]
 *
 * `--seed` (printed on every run) repeats the kill schedule, the preferred NGOs and which
 * offers are accepted; where in the work each kill lands still depends on the machine. Every
 * process the bench starts is stopped by its process group or id before it exits, and checked
 * gone. The data folder is removed unless `--keep` or a failure (then its path is printed).
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import {
  demoReferral,
  freePortBase,
  mintLocalToken,
  readAssembly,
  type SpawnedStack,
  spawnStack,
  stopStack,
} from '../local';
import { LOCALES } from '../shared/email/templates';

const OFFICER = { org: 'police-korca', email: 'chaos.officer@police-korca.example.org' };
const COORDINATOR = { org: 'prefecture-korca', email: 'chaos.coordinator@prefecture-korca.example.org' };
/** The NGOs of the demo directory (shared/directory/korca.json), preferred in turn. */
const NGOS = [
  'ngo-iom',
  'ngo-terre-des-hommes',
  'ngo-vatra',
  'ngo-linza',
  'ngo-help-for-children',
  'ngo-legal-clinic-children',
  'ngo-korca-women',
  'ngo-me-the-woman',
  'ngo-amaro-drom',
] as const;
/** A start takes 10-20 s on a loaded 2-core machine; one that hangs is killed after this. */
const START_TIMEOUT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 20_000;
/** How long the clients may go on after the last kill before the unanswered count as lost. */
const AFTER_KILLS_MS = 5 * 60_000;
const ACCEPT_POLL_MS = 1_500;
const LINK = /(http:\/\/127\.0\.0\.1:\d+\/actions\/[A-Za-z0-9_-]+)/;
const REFERENCE = /[A-Z]{3}-\d{4}-\d+/;

interface Options {
  readonly seed: number;
  readonly referrals: number;
  readonly kills: number;
  readonly concurrency: number;
  readonly accept: number;
  readonly minUpS: number;
  readonly maxUpS: number;
  readonly keep: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seed: { type: 'string' },
      referrals: { type: 'string', default: '500' },
      kills: { type: 'string', default: '20' },
      concurrency: { type: 'string', default: '8' },
      accept: { type: 'string', default: '0.5' },
      'min-up': { type: 'string', default: '3' },
      'max-up': { type: 'string', default: '13' },
      keep: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  const int = (name: string, v: string | undefined, lo: number, hi: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < lo || n > hi)
      throw new Error(`--${name} must be an integer ${lo} to ${hi}`);
    return n;
  };
  const num = (name: string, v: string | undefined, lo: number, hi: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < lo || n > hi) throw new Error(`--${name} must be ${lo} to ${hi}`);
    return n;
  };
  const minUpS = num('min-up', values['min-up'], 0.5, 300);
  const maxUpS = num('max-up', values['max-up'], minUpS, 600);
  return {
    seed: values.seed === undefined ? randomInt(2 ** 31) : int('seed', values.seed, 0, 2 ** 31 - 1),
    referrals: int('referrals', values.referrals, 1, 5000),
    kills: int('kills', values.kills, 0, 200),
    concurrency: int('concurrency', values.concurrency, 1, 32),
    accept: num('accept', values.accept, 0, 1),
    minUpS,
    maxUpS,
    keep: values.keep,
  };
}

/** mulberry32: a small seeded generator, so a seed repeats the schedule and the choices. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * True once the process id is free. A killed process whose parent died with it is a zombie
 * until init reaps it, and still counts as running to the launcher's pid lock (kill 0
 * succeeds): a restart in that window would be refused, so the bench waits for the reaping.
 */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** A zombie: dead, waiting for its parent (or init) to reap it. */
function zombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A fetch that answers undefined where a client would see a connection error or a timeout. */
async function call(url: string, init: RequestInit = {}): Promise<Response | undefined> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch {
    return undefined;
  }
}

/** The whole stack on one data folder and one port base: started, killed, started again. */
class ChaosStack {
  private current: SpawnedStack | undefined;
  private upSince: number | undefined;
  private upMs = 0;
  private trim: NodeJS.Timeout | undefined;
  /** Every process id the bench started or the stack reported: each must be gone at the end. */
  readonly pids = new Set<number>();
  /** The process groups of the stacks started (each launcher leads its own, spawnStack's `detached`). */
  private readonly groups = new Set<number>();
  /** Real instants (ms) of the kills. */
  readonly killedAt: number[] = [];
  readonly killToReadyS: number[] = [];
  /** What each restart said it resumed. */
  readonly resumed: string[] = [];
  /** Starts that failed (the launcher exited or never became ready), with what it said. */
  readonly failedStarts: string[] = [];
  /** The last lines of the last run that ended, for a failure's report. */
  lastLog = '';
  /** The launcher process of the run killed last. */
  private killedMain: number | undefined;

  constructor(
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {}

  get running(): SpawnedStack | undefined {
    return this.current;
  }

  /** Seconds the stack has been up, summed over its runs. */
  uptimeMs(): number {
    return this.upMs + (this.upSince === undefined ? 0 : Date.now() - this.upSince);
  }

  async start(): Promise<SpawnedStack> {
    const previous = this.killedMain;
    const stack = await spawnStack({
      dataDir: this.dataDir,
      env: this.env,
      capture: true,
      timeoutMs: START_TIMEOUT_MS,
      onSpawn: (pid) => {
        this.pids.add(pid);
        this.groups.add(pid);
      },
    });
    if (stack.child.pid) this.pids.add(stack.child.pid);
    for (const pid of Object.values(stack.runtime.pids)) this.pids.add(pid);
    if (stack.runtime.pids.main === previous) throw new Error('the runtime file names the killed process');
    this.current = stack;
    this.upSince = Date.now();
    const said = /stepfunctions: resumed (\d+) running execution\(s\); (\d+) could not resume/.exec(
      stack.output.join(''),
    );
    this.resumed.push(said ? `${said[1]} resumed, ${said[2]} not` : 'none to resume');
    // The launcher prints a line per request and per function log line: keep the last ones only.
    this.trim = setInterval(() => {
      if (stack.output.length > 2000) stack.output.splice(0, stack.output.length - 1000);
    }, 2000);
    return stack;
  }

  /** SIGKILL to the stack's process group; resolves once every process of it is gone. */
  async kill(): Promise<void> {
    const stack = this.current;
    if (!stack?.child.pid) throw new Error('no stack to kill');
    clearInterval(this.trim);
    const exited = new Promise<void>((resolve) => {
      if (stack.child.exitCode !== null || stack.child.signalCode !== null) resolve();
      else stack.child.once('exit', () => resolve());
    });
    const at = Date.now();
    this.killedMain = stack.runtime.pids.main;
    process.kill(-stack.child.pid, 'SIGKILL');
    this.killedAt.push(at);
    if (this.upSince !== undefined) this.upMs += at - this.upSince;
    this.upSince = undefined;
    this.current = undefined;
    await exited;
    const deadline = Date.now() + 30_000;
    const members = [stack.child.pid, ...Object.values(stack.runtime.pids)];
    while (!members.every(gone)) {
      if (Date.now() > deadline) {
        const left = members.filter((p) => !gone(p)).map((p) => `${p}${zombie(p) ? ' (zombie)' : ''}`);
        throw new Error(`not reaped 30 s after SIGKILL: ${left.join(', ')}`);
      }
      await sleep(50);
    }
    this.lastLog = stack.output.join('').slice(-4000);
  }

  /** Kill, start again; the seconds from the kill to ready. */
  async crashAndRestart(): Promise<number> {
    await this.kill();
    const at = this.killedAt.at(-1) ?? Date.now();
    // A start that fails is reported and tried again, as a person would run `npm start` again.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.start();
        break;
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        const why = /cannot start: (.*)/.exec(text)?.[1] ?? text.split('\n')[0] ?? '';
        this.failedStarts.push(`after kill ${this.killedAt.length}: ${why}`);
        // A launcher that said it cannot start may not have exited: its group goes.
        for (const pid of this.pids) if (!gone(pid) && !zombie(pid)) this.killGroupOf(pid);
        if (attempt === 3) throw error;
        // Its lock names its launcher: once that is reaped the next start may take the lock.
        let holder = Number.NaN;
        try {
          holder = Number(readFileSync(path.join(this.dataDir, 'bashke.pid'), 'utf8').trim());
        } catch {
          // no lock left
        }
        for (let i = 0; i < 300 && Number.isInteger(holder) && !gone(holder); i++) await sleep(100);
        await sleep(1000);
      }
    }
    const s = (Date.now() - at) / 1000;
    this.killToReadyS.push(s);
    return s;
  }

  private killGroupOf(pid: number): void {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // not a group leader, or gone
      }
    }
  }

  /** Ctrl-C, as a user would; the stack must say it stopped. */
  async stop(): Promise<boolean> {
    const stack = this.current;
    if (!stack) return true;
    clearInterval(this.trim);
    this.current = undefined;
    if (this.upSince !== undefined) this.upMs += Date.now() - this.upSince;
    this.upSince = undefined;
    await stopStack(stack.child, 'SIGINT', 30_000);
    this.lastLog = stack.output.join('').slice(-4000);
    return stack.output.join('').includes('[bashke] stopped');
  }

  /** SIGKILL to whatever is left (Ctrl-C on the bench, or a failure). */
  abort(): void {
    clearInterval(this.trim);
    const pid = this.current?.child.pid;
    if (pid) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.current = undefined;
  }

  /**
   * Processes the bench started that are still there, each killed: every stack's process group
   * (a launcher that never became ready has children no runtime file named), then any
   * recorded process outside them.
   */
  leftovers(): number[] {
    const left: number[] = [];
    for (const leader of this.groups) {
      try {
        process.kill(-leader, 0);
      } catch {
        continue;
      }
      left.push(-leader);
      try {
        process.kill(-leader, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    for (const pid of this.pids) {
      if (gone(pid) || zombie(pid)) continue;
      left.push(pid);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    return left;
  }
}

interface Referral {
  readonly index: number;
  readonly key: string;
  readonly body: string;
  /** Chosen by the seed: the NGO accepts this one's offer through its link. */
  readonly accept: boolean;
  caseId?: string;
  reference?: string;
  posts: number;
  refused?: number;
  /** POSTs of the offer link; `accepted` once one was answered 200 (or 410 after one was lost). */
  acceptPosts: number;
  accepted?: 'ok' | 'after-a-lost-answer' | 'gone-at-once';
}

interface InboxEmail {
  readonly messageId: string;
  readonly destination: { readonly to: string[] };
  readonly subject: string;
  readonly body: { readonly text?: string };
  /** Seconds, by the runtime clock. */
  readonly at: number;
}

type Kind = 'offer' | 'assessment' | 'reflection' | 'accepted-notice' | 'other';

const LOCALE_LIST = Object.values(LOCALES);

function kindOf(subject: string, reference: string): Kind {
  for (const s of LOCALE_LIST) {
    if (subject.startsWith(s.offer.subject(reference, ''))) return 'offer';
    const assessment = s.task.subject(
      s.taskTitles.NEEDS_ASSESSMENT,
      s.subjects.case.nominative(reference),
      '',
    );
    if (subject.startsWith(assessment)) return 'assessment';
    // The assessment stage opens the day-30 reflection review beside it.
    const reflection = s.task.subject(
      s.taskTitles.REFLECTION_REVIEW,
      s.subjects.case.nominative(reference),
      '',
    );
    if (subject.startsWith(reflection)) return 'reflection';
    if (subject === s.notice.acceptedSubject(reference)) return 'accepted-notice';
  }
  return 'other';
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const s1 = (n: number) => `${n.toFixed(1)} s`;

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const options = parseOptions(argv);
  const t0 = Date.now();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const rng = seeded(options.seed);
  // Kill k falls once a random share of the referrals in the k-th slice of the run has been
  // answered (so the kills spread over the whole run however fast the machine is), the stack
  // having been up at least --min-up seconds, plus a random wait of up to --max-up − --min-up.
  const schedule = Array.from({ length: options.kills }, (_, k) => ({
    atAnswered: Math.floor(((k + rng()) / options.kills) * options.referrals * 0.9),
    extraS: rng() * (options.maxUpS - options.minUpS),
  }));
  const referrals: Referral[] = Array.from({ length: options.referrals }, (_, index) => ({
    index,
    key: `chaos-${options.seed}-${index}`,
    body: JSON.stringify({ ...demoReferral(), preferredNgoId: NGOS[index % NGOS.length] }),
    accept: rng() < options.accept,
    posts: 0,
    acceptPosts: 0,
  }));
  const byReference = new Map<string, Referral>();

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-bench-chaos-'));
  const base = await freePortBase();
  const stack = new ChaosStack(dataDir, { BASHKE_PORT: String(base) });
  const failures: string[] = [];
  const fail = (line: string) => failures.push(line);
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    stack.abort();
    say(`bench chaos: interrupted; the data folder stays in ${dataDir}`);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);

  say(
    `bench chaos: seed ${options.seed} (--seed ${options.seed} repeats the kill schedule and the choices); ` +
      `${options.referrals} referrals, ${options.kills} kills after ${options.minUpS}-${options.maxUpS} s up, ` +
      `${options.concurrency} clients, ${Math.round(options.accept * 100)} % of offers accepted; ` +
      `ports from ${base}; ${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(1)}; data folder ${dataDir}`,
  );
  try {
    const first = await stack.start();
    const firstReadyS = (Date.now() - t0) / 1000;
    const { urls } = first.runtime;
    say(`  first start: ready in ${s1(firstReadyS)}`);
    const mint = (role: 'police' | 'coordinator', who: { org: string; email: string }) =>
      mintLocalToken({ role, org: who.org, email: who.email, 'data-dir': dataDir });
    let officerToken = await mint('police', OFFICER);
    const clockOffsetMs = async () => {
      const res = await call(`${urls.admin}/clock`);
      return res?.ok ? ((await res.json()) as { offsetMs: number }).offsetMs : 0;
    };
    const offsetAtStart = await clockOffsetMs();

    // Clients: each referral's key POSTed until it is answered.
    const statuses = new Map<string, number>();
    const count = (what: string) => statuses.set(what, (statuses.get(what) ?? 0) + 1);
    let next = 0;
    let clientsDeadline = Number.POSITIVE_INFINITY;
    const client = async () => {
      while (next < referrals.length) {
        const r = referrals[next++];
        if (!r) break;
        for (let attempt = 0; ; attempt++) {
          if (Date.now() > clientsDeadline) return;
          r.posts++;
          const res = await call(`${urls.api}/referrals`, {
            method: 'POST',
            headers: {
              Authorization: `Bearer ${officerToken}`,
              'Content-Type': 'application/json',
              'Idempotency-Key': r.key,
            },
            body: r.body,
          });
          const backoff = Math.min(2000, 200 * 2 ** Math.min(attempt, 4)) * (0.5 + Math.random());
          if (!res) {
            count('no answer (connection refused, reset or timed out)');
            await sleep(backoff);
            continue;
          }
          count(String(res.status));
          if (res.status === 201) {
            const answer = (await res.json()) as { caseId: string; reference: string };
            r.caseId = answer.caseId;
            r.reference = answer.reference;
            byReference.set(answer.reference, r);
            break;
          }
          await res.arrayBuffer();
          if (res.status === 401 && attempt < 5) {
            officerToken = await mint('police', OFFICER).catch(() => officerToken);
            continue;
          }
          if (res.status >= 500 || res.status === 429) {
            const retryAfter = Number(res.headers.get('retry-after'));
            await sleep(
              Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 5000) : backoff,
            );
            continue;
          }
          r.refused = res.status;
          break;
        }
      }
    };

    // The acceptor: the NGO opens its offer email and accepts through the link.
    let accepting = true;
    const inbox = async (): Promise<InboxEmail[] | undefined> => {
      const res = await call(`${urls.inbox}/store`);
      if (!res?.ok) return undefined;
      return ((await res.json()) as { emails: InboxEmail[] }).emails;
    };
    const acceptOne = async (r: Referral, link: string) => {
      r.acceptPosts++;
      const res = await call(link, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'decision=accept',
      });
      if (!res) return;
      await res.arrayBuffer();
      if (res.status === 200) r.accepted = 'ok';
      // A POST whose answer a kill took may have done it: the checks below tell.
      else if (res.status === 410) r.accepted = r.acceptPosts > 1 ? 'after-a-lost-answer' : 'gone-at-once';
    };
    const acceptor = async () => {
      while (accepting) {
        const emails = await inbox();
        for (const email of emails ?? []) {
          const reference = REFERENCE.exec(email.subject)?.[0];
          const r = reference ? byReference.get(reference) : undefined;
          if (!r?.accept || r.accepted || !reference || kindOf(email.subject, reference) !== 'offer')
            continue;
          const link = LINK.exec(email.body.text ?? '')?.[1];
          if (link) await acceptOne(r, link);
        }
        await sleep(ACCEPT_POLL_MS);
      }
    };

    let clientsDone = false;
    const clients = Promise.all(Array.from({ length: options.concurrency }, client)).then(() => {
      clientsDone = true;
    });
    const accepted = acceptor();
    const answeredCount = () => referrals.reduce((n, r) => n + (r.caseId ? 1 : 0), 0);

    // The killer.
    for (const [k, step] of schedule.entries()) {
      const upSince = Date.now();
      // Bounded: a stack that answers nothing for two minutes is killed anyway.
      while (answeredCount() < step.atAnswered && !clientsDone && Date.now() - upSince < 120_000)
        await sleep(100);
      const upS = (Date.now() - upSince) / 1000;
      await sleep((Math.max(0, options.minUpS - upS) + step.extraS) * 1000);
      const answered = answeredCount();
      const readyS = await stack.crashAndRestart();
      say(
        `  kill ${k + 1}/${options.kills} after ${s1((Date.now() - upSince) / 1000 - readyS)} up ` +
          `(${answered}/${referrals.length} answered): ready again in ${s1(readyS)}; ${stack.resumed.at(-1)}`,
      );
    }
    clientsDeadline = Date.now() + AFTER_KILLS_MS;
    await clients;
    const answered = referrals.filter((r) => r.caseId);
    say(`  clients done: ${answered.length}/${referrals.length} answered ${s1((Date.now() - t0) / 1000)} in`);

    // Let every chosen offer be accepted (its email may still be on its way).
    // Until none is left to accept, or a minute passes without one more accepted (an offer
    // that never came is lost, and the checks say so).
    let lastProgress = Date.now();
    let pending = answered.filter((r) => r.accept && !r.accepted).length;
    while (pending > 0 && Date.now() - lastProgress < 60_000) {
      await sleep(500);
      const now = answered.filter((r) => r.accept && !r.accepted).length;
      if (now < pending) lastProgress = Date.now();
      pending = now;
    }
    accepting = false;
    await accepted;
    const acceptedOnes = answered.filter((r) => r.accept && r.accepted);

    // The assessment stage starts on the one-minute sweep: move the runtime clock on a
    // minute at a time until every accepted case's assessment email is there.
    const have = (emails: readonly InboxEmail[], kind: Kind) => {
      const refs = new Set<string>();
      for (const e of emails) {
        const ref = REFERENCE.exec(e.subject)?.[0];
        if (ref && kindOf(e.subject, ref) === kind) refs.add(ref);
      }
      return refs;
    };
    let advances = 0;
    // Until nothing is missing, or ten rounds (five minutes of the clock) bring nothing more.
    let still = { waiting: Number.POSITIVE_INFINITY, rounds: 0 };
    for (let round = 0; round < 40 && still.rounds < 10; round++) {
      const emails = (await inbox()) ?? [];
      const offered = have(emails, 'offer');
      const assessed = have(emails, 'assessment');
      const waiting =
        answered.filter((r) => !offered.has(r.reference ?? '')).length +
        acceptedOnes.filter((r) => !assessed.has(r.reference ?? '')).length;
      if (waiting === 0) break;
      still = waiting < still.waiting ? { waiting, rounds: 0 } : { waiting, rounds: still.rounds + 1 };
      // The admin endpoint's port is not in the port plan: it is the running stack's.
      const admin = stack.running?.runtime.urls.admin;
      if (round > 0 && round % 2 === 0 && admin) {
        const res = await call(`${admin}/clock/advance`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ by: '1m' }),
        });
        if (res?.ok) advances++;
        await res?.arrayBuffer();
      }
      await sleep(3000);
    }
    // Quiet: the inbox unchanged for five seconds (delivery events and notices settle).
    let last = -1;
    for (let i = 0; i < 30; i++) {
      const n = ((await inbox()) ?? []).length;
      if (n === last) break;
      last = n;
      await sleep(5000);
    }
    say(`  settled ${s1((Date.now() - t0) / 1000)} in (the clock moved on ${advances} × 1 min)`);

    // --- The checks ---
    const lost: string[] = [];
    for (const r of referrals) {
      if (r.refused) fail(`referral ${r.index}: refused with ${r.refused}`);
      else if (!r.caseId)
        lost.push(`referral ${r.index} (key ${r.key}): never answered after ${r.posts} POSTs`);
    }

    // The API: every case the coordinator can list, and every key again.
    const coordinatorToken = await mint('coordinator', COORDINATOR);
    const listed = new Map<string, { status: string; reference: string }>();
    let cursor: string | undefined;
    do {
      const q = new URLSearchParams({ limit: '100', ...(cursor ? { cursor } : {}) });
      const res = await call(`${urls.api}/cases?${q}`, {
        headers: { Authorization: `Bearer ${coordinatorToken}` },
      });
      if (res?.status !== 200) throw new Error(`GET /cases answered ${res?.status ?? 'nothing'}`);
      const page = (await res.json()) as {
        items: Array<{ caseId: string; status: string; reference: string }>;
        nextCursor?: string;
      };
      for (const c of page.items) listed.set(c.caseId, { status: c.status, reference: c.reference });
      cursor = page.nextCursor;
    } while (cursor);
    const caseIds = new Set(answered.map((r) => r.caseId));
    const extraCases = [...listed.keys()].filter((id) => !caseIds.has(id));
    for (const id of extraCases) fail(`a case no referral was answered with: ${listed.get(id)?.reference}`);
    for (const r of answered) {
      const c = listed.get(r.caseId ?? '');
      const want = r.accepted ? 'ACCEPTED' : 'OFFERED';
      if (!c) lost.push(`case of referral ${r.index} (${r.reference}): not listed by the API`);
      else if (c.status !== want) fail(`case ${r.reference}: ${c.status}, not ${want}`);
    }
    let replayedSame = 0;
    let replayNext = 0;
    const replay = async () => {
      while (replayNext < answered.length) {
        const r = answered[replayNext++];
        if (!r) break;
        const res = await call(`${urls.api}/referrals`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${officerToken}`,
            'Content-Type': 'application/json',
            'Idempotency-Key': r.key,
          },
          body: r.body,
        });
        const answer = res?.status === 201 ? ((await res.json()) as { caseId: string }) : undefined;
        if (answer?.caseId === r.caseId) replayedSame++;
        else
          fail(`key ${r.key} again: ${res?.status ?? 'no answer'}${answer ? `, case ${answer.caseId}` : ''}`);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, replay));

    // The control plane: every execution of every state machine.
    const app = readAssembly(path.join(dataDir, 'cdk.out'), {
      gatewayUrl: urls.api,
      issuer: first.runtime.issuer,
      signIn: urls.signIn ?? first.runtime.issuer,
    });
    const sfn = new SFNClient({
      region: app.region,
      endpoint: urls.stepFunctions,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    const executions: ExecutionListItem[] = [];
    const stepFailures = new Map<string, { count: number; executions: Set<string> }>();
    try {
      for (const { arn: stateMachineArn } of app.stateMachines) {
        let nextToken: string | undefined;
        do {
          const page = await sfn.send(
            new ListExecutionsCommand({ stateMachineArn, maxResults: 1000, nextToken }),
          );
          executions.push(...(page.executions ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
      }
      // What failed inside the executions (a step's function error or timeout), retried or not.
      for (const e of executions) {
        let nextToken: string | undefined;
        do {
          const page = await sfn.send(
            new GetExecutionHistoryCommand({ executionArn: e.executionArn, maxResults: 1000, nextToken }),
          );
          for (const event of page.events ?? []) {
            if (event.type !== 'TaskFailed') continue;
            const error = event.taskFailedEventDetails?.error ?? '?';
            const entry = stepFailures.get(error) ?? { count: 0, executions: new Set<string>() };
            entry.count++;
            entry.executions.add(e.name ?? '');
            stepFailures.set(error, entry);
          }
          nextToken = page.nextToken;
        } while (nextToken);
      }
    } finally {
      sfn.destroy();
    }
    const byName = new Map<string, ExecutionListItem[]>();
    for (const e of executions) byName.set(e.name ?? '', [...(byName.get(e.name ?? '') ?? []), e]);
    const referralExecutions = answered.filter((r) => byName.has(r.caseId ?? '')).length;
    let assessmentExecutions = 0;
    const known = new Set<string>();
    for (const r of answered) {
      const own = byName.get(r.caseId ?? '') ?? [];
      known.add(r.caseId ?? '');
      const want = r.accepted ? 'SUCCEEDED' : 'RUNNING';
      if (own.length === 0) lost.push(`execution of case ${r.reference}: not listed`);
      else if (own.length > 1) fail(`case ${r.reference}: ${own.length} referral executions`);
      else if (own[0]?.status !== want)
        fail(`execution of case ${r.reference}: ${own[0]?.status}, not ${want}`);
      const stages = executions.filter((e) => e.name?.startsWith(`${r.caseId}-`));
      for (const e of stages) known.add(e.name ?? '');
      const assessments = stages.filter((e) => e.name?.startsWith(`${r.caseId}-assessment-`));
      assessmentExecutions += assessments.length;
      if (r.accepted && assessments.length === 0)
        lost.push(`assessment execution of case ${r.reference}: none`);
      if (assessments.length > 1) fail(`case ${r.reference}: ${assessments.length} assessment executions`);
      if (!r.accepted && stages.length)
        fail(`case ${r.reference}: a stage started though it was not accepted`);
    }
    const failedExecutions = executions.filter((e) => e.status !== 'RUNNING' && e.status !== 'SUCCEEDED');
    for (const e of failedExecutions) fail(`execution ${e.name}: ${e.status}`);
    for (const e of executions) if (!known.has(e.name ?? '')) fail(`execution ${e.name}: of no referral`);

    // The inbox: each referral's emails, their links, their copies.
    const emails = (await inbox()) ?? [];
    const mail = new Map<string, Map<Kind, InboxEmail[]>>();
    const others = new Map<string, number>();
    for (const e of emails) {
      const reference = REFERENCE.exec(e.subject)?.[0];
      const kind = reference && byReference.has(reference) ? kindOf(e.subject, reference) : 'other';
      if (!reference || kind === 'other') {
        const shape = e.subject.replace(REFERENCE, '<ref>').replace(/\d+ \S+ \d\d:\d\d$/, '<due>');
        others.set(shape, (others.get(shape) ?? 0) + 1);
        continue;
      }
      const kinds = mail.get(reference) ?? new Map<Kind, InboxEmail[]>();
      kinds.set(kind, [...(kinds.get(kind) ?? []), e]);
      mail.set(reference, kinds);
    }
    const tally = {
      offers: 0,
      offerLinksOk: 0,
      assessments: 0,
      assessmentLinksOk: 0,
      notices: 0,
      reflections: 0,
    };
    const linkStatus = async (email: InboxEmail) => {
      const link = LINK.exec(email.body.text ?? '')?.[1];
      if (!link) return 'no link';
      const res = await call(link);
      await res?.arrayBuffer();
      return res?.status ?? 'no answer';
    };
    for (const r of answered) {
      const kinds = mail.get(r.reference ?? '');
      const offers = kinds?.get('offer') ?? [];
      if (!offers.length) {
        lost.push(`offer email of case ${r.reference}: none`);
        continue;
      }
      tally.offers++;
      // A pending offer's link shows its confirm page; an accepted one's is used (410). Every
      // copy's link, should a copy carry another.
      const links = new Map(offers.map((o) => [LINK.exec(o.body.text ?? '')?.[1] ?? '', o]));
      let linksOk = true;
      for (const offer of links.values()) {
        const status = await linkStatus(offer);
        if (status !== (r.accepted ? 410 : 200)) {
          linksOk = false;
          fail(`offer link of case ${r.reference}: ${status}`);
        }
      }
      if (linksOk) tally.offerLinksOk++;
      if (!r.accepted) continue;
      if (kinds?.get('reflection')?.length) tally.reflections++;
      const assessments = kinds?.get('assessment') ?? [];
      if (!assessments.length) lost.push(`assessment email of case ${r.reference}: none`);
      else {
        tally.assessments++;
        const a = await linkStatus(assessments[0] as InboxEmail);
        if (a === 200) tally.assessmentLinksOk++;
        else fail(`assessment link of case ${r.reference}: ${a}`);
      }
      if (kinds?.get('accepted-notice')?.length) tally.notices++;
      else lost.push(`the officer's notice of case ${r.reference}: none`);
    }

    // Duplicates: the same message (recipients, subject, link) more than once.
    const offsetMs = offsetAtStart;
    const killSeconds = stack.killedAt.map((ms) => (ms + offsetMs) / 1000);
    const duplicates: string[] = [];
    const groups = new Map<string, InboxEmail[]>();
    for (const e of emails) {
      const key = `${e.destination.to.join(',')}|${e.subject}|${LINK.exec(e.body.text ?? '')?.[1] ?? ''}`;
      groups.set(key, [...(groups.get(key) ?? []), e]);
    }
    let unexplained = 0;
    for (const copies of groups.values()) {
      if (copies.length < 2) continue;
      copies.sort((a, b) => a.at - b.at);
      for (let i = 1; i < copies.length; i++) {
        const before = copies[i - 1] as InboxEmail;
        const after = copies[i] as InboxEmail;
        const k = killSeconds.findIndex((t) => before.at <= Math.ceil(t) && after.at >= Math.floor(t));
        const ref = REFERENCE.exec(after.subject)?.[0] ?? '?';
        const what = `${kindOf(after.subject, ref)} ${ref} to ${after.destination.to.join(',')}`;
        if (k >= 0) {
          duplicates.push(
            `${what}: copies at +${(before.at - t0 / 1000 - offsetMs / 1000).toFixed(0)} s and ` +
              `+${(after.at - t0 / 1000 - offsetMs / 1000).toFixed(0)} s, kill ${k + 1} between them`,
          );
        } else {
          unexplained++;
          fail(`duplicate ${what}: both copies within one run (no kill between them)`);
        }
      }
    }

    for (const line of lost) fail(`lost: ${line}`);
    for (const line of stack.failedStarts) fail(`a restart failed, ${line}`);
    const stopped = await stack.stop();
    if (!stopped) fail('the stack did not say it stopped on Ctrl-C');
    await sleep(500);
    const left = stack.leftovers();
    if (left.length)
      fail(
        `processes still running after the stop (killed now): ${left.map((p) => (p < 0 ? `group ${-p}` : String(p))).join(', ')}`,
      );
    const acceptedAfterLoss = acceptedOnes.filter((r) => r.accepted === 'after-a-lost-answer').length;

    const rows: Array<[string, string]> = [
      [
        'referrals',
        `${answered.length}/${referrals.length} answered (${referrals.reduce((n, r) => n + r.posts, 0)} POSTs: ` +
          `${[...statuses.entries()].map(([k, v]) => `${k} × ${v}`).join(', ')})`,
      ],
      [
        'kills',
        `${stack.killedAt.length} (SIGKILL to the stack's process group); the stack up ` +
          `${s1(stack.uptimeMs() / 1000)} in all, over ${stack.killedAt.length + 1} runs`,
      ],
      [
        'restarts',
        `${stack.killToReadyS.length}; kill → ready median ${s1(median(stack.killToReadyS))}, ` +
          `max ${s1(Math.max(0, ...stack.killToReadyS))}`,
      ],
      [
        'accepted',
        `${acceptedOnes.length} of ${answered.filter((r) => r.accept).length} chosen, through the emailed link ` +
          `(${acceptedAfterLoss} answered 410 on a retry: the POST before the kill had done it)`,
      ],
      [
        'cases (API)',
        `${listed.size} listed for ${answered.length} referrals; the key again answered the same case ${replayedSame}/${answered.length}`,
      ],
      [
        'executions',
        `${referralExecutions} referral + ${assessmentExecutions} assessment (ListExecutions, ${executions.length} in all); ` +
          `${failedExecutions.length} failed`,
      ],
      [
        'step failures',
        stepFailures.size
          ? [...stepFailures.entries()]
              .map(([error, f]) => {
                const ended = [...f.executions].filter((name) =>
                  failedExecutions.some((e) => e.name === name),
                ).length;
                return `${error} × ${f.count} in ${f.executions.size} executions (${ended} of them FAILED)`;
              })
              .join('; ')
          : 'none (TaskFailed events in the histories)',
      ],
      [
        'emails',
        `${tally.offers} with an offer (link ok ${tally.offerLinksOk}), ${tally.assessments} with an assessment ` +
          `(link ok ${tally.assessmentLinksOk}), ${tally.reflections} with the reflection review, ` +
          `${tally.notices} officer notices; ${emails.length} in the inbox`,
      ],
      [
        'other emails',
        others.size ? [...others.entries()].map(([shape, n]) => `${n} × "${shape}"`).join('; ') : 'none',
      ],
      [
        'duplicates',
        `${duplicates.length} explained by a kill between the mail service accepting and the record, ${unexplained} not`,
      ],
      [
        'failed starts',
        stack.failedStarts.length ? stack.failedStarts.join('; ') : '0 (every restart came up at once)',
      ],
      ['lost', String(lost.length)],
      ['total time', s1((Date.now() - t0) / 1000)],
      ['processes left', String(left.length)],
    ];
    say('');
    say(
      `npm run bench -- chaos --seed ${options.seed} --referrals ${options.referrals} --kills ${options.kills}`,
    );
    const width = Math.max(...rows.map((r) => r[0].length));
    for (const [what, value] of rows) say(`  ${what.padEnd(width)}  ${value}`);
    for (const d of duplicates) say(`    duplicate: ${d}`);
    if (failures.length) {
      say('');
      say(`FAILED (${failures.length}):`);
      for (const f of failures.slice(0, 50)) say(`  ${f}`);
      if (failures.length > 50) say(`  … and ${failures.length - 50} more`);
      say(`the data folder stays in ${dataDir}; the stack's last lines:\n${stack.lastLog}`);
      return 1;
    }
    return 0;
  } catch (error) {
    say(`the stack's last lines:\n${stack.running?.output.join('').slice(-4000) ?? stack.lastLog}`);
    stack.abort();
    failures.push(String(error));
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (!interrupted) {
      if (stack.running) await stack.stop().catch(() => stack.abort());
      stack.leftovers();
      if (!options.keep && failures.length === 0) rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `bench chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
