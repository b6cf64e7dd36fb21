import { type CaseCycleDeps, reopenCase, transferCase } from '../../functions/case-commands/case-cycles';
import { openTask } from '../../functions/open-task/open-task';
import { caseTimeline } from '../../functions/read-cases/read-cases';
import { getTask, listTasks } from '../../functions/tasks-api/tasks-api';
import type { MemberCaller } from '../../shared/auth/caller';
import { readableCase } from '../../shared/auth/case-access';
import { DUE_SHARDS } from '../../shared/data/keys';
import { MeetingStore } from '../../shared/data/meeting-store';
import type { CaseRecord, DueItem, TaskRecord } from '../../shared/data/records';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import type { Organisation } from '../../shared/domain/directory';
import type { CaseStatus } from '../../shared/domain/referral';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import type { TaskKind } from '../../shared/domain/tasks';
import type { OutgoingEmail } from '../../shared/email/mailer';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import { withFirstReminder } from '../../shared/tasks/task-context';
import { CaseClosedError, type ReferralWorkflowInput } from '../../shared/workflow/task-input';
import { createTestTable, type TestTable } from '../support/dynamodb-local';

/**
 * Transfers and reopenings (functions/case-commands/case-cycles.ts) on DynamoStore and
 * DynamoDB Local: a new cycle, the old cycle's work cancelled, the new cycle's started once.
 */

const NOW = new Date('2026-12-01T10:00:00.000Z');
const CALENDAR = { timeZone: 'Europe/Tirane', holidays: new Set<string>() };

const ngo = (orgId: string, region: string): Organisation => ({
  orgId,
  name: orgId,
  kind: 'ngo',
  regions: [region],
  services: ['shelter'],
  capacity: 5,
  childProtection: false,
  contacts: [
    { name: 'Kontakt', email: `focal@${orgId}.example.org`, language: 'sq', roles: ['focal-point'] },
  ],
});
const ORGS: Organisation[] = [
  ngo('ngo-a', 'korca'),
  ngo('ngo-b', 'korca'),
  ngo('ngo-vlora', 'vlora'),
  { ...ngo('police-korca', 'korca'), kind: 'police' },
  {
    ...ngo('prefecture-korca', 'korca'),
    kind: 'prefecture',
    contacts: [
      {
        name: 'K',
        email: 'coordinator@prefecture-korca.example.org',
        language: 'sq',
        roles: ['coordinator'],
      },
    ],
  },
];

const coordinator: MemberCaller = {
  sub: 'coordinator-1',
  role: 'coordinator',
  orgId: 'prefecture-korca',
  orgKind: 'prefecture',
  regions: ['korca'],
};
const ngoA: MemberCaller = {
  sub: 'ngo-a-1',
  role: 'ngo',
  orgId: 'ngo-a',
  orgKind: 'ngo',
  regions: ['korca'],
};

let table: TestTable;
let store: MeetingStore;
let counter = 0;
const uuid = () => {
  counter++;
  return `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
};

interface World {
  readonly deps: CaseCycleDeps;
  readonly started: Array<{ input: ReferralWorkflowInput; name: string }>;
  readonly failed: string[];
  readonly mail: OutgoingEmail[];
}

function world(): World {
  const started: World['started'] = [];
  const failed: string[] = [];
  const mail: OutgoingEmail[] = [];
  return {
    started,
    failed,
    mail,
    deps: {
      store,
      now: () => NOW,
      deadlines: DEFAULT_DEADLINES,
      reminders: DEFAULT_REMINDERS,
      calendar: CALENDAR,
      callback: {
        succeed: async () => 'ok' as const,
        fail: async (token: string) => {
          failed.push(token);
          return 'ok' as const;
        },
      },
      workflow: {
        start: async (input, name) => {
          started.push({ input, name });
        },
      },
      mailer: {
        send: async (email) => {
          mail.push(email);
          return { status: 'sent' as const, messageId: `m${mail.length}` };
        },
      },
    },
  };
}

async function seedCase(status: CaseStatus, extra: Partial<CaseRecord> = {}): Promise<CaseRecord> {
  const caseId = uuid();
  const at = '2026-11-20T09:00:00.000Z';
  const item: CaseRecord = {
    caseId,
    reference: `KOR-2026-${String(counter).padStart(4, '0')}`,
    region: 'korca',
    status,
    version: 1,
    interviewDate: '2026-11-19',
    socialWorkerPresent: true,
    socialWorkerOrgId: 'ngo-a',
    person: {
      ageGroup: 'adult',
      gender: 'female',
      nationality: 'AL',
      language: 'sq',
      needs: ['shelter'],
      riskLevel: 'high',
    },
    consentGiven: true,
    consent: { given: true },
    referringOrgId: 'police-korca',
    officerSub: 'officer-1',
    offeredOrgIds: ['ngo-a'],
    acceptedOrgId: 'ngo-a',
    acceptedAt: at,
    cycle: 1,
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
  await store.createReferral({
    caseItem: item,
    event: { caseId, at, type: 'REFERRED', actor: 'police', orgId: 'police-korca', status: 'REFERRED' },
    idempotency: {
      scope: 'police-korca',
      key: caseId,
      requestHash: 'h',
      response: { caseId, reference: item.reference, status: 'REFERRED' },
      createdAt: at,
    },
  });
  return item;
}

/** An open task with its first reminder on the due-time index, waited on by a workflow. */
async function seedTask(item: CaseRecord, kind: TaskKind, orgId = 'ngo-a'): Promise<TaskRecord> {
  const createdAt = '2026-11-21T09:00:00.000Z';
  const task = withFirstReminder(
    { reminders: DEFAULT_REMINDERS, calendar: CALENDAR },
    {
      taskId: uuid(),
      kind,
      subject: 'case',
      caseId: item.caseId,
      orgId,
      status: 'OPEN',
      createdAt,
      dueAt: '2026-12-10T09:00:00.000Z',
      sequence: 1,
      sfnTaskToken: `token-${kind}-${counter}`,
    } satisfies TaskRecord,
    new Date(createdAt),
  );
  expect(await store.openTask({ task, actor: { role: 'system' }, now: createdAt })).toBe('opened');
  return task;
}

/** Every item of the due-time index about the case. */
async function dueItems(caseId: string): Promise<DueItem[]> {
  const all: DueItem[] = [];
  for (let shard = 0; shard < DUE_SHARDS; shard++) {
    all.push(...(await store.listDue(shard, '2099-01-01T00:00:00.000Z', 1000)));
  }
  return all.filter((d) => 'caseId' in d && d.caseId === caseId);
}

const events = async (caseId: string) => store.listEvents(caseId);

beforeAll(async () => {
  table = await createTestTable('cycles');
  store = new MeetingStore(table.client, table.tableName);
  await store.seedRegion({ regionId: 'korca', code: 'KOR', name: 'Korçë' });
  await store.seedRegion({ regionId: 'vlora', code: 'VLO', name: 'Vlorë' });
  for (const o of ORGS) await store.seedOrganisation(o);
});

afterAll(async () => {
  await table.drop();
});

describe('transferCase', () => {
  it("cancels the old cycle's tasks and their reminders, moves the cycle up and offers the case to the new NGO", async () => {
    const w = world();
    const item = await seedCase('ASSESSED');
    const plan = await seedTask(item, 'ASSISTANCE_PLAN');
    expect(plan.reminderAt).toBeDefined();
    expect((await dueItems(item.caseId)).some((d) => d.ref.includes(plan.taskId))).toBe(true);

    const view = await transferCase(w.deps, coordinator, { caseId: item.caseId }, () => ({
      orgId: 'ngo-b',
      reason: 'capacity',
    }));

    expect(view.status).toBe('REFERRED');
    const after = await store.getCase(item.caseId);
    expect(after).toMatchObject({
      status: 'REFERRED',
      cycle: 2,
      preferredNgoId: 'ngo-b',
      offeredOrgIds: ['ngo-a'],
    });
    expect(after?.acceptedOrgId).toBeUndefined();
    expect(after?.openTasks ?? {}).toEqual({});
    expect(await store.getTask(plan.taskId)).toMatchObject({ status: 'CANCELLED' });
    expect(w.failed).toEqual([plan.sfnTaskToken]);
    expect((await dueItems(item.caseId)).filter((d) => d.ref.includes(plan.taskId))).toEqual([]);
    expect(w.started).toEqual([
      {
        input: { caseId: item.caseId, reference: item.reference, region: 'korca' },
        name: `${item.caseId}-transfer-2`,
      },
    ]);
    expect((await events(item.caseId)).find((e) => e.type === 'TRANSFERRED')).toMatchObject({
      fromOrgId: 'ngo-a',
      toOrgId: 'ngo-b',
      reason: 'capacity',
      cycle: 2,
      status: 'REFERRED',
      actor: 'coordinator',
    });
    expect(w.mail.map((m) => m.to)).toEqual([['focal@ngo-a.example.org']]);
    expect(w.mail[0]?.text).toContain(item.reference);
  });

  it("lets a late step of the old cycle's stage open nothing", async () => {
    const w = world();
    const item = await seedCase('ASSESSED');
    await transferCase(w.deps, coordinator, { caseId: item.caseId }, () => ({
      orgId: 'ngo-b',
      reason: 'other',
    }));
    const mailDeps = { ...w.deps, store, actionBaseUrl: 'https://api.bashke.test' };
    const step = (cycle: number) =>
      openTask(mailDeps, {
        caseId: item.caseId,
        reference: item.reference,
        region: 'korca',
        cycle,
        sequence: 1,
        kind: 'ASSISTANCE_PLAN',
        taskToken: 'late-token',
      });

    await expect(step(1)).rejects.toBeInstanceOf(CaseClosedError);

    expect((await store.getCase(item.caseId))?.openTasks ?? {}).toEqual({});
  });

  it('refuses the first NGO the case and its old tasks at once (404)', async () => {
    const w = world();
    const item = await seedCase('IN_ASSISTANCE');
    const review = await seedTask(item, 'PLAN_REVIEW');
    await expect(readableCase(store, ngoA, { caseId: item.caseId })).resolves.toMatchObject({
      caseId: item.caseId,
    });
    await expect(
      getTask({ ...w.deps, store, directory: store }, ngoA, { taskId: review.taskId }),
    ).resolves.toMatchObject({
      status: 'OPEN',
    });

    await transferCase(w.deps, coordinator, { caseId: item.caseId }, () => ({
      orgId: 'ngo-b',
      reason: 'conflict-of-interest',
    }));

    await expect(readableCase(store, ngoA, { caseId: item.caseId })).rejects.toBeInstanceOf(NotFoundError);
    await expect(caseTimeline({ store }, ngoA, { caseId: item.caseId })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(
      getTask({ ...w.deps, store, directory: store }, ngoA, { taskId: review.taskId }),
    ).rejects.toBeInstanceOf(NotFoundError);
    // Nor in its lists: the cancelled review is not among its done tasks.
    const done = await listTasks({ ...w.deps, store, directory: store }, ngoA, { status: 'done' });
    expect(done.items.map((t) => t.taskId)).not.toContain(review.taskId);
    const timeline = await caseTimeline({ store }, coordinator, { caseId: item.caseId });
    expect(timeline.items.find((e) => e.type === 'TRANSFERRED')).toMatchObject({
      fromOrgId: 'ngo-a',
      toOrgId: 'ngo-b',
      reason: 'conflict-of-interest',
      cycle: 2,
    });
  });

  it('starts nothing twice and tells nobody twice when repeated', async () => {
    const w = world();
    const item = await seedCase('FOLLOW_UP');
    await seedTask(item, 'FOLLOW_UP');
    const body = () => ({ orgId: 'ngo-b', reason: 'person-request' });
    await transferCase(w.deps, coordinator, { caseId: item.caseId }, body);
    const once = await store.getCase(item.caseId);

    // The workflow started, but its offer is not yet open: a repeat starts the same name.
    await transferCase(w.deps, coordinator, { caseId: item.caseId }, body);

    expect(await store.getCase(item.caseId)).toMatchObject({ cycle: 2, version: once?.version });
    expect(new Set(w.started.map((s) => s.name))).toEqual(new Set([`${item.caseId}-transfer-2`]));
    expect(w.mail).toHaveLength(1);
    expect((await events(item.caseId)).filter((e) => e.type === 'TRANSFERRED')).toHaveLength(1);
  });

  it('answers 400 unknown_reference and changes nothing for an NGO of another region, the same NGO or a non-NGO', async () => {
    const w = world();
    const item = await seedCase('ACCEPTED');
    const task = await seedTask(item, 'NEEDS_ASSESSMENT');
    const before = await store.getCase(item.caseId);
    for (const orgId of ['ngo-vlora', 'ngo-a', 'police-korca', 'no-such-org']) {
      await expect(
        transferCase(w.deps, coordinator, { caseId: item.caseId }, () => ({ orgId, reason: 'other' })),
      ).rejects.toMatchObject({ issues: [{ path: '/orgId', code: 'unknown_reference' }] });
    }
    await expect(
      transferCase(w.deps, coordinator, { caseId: item.caseId }, () => ({
        orgId: 'ngo-b',
        reason: 'free text',
      })),
    ).rejects.toBeInstanceOf(ValidationError);

    expect(await store.getCase(item.caseId)).toEqual(before);
    expect(await store.getTask(task.taskId)).toMatchObject({ status: 'OPEN' });
    expect(w.started).toEqual([]);
    expect(w.failed).toEqual([]);
    expect(w.mail).toEqual([]);
  });

  it('answers 409 not_accepted for a case no NGO holds', async () => {
    const w = world();
    const item = await seedCase('CLOSED', { closedAt: '2026-11-30T09:00:00.000Z' });
    await expect(
      transferCase(w.deps, coordinator, { caseId: item.caseId }, () => ({
        orgId: 'ngo-b',
        reason: 'capacity',
      })),
    ).rejects.toMatchObject({ code: 'not_accepted' });
    expect(await store.getCase(item.caseId)).toMatchObject({ status: 'CLOSED', cycle: 1 });
    expect(w.started).toEqual([]);
  });
});

describe('reopenCase', () => {
  it('moves a CLOSED case to IN_ASSISTANCE in a new cycle and puts its assistance stage on the due-time index', async () => {
    const w = world();
    const item = await seedCase('CLOSED', { closedAt: '2026-11-30T09:00:00.000Z' });

    const view = await reopenCase(w.deps, coordinator, { caseId: item.caseId }, () => ({
      reason: 'new-needs',
    }));

    expect(view.status).toBe('IN_ASSISTANCE');
    const after = await store.getCase(item.caseId);
    expect(after).toMatchObject({ status: 'IN_ASSISTANCE', cycle: 2, acceptedOrgId: 'ngo-a' });
    expect(after?.closedAt).toBeUndefined();
    const input = {
      caseId: item.caseId,
      reference: item.reference,
      region: 'korca',
      cycle: 2,
      sequence: 1,
      part: 0,
    };
    expect(await dueItems(item.caseId)).toEqual([
      expect.objectContaining({
        type: 'START_STAGE',
        ref: `${item.caseId}-assistance-2-1`,
        stage: 'assistance',
        input,
      }),
    ]);
    expect((await events(item.caseId)).find((e) => e.type === 'REOPENED')).toMatchObject({
      reason: 'new-needs',
      cycle: 2,
      status: 'IN_ASSISTANCE',
    });
    expect(w.mail.map((m) => m.to)).toEqual([['focal@ngo-a.example.org']]);
  });

  it('changes nothing more when repeated', async () => {
    const w = world();
    const item = await seedCase('CLOSED_REFERRED', { closedAt: '2026-11-30T09:00:00.000Z' });
    const body = () => ({ reason: 'safety-concern' });
    await reopenCase(w.deps, coordinator, { caseId: item.caseId }, body);
    const once = await store.getCase(item.caseId);

    await reopenCase(w.deps, coordinator, { caseId: item.caseId }, body);

    expect(await store.getCase(item.caseId)).toEqual(once);
    expect(await dueItems(item.caseId)).toHaveLength(1);
    expect(w.mail).toHaveLength(1);
    expect((await events(item.caseId)).filter((e) => e.type === 'REOPENED')).toHaveLength(1);
  });

  it('answers 409 not_closed and changes nothing for a case that is not closed', async () => {
    const w = world();
    for (const status of ['ACCEPTED', 'IN_ASSISTANCE', 'WITHDRAWN'] as const) {
      const item = await seedCase(status);
      const error = await reopenCase(w.deps, coordinator, { caseId: item.caseId }, () => ({
        reason: 'other',
      })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ code: 'not_closed' });
      expect(await store.getCase(item.caseId)).toMatchObject({ status, cycle: 1, version: 1 });
      expect(await dueItems(item.caseId)).toEqual([]);
    }
    expect(w.mail).toEqual([]);
  });
});
