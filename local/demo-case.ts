/**
 * One case walked from referral to closure on a running local stack, as the people involved
 * would: the officer refers through the HTTP API, every task is done by opening its emailed
 * link (GET shows the page, POST sends the fields of its form), the runtime clock is moved
 * on where the next stage waits on the due-time index, and the case is read back through the
 * API. `npm run demo -- --to-closure` prints it; the e2e tests drive it with their own
 * choices. It learns what each task asks from the page it opens, never from the app's code.
 */

import type { RuntimeFile } from './runtime-file';

/** An email of the SES emulator's inbox (`GET <inbox>/store`). */
export interface InboxEmail {
  readonly destination: { readonly to: string[] };
  readonly subject: string;
  readonly body: { readonly text?: string; readonly html?: string };
}

/** The kinds of task a link's page can be, told apart by the fields of its form. */
export type PageKind =
  | 'OFFER'
  | 'CHILD_PROTECTION'
  | 'NEEDS_ASSESSMENT'
  | 'REFLECTION_REVIEW'
  | 'ASSISTANCE_PLAN'
  | 'PLAN_ITEM'
  | 'PLAN_REVIEW'
  | 'FOLLOW_UP'
  | 'CLOSURE_PROPOSAL'
  | 'CLOSURE_CONFIRMATION';

/** A task found in the inbox: its link, the email it came in and what its page asks. */
export interface FoundTask {
  readonly link: string;
  readonly email: InboxEmail;
  readonly kind: PageKind;
  /** The page's HTML (GET): the plan pages list the organisations to choose from. */
  readonly page: string;
}

const LINK = /(https?:\/\/[^\s"<>]+\/actions\/[A-Za-z0-9_-]+)/;

/** What a task page asks, from its form fields (the pages of functions/action-link). */
export function pageKind(html: string): PageKind | undefined {
  const has = (name: string, value?: string) =>
    new RegExp(`name="${name.replace('.', '\\.')}"${value ? ` value="${value}"` : ''}`).test(html);
  if (has('decision', 'accept')) return 'OFFER';
  if (has('decision', 'confirm')) return 'CLOSURE_CONFIRMATION';
  if (has('decision', 'continue')) return 'PLAN_REVIEW';
  if (has('result', 'done')) return 'PLAN_ITEM';
  if (has('guardianAppointed')) return 'CHILD_PROTECTION';
  if (has('needs')) return 'NEEDS_ASSESSMENT';
  if (has('reflection')) return 'REFLECTION_REVIEW';
  if (has('situation')) return 'FOLLOW_UP';
  if (has('closure')) return 'CLOSURE_PROPOSAL';
  if (/name="item\.[a-z-]+"/.test(html)) return 'ASSISTANCE_PLAN';
  return undefined;
}

/** The `<select name="item.<service>">` of a plan page and the organisations each offers. */
export function planChoices(html: string): { service: string; orgIds: string[] }[] {
  const out: { service: string; orgIds: string[] }[] = [];
  for (const m of html.matchAll(/<select[^>]*name="item\.([a-z-]+)"[^>]*>(.*?)<\/select>/gs)) {
    const orgIds = [...(m[2] ?? '').matchAll(/<option value="([^"]+)"/g)].map((o) => o[1] ?? '');
    out.push({ service: m[1] ?? '', orgIds: orgIds.filter(Boolean) });
  }
  return out;
}

export interface CaseClientOptions {
  readonly runtime: Pick<RuntimeFile, 'urls'>;
  /** An ID token of the role and organisation, valid by the stack's runtime clock now. */
  readonly token: (role: string, org: string, email?: string) => Promise<string>;
  /** How long to look for an email before giving up, in ms. @default 30000 */
  readonly emailTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The stack as its users reach it: the API, the inbox, the links, the clock. */
export class CaseClient {
  readonly urls: RuntimeFile['urls'];
  /** Links already acted on or looked at: each task is found once. */
  private readonly seen = new Set<string>();

  constructor(private readonly opts: CaseClientOptions) {
    this.urls = opts.runtime.urls;
  }

  async inbox(): Promise<InboxEmail[]> {
    const res = await fetch(`${this.urls.inbox}/store`);
    return ((await res.json()) as { emails: InboxEmail[] }).emails;
  }

  /** Refers a case as the officer; returns the API's answer (201). */
  async refer(
    body: unknown,
    officer: { org: string; email: string },
    key: string,
  ): Promise<{ caseId: string; reference: string; status: string }> {
    const res = await fetch(`${this.urls.api}/referrals`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await this.opts.token('police', officer.org, officer.email)}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': key,
      },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`the referral was refused with ${res.status}`);
    return (await res.json()) as { caseId: string; reference: string; status: string };
  }

  /** The case as the referring officer reads it. */
  async readCase(
    caseId: string,
    officer: { org: string; email: string },
  ): Promise<{ status: string; acceptedOrgId?: string }> {
    const res = await fetch(`${this.urls.api}/cases/${caseId}`, {
      headers: { Authorization: `Bearer ${await this.opts.token('police', officer.org, officer.email)}` },
    });
    if (res.status !== 200) throw new Error(`GET /cases/${caseId} answered ${res.status}`);
    return (await res.json()) as { status: string; acceptedOrgId?: string };
  }

  /** Polls the case until its status is one of `statuses`. */
  async waitForStatus(
    caseId: string,
    officer: { org: string; email: string },
    statuses: readonly string[],
    timeoutMs = 30_000,
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = (await this.readCase(caseId, officer)).status;
      if (statuses.includes(last)) return last;
      await sleep(250);
    }
    throw new Error(`the case stayed ${last}, not ${statuses.join(' or ')}`);
  }

  /**
   * The next task of the case (its reference in the subject) not looked at yet, whose page
   * is of `kinds` (any when absent); undefined when none came within `timeoutMs`.
   */
  async findTask(
    reference: string,
    opts: { kinds?: readonly PageKind[]; to?: string; timeoutMs?: number } = {},
  ): Promise<FoundTask | undefined> {
    const deadline = Date.now() + (opts.timeoutMs ?? this.opts.emailTimeoutMs ?? 30_000);
    do {
      for (const email of await this.inbox()) {
        if (!email.subject.includes(reference)) continue;
        if (opts.to && !email.destination.to.includes(opts.to)) continue;
        const link = LINK.exec(email.body.text ?? '')?.[1];
        if (!link || this.seen.has(link)) continue;
        const res = await fetch(link);
        const page = await res.text();
        const kind = res.status === 200 ? pageKind(page) : undefined;
        if (!kind) {
          // A used or expired link (410), or a page this client does not know: not a task to do.
          this.seen.add(link);
          continue;
        }
        if (opts.kinds && !opts.kinds.includes(kind)) continue;
        this.seen.add(link);
        return { link, email, kind, page };
      }
      if (Date.now() >= deadline) return undefined;
      await sleep(200);
    } while (Date.now() < deadline);
    return undefined;
  }

  /** Like findTask, but a task of `kinds` must come. */
  async nextTask(
    reference: string,
    kinds: readonly PageKind[],
    opts: { to?: string; timeoutMs?: number } = {},
  ): Promise<FoundTask> {
    const found = await this.findTask(reference, { kinds, ...opts });
    if (!found) throw new Error(`no ${kinds.join('/')} task email for ${reference} arrived`);
    return found;
  }

  /** Sends a task page's form (urlencoded fields, repeated names allowed); returns the status. */
  async submit(task: FoundTask, fields: readonly (readonly [string, string])[]): Promise<number> {
    const res = await fetch(task.link, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields.map(([k, v]): [string, string] => [k, v])).toString(),
    });
    await res.text();
    if (res.status !== 200) throw new Error(`the ${task.kind} form was answered with ${res.status}`);
    return res.status;
  }

  /** The stack's runtime clock (ISO), which may be ahead of real time. */
  async clockNow(): Promise<string> {
    if (!this.urls.admin) return new Date().toISOString();
    const res = await fetch(`${this.urls.admin}/clock`);
    return ((await res.json()) as { now: string }).now;
  }

  /** Moves the stack's runtime clock ahead; returns once the schedules due by then ran. */
  async advanceClock(by: string): Promise<string> {
    if (!this.urls.admin) throw new Error('the running stack has no admin endpoint');
    const res = await fetch(`${this.urls.admin}/clock/advance`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ by }),
    });
    const body = (await res.json()) as { now?: string; message?: string };
    if (!res.ok) throw new Error(`the clock did not advance: ${body.message ?? res.status}`);
    return body.now ?? '';
  }

  /**
   * Waits for a task of `kinds`; while none comes, moves the clock on by `steps` in turn
   * (the last one repeated, at most `maxAdvances` times): the next stage waits on the
   * due-time index, which the one-minute sweep reads on the runtime clock.
   */
  async taskAfterClock(
    reference: string,
    kinds: readonly PageKind[],
    steps: readonly string[],
    say: (line: string) => void,
    opts: { to?: string; maxAdvances?: number } = {},
  ): Promise<FoundTask> {
    const quick = await this.findTask(reference, {
      kinds,
      timeoutMs: 1_500,
      ...(opts.to ? { to: opts.to } : {}),
    });
    if (quick) return quick;
    const max = opts.maxAdvances ?? 20;
    for (let i = 0; i < max; i++) {
      const by = steps[Math.min(i, steps.length - 1)] ?? '1m';
      await this.advanceClock(by);
      say(`clock +${by}`);
      const found = await this.findTask(reference, {
        kinds,
        timeoutMs: 3_000,
        ...(opts.to ? { to: opts.to } : {}),
      });
      if (found) return found;
    }
    throw new Error(`no ${kinds.join('/')} task email for ${reference} arrived after ${max} clock advances`);
  }
}

/** Choices of a walk: the defaults go straight to CLOSED; the others exercise the "no" paths. */
export interface WalkChoices {
  /** Decline the first offer with this reason (the next NGO is offered the case). */
  readonly declineFirstOffer?: string;
  /** Answer the first plan item "not possible" with this reason. */
  readonly firstItemNotPossible?: string;
  /** Leave the last plan item open (it falls overdue as the clock moves on). */
  readonly leaveLastItemOpen?: boolean;
  /** Send the first closure proposal back with this reason (a new proposal is asked). */
  readonly rejectFirstClosure?: string;
  /** Stop once this step is reached (the case waits there): for tests that do more. */
  readonly stopAt?: 'assistance' | 'follow-up-2';
  /** The referral body; the demo referral when absent. */
  readonly referral: unknown;
  /** The referring officer. */
  readonly officer: { readonly org: string; readonly email: string };
  /**
   * Organisations the plan may name besides the case's NGO: those the person consented to
   * (the form offers every provider of the region; the consent decides).
   */
  readonly planOrgs?: readonly string[];
  /** How many follow-up check-ins the app makes (for the lines printed). @default 3 */
  readonly checkIns?: number;
  /** The Idempotency-Key of the referral. */
  readonly idempotencyKey: string;
}

export interface WalkResult {
  readonly caseId: string;
  readonly reference: string;
  /** The final status, or the status where the walk stopped. */
  readonly status: string;
}

/** One month of the clock, enough to pass any month's end (the follow-ups count months). */
const MONTH = '31d';

/**
 * Walks one case: referral, offer, assessment, plan and its items, plan review, the
 * follow-up check-ins, closure proposal and confirmation, printing one line per step
 * (`caseId: <uuid>` first). Prints ids, kinds and choices only, never the person.
 */
export async function walkCase(
  client: CaseClient,
  choices: WalkChoices,
  say: (line: string) => void,
): Promise<WalkResult> {
  // The interview was today by the stack's clock, which earlier walks may have moved on.
  const today = (await client.clockNow()).slice(0, 10);
  const referral =
    typeof choices.referral === 'object' && choices.referral !== null && 'interviewDate' in choices.referral
      ? { ...choices.referral, interviewDate: today }
      : choices.referral;
  const created = await client.refer(referral, choices.officer, choices.idempotencyKey);
  const { caseId, reference } = created;
  say(`caseId: ${caseId}`);
  say(`referred: ${reference}`);
  return continueCase(client, { caseId, reference }, choices, say);
}

/** The walk from wherever the case is (a restart resumes it): acts on the tasks as they come. */
export async function continueCase(
  client: CaseClient,
  ids: { caseId: string; reference: string },
  choices: Omit<WalkChoices, 'referral' | 'idempotencyKey'>,
  say: (line: string) => void,
): Promise<WalkResult> {
  const { caseId, reference } = ids;
  const status = () => client.readCase(caseId, choices.officer).then((c) => c.status);
  let declined = false;
  let itemRefused = false;
  let closureRejected = false;
  let followUps = 0;
  let stage = await status();

  // Offer: until one NGO accepts.
  while (['REFERRED', 'OFFERED'].includes(stage)) {
    const offer = await client.nextTask(reference, ['OFFER']);
    if (choices.declineFirstOffer && !declined) {
      declined = true;
      await client.submit(offer, [
        ['decision', 'decline'],
        ['reason', choices.declineFirstOffer],
      ]);
      say('offer declined');
      continue;
    }
    await client.submit(offer, [['decision', 'accept']]);
    stage = await client.waitForStatus(caseId, choices.officer, ['ACCEPTED', 'ASSESSED', 'IN_ASSISTANCE']);
    say('offer accepted');
  }

  if (stage === 'ACCEPTED') {
    const needs = await client.taskAfterClock(reference, ['NEEDS_ASSESSMENT'], ['1m'], say);
    await client.submit(needs, [
      ['needs', 'shelter'],
      ['needs', 'legal'],
    ]);
    say('needs assessed');
    stage = 'ASSESSED';
  }

  if (stage === 'ASSESSED') {
    const plan = await client.nextTask(reference, ['ASSISTANCE_PLAN']);
    const items = pickPlan(planChoices(plan.page), [
      (await client.readCase(caseId, choices.officer)).acceptedOrgId ?? '',
      ...(choices.planOrgs ?? []),
    ]);
    if (items.length === 0) throw new Error('the plan page offers no organisation for any item');
    await client.submit(plan, items);
    say(`plan made: ${items.length} items`);
    const toDo = choices.leaveLastItemOpen ? items.length - 1 : items.length;
    for (let i = 0; i < toDo; i++) {
      const item = await client.nextTask(reference, ['PLAN_ITEM']);
      if (choices.firstItemNotPossible && !itemRefused) {
        itemRefused = true;
        await client.submit(item, [
          ['result', 'not-possible'],
          ['reason', choices.firstItemNotPossible],
        ]);
        say(`plan item ${i + 1}/${items.length}: not possible`);
      } else {
        await client.submit(item, [['result', 'done']]);
        say(`plan item ${i + 1}/${items.length}: done`);
      }
    }
    stage = await client.waitForStatus(caseId, choices.officer, ['IN_ASSISTANCE']);
  }

  if (stage === 'IN_ASSISTANCE') {
    if (choices.stopAt === 'assistance') {
      // The assistance execution now waits on the review; whoever goes on finds its email again.
      await client.taskAfterClock(reference, ['PLAN_REVIEW'], ['1m'], say);
      say('plan review: waiting');
      return { caseId, reference, status: stage };
    }
    const review = await client.taskAfterClock(reference, ['PLAN_REVIEW'], ['1m', MONTH], say);
    await client.submit(review, [['decision', 'complete']]);
    say('plan review: complete');
    stage = await client.waitForStatus(caseId, choices.officer, ['FOLLOW_UP']);
  }

  if (stage === 'FOLLOW_UP') {
    // Each check-in opens on the due-time index some days before its date, months apart.
    for (;;) {
      const next = await client.taskAfterClock(
        reference,
        ['FOLLOW_UP', 'CLOSURE_PROPOSAL'],
        ['1m', MONTH],
        say,
        { maxAdvances: 16 },
      );
      if (next.kind === 'CLOSURE_PROPOSAL') {
        await proposeAndConfirm(
          client,
          reference,
          next,
          choices,
          () => {
            const first = !closureRejected;
            closureRejected = true;
            return first;
          },
          say,
        );
        break;
      }
      followUps += 1;
      await client.submit(next, [['situation', 'stable']]);
      say(`follow-up ${followUps}/${choices.checkIns ?? 3} done`);
      if (choices.stopAt === 'follow-up-2' && followUps === 1) return { caseId, reference, status: stage };
    }
    stage = await client.waitForStatus(caseId, choices.officer, ['CLOSED', 'CLOSED_REFERRED']);
  }
  say(`closed: ${stage}`);
  return { caseId, reference, status: stage };
}

/**
 * Two plan items: the first service the case's NGO provides, then one by another allowed
 * organisation (or the NGO again), each a `item.<service>=<orgId>` field.
 */
function pickPlan(
  choices: readonly { service: string; orgIds: string[] }[],
  allowed: readonly string[],
): (readonly [string, string])[] {
  const picked: (readonly [string, string])[] = [];
  const used = new Set<string>();
  for (const orgId of [...new Set(allowed.filter(Boolean))]) {
    const choice = choices.find((c) => !used.has(c.service) && c.orgIds.includes(orgId));
    if (!choice) continue;
    used.add(choice.service);
    picked.push([`item.${choice.service}`, orgId]);
    if (picked.length === 2) break;
  }
  return picked;
}

async function proposeAndConfirm(
  client: CaseClient,
  reference: string,
  proposal: FoundTask,
  choices: Pick<WalkChoices, 'rejectFirstClosure'>,
  firstRejection: () => boolean,
  say: (line: string) => void,
): Promise<void> {
  let current = proposal;
  for (;;) {
    await client.submit(current, [['closure', 'CLOSED']]);
    say('closure proposed: CLOSED');
    const confirmation = await client.nextTask(reference, ['CLOSURE_CONFIRMATION']);
    if (choices.rejectFirstClosure && firstRejection()) {
      await client.submit(confirmation, [
        ['decision', 'reject'],
        ['reason', choices.rejectFirstClosure],
      ]);
      say('closure sent back');
      current = await client.nextTask(reference, ['CLOSURE_PROPOSAL']);
      continue;
    }
    await client.submit(confirmation, [['decision', 'confirm']]);
    say('closure confirmed');
    return;
  }
}
