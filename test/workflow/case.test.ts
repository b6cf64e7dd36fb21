/**
 * A whole case on the workflow tier: referral to CLOSED across the five synthesized state
 * machines, with every task done through its emailed link, stages started by the due-time
 * sweep, and the clock moved on by months between follow-ups. Real use cases, DynamoDB Local.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { viewAction } from '../../functions/action-link/action-link';
import { withdrawCase } from '../../functions/case-commands/case-commands';
import { type CaseCycleDeps, reopenCase, transferCase } from '../../functions/case-commands/case-cycles';
import { createReferral } from '../../functions/create-referral/create-referral';
import { caseAuditTrail } from '../../functions/read-cases/audit-trail';
import { caseTimeline, getCase } from '../../functions/read-cases/read-cases';
import { eraseExpiredCases } from '../../functions/retention/retention';
import { getStats } from '../../functions/stats-api/stats-api';
import type { Caller, MemberCaller } from '../../shared/auth/caller';
import { SfnTaskCallback } from '../../shared/aws/task-callback';
import { RetentionStore } from '../../shared/data/retention-store';
import { type Directory, directorySchema } from '../../shared/domain/directory';
import type { Person, ReferralRequest } from '../../shared/domain/referral';
import type { TaskKind } from '../../shared/domain/task-kinds';
import { TASK_TITLES } from '../../shared/email/templates';
import { ForbiddenError, NotFoundError } from '../../shared/errors';
import { MemoryAudit } from '../support/audit';
import { act, type CaseWorld, linkIn, startCaseWorld, synthCaseMachines } from '../support/case-world';
import type { SynthesizedStateMachine } from '../support/workflow-asl';

const DIRECTORY: Directory = directorySchema.parse(
  JSON.parse(readFileSync(path.join(__dirname, '../../shared/directory/korca.json'), 'utf8')),
);
const OFFICER: Caller = {
  sub: 'officer-sub-1',
  email: 'oficeri@police-korca.example.org',
  orgId: 'police-korca',
  role: 'police',
};
const DAY = 86_400_000;

/** A task email's subject in either language. */
function kindSubject(kind: TaskKind): RegExp {
  if (kind === 'OFFER') return /ofrohet|offered/;
  const titles = [TASK_TITLES.sq[kind], TASK_TITLES.en[kind]].map((t) =>
    t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  );
  return new RegExp(titles.join('|'));
}
const VATRA = { focal: 'focal.point@vatra.example.org', worker: 'social.worker@vatra.example.org' };
const COORDINATOR = 'coordinator@prefecture-korca.example.org';
const CHILD_UNIT = 'child.protection@municipality-korca.example.org';
const ECONOMIC_AID = 'economic.aid@social-services-korca.example.org';
/** Free text typed into "no" answers: it must stay on the task item, out of every email and history. */
const CANARY = 'CANARY-91d3 the item could not be arranged';

let machines: Record<string, SynthesizedStateMachine>;
let world: CaseWorld | undefined;

beforeAll(() => {
  machines = synthCaseMachines();
});

afterEach(async () => {
  await world?.stop();
  world = undefined;
});

function referral(
  person: Partial<Person> = {},
  consent: ReferralRequest['consent'] = { given: true },
): ReferralRequest {
  return {
    region: 'korca',
    interviewDate: '2026-03-09',
    socialWorkerPresent: true,
    socialWorkerOrgId: 'ngo-vatra',
    person: {
      ageGroup: 'adult',
      gender: 'female',
      nationality: 'MD',
      language: 'ro',
      needs: ['shelter', 'psycho-social'],
      riskLevel: 'high',
      ...person,
    },
    consent,
    preferredNgoId: 'ngo-vatra',
  };
}

async function refer(w: CaseWorld, body: ReferralRequest): Promise<{ caseId: string; arn: string }> {
  let arn = '';
  const response = await createReferral(
    {
      store: w.store,
      workflow: {
        start: async (input) => {
          arn = await w.wf.start('ReferralWorkflow', input, input.caseId);
        },
      },
      now: w.clock.nowFn,
      timeZone: w.taskClock.calendar.timeZone,
      interviewMaxAgeDays: 30,
    },
    { caller: OFFICER, idempotencyKey: `key-${Math.random().toString(36).slice(2, 12)}`, body },
  );
  return { caseId: response.caseId, arn };
}

async function status(w: CaseWorld, caseId: string): Promise<string | undefined> {
  return (await w.store.getCase(caseId))?.status;
}

/** Polls until the case reaches `wanted` (the workflow runs asynchronously). */
async function until(w: CaseWorld, caseId: string, wanted: string, sweep = false): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (sweep) await w.dispatch();
    if ((await status(w, caseId)) === wanted) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`case stayed ${await status(w, caseId)}, wanted ${wanted}`);
}

/** Waits until an email with a link matching `subject` reaches `address`, running the sweep meanwhile. */
async function linkFor(w: CaseWorld, address: string, subject: RegExp, count = 1): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const n = w.mailer.to(address).filter((m) => subject.test(m.subject)).length;
    if (n >= count) return linkIn(w, address, subject);
    await w.dispatch();
    await new Promise((r) => setTimeout(r, 10));
  }
  const failures = w.wf
    .invocations()
    .filter((i) => i.outcome && !i.outcome.ok)
    .map((i) => `${i.functionArn.split(':').at(-1)}: ${(i.outcome as { error: string }).error}`);
  const calls = w.wf
    .invocations()
    .slice(-4)
    .map(
      (i) =>
        `${i.functionArn.split(':').at(-1)}=${JSON.stringify(i.outcome)} ${JSON.stringify(i.payload).slice(0, 300)}`,
    );
  const runs = [...w.started.entries()].map(([n, a]) => {
    const v = w.wf.view(a);
    return `${n.slice(37)}:${v.status}:${v.statesEntered.join('>')}:${JSON.stringify(v.history.at(-1)).slice(0, 400)}`;
  });
  const sent = w.mailer.sent.map((m) => `${m.to.join(',')}: ${m.subject}`);
  throw new Error(
    `no email matching ${subject} to ${address}; failed steps: ${failures.join('; ')}; calls: ${calls.join(' | ')}; runs: ${runs.join(' | ')}; sent: ${sent.join(' | ')}`,
  );
}

/**
 * Waits until every stage execution has ended or waits on a person: the clock may then jump
 * (a jump while a Lambda step runs would time that step out, which no real minute does).
 */
async function settle(w: CaseWorld): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const busy = [...w.started.values()].some(
      (a) => w.wf.view(a).status === 'RUNNING' && w.wf.pendingCallbacks(a).length === 0,
    );
    if (!busy) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('an execution stayed busy');
}

async function executionsEnded(w: CaseWorld): Promise<void> {
  for (const arn of w.started.values()) await w.wf.result(arn);
}

describe('a whole case', () => {
  it('runs from referral to CLOSED: offer, assessment, plan with items, review, three follow-ups, closure', async () => {
    const w = await startCaseWorld(machines, DIRECTORY);
    world = w;
    const { caseId, arn } = await refer(w, referral({}, { given: true, localGovernment: true }));

    await act(w, await linkFor(w, VATRA.focal, kindSubject('OFFER')), [['decision', 'accept']]);
    await until(w, caseId, 'ACCEPTED');
    expect(await w.wf.result(arn)).toMatchObject({ status: 'SUCCEEDED' });

    // Assessment: the day-30 review stands alone; the needs, then the plan, are waited on.
    await act(w, await linkFor(w, VATRA.worker, kindSubject('NEEDS_ASSESSMENT')), [
      ['needs', 'shelter'],
      ['needs', 'psycho-social'],
    ]);
    await until(w, caseId, 'ASSESSED');
    expect(w.mailer.to(VATRA.worker).some((m) => kindSubject('REFLECTION_REVIEW').test(m.subject))).toBe(
      true,
    );
    expect((await w.store.getCase(caseId))?.assessedNeeds).toEqual(['shelter', 'psycho-social']);

    await act(w, await linkFor(w, VATRA.worker, kindSubject('ASSISTANCE_PLAN')), [
      ['item.shelter', 'ngo-vatra'],
      ['item.economic-aid', 'social-services-korca'],
    ]);
    await until(w, caseId, 'IN_ASSISTANCE');
    // The plan item goes to the social department, by its own link.
    const item = await linkFor(w, ECONOMIC_AID, kindSubject('PLAN_ITEM'));
    expect(
      await act(w, item, [
        ['result', 'not-possible'],
        ['reason', CANARY],
      ]),
    ).toMatchObject({ kind: 'done' });

    // Assistance: the first review completes it; follow-up begins.
    await act(w, await linkFor(w, VATRA.worker, kindSubject('PLAN_REVIEW')), [['decision', 'complete']]);
    await until(w, caseId, 'FOLLOW_UP');

    // Each check-in opens from the due-time index shortly before its date: months on the clock.
    for (const [i, months] of [3, 6, 12].entries()) {
      const opensBy = (months * 31 - 14) * DAY;
      await settle(w);
      await w.wf.advance(opensBy - (i === 0 ? 0 : ([3, 6, 12][i - 1] as number) * 31 - 14) * DAY);
      await act(w, await linkFor(w, VATRA.worker, kindSubject('FOLLOW_UP'), i + 1), [
        ['situation', 'stable'],
      ]);
    }

    await act(w, await linkFor(w, VATRA.worker, kindSubject('CLOSURE_PROPOSAL')), [['closure', 'CLOSED']]);
    await act(w, await linkFor(w, COORDINATOR, kindSubject('CLOSURE_CONFIRMATION')), [
      ['decision', 'confirm'],
    ]);
    await until(w, caseId, 'CLOSED', true);
    await executionsEnded(w);

    // Every stage ran as its own execution; the follow-ups one per check-in.
    expect([...w.started.keys()].map((n) => n.slice(37)).sort()).toEqual(
      [
        'assessment-1-1',
        'assistance-1-1',
        'closure-1-1',
        'follow-up-1-1',
        'follow-up-1-2',
        'follow-up-1-3',
      ].sort(),
    );
    const events = await w.store.listEvents(caseId);
    expect(events.filter((e) => e.status).map((e) => e.status)).toEqual([
      'REFERRED',
      'OFFERED',
      'ACCEPTED',
      'ASSESSED',
      'IN_ASSISTANCE',
      'FOLLOW_UP',
      'CLOSED',
    ]);
    // The officer hears of acceptance and closure, by reference only.
    expect(w.mailer.to(OFFICER.email as string).map((m) => m.subject)).toEqual([
      expect.stringMatching(/u pranua|accepted/),
      expect.stringMatching(/u mbyll|closed/),
    ]);
    // The free text stays on the task: in no email, no execution's input, output or history.
    for (const m of w.mailer.sent) expect(JSON.stringify(m)).not.toContain('CANARY-91d3');
    for (const a of [arn, ...w.started.values()]) {
      expect(JSON.stringify(w.wf.view(a).history)).not.toContain('CANARY-91d3');
    }

    // Retention (issue 12): the closed case past its retention (0 days here, 5 years by default)
    // is erased by the next run: the API, the table and the timeline hold nothing of it but the
    // anonymous figures the statistics count; the executions' history never held the free text.
    const coordinator: MemberCaller = {
      sub: 'coordinator-1',
      orgId: 'prefecture-korca',
      role: 'coordinator',
      orgKind: 'prefecture',
      regions: ['korca'],
    };
    const stats = async () =>
      (
        await getStats({ store: w.store, now: w.clock.nowFn, timeZone: 'Europe/Tirane' }, coordinator, {
          year: String(new Date(created).getUTCFullYear()),
        })
      ).report.referrals.find((r) => r.region === 'korca' && r.year === new Date(created).getUTCFullYear());
    const created = (await w.store.getCase(caseId))?.createdAt as string;
    const figuresBefore = await stats();
    expect(JSON.stringify(await w.table.items())).toContain('CANARY-91d3');
    const retention = {
      store: w.store,
      retention: new RetentionStore(w.table.client, w.table.tableName),
      now: w.clock.nowFn,
      audit: new MemoryAudit(),
      requestId: 'retention-run',
    };
    // Kept while its retention runs: five years after closure.
    expect(await eraseExpiredCases({ ...retention, retentionDays: 1825 })).toMatchObject({ erased: 0 });
    expect(await w.store.getCase(caseId)).toBeDefined();
    expect(await eraseExpiredCases({ ...retention, retentionDays: 0 })).toMatchObject({ erased: 1 });

    // Left aside: the directory (its contacts are staff, not the case), the reference counter, an
    // intake's idempotency record (DynamoDB's TTL removes it a day after intake, years before
    // any erasure) and expired action links (TTL, 30 days after their expiry).
    const now = w.clock.nowFn().getTime() / 1000;
    const left = (await w.table.items()).filter(
      (i) =>
        !/^(ORG|REGION|COUNTER)#/.test(String(i.pk)) &&
        !(/^(IDEMPOTENCY|ACTION)#/.test(String(i.pk)) && Number(i.ttl) < now + 31 * 86_400),
    );
    const text = JSON.stringify(left);
    expect(text).not.toContain('CANARY-91d3');
    expect(text).not.toContain(VATRA.worker);
    expect(text).not.toContain(OFFICER.email);
    expect(text).not.toContain('officer-sub-1');
    // What still names the case: its erased figures, and due-time items no longer acted on.
    const naming = left.filter((i) => JSON.stringify(i).includes(caseId));
    expect(naming.filter((i) => !String(i.pk).startsWith('DUE#'))).toEqual([
      expect.objectContaining({ pk: `ERASED#${caseId}`, caseId, region: 'korca', createdAt: created }),
    ]);
    expect(Object.keys(naming.find((i) => String(i.pk).startsWith('ERASED#')) ?? {}).sort()).toEqual(
      [
        'acceptedAt',
        'caseId',
        'createdAt',
        'cycle',
        'erasedAt',
        'gsi1pk',
        'gsi1sk',
        'pk',
        'region',
        'sk',
      ].sort(),
    );
    // Through the API's use cases the case and its timeline are gone, for its coordinator too.
    await expect(getCase({ store: w.store }, coordinator, { caseId })).rejects.toThrow(NotFoundError);
    await expect(caseTimeline({ store: w.store }, coordinator, { caseId })).rejects.toThrow(NotFoundError);
    // The statistics count it as before.
    expect(await stats()).toEqual(figuresBefore);
    // The erasure is in the case's audit trail, by the system; the trail outlives the case (ids
    // only), read by its region's coordinators alone.
    expect(retention.audit.entries).toEqual([
      expect.objectContaining({ action: 'Retention', actor: { kind: 'system' }, subject: { caseId } }),
    ]);
    const trail = { store: w.store, auditTrail: retention.audit };
    expect((await caseAuditTrail(trail, coordinator, { caseId }, {})).items).toEqual([
      expect.objectContaining({ action: 'Retention', subject: { caseId } }),
    ]);
    const elsewhere: MemberCaller = { ...coordinator, orgId: 'prefecture-tirana', regions: ['tirana'] };
    await expect(caseAuditTrail(trail, elsewhere, { caseId }, {})).rejects.toThrow(NotFoundError);
    const officer: MemberCaller = {
      ...coordinator,
      role: 'police',
      orgId: 'police-korca',
      orgKind: 'police',
    };
    await expect(caseAuditTrail(trail, officer, { caseId }, {})).rejects.toThrow(ForbiddenError);
    // A second run finds nothing more to do.
    expect(await eraseExpiredCases({ ...retention, retentionDays: 0 })).toMatchObject({ erased: 0 });
  }, 120_000);

  it('offers on after three declines until the fourth NGO accepts, each offer once', async () => {
    const w = await startCaseWorld(machines, DIRECTORY);
    world = w;
    const { caseId } = await refer(w, referral());
    const offered: string[] = [];
    for (let n = 1; n <= 4; n += 1) {
      // The n-th offer email, to whichever NGO the choice named next.
      for (
        let i = 0;
        i < 400 && w.mailer.sent.filter((m) => kindSubject('OFFER').test(m.subject)).length < n;
        i++
      ) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const offer = w.mailer.sent.filter((m) => kindSubject('OFFER').test(m.subject))[n - 1];
      const to = offer?.to[0] ?? '';
      offered.push(to);
      const answer: [string, string][] =
        n < 4
          ? [
              ['decision', 'decline'],
              ['reason', 'no place'],
            ]
          : [['decision', 'accept']];
      expect(await act(w, linkIn(w, to, kindSubject('OFFER')), answer)).toMatchObject({ kind: 'done' });
    }
    await until(w, caseId, 'ACCEPTED');
    expect(new Set(offered).size).toBe(4);
    const item = await w.store.getCase(caseId);
    expect(item?.offeredOrgIds).toHaveLength(4);
    expect(item?.acceptedOrgId).toBe(item?.offeredOrgIds.at(-1));
    const events = (await w.store.listEvents(caseId)).map((e) => e.type);
    expect(events.filter((t) => t === 'OFFER_DECLINED')).toHaveLength(3);
    expect(events.filter((t) => t === 'OFFERED')).toHaveLength(4);
  }, 60_000);

  it('tells the child protection unit at once for a child, and its task is done by its link', async () => {
    const w = await startCaseWorld(machines, DIRECTORY);
    world = w;
    const { caseId } = await refer(w, referral({ ageGroup: 'child' }));
    const token = await linkFor(w, CHILD_UNIT, /mbrojtja e fëmijës|child protection/i);
    expect(await act(w, token, [['guardianAppointed', 'yes']])).toMatchObject({ kind: 'done' });
    expect((await w.store.getCase(caseId))?.guardianAppointed).toBe(true);
    // An adult case opens no such task.
    const adult = await refer(w, referral());
    await until(w, adult.caseId, 'OFFERED');
    expect(w.mailer.to(CHILD_UNIT)).toHaveLength(1);
  }, 60_000);

  it('hands a long wait on to a new execution at the stage ceiling: same task, same link, no second task email', async () => {
    const w = await startCaseWorld(machines, DIRECTORY);
    world = w;
    const ceilingDays = w.taskClock.deadlines.stageCeilingDays;
    expect(ceilingDays).toBe(14);
    const { caseId } = await refer(w, referral());
    await act(w, await linkFor(w, VATRA.focal, kindSubject('OFFER')), [['decision', 'accept']]);
    const needs = await linkFor(w, VATRA.worker, kindSubject('NEEDS_ASSESSMENT'));
    const stage = (part = 0) => `${caseId}-assessment-1-1${part ? `-p${part}` : ''}`;
    const ended = async (name: string) => {
      const arn = w.started.get(name);
      if (!arn) throw new Error(`${name} never started`);
      return (await w.wf.result(arn)).status;
    };

    // Past the ceiling nobody has assessed the needs: the execution ends and hands the stage
    // on; done before the sweep started the next one, the answer reaches that one.
    await settle(w);
    await w.wf.advance((ceilingDays + 1) * DAY);
    expect(await ended(stage())).toBe('SUCCEEDED');
    expect(await act(w, needs, [['needs', 'shelter']])).toMatchObject({ kind: 'done' });
    await until(w, caseId, 'ASSESSED', true);

    // Each execution walks the stage from its start: the sweep relays the needs assessment
    // done long ago (within a minute in the app) and the execution waits on the plan.
    const waitsOnPlan = async (name: string) => {
      for (let i = 0; i < 200; i++) {
        const arn = w.started.get(name);
        if (
          arn &&
          w.wf.view(arn).statesEntered.includes('AssistancePlan') &&
          w.wf.pendingCallbacks(arn).length
        )
          return;
        await w.dispatch();
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`${name} never waited on the plan`);
    };
    // The plan, asked by the second execution, waits two ceilings: two more hand-overs, and the
    // link of its one email still does it.
    const plan = await linkFor(w, VATRA.worker, kindSubject('ASSISTANCE_PLAN'));
    for (const part of [1, 2]) {
      await waitsOnPlan(stage(part));
      await settle(w);
      await w.wf.advance((ceilingDays + 1) * DAY);
      expect(await ended(stage(part))).toBe('SUCCEEDED');
    }
    await waitsOnPlan(stage(3));
    expect(await act(w, plan, [['item.shelter', 'ngo-vatra']])).toMatchObject({ kind: 'done' });
    await until(w, caseId, 'IN_ASSISTANCE', true);
    expect(await ended(stage(3))).toBe('SUCCEEDED');
    // Reminders came meanwhile; each task's own email went out once.
    const taskMails = (kind: TaskKind) =>
      w.mailer
        .to(VATRA.worker)
        .filter((m) => m.about?.purpose === 'task' && kindSubject(kind).test(m.subject));
    expect(taskMails('NEEDS_ASSESSMENT')).toHaveLength(1);
    expect(taskMails('ASSISTANCE_PLAN')).toHaveLength(1);
    expect([...w.started.keys()].filter((n) => n.includes('-assessment-')).map((n) => n.slice(37))).toEqual([
      'assessment-1-1',
      'assessment-1-1-p1',
      'assessment-1-1-p2',
      'assessment-1-1-p3',
    ]);
  }, 120_000);

  it("reminds the plan item's organisation when overdue and escalates it once to the coordinator", async () => {
    const w = await startCaseWorld(machines, DIRECTORY);
    world = w;
    const { caseId } = await refer(w, referral({}, { given: true, localGovernment: true }));
    await act(w, await linkFor(w, VATRA.focal, kindSubject('OFFER')), [['decision', 'accept']]);
    await act(w, await linkFor(w, VATRA.worker, kindSubject('NEEDS_ASSESSMENT')), [['needs', 'shelter']]);
    await act(w, await linkFor(w, VATRA.worker, kindSubject('ASSISTANCE_PLAN')), [
      ['item.economic-aid', 'social-services-korca'],
    ]);
    await until(w, caseId, 'IN_ASSISTANCE');
    await linkFor(w, ECONOMIC_AID, kindSubject('PLAN_ITEM'));
    const item = Object.keys((await w.store.getCase(caseId))?.openTasks ?? {}).find((id) =>
      w.mailer.to(ECONOMIC_AID).some((m) => m.about?.taskIds?.includes(id)),
    );
    const about = (to: string, purpose: string) =>
      w.mailer.to(to).filter((m) => m.about?.purpose === purpose && m.about.taskIds?.includes(item ?? ''));
    expect(about(ECONOMIC_AID, 'escalation')).toHaveLength(0);

    await settle(w);
    // Due on Thursday 9 April; on Tuesday 14 April (10:00 in Tirana, outside quiet hours) a
    // sweep that was not running catches up at once, telling each audience once of where the
    // task stands (the focal point's escalation was due Friday, the coordinator's Monday).
    await w.wf.advance(35 * DAY);
    await w.dispatch();
    await w.dispatch();
    // The department (assignee and focal point: one line, the latest step) and the region's coordinator.
    expect([...about(ECONOMIC_AID, 'escalation'), ...about(ECONOMIC_AID, 'reminder')]).toHaveLength(1);
    expect(about(COORDINATOR, 'escalation')).toHaveLength(1);
    expect(about(COORDINATOR, 'escalation')[0]?.text).not.toMatch(/\/actions\//);
    const events = (await w.store.listEvents(caseId)).filter((e) => e.type === 'PLAN_ITEM_OVERDUE');
    expect(events).toHaveLength(1);
    // Ten days on, the last overdue reminders (four and five working days) are one message, and
    // then the chain is over: nothing more, ever.
    await w.wf.advance(10 * DAY);
    const before = about(ECONOMIC_AID, 'reminder').length + about(ECONOMIC_AID, 'escalation').length;
    await w.dispatch();
    expect(about(ECONOMIC_AID, 'reminder').length + about(ECONOMIC_AID, 'escalation').length).toBe(
      before + 1,
    );
    await w.wf.advance(10 * DAY);
    const sent = w.mailer.sent.length;
    await w.dispatch();
    expect(w.mailer.sent).toHaveLength(sent);
  }, 60_000);
});

const TDH = { focal: 'focal.point@tdh.example.org', worker: 'case.work@tdh.example.org' };
const REGION_COORDINATOR: MemberCaller = {
  sub: 'coordinator-sub-1',
  email: COORDINATOR,
  orgId: 'prefecture-korca',
  role: 'coordinator',
  orgKind: 'prefecture',
  regions: ['korca'],
};

/** The case commands as the case-commands function wires them, on the world's engine. */
function commands(w: CaseWorld): CaseCycleDeps & { readonly referrals: Map<string, string> } {
  const referrals = new Map<string, string>();
  return {
    ...w.taskClock,
    store: w.store,
    callback: new SfnTaskCallback(w.wf.sfn),
    workflow: {
      start: async (input, name) => {
        if (!referrals.has(name)) referrals.set(name, await w.wf.start('ReferralWorkflow', input, name));
      },
    },
    mailer: w.mailer,
    referrals,
  };
}

/** Accepts, assesses, plans, completes assistance, three check-ins and the closure: a CLOSED case. */
async function closeCase(w: CaseWorld, caseId: string): Promise<void> {
  await act(w, await linkFor(w, VATRA.focal, kindSubject('OFFER')), [['decision', 'accept']]);
  await act(w, await linkFor(w, VATRA.worker, kindSubject('NEEDS_ASSESSMENT')), [['needs', 'shelter']]);
  await act(w, await linkFor(w, VATRA.worker, kindSubject('ASSISTANCE_PLAN')), [
    ['item.shelter', 'ngo-vatra'],
  ]);
  await act(w, await linkFor(w, VATRA.worker, kindSubject('PLAN_REVIEW')), [['decision', 'complete']]);
  await until(w, caseId, 'FOLLOW_UP');
  for (const [i, months] of [3, 6, 12].entries()) {
    await settle(w);
    await w.wf.advance((months - (i === 0 ? 0 : ([3, 6, 12][i - 1] as number))) * 31 * DAY);
    await act(w, await linkFor(w, VATRA.worker, kindSubject('FOLLOW_UP'), i + 1), [['situation', 'stable']]);
  }
  await act(w, await linkFor(w, VATRA.worker, kindSubject('CLOSURE_PROPOSAL')), [['closure', 'CLOSED']]);
  await act(w, await linkFor(w, COORDINATOR, kindSubject('CLOSURE_CONFIRMATION')), [['decision', 'confirm']]);
  await until(w, caseId, 'CLOSED', true);
  await executionsEnded(w);
}

describe('a new cycle', () => {
  it('withdraws in the middle of assistance: open links answer gone, the waiting stage never starts, no later email', async () => {
    const w = await startCaseWorld(machines, DIRECTORY);
    world = w;
    const { caseId } = await refer(w, referral({}, { given: true, localGovernment: true }));
    await act(w, await linkFor(w, VATRA.focal, kindSubject('OFFER')), [['decision', 'accept']]);
    await act(w, await linkFor(w, VATRA.worker, kindSubject('NEEDS_ASSESSMENT')), [['needs', 'shelter']]);
    await act(w, await linkFor(w, VATRA.worker, kindSubject('ASSISTANCE_PLAN')), [
      ['item.economic-aid', 'social-services-korca'],
    ]);
    await until(w, caseId, 'IN_ASSISTANCE');
    const itemLink = await linkFor(w, ECONOMIC_AID, kindSubject('PLAN_ITEM'));
    await settle(w);
    // The assistance stage (the plan review) waits on the due-time index, to start in months.

    const police: MemberCaller = {
      sub: OFFICER.sub,
      email: OFFICER.email as string,
      orgId: 'police-korca',
      role: 'police',
      orgKind: 'police',
      regions: ['korca'],
    };
    await withdrawCase(commands(w), police, { caseId }, () => ({}));
    expect(await status(w, caseId)).toBe('WITHDRAWN');
    // The plan item's link answers gone; the case has no open task left.
    expect(await viewAction(w.actionDeps, itemLink)).toEqual({ kind: 'gone' });
    expect(Object.keys((await w.store.getCase(caseId))?.openTasks ?? {})).toEqual([]);
    // Everyone working on it heard once; months on, nobody hears of it again.
    const told = w.mailer.sent.length;
    // The NGO, the case worker whose work stopped, the department whose plan item is cancelled.
    for (const to of [VATRA.focal, VATRA.worker, ECONOMIC_AID]) {
      expect(w.mailer.to(to).filter((m) => /u tërhoq|withdrawn/.test(m.subject))).toHaveLength(1);
    }
    for (let month = 0; month < 4; month += 1) {
      await w.wf.advance(31 * DAY);
      await w.dispatch();
    }
    await settle(w);
    expect(w.mailer.sent.slice(told)).toEqual([]);
    // The assistance stage due on the index never starts for a withdrawn case.
    expect([...w.started.keys()].filter((name) => name.includes('-assistance-'))).toEqual([]);
  }, 90_000);

  it("transfers an accepted case: the old stage ends, its link is gone, and the new NGO's acceptance starts the new cycle's assessment", async () => {
    const w = await startCaseWorld(machines, DIRECTORY);
    world = w;
    const deps = commands(w);
    const { caseId } = await refer(w, referral());
    await act(w, await linkFor(w, VATRA.focal, kindSubject('OFFER')), [['decision', 'accept']]);
    const oldLink = await linkFor(w, VATRA.worker, kindSubject('NEEDS_ASSESSMENT'));
    await settle(w);
    const oldAssessment = w.started.get(`${caseId}-assessment-1-1`) as string;

    const body = () => ({ orgId: 'ngo-terre-des-hommes', reason: 'specialised-service' });
    await transferCase(deps, REGION_COORDINATOR, { caseId }, body);
    await transferCase(deps, REGION_COORDINATOR, { caseId }, body);

    // The old cycle's stage ended quietly on TaskCancelled; the old link answers gone (410).
    expect(await w.wf.result(oldAssessment)).toMatchObject({ status: 'SUCCEEDED' });
    expect(w.wf.view(oldAssessment).statesEntered).toContain('CaseEnded');
    expect(await viewAction(w.actionDeps, oldLink)).toEqual({ kind: 'gone' });
    expect([...deps.referrals.keys()]).toEqual([`${caseId}-transfer-2`]);
    expect(w.mailer.to(VATRA.focal).filter((m) => /transferua|transferred/.test(m.subject))).toHaveLength(1);

    await act(w, await linkFor(w, TDH.focal, kindSubject('OFFER')), [['decision', 'accept']]);
    await until(w, caseId, 'ACCEPTED');
    await act(w, await linkFor(w, TDH.worker, kindSubject('NEEDS_ASSESSMENT')), [['needs', 'psycho-social']]);
    await until(w, caseId, 'ASSESSED');

    expect(await w.store.getCase(caseId)).toMatchObject({ cycle: 2, acceptedOrgId: 'ngo-terre-des-hommes' });
    expect([...w.started.keys()].map((n) => n.slice(37)).sort()).toEqual([
      'assessment-1-1',
      'assessment-2-1',
    ]);
    await linkFor(w, TDH.worker, kindSubject('ASSISTANCE_PLAN'));
    const open = Object.keys((await w.store.getCase(caseId))?.openTasks ?? {});
    const tasks = await Promise.all(open.map((id) => w.store.getTask(id)));
    expect(tasks.filter((t) => t?.kind === 'ASSISTANCE_PLAN').map((t) => t?.orgId)).toEqual([
      'ngo-terre-des-hommes',
    ]);
    // Vatra got one NEEDS_ASSESSMENT email (the old cycle's) and nothing of the new cycle.
    expect(w.mailer.to(VATRA.worker).filter((m) => kindSubject('ASSISTANCE_PLAN').test(m.subject))).toEqual(
      [],
    );
  }, 60_000);

  it('reopens a closed case: the new cycle runs an assistance stage for the NGO that had it', async () => {
    const w = await startCaseWorld(machines, DIRECTORY);
    world = w;
    const deps = commands(w);
    const { caseId } = await refer(w, referral());
    await closeCase(w, caseId);

    await reopenCase(deps, REGION_COORDINATOR, { caseId }, () => ({ reason: 'new-needs' }));
    await reopenCase(deps, REGION_COORDINATOR, { caseId }, () => ({ reason: 'new-needs' }));

    expect(await w.store.getCase(caseId)).toMatchObject({ status: 'IN_ASSISTANCE', cycle: 2 });
    await act(w, await linkFor(w, VATRA.worker, kindSubject('PLAN_REVIEW'), 2), [['decision', 'complete']]);
    await until(w, caseId, 'FOLLOW_UP', true);
    expect(w.started.has(`${caseId}-assistance-2-1`)).toBe(true);
    expect(w.mailer.to(VATRA.focal).filter((m) => /rihap|reopened/.test(m.subject))).toHaveLength(1);
    const statuses = (await w.store.listEvents(caseId)).filter((e) => e.status).map((e) => e.status);
    expect(statuses.slice(-3)).toEqual(['CLOSED', 'IN_ASSISTANCE', 'FOLLOW_UP']);
  }, 120_000);
});
