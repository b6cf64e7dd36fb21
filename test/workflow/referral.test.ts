/**
 * The referral workflow as synthesized (BashkeApp's ReferralWorkflow ASL), run on the local
 * engine's Step Functions control plane (test/support/workflow-engine.ts) with its Lambda
 * steps bound in-process to the real use cases, DynamoStore on DynamoDB Local (a fresh
 * table of the data stack's definition per test) and a recording mailer. Offers are
 * answered the way an NGO answers them: through the action-link use case with the token
 * from the offer email, which calls SendTaskSuccess through the real adapter
 * (SfnTaskCallback over @aws-sdk/client-sfn). Deadlines pass on the engine's clock.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { acceptCase } from '../../functions/accept-case/accept-case';
import { type ActionLinkDeps, submitAction } from '../../functions/action-link/action-link';
import { closeOffer } from '../../functions/close-offer/close-offer';
import { createReferral, type WorkflowStarter } from '../../functions/create-referral/create-referral';
import { markUnassigned } from '../../functions/mark-unassigned/mark-unassigned';
import { openTask } from '../../functions/open-task/open-task';
import { prepareOffer } from '../../functions/prepare-offer/prepare-offer';
import { scheduleStage } from '../../functions/schedule-stage/schedule-stage';
import { publicHolidays } from '../../infra/holidays';
import type { Caller } from '../../shared/auth/caller';
import { SfnTaskCallback } from '../../shared/aws/task-callback';
import { MeetingStore } from '../../shared/data/meeting-store';
import type { Store } from '../../shared/data/store';
import { deadlineConfigFrom } from '../../shared/domain/deadlines';
import type { Directory } from '../../shared/domain/directory';
import type { Person, ReferralRequest } from '../../shared/domain/referral';
import type { OutgoingEmail } from '../../shared/email/mailer';
import type { TaskClock } from '../../shared/tasks/task-context';
import { TASK_INPUT_VERSION } from '../../shared/workflow/task-input';
import { ReferralState as S } from '../../workflows/referral-states';
import { createTestTable, type TestTable } from '../support/dynamodb-local';
import { type SynthesizedStateMachine, synthStateMachine } from '../support/workflow-asl';
import {
  type PendingCallback,
  startWorkflowEngine,
  WorkflowClock,
  type WorkflowEngine,
} from '../support/workflow-engine';
import { RecordingMailer } from '../support/workflow-fakes';

const ACTION_BASE_URL = 'https://api.bashke.test';
const START = '2026-03-10T08:00:00.000Z';
const INTERVIEW_DATE = '2026-03-07';
const REFERENCE = 'KOR-2026-0001';

/** Free text an NGO types when declining: must stay on the task item, nowhere else. */
const DECLINE_CANARY = 'CANARY-7c1f: capacity exhausted after the 3 March incident';

const OFFICER: Caller = {
  sub: 'officer-sub-7',
  email: 'oficeri@policia-korca.example.org',
  orgId: 'police-korca',
  role: 'police',
};

const MAIL = {
  alfaSq: 'pika@alfa.example.org',
  alfaEn: 'focal@alfa.example.org',
  alfaCaseWorker: 'punonjesi@alfa.example.org',
  beta: 'pika@beta.example.org',
  gama: 'pika@gama.example.org',
  coordinatorKorca: 'koordinatori@prefektura-korca.example.org',
  coordinatorTirana: 'koordinatori@prefektura-tirana.example.org',
  police: 'detyra@policia-korca.example.org',
} as const;

/**
 * Korçë with a police directorate, a prefecture (the coordinator) and three NGOs:
 * alfa (shelter, legal; two focal points in two languages), beta (shelter, medical; no
 * child protection), gama (psycho-social, full: capacity 0). Tiranë's coordinator must
 * never hear of a Korçë case.
 */
const DIRECTORY: Directory = {
  regions: [
    { regionId: 'korca', code: 'KOR', name: 'Korçë' },
    { regionId: 'tirana', code: 'TIR', name: 'Tiranë' },
  ],
  organisations: [
    {
      orgId: 'police-korca',
      name: 'Drejtoria Vendore e Policisë Korçë',
      kind: 'police',
      regions: ['korca'],
      services: [],
      capacity: 0,
      childProtection: false,
      contacts: [{ name: 'Salla e detyrës', email: MAIL.police, language: 'en', roles: ['focal-point'] }],
    },
    {
      orgId: 'prefecture-korca',
      name: 'Prefektura Korçë',
      kind: 'prefecture',
      regions: ['korca'],
      services: [],
      capacity: 0,
      childProtection: false,
      contacts: [
        { name: 'Koordinatori', email: MAIL.coordinatorKorca, language: 'sq', roles: ['coordinator'] },
      ],
    },
    {
      orgId: 'prefecture-tirana',
      name: 'Prefektura Tiranë',
      kind: 'prefecture',
      regions: ['tirana'],
      services: [],
      capacity: 0,
      childProtection: false,
      contacts: [
        { name: 'Koordinatori', email: MAIL.coordinatorTirana, language: 'sq', roles: ['coordinator'] },
      ],
    },
    {
      orgId: 'ngo-alfa',
      name: 'Shoqata Alfa',
      kind: 'ngo',
      regions: ['korca'],
      services: ['shelter', 'legal'],
      capacity: 2,
      childProtection: true,
      contacts: [
        { name: 'Pika fokale', email: MAIL.alfaSq, language: 'sq', roles: ['focal-point'] },
        { name: 'Focal point', email: MAIL.alfaEn, language: 'en', roles: ['focal-point'] },
        { name: 'Punonjësi', email: MAIL.alfaCaseWorker, language: 'sq', roles: ['case-worker'] },
      ],
    },
    {
      orgId: 'ngo-beta',
      name: 'Qendra Beta',
      kind: 'ngo',
      regions: ['korca'],
      services: ['shelter', 'medical'],
      capacity: 1,
      childProtection: false,
      contacts: [{ name: 'Pika fokale', email: MAIL.beta, language: 'sq', roles: ['focal-point'] }],
    },
    {
      orgId: 'ngo-gama',
      name: 'Fondacioni Gama',
      kind: 'ngo',
      regions: ['korca', 'tirana'],
      services: ['psycho-social'],
      capacity: 0,
      childProtection: true,
      contacts: [{ name: 'Pika fokale', email: MAIL.gama, language: 'sq', roles: ['focal-point'] }],
    },
  ],
};

/** Schema-valid codes chosen to stand out: none of them may reach an email or the workflow. */
const ADULT: Person = {
  ageGroup: 'adult',
  gender: 'female',
  nationality: 'MD',
  language: 'ro',
  needs: ['shelter'],
  riskLevel: 'high',
};

function referral(person: Person = ADULT): ReferralRequest {
  return {
    region: 'korca',
    interviewDate: INTERVIEW_DATE,
    socialWorkerPresent: true,
    socialWorkerOrgId: 'prefecture-korca',
    person,
    consent: { given: true },
  };
}

type StoreMethod = keyof Store;

/** DynamoStore whose next call of a method can be made to fail (writing nothing). */
function failingStore(store: MeetingStore): {
  store: MeetingStore;
  failNext: (method: StoreMethod, error: Error) => void;
} {
  const faults = new Map<PropertyKey, Error[]>();
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const fault = faults.get(property)?.shift();
        if (fault) return Promise.reject(fault);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store: proxy,
    failNext: (method, error) => faults.set(method, [...(faults.get(method) ?? []), error]),
  };
}

interface World {
  readonly store: MeetingStore;
  readonly failNext: (method: StoreMethod, error: Error) => void;
  readonly mailer: RecordingMailer;
  readonly clock: WorkflowClock;
  readonly wf: WorkflowEngine;
  readonly actionDeps: ActionLinkDeps;
}

let machine: SynthesizedStateMachine;
let world: World | undefined;
let table: TestTable | undefined;

beforeAll(() => {
  machine = synthStateMachine({ stateMachine: 'ReferralWorkflow' });
});

afterEach(async () => {
  await world?.wf.stop();
  await table?.drop();
  world = undefined;
  table = undefined;
});

type SendOfferFn = (event: unknown) => Promise<unknown>;

/**
 * A fresh table (seeded with the directory), mailer, clock and workflow engine;
 * `wrapSendOffer` may decorate the offer step, `client` watch the table's client.
 */
async function setUp(
  opts: { wrapSendOffer?: (fn: SendOfferFn) => SendOfferFn; watch?: (client: DynamoDBClient) => void } = {},
): Promise<World> {
  table = await createTestTable('workflow');
  opts.watch?.(table.client);
  const { store, failNext } = failingStore(new MeetingStore(table.client, table.tableName));
  for (const region of DIRECTORY.regions) await store.seedRegion(region);
  for (const org of DIRECTORY.organisations) await store.seedOrganisation(org);
  const mailer = new RecordingMailer();
  const clock = new WorkflowClock(START);
  const now = clock.nowFn;
  const { config } = machine;
  const taskClock: TaskClock = {
    now,
    deadlines: deadlineConfigFrom(config.deadlines, config.offerDeadlineHours),
    reminders: config.reminders,
    calendar: {
      timeZone: config.timeZone,
      holidays: new Set(publicHolidays(config.holidayCountry, 2026, 2)),
    },
  };
  const send: SendOfferFn = (event) =>
    openTask({ ...taskClock, store, mailer, actionBaseUrl: ACTION_BASE_URL }, event);
  const wf = await startWorkflowEngine({
    definitions: { ReferralWorkflow: machine },
    clock,
    functions: {
      PrepareOfferFn: (event) =>
        prepareOffer({ ...taskClock, store, now, offerDeadlineHours: config.offerDeadlineHours }, event),
      // Only the offer's invocations are wrapped (the child protection step is the same function).
      OpenTaskFn: (event) =>
        opts.wrapSendOffer && (event as { kind?: string }).kind === 'OFFER'
          ? opts.wrapSendOffer(send)(event)
          : send(event),
      ScheduleStageFn: (event) => scheduleStage({ ...taskClock, store }, event),
      CloseOfferFn: (event) => closeOffer({ store, mailer, now }, event),
      AcceptCaseFn: (event) => acceptCase({ store, mailer, now }, event),
      MarkUnassignedFn: (event) => markUnassigned({ store, mailer, now }, event),
    },
  });
  const callback = new SfnTaskCallback(wf.sfn);
  world = { store, failNext, mailer, clock, wf, actionDeps: { ...taskClock, store, callback } };
  return world;
}

/** POST /referrals through the use case; its WorkflowStarter starts the execution, named by the case. */
async function refer(w: World, person?: Person): Promise<{ caseId: string; arn: string }> {
  let arn: string | undefined;
  const starter: WorkflowStarter = {
    start: async (input) => {
      arn = await w.wf.start('ReferralWorkflow', input, input.caseId);
    },
  };
  const response = await createReferral(
    {
      store: w.store,
      workflow: starter,
      now: w.clock.nowFn,
      timeZone: machine.config.timeZone,
      interviewMaxAgeDays: machine.config.interviewMaxAgeDays,
    },
    { caller: OFFICER, idempotencyKey: 'referral-key-0001', body: referral(person) },
  );
  expect(response).toEqual({ caseId: expect.any(String), reference: REFERENCE, status: 'REFERRED' });
  if (!arn) throw new Error('the referral started no execution');
  return { caseId: response.caseId, arn };
}

/** The execution's task tokens (one per callback attempt) as the control plane keeps them. */
function tokens(w: World, arn: string) {
  return w.wf.view(arn).record.tasks;
}

function isOpen(w: World, arn: string, token: string): boolean {
  return tokens(w, arn).some((t) => t.token === token && t.status === 'OPEN');
}

function taskIdOf(callback: PendingCallback): string {
  return (callback.payload as { taskId: string }).taskId;
}

const isOffer = (m: OutgoingEmail) => m.text.includes(`${ACTION_BASE_URL}/actions/`);

/** The action token of the newest offer email to `address`. */
function linkToken(w: World, address: string): string {
  const offer = w.mailer.to(address).filter(isOffer).at(-1);
  if (!offer) throw new Error(`no offer email to ${address}`);
  const match = /\/actions\/([A-Za-z0-9_-]+)/.exec(offer.text);
  if (!match?.[1]) throw new Error('the offer email has no action link');
  expect(offer.html).toContain(`${ACTION_BASE_URL}/actions/${match[1]}`);
  return match[1];
}

/** The NGO answers through the link in its offer email, as the action page's form posts it. */
function answer(w: World, address: string, decision: 'accept' | 'decline', reason?: string) {
  const form = new URLSearchParams({ decision, ...(reason === undefined ? {} : { reason }) });
  return submitAction(w.actionDeps, linkToken(w, address), form);
}

async function eventTypes(w: World, caseId: string): Promise<string[]> {
  return (await w.store.listEvents(caseId)).map((e) => e.type);
}

/** Notices (not offers) sent to `address`, by subject. */
function notices(w: World, address: string): string[] {
  return w.mailer
    .to(address)
    .filter((m) => !isOffer(m))
    .map((m) => m.subject);
}

/**
 * Every email names the case by its reference only: none holds the case id, a task id,
 * the decline text, or any value of the person's profile.
 */
async function expectEmailsClean(w: World, caseId: string): Promise<void> {
  const taskIds = w.wf
    .invocations()
    .flatMap((i) =>
      (i.payload as { taskId?: string }).taskId ? [(i.payload as { taskId: string }).taskId] : [],
    );
  const personValues = [...Object.values(ADULT).flat(), INTERVIEW_DATE];
  expect(w.mailer.sent.length).toBeGreaterThan(0);
  for (const email of w.mailer.sent) {
    const whole = [email.subject, email.text, email.html].join('\n');
    expect(email.subject).toContain(REFERENCE);
    expect(email.text).toContain(REFERENCE);
    expect(whole).not.toContain(caseId);
    for (const id of taskIds) expect(whole).not.toContain(id);
    expect(whole).not.toContain('CANARY');
    for (const value of personValues) {
      expect({ subject: email.subject, match: new RegExp(`\\b${value}\\b`).exec(whole)?.[0] }).toEqual({
        subject: email.subject,
        match: undefined,
      });
    }
  }
}

describe('referral workflow (synthesized ASL on the local runtime)', () => {
  it('names each Lambda step by function and waits for the offer with a task token', () => {
    const states = machine.definition.States;
    expect(Object.keys(states).sort()).toEqual(Object.values(S).sort());
    const offer = states[S.OFFER_TO_NGO];
    expect(offer).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: machine.config.offerDeadlineHours * 3600,
      Parameters: { FunctionName: machine.functionArn('OpenTaskFn') },
    });
    expect([...machine.functionArns.keys()].map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'AcceptCaseFn',
      'CloseOfferFn',
      'MarkUnassignedFn',
      'OpenTaskFn',
      'PrepareOfferFn',
      'ScheduleStageFn',
    ]);
  });

  it('accept: the first NGO accepts through its link; case ACCEPTED, officer told once', async () => {
    const w = await setUp();
    const { caseId, arn } = await refer(w);
    expect(JSON.parse(w.wf.view(arn).record.input)).toEqual({
      caseId,
      reference: REFERENCE,
      region: 'korca',
    });

    const offer = await w.wf.nextCallback(arn);
    expect(offer.state).toBe(S.OFFER_TO_NGO);
    expect(offer.payload).toEqual({
      caseId,
      taskId: expect.any(String),
      orgId: 'ngo-alfa',
      reference: REFERENCE,
      region: 'korca',
      cycle: 1,
      sequence: 1,
      kind: 'OFFER',
      taskToken: offer.token,
      v: TASK_INPUT_VERSION,
    });
    const task = await w.store.getTask(taskIdOf(offer));
    expect(task).toMatchObject({ orgId: 'ngo-alfa', status: 'OPEN', sfnTaskToken: offer.token });
    expect(task?.emailedAt).toBeDefined();
    expect(await w.store.getCase(caseId)).toMatchObject({ status: 'OFFERED', offeredOrgId: 'ngo-alfa' });
    // One offer per language group of alfa's focal points; the case worker is not one.
    expect(w.mailer.sent.map((m) => m.to)).toEqual([[MAIL.alfaEn], [MAIL.alfaSq]]);
    expect(linkToken(w, MAIL.alfaEn)).toBe(linkToken(w, MAIL.alfaSq));

    expect(await answer(w, MAIL.alfaEn, 'accept')).toMatchObject({ kind: 'done', result: 'accept' });
    expect(await w.wf.result(arn)).toEqual({ status: 'SUCCEEDED', output: { outcome: 'ACCEPTED' } });

    const item = await w.store.getCase(caseId);
    expect(item).toMatchObject({
      status: 'ACCEPTED',
      acceptedOrgId: 'ngo-alfa',
      offeredOrgIds: ['ngo-alfa'],
    });
    expect(item?.offeredOrgId).toBeUndefined();
    expect(await w.store.getTask(taskIdOf(offer))).toMatchObject({ status: 'DONE', result: 'accept' });
    expect(await eventTypes(w, caseId)).toEqual(['REFERRED', 'OFFERED', 'OFFER_ACCEPTED', 'ACCEPTED']);
    expect(w.wf.view(arn).statesEntered).toEqual([
      S.INIT,
      S.CHILD_PROTECTION,
      S.PREPARE_OFFER,
      S.NGO_FOUND,
      S.OFFER_TO_NGO,
      S.DECISION,
      S.ACCEPT_CASE,
      S.SCHEDULE_ASSESSMENT,
      S.ACCEPTED,
    ]);

    expect(w.mailer.to(OFFICER.email as string)).toHaveLength(1);
    expect(notices(w, OFFICER.email as string)).toEqual([`Bashkë: referral ${REFERENCE} accepted`]);
    expect(w.mailer.to(OFFICER.email as string)[0]?.text).toContain('Shoqata Alfa');
    expect(new Set(w.mailer.recipients())).toEqual(new Set([MAIL.alfaEn, MAIL.alfaSq, OFFICER.email]));
    expect((await w.store.getOrganisation('ngo-alfa'))?.openOffers).toBe(0);
    // The link is single-use.
    expect(await answer(w, MAIL.alfaSq, 'accept')).toEqual({ kind: 'gone' });
    await expectEmailsClean(w, caseId);
  });

  it('decline: the coordinator is told, the next NGO gets an offer and accepts', async () => {
    const w = await setUp();
    const { caseId, arn } = await refer(w);
    const first = await w.wf.nextCallback(arn);

    expect(await answer(w, MAIL.alfaSq, 'decline', DECLINE_CANARY)).toMatchObject({
      kind: 'done',
      result: 'decline',
    });
    const second = await w.wf.nextCallback(arn);
    expect(isOpen(w, arn, first.token)).toBe(false);
    expect(await w.store.getTask(taskIdOf(second))).toMatchObject({ orgId: 'ngo-beta', status: 'OPEN' });
    expect(await w.store.getCase(caseId)).toMatchObject({
      status: 'OFFERED',
      offeredOrgId: 'ngo-beta',
      offeredOrgIds: ['ngo-alfa', 'ngo-beta'],
    });
    expect(notices(w, MAIL.coordinatorKorca)).toEqual([`Bashkë: referimi ${REFERENCE} u refuzua`]);
    expect(w.mailer.to(MAIL.coordinatorKorca)[0]?.text).toContain('Shoqata Alfa');
    expect(w.mailer.to(MAIL.beta).filter(isOffer)).toHaveLength(1);
    // The reason is kept with the declined task, for the case team.
    expect(await w.store.getTask(taskIdOf(first))).toMatchObject({
      status: 'DECLINED',
      result: 'decline',
      note: DECLINE_CANARY,
    });

    expect(await answer(w, MAIL.beta, 'accept')).toMatchObject({ kind: 'done', result: 'accept' });
    expect(await w.wf.result(arn)).toEqual({ status: 'SUCCEEDED', output: { outcome: 'ACCEPTED' } });
    expect(await w.store.getCase(caseId)).toMatchObject({ status: 'ACCEPTED', acceptedOrgId: 'ngo-beta' });
    expect(await eventTypes(w, caseId)).toEqual([
      'REFERRED',
      'OFFERED',
      'OFFER_DECLINED',
      'OFFERED',
      'OFFER_ACCEPTED',
      'ACCEPTED',
    ]);
    expect(notices(w, OFFICER.email as string)).toEqual([`Bashkë: referral ${REFERENCE} accepted`]);
    expect(w.mailer.to(OFFICER.email as string)[0]?.text).toContain('Qendra Beta');
    expect(w.mailer.to(MAIL.coordinatorTirana)).toEqual([]);
    expect(w.mailer.to(MAIL.gama)).toEqual([]);
    for (const org of ['ngo-alfa', 'ngo-beta'])
      expect((await w.store.getOrganisation(org))?.openOffers).toBe(0);
    await expectEmailsClean(w, caseId);
  });

  it('timeout: the task times out, the coordinator is told and the next NGO is offered', async () => {
    const w = await setUp();
    const { caseId, arn } = await refer(w);
    const first = await w.wf.nextCallback(arn);

    // The offer's TimeoutSeconds pass on the engine's clock: States.Timeout, caught.
    expect(first.dueAt).toBeDefined();
    await w.wf.advance(machine.config.offerDeadlineHours * 3600_000);
    const second = await w.wf.nextCallback(arn);
    expect(await w.store.getTask(taskIdOf(first))).toMatchObject({ orgId: 'ngo-alfa', status: 'TIMED_OUT' });
    expect(await w.store.getTask(taskIdOf(second))).toMatchObject({ orgId: 'ngo-beta', status: 'OPEN' });
    expect((await w.store.getOrganisation('ngo-alfa'))?.openOffers).toBe(0);
    expect(notices(w, MAIL.coordinatorKorca)).toEqual([`Bashkë: pa përgjigje për referimin ${REFERENCE}`]);
    expect(w.mailer.to(MAIL.beta).filter(isOffer)).toHaveLength(1);
    expect(w.wf.view(arn).statesEntered).toContain(S.CLOSE_TIMED_OUT);
    expect(w.wf.view(arn).statesEntered).not.toContain(S.CLOSE_DECLINED);

    // A late answer: the link is dead, and Step Functions no longer knows the token.
    expect(await answer(w, MAIL.alfaEn, 'accept')).toEqual({ kind: 'gone' });
    expect(await w.wf.sendTaskSuccess(first.token, { result: 'accept', taskId: taskIdOf(first) })).toBe(
      'closed',
    );

    expect(await answer(w, MAIL.beta, 'accept')).toMatchObject({ kind: 'done' });
    expect(await w.wf.result(arn)).toEqual({ status: 'SUCCEEDED', output: { outcome: 'ACCEPTED' } });
    expect(await w.store.getCase(caseId)).toMatchObject({ status: 'ACCEPTED', acceptedOrgId: 'ngo-beta' });
    expect(await eventTypes(w, caseId)).toEqual([
      'REFERRED',
      'OFFERED',
      'OFFER_TIMED_OUT',
      'OFFERED',
      'OFFER_ACCEPTED',
      'ACCEPTED',
    ]);
    await expectEmailsClean(w, caseId);
  });

  it('no NGO left after every eligible NGO declined: UNASSIGNED, coordinator told, output NO_NGO', async () => {
    const w = await setUp();
    const { caseId, arn } = await refer(w);
    await w.wf.nextCallback(arn);
    await answer(w, MAIL.alfaSq, 'decline', DECLINE_CANARY);
    await w.wf.nextCallback(arn);
    await answer(w, MAIL.beta, 'decline', DECLINE_CANARY);

    const outcome = await w.wf.result(arn);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(JSON.stringify(outcome.status === 'SUCCEEDED' ? outcome.output : null)).toBe(
      '{"outcome":"NO_NGO"}',
    );
    expect(await w.store.getCase(caseId)).toMatchObject({ status: 'UNASSIGNED' });
    expect((await w.store.getCase(caseId))?.offeredOrgId).toBeUndefined();
    expect(await eventTypes(w, caseId)).toEqual([
      'REFERRED',
      'OFFERED',
      'OFFER_DECLINED',
      'OFFERED',
      'OFFER_DECLINED',
      'UNASSIGNED',
    ]);
    expect(notices(w, MAIL.coordinatorKorca)).toEqual([
      `Bashkë: referimi ${REFERENCE} u refuzua`,
      `Bashkë: referimi ${REFERENCE} u refuzua`,
      `Bashkë: referimi ${REFERENCE} ka nevojë për një organizatë`,
    ]);
    expect(w.mailer.to(MAIL.coordinatorTirana)).toEqual([]);
    expect(w.mailer.to(MAIL.gama)).toEqual([]);
    // The officer hears that the case waits on the coordinators (in the police unit's language).
    expect(w.mailer.to(OFFICER.email as string).map((m) => m.subject)).toEqual([
      `Bashkë: referral ${REFERENCE} needs an organisation`,
    ]);
    expect(w.wf.view(arn).statesEntered.slice(-2)).toEqual([S.MARK_UNASSIGNED, S.NO_NGO]);
    await expectEmailsClean(w, caseId);
  });

  it('no NGO eligible at all: UNASSIGNED at once, no offer, output NO_NGO', async () => {
    const w = await setUp();
    // A child needing psycho-social help: only gama offers it, and gama is full.
    const { caseId, arn } = await refer(w, { ...ADULT, ageGroup: 'child', needs: ['psycho-social'] });

    const outcome = await w.wf.result(arn);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(JSON.stringify(outcome.status === 'SUCCEEDED' ? outcome.output : null)).toBe(
      '{"outcome":"NO_NGO"}',
    );
    await expect(w.wf.nextCallback(arn)).rejects.toThrow(/the execution ended SUCCEEDED/);
    expect(tokens(w, arn)).toEqual([]);
    expect(await w.store.getCase(caseId)).toMatchObject({ status: 'UNASSIGNED', offeredOrgIds: [] });
    // The child: no child protection unit in this directory, so its task went to the coordinators.
    expect(await eventTypes(w, caseId)).toEqual(['REFERRED', 'CHILD_PROTECTION_OPENED', 'UNASSIGNED']);
    expect(w.wf.view(arn).statesEntered).toEqual([
      S.INIT,
      S.CHILD_PROTECTION,
      S.PREPARE_OFFER,
      S.NGO_FOUND,
      S.MARK_UNASSIGNED,
      S.NO_NGO,
    ]);
    expect(w.mailer.sent.map((m) => [m.to, m.subject])).toEqual([
      [
        [MAIL.coordinatorKorca],
        expect.stringMatching(`^Bashkë: nevojitet mbrojtja e fëmijës për rastin ${REFERENCE}, afati `),
      ],
      [[MAIL.coordinatorKorca], `Bashkë: referimi ${REFERENCE} ka nevojë për një organizatë`],
      [[OFFICER.email], `Bashkë: referral ${REFERENCE} needs an organisation`],
    ]);
    await expectEmailsClean(w, caseId);
  });

  it('execution input, state data and step payloads hold ids, the reference and the region only: no decline text, no profile', async () => {
    const w = await setUp();
    const { caseId, arn } = await refer(w);
    await w.wf.nextCallback(arn);
    await answer(w, MAIL.alfaSq, 'decline', DECLINE_CANARY);
    const second = await w.wf.nextCallback(arn);
    expect(second.state).toBe(S.OFFER_TO_NGO);
    await w.wf.advance(machine.config.offerDeadlineHours * 3600_000);
    expect(await w.wf.result(arn)).toMatchObject({ status: 'SUCCEEDED' });

    // Everything Step Functions would hold in history: execution input/output and every
    // state's input and output; plus what each function received and returned, and what
    // the callbacks carried.
    const { history, tasks } = w.wf.view(arn).record;
    const started = history.find((e) => e.type === 'ExecutionStarted');
    expect(JSON.parse(started?.executionStartedEventDetails?.input ?? 'null')).toEqual({
      caseId,
      reference: REFERENCE,
      region: 'korca',
    });
    const stateData = history.flatMap((e) => [
      ...(e.stateEnteredEventDetails?.input === undefined
        ? []
        : [JSON.parse(e.stateEnteredEventDetails.input)]),
      ...(e.stateExitedEventDetails?.output === undefined
        ? []
        : [JSON.parse(e.stateExitedEventDetails.output)]),
    ]);
    expect(stateData.length).toBeGreaterThan(10);
    const invocations = w.wf.invocations();
    const everything = JSON.stringify({ history, invocations, tasks });

    expect(everything).not.toContain('CANARY');
    expect(everything).not.toContain(DECLINE_CANARY.slice(12));
    expect(everything).not.toMatch(/"person"|nationality|riskLevel|ageGroup|interviewDate/);
    for (const value of [...Object.values(ADULT).flat(), INTERVIEW_DATE]) {
      expect(everything).not.toContain(`"${value}"`);
    }

    // Shapes: only these keys, anywhere in the state data and payloads.
    const keys = (value: unknown, out = new Set<string>()): Set<string> => {
      if (Array.isArray(value)) for (const v of value) keys(v, out);
      else if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          out.add(k);
          keys(v, out);
        }
      }
      return out;
    };
    expect([...keys(stateData)].sort()).toEqual(
      [
        'caseId',
        // The case's cycle (a counter), which PrepareOffer reads for the stages an acceptance schedules.
        'cycle',
        'decision',
        'found',
        'offer',
        'orgId',
        'outcome',
        'reference',
        'region',
        'result',
        'taskId',
      ].sort(),
    );
    expect([...keys(invocations.map((i) => i.payload))].sort()).toEqual(
      [
        'afterTaskId',
        'caseId',
        'cycle',
        'kind',
        'orgId',
        'outcome',
        'reference',
        'region',
        'sequence',
        'taskId',
        'taskToken',
        'v', // the input version (shared/workflow/task-input.ts)
      ].sort(),
    );
    const answers = tasks.flatMap((t) => (t.status === 'SUCCEEDED' ? [JSON.parse(t.output ?? 'null')] : []));
    expect(answers).toEqual([{ result: 'decline', taskId: expect.any(String) }]);
    expect(tasks.map((t) => t.status)).toEqual(['SUCCEEDED', 'TIMED_OUT']);
    // The free text stayed on the task item.
    const declined = (await w.store.listEvents(caseId)).find((e) => e.type === 'OFFER_DECLINED');
    expect(await w.store.getTask(declined?.taskId as string)).toMatchObject({
      note: DECLINE_CANARY,
    });
  });

  it('a retried offer step sends no second email; the emailed link answers the retried wait', async () => {
    let calls = 0;
    const w = await setUp({
      // The first invocation does its work, then the service loses the response.
      wrapSendOffer: (send) => async (event) => {
        const result = await send(event);
        if (++calls === 1) {
          throw Object.assign(new Error('response lost'), { name: 'Lambda.ServiceException' });
        }
        return result;
      },
    });
    const { caseId, arn } = await refer(w);
    const offer = await w.wf.nextCallback(arn);

    expect(calls).toBe(2);
    // The lost attempt's token was closed; the retried attempt has a new one.
    const [lost, retried, ...more] = tokens(w, arn);
    expect(more).toEqual([]);
    expect(lost).toMatchObject({
      state: S.OFFER_TO_NGO,
      attempt: 1,
      status: 'FAILED',
      error: 'Lambda.ServiceException',
    });
    expect(retried).toMatchObject({ state: S.OFFER_TO_NGO, attempt: 2, status: 'OPEN', token: offer.token });
    expect(await w.wf.sendTaskSuccess(lost?.token as string, { result: 'accept' })).toBe('closed');
    expect(await w.store.getTask(taskIdOf(offer))).toMatchObject({ sfnTaskToken: offer.token });
    expect(w.mailer.to(MAIL.alfaSq).filter(isOffer)).toHaveLength(1);
    expect(
      w.wf
        .view(arn)
        .history.filter((e) => e.type === 'TaskFailed')
        .map((e) => e.taskFailedEventDetails?.error),
    ).toEqual(['Lambda.ServiceException']);

    expect(await answer(w, MAIL.alfaSq, 'accept')).toMatchObject({ kind: 'done' });
    expect(await w.wf.result(arn)).toEqual({ status: 'SUCCEEDED', output: { outcome: 'ACCEPTED' } });
    expect(await w.store.getCase(caseId)).toMatchObject({ status: 'ACCEPTED', acceptedOrgId: 'ngo-alfa' });
  });

  it('costs 11 DynamoDB calls from POST to the offer email, 4 of them directory reads', async () => {
    // Every command DynamoStore sends to DynamoDB Local, counted at the client.
    const calls: string[] = [];
    const w = await setUp({
      watch: (client) =>
        client.middlewareStack.add(
          (next, context) => async (args) => {
            const input = args.input as { Key?: { pk?: unknown }; IndexName?: string };
            const pk = input.Key?.pk;
            const key =
              (typeof pk === 'object' && pk !== null ? (pk as { S?: string }).S : pk) ??
              input.IndexName ??
              '';
            const name = String(context.commandName)
              .replace(/Command$/, '')
              .replace(/^(Get|Put|Update|Delete)Item$/, '$1')
              .replace(/^TransactWriteItems$/, 'TransactWrite');
            calls.push(`${name} ${String(key).replace(/#.*$/, '#')}`);
            return next(args);
          },
          { step: 'initialize', name: 'countCalls' },
        ),
    });
    calls.length = 0;

    const { arn } = await refer(w);
    const offer = await w.wf.nextCallback(arn);
    expect(w.mailer.sent.filter(isOffer)).toHaveLength(2);

    expect(calls).toEqual([
      // POST /referrals: region and social worker's organisation (directory), the counter, the transaction.
      'Get REGION#',
      'Get ORG#',
      'Update COUNTER#',
      'TransactWrite ',
      // NotifyChildProtection: the case (is the person treated as a child?).
      'Get CASE#',
      // PrepareOffer: the case (its profile chooses the NGO) and the directory at once, the offer transaction.
      'Get CASE#',
      'Query gsi1',
      'TransactWrite ',
      // OfferToNgo: arm (one transaction) and the NGO's focal points (directory) at once, mark emailed.
      'TransactWrite ',
      'Get ORG#',
      'Update TASK#',
    ]);
    const directoryReads = calls.filter((c) => /^(Get (REGION|ORG)#|Query gsi1)/.test(c));
    expect({ total: calls.length, directory: directoryReads.length }).toEqual({ total: 11, directory: 4 });
    expect(await answer(w, MAIL.alfaSq, 'accept')).toMatchObject({ kind: 'done' });
    expect(isOpen(w, arn, offer.token)).toBe(false);
    expect(await w.wf.result(arn)).toEqual({ status: 'SUCCEEDED', output: { outcome: 'ACCEPTED' } });
  });

  it('a step that fails for good ends in ReferralFailed with the error kept in state', async () => {
    const w = await setUp();
    const { caseId, arn } = await refer(w);
    await w.wf.nextCallback(arn);
    w.failNext('acceptCase', Object.assign(new Error('table unavailable'), { name: 'InternalServerError' }));
    await answer(w, MAIL.alfaSq, 'accept');

    expect(await w.wf.result(arn)).toEqual({
      status: 'FAILED',
      error: 'ReferralWorkflowFailed',
      cause: 'A referral step failed; the case needs a coordinator.',
    });
    const failed = w.wf.view(arn).history.find((e) => e.stateEnteredEventDetails?.name === S.FAILED);
    expect(JSON.parse(failed?.stateEnteredEventDetails?.input ?? 'null')).toMatchObject({
      caseId,
      error: { Error: 'InternalServerError' },
    });
    expect(await w.store.getCase(caseId)).toMatchObject({ status: 'OFFERED' });
  });
});
