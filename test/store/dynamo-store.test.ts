/**
 * DynamoStore on DynamoDB Local, on a table of the data stack's definition: its conditions
 * and updates decided by DynamoDB itself. The failure paths DynamoDB Local cannot be made to
 * produce on demand (throttling, a TransactionConflict and its retries, an update that
 * returns no value) stay in test/unit/dynamo-store.test.ts on a mocked client.
 */
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoStore } from '../../shared/data/dynamo-store';
import { dueShard, keys, taskIndexKeys } from '../../shared/data/keys';
import type { CaseRecord, DueItem, TaskRecord } from '../../shared/data/records';
import type { CompleteTaskArgs } from '../../shared/data/store';
import { createTestTable, type TestTable } from '../support/dynamodb-local';
import {
  actionLink,
  CASE_ID,
  caseTask,
  createReferralArgs,
  directory,
  offerTask,
  T0,
  TASK_ID,
} from '../support/fixtures';

let table: TestTable;
let store: DynamoStore;

beforeEach(async () => {
  table = await createTestTable('dynamo-store');
  store = new DynamoStore(table.client, table.tableName);
  const d = directory();
  for (const region of d.regions) await store.seedRegion(region);
  for (const org of d.organisations) await store.seedOrganisation(org);
});

afterEach(async () => {
  await table.drop();
});

const later = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const OTHER_CASE = '0b7d5f9e-1c2a-4e3b-8f4d-5a6b7c8d9e0f';
const NGO = 'ngo-different-and-equal';

async function referred(changes: Partial<CaseRecord> = {}) {
  const base = createReferralArgs();
  const caseItem = { ...base.caseItem, ...changes };
  const idempotency = { ...base.idempotency, key: `key-${caseItem.caseId}` };
  const event = { ...base.event, caseId: caseItem.caseId, at: caseItem.createdAt };
  expect(await store.createReferral({ caseItem, idempotency, event })).toBe('created');
}

async function openFirstOffer(taskId?: string) {
  const task = offerTask(taskId === undefined ? {} : { taskId });
  const opened = await store.openOffer({
    caseId: CASE_ID,
    expectedVersion: 1,
    afterTaskId: undefined,
    task,
    now: later(1),
  });
  return { task, opened };
}

/** Opens a task of the fixture case through openTask. */
async function opened(changes: Partial<TaskRecord> = {}) {
  const task = caseTask(changes);
  expect(await store.openTask({ task, actor: { role: 'system' }, now: later(1) })).toBe('opened');
  return task;
}

/** A task's first reminder, as the use cases put it on a new task (withFirstReminder). */
const firstStep = (at: string) => ({ reminderStep: 0, reminderAt: at });

/** The reminder the due index holds for one task (in its shard, everything due by far in the future). */
async function dueOf(taskId: string) {
  return (await store.listDue(dueShard(taskId), '2099-01-01T00:00:00.000Z', 100)).filter(
    (d) => (d.type === 'REMINDER' || d.type === 'TASK_DUE') && d.taskId === taskId,
  );
}

const eventTypes = async () => (await store.listEvents(CASE_ID)).map((e) => e.type);

function completion(task: TaskRecord, changes: Partial<CompleteTaskArgs> = {}): CompleteTaskArgs {
  return {
    task,
    status: 'DONE',
    result: 'done',
    outcome: { needs: ['shelter'] },
    actor: { role: 'link', orgId: task.orgId },
    now: later(10),
    ...changes,
  };
}

describe('DynamoStore on DynamoDB Local', () => {
  it('counts with ADD from 1, per key', async () => {
    expect([await store.nextCounter('KOR#2026'), await store.nextCounter('KOR#2026')]).toEqual([1, 2]);
    expect(await store.nextCounter('TIR#2026')).toBe(1);
  });

  it('creates a referral once per idempotency key, with a TTL one day after its creation and no open tasks', async () => {
    await referred();
    const base = createReferralArgs();
    const replay = { ...base, idempotency: { ...base.idempotency, key: `key-${CASE_ID}` } };
    expect(await store.createReferral(replay)).toBe('idempotency-exists');
    const idempotency = (await table.items()).find((i) => String(i.pk).startsWith('IDEMPOTENCY#'));
    expect(idempotency).toMatchObject({ ttl: Date.parse(T0) / 1000 + 86_400 });
    expect(await store.getCase(CASE_ID)).toMatchObject({ caseId: CASE_ID, openTasks: {} });
  });

  it('opens the first offer only on the expected version and with no current offer', async () => {
    await referred();
    const { opened: first } = await openFirstOffer();
    expect(first).toBe(true);
    // The same first offer again: the version moved on and an offer is current.
    expect((await openFirstOffer('0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5')).opened).toBe(false);
    expect((await store.getOrganisation(NGO))?.openOffers).toBe(1);
    expect((await store.getCase(CASE_ID))?.openTasks).toEqual({ [TASK_ID]: 'OFFER' });
  });

  it('refuses an offer to an organisation that is not in the directory', async () => {
    await referred();
    const task = { ...offerTask(), orgId: 'ngo-unknown' };
    await expect(
      store.openOffer({ caseId: CASE_ID, expectedVersion: 1, afterTaskId: undefined, task, now: later(1) }),
    ).resolves.toBe(false);
    expect(await store.getTask(task.taskId)).toBeUndefined();
  });

  it('lists the organisations of the directory from the index, without key attributes', async () => {
    const orgs = await store.listOrganisations();
    expect(orgs.map((o) => o.orgId).sort()).toEqual(
      directory()
        .organisations.map((o) => o.orgId)
        .sort(),
    );
    for (const org of orgs) expect(Object.keys(org)).not.toEqual(expect.arrayContaining(['pk', 'gsi1pk']));
  });
});

describe('openTask', () => {
  it('opens a task with its first reminder, its place among the open tasks and an event', async () => {
    await referred({ status: 'ACCEPTED', acceptedOrgId: NGO });
    const task = await opened(firstStep(later(60)));

    expect(await store.getTask(task.taskId)).toEqual(task);
    expect((await store.getCase(CASE_ID))?.openTasks).toEqual({ [task.taskId]: 'NEEDS_ASSESSMENT' });
    expect(await dueOf(task.taskId)).toEqual([
      { type: 'REMINDER', dueAt: later(60), ref: task.taskId, caseId: CASE_ID, taskId: task.taskId, step: 0 },
    ]);
    expect(await eventTypes()).toContain('NEEDS_ASSESSMENT_OPENED');
    expect((await store.listOrgTasks(NGO, true, { limit: 10 })).items).toEqual([task]);
  });

  it("answers 'exists' for a task opened before and writes nothing", async () => {
    await referred({ status: 'ACCEPTED', acceptedOrgId: NGO });
    const task = await opened();
    const before = await table.items();

    expect(await store.openTask({ task, actor: { role: 'system' }, now: later(2) })).toBe('exists');
    expect(await table.items()).toEqual(before);
  });

  it.each([
    ['withdrawn', { status: 'WITHDRAWN' as const }],
    ['closed', { status: 'CLOSED' as const }],
  ])("answers 'case-closed' for a %s case and writes nothing", async (_l, changes) => {
    await referred(changes);
    const before = await table.items();

    expect(await store.openTask({ task: caseTask(), actor: { role: 'system' }, now: later(1) })).toBe(
      'case-closed',
    );
    expect(await table.items()).toEqual(before);
  });

  it("answers 'case-closed' when the case does not exist", async () => {
    expect(await store.openTask({ task: caseTask(), actor: { role: 'system' }, now: later(1) })).toBe(
      'case-closed',
    );
    expect(await store.getTask(caseTask().taskId)).toBeUndefined();
  });
});

describe('armTask', () => {
  it('with a callback token: armed once; the same link again is armed-before, emailed or not', async () => {
    await referred();
    const { task } = await openFirstOffer();
    const link = actionLink();
    const args = { taskId: task.taskId, caseId: CASE_ID, sfnTaskToken: 'sfn-token-1', link };

    expect(await store.armTask(args)).toEqual({ kind: 'armed' });
    expect(await store.getTask(task.taskId)).toMatchObject({
      sfnTaskToken: 'sfn-token-1',
      actionHash: link.hash,
      linkExpiresAt: link.expiresAt,
    });
    expect(await store.getActionLink(link.hash)).toEqual(link);
    // A later run of the same attempt, with a later expiry: the first expiry stands.
    const again = { ...args, link: { ...link, expiresAt: later(60 * 25) } };
    expect(await store.armTask(again)).toEqual({
      kind: 'armed-before',
      linkExpiresAt: link.expiresAt,
      emailed: false,
    });
    await store.markEmailed(task.taskId, later(2));
    expect(await store.armTask(again)).toEqual({
      kind: 'armed-before',
      linkExpiresAt: link.expiresAt,
      emailed: true,
    });
  });

  it('arms a second link while nothing was emailed; after the email another link is emailed-before', async () => {
    await referred();
    const { task } = await openFirstOffer();
    const first = actionLink();
    const second = actionLink({ hash: 'c'.repeat(64) });
    const third = actionLink({ hash: 'd'.repeat(64) });
    const arm = (link: typeof first, token: string) =>
      store.armTask({ taskId: task.taskId, caseId: CASE_ID, sfnTaskToken: token, link });

    expect(await arm(first, 'sfn-token-1')).toEqual({ kind: 'armed' });
    expect(await arm(second, 'sfn-token-2')).toEqual({ kind: 'armed' });
    await store.markEmailed(task.taskId, later(2));
    expect(await arm(third, 'sfn-token-3')).toEqual({ kind: 'emailed-before' });

    // Both armed links stay live; the refused one was never stored; the token is the second's.
    expect(await store.getActionLink(first.hash)).toBeDefined();
    expect(await store.getActionLink(second.hash)).toBeDefined();
    expect(await store.getActionLink(third.hash)).toBeUndefined();
    expect(await store.getTask(task.taskId)).toMatchObject({ sfnTaskToken: 'sfn-token-2' });
    expect(await store.rearmTask(task.taskId, 'sfn-token-3')).toBe(true);
    expect(await store.getTask(task.taskId)).toMatchObject({
      sfnTaskToken: 'sfn-token-3',
      actionHash: second.hash,
    });
  });

  it('without a callback token: stores only the link', async () => {
    await referred({ status: 'ACCEPTED', acceptedOrgId: NGO });
    const task = await opened({ kind: 'PLAN_ITEM', service: 'shelter' });
    const link = actionLink({ taskId: task.taskId });

    expect(await store.armTask({ taskId: task.taskId, caseId: CASE_ID, link })).toEqual({ kind: 'armed' });
    const armed = await store.getTask(task.taskId);
    expect(armed).toMatchObject({ actionHash: link.hash, linkExpiresAt: link.expiresAt });
    expect(armed).not.toHaveProperty('sfnTaskToken');
    expect(await store.armTask({ taskId: task.taskId, caseId: CASE_ID, link })).toMatchObject({
      kind: 'armed-before',
    });
  });

  it('is closed for a task of another case, a missing task and a task no longer open', async () => {
    await referred();
    const { task } = await openFirstOffer();
    const link = actionLink();
    const args = { taskId: task.taskId, caseId: CASE_ID, sfnTaskToken: 'sfn-token-1', link };

    expect(await store.armTask({ ...args, caseId: OTHER_CASE })).toEqual({ kind: 'closed' });
    expect(await store.armTask({ ...args, taskId: '0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5' })).toEqual({
      kind: 'closed',
    });
    expect(await store.lapseTask(task, later(2))).toBe(true);
    expect(await store.armTask(args)).toEqual({ kind: 'closed' });
    expect(await store.getActionLink(link.hash)).toBeUndefined();
    expect(await store.rearmTask(task.taskId, 'sfn-token-2')).toBe(false);
  });
});

describe('completeTask', () => {
  it('completes a task once through its link: the link is used, the task closed, the offer count down', async () => {
    await referred();
    const { task } = await openFirstOffer();
    const link = actionLink();
    await store.armTask({ taskId: task.taskId, caseId: CASE_ID, sfnTaskToken: 'sfn-token-1', link });
    const decline = completion(task, {
      hash: link.hash,
      status: 'DECLINED',
      result: 'decline',
      outcome: { decision: 'decline' },
      note: 'no bed free',
    });

    expect(await store.completeTask(decline)).toBe(true);
    expect(await store.completeTask(decline)).toBe(false);
    expect(await store.completeTask({ ...decline, hash: undefined, now: later(11) })).toBe(false);

    expect(await store.getTask(task.taskId)).toMatchObject({
      status: 'DECLINED',
      result: 'decline',
      outcome: { decision: 'decline' },
      note: 'no bed free',
      completedAt: later(10),
      completedBy: { role: 'link', orgId: NGO },
    });
    expect(await store.getActionLink(link.hash)).toMatchObject({ usedAt: later(10) });
    expect((await store.getOrganisation(NGO))?.openOffers).toBe(0);
    expect((await store.getCase(CASE_ID))?.openTasks).toEqual({});
    expect(await eventTypes()).toEqual(['REFERRED', 'OFFERED', 'OFFER_DECLINED']);
    expect(await store.lapseTask(task, later(12))).toBe(false);
    // Listed among the organisation's closed tasks now.
    expect((await store.listOrgTasks(NGO, true, { limit: 10 })).items).toEqual([]);
    expect((await store.listOrgTasks(NGO, false, { limit: 10 })).items.map((t) => t.taskId)).toEqual([
      task.taskId,
    ]);
  });

  it('refuses a link that expired or is of another task, writing nothing', async () => {
    await referred();
    const { task } = await openFirstOffer();
    const link = actionLink({ expiresAt: later(5) });
    await store.armTask({ taskId: task.taskId, caseId: CASE_ID, sfnTaskToken: 'sfn-token-1', link });
    const before = await table.items();

    expect(await store.completeTask(completion(task, { hash: link.hash, now: later(5) }))).toBe(false);
    expect(await store.completeTask(completion(task, { hash: 'e'.repeat(64), now: later(1) }))).toBe(false);
    expect(await table.items()).toEqual(before);
  });

  it('completes without a link (through the API), removing its reminder and moving the case from a listed status', async () => {
    await referred({ status: 'ACCEPTED', acceptedOrgId: NGO });
    const task = await opened(firstStep(later(60)));
    expect(await dueOf(task.taskId)).toHaveLength(1);
    const version = (await store.getCase(CASE_ID))?.version ?? 0;

    expect(
      await store.completeTask(
        completion(task, {
          actor: { role: 'ngo', orgId: NGO },
          caseStatus: { from: ['ACCEPTED'], to: 'ASSESSED' },
          caseFacts: { assessedNeeds: ['shelter'] },
        }),
      ),
    ).toBe(true);

    expect(await store.getCase(CASE_ID)).toMatchObject({
      status: 'ASSESSED',
      version: version + 1,
      assessedNeeds: ['shelter'],
      openTasks: {},
      updatedAt: later(10),
    });
    expect(await dueOf(task.taskId)).toEqual([]);
    expect(await store.getTask(task.taskId)).toMatchObject({ status: 'DONE', completedBy: { role: 'ngo' } });
    const events = await store.listEvents(CASE_ID);
    expect(events.at(-1)).toMatchObject({
      type: 'NEEDS_ASSESSMENT_DONE',
      status: 'ASSESSED',
      taskId: task.taskId,
    });
  });

  it('moves the case only from the statuses listed: otherwise nothing is written', async () => {
    await referred({ status: 'ACCEPTED', acceptedOrgId: NGO });
    const task = await opened();
    const before = await table.items();

    expect(
      await store.completeTask(completion(task, { caseStatus: { from: ['ASSESSED'], to: 'IN_ASSISTANCE' } })),
    ).toBe(false);
    expect(await table.items()).toEqual(before);
  });

  it('opens the plan items it asks for, each with its first reminder, among the case open tasks', async () => {
    await referred({ status: 'ASSESSED', acceptedOrgId: NGO });
    const plan = await opened({ kind: 'ASSISTANCE_PLAN', ...firstStep(later(90)) });
    const items = [
      caseTask({
        taskId: 'c5e7a9b1-3d4f-4b6c-8e0a-2b4d6f8a0c2e',
        kind: 'PLAN_ITEM',
        orgId: 'municipality-korce',
        service: 'shelter',
        dueAt: later(60 * 24 * 30),
        ...firstStep(later(60 * 24 * 15)),
      }),
      caseTask({
        taskId: 'd6f8b0c2-4e5a-4c7d-9f1b-3c5e7a9b1d3f',
        kind: 'PLAN_ITEM',
        orgId: 'ngo-tjeter-vizion',
        service: 'medical',
        sequence: 2,
        dueAt: later(60 * 24 * 20),
        ...firstStep(later(60 * 24 * 10)),
      }),
    ];

    expect(
      await store.completeTask(
        completion(plan, {
          caseStatus: { from: ['ASSESSED'], to: 'IN_ASSISTANCE' },
          outcome: { items: [] },
          newTasks: items,
        }),
      ),
    ).toBe(true);

    expect((await store.getCase(CASE_ID))?.openTasks).toEqual({
      [items[0]?.taskId as string]: 'PLAN_ITEM',
      [items[1]?.taskId as string]: 'PLAN_ITEM',
    });
    for (const item of items) {
      expect(await store.getTask(item.taskId)).toEqual(item);
      expect(await dueOf(item.taskId)).toEqual([
        {
          type: 'REMINDER',
          dueAt: item.reminderAt,
          ref: item.taskId,
          caseId: CASE_ID,
          taskId: item.taskId,
          step: 0,
        },
      ]);
    }
    expect(await dueOf(plan.taskId)).toEqual([]);
    expect((await store.listOrgTasks('ngo-tjeter-vizion', true, { limit: 10 })).items).toEqual([items[1]]);
  });

  it('refuses the whole completion when a plan item exists already', async () => {
    await referred({ status: 'ASSESSED', acceptedOrgId: NGO });
    const existing = await opened({ taskId: 'c5e7a9b1-3d4f-4b6c-8e0a-2b4d6f8a0c2e', kind: 'PLAN_ITEM' });
    const plan = await opened({ kind: 'ASSISTANCE_PLAN' });
    const before = await table.items();

    expect(await store.completeTask(completion(plan, { newTasks: [existing] }))).toBe(false);
    expect(await table.items()).toEqual(before);
  });
});

describe('lapseTask', () => {
  it('times an open offer out once: count down, off the open tasks, onto the closed list, an event', async () => {
    await referred();
    const { task } = await openFirstOffer();

    expect(await store.lapseTask(task, later(2))).toBe(true);
    expect(await store.lapseTask(task, later(3))).toBe(false);

    expect(await store.getTask(task.taskId)).toMatchObject({ status: 'TIMED_OUT', completedAt: later(2) });
    expect((await store.getOrganisation(NGO))?.openOffers).toBe(0);
    const item = await store.getCase(CASE_ID);
    expect(item?.openTasks).toEqual({});
    // A timeout is no change the case's readers race on: the version stays.
    expect(item?.version).toBe(2);
    expect(await eventTypes()).toEqual(['REFERRED', 'OFFERED', 'OFFER_TIMED_OUT']);
    expect((await store.listOrgTasks(NGO, false, { limit: 10 })).items).toHaveLength(1);
  });
});

describe('moveCase', () => {
  const withdraw = {
    caseId: CASE_ID,
    from: ['REFERRED', 'OFFERED'] as const,
    to: 'WITHDRAWN' as const,
    type: 'WITHDRAWN',
    actor: { role: 'coordinator' as const, orgId: 'municipality-korce' },
    now: later(5),
    facts: { closedAt: later(5) },
    remove: ['offeredOrgId'],
  };

  it('moves the case from a listed status with its facts, removals and event', async () => {
    await referred({ status: 'OFFERED', offeredOrgId: NGO });

    expect(await store.moveCase({ ...withdraw, from: [...withdraw.from] })).toBe(true);

    const item = await store.getCase(CASE_ID);
    expect(item).toMatchObject({ status: 'WITHDRAWN', version: 2, closedAt: later(5), updatedAt: later(5) });
    expect(item).not.toHaveProperty('offeredOrgId');
    expect((await store.listEvents(CASE_ID)).at(-1)).toMatchObject({
      type: 'WITHDRAWN',
      actor: 'coordinator',
      status: 'WITHDRAWN',
    });
  });

  it('refuses a case in another status, or none, and writes nothing', async () => {
    await referred({ status: 'ACCEPTED' });
    const before = await table.items();

    expect(await store.moveCase({ ...withdraw, from: [...withdraw.from] })).toBe(false);
    expect(await store.moveCase({ ...withdraw, from: [...withdraw.from], caseId: OTHER_CASE })).toBe(false);
    expect(await table.items()).toEqual(before);
  });

  it('marks a referred case unassigned once', async () => {
    await referred();
    expect(await store.markUnassigned({ caseId: CASE_ID, now: later(1) })).toBe(true);
    expect(await store.markUnassigned({ caseId: CASE_ID, now: later(2) })).toBe(false);
    expect((await store.getCase(CASE_ID))?.status).toBe('UNASSIGNED');
  });
});

describe('the due-time index', () => {
  /** Refs of one shard, so one query sees them all. */
  function refsInOneShard(n: number): string[] {
    const refs: string[] = [];
    for (let i = 0; refs.length < n; i++) if (dueShard(`ref-${i}`) === 3) refs.push(`ref-${i}`);
    return refs;
  }

  const due = (ref: string, dueAt: string): DueItem => ({
    type: 'TASK_DUE',
    dueAt,
    ref,
    caseId: CASE_ID,
    taskId: ref,
  });

  it('puts an item once', async () => {
    const [ref = ''] = refsInOneShard(1);
    expect(await store.putDue(due(ref, later(5)))).toBe(true);
    expect(await store.putDue(due(ref, later(5)))).toBe(false);
    expect(await store.listDue(3, later(5), 10)).toEqual([due(ref, later(5))]);
  });

  it('lists only what is due by now in the shard, oldest first, at most the limit', async () => {
    const [a = '', b = '', c = '', d = ''] = refsInOneShard(4);
    await store.putDue(due(c, later(3)));
    await store.putDue(due(a, later(1)));
    await store.putDue(due(d, later(10)));
    await store.putDue({
      type: 'START_STAGE',
      dueAt: later(2),
      ref: b,
      caseId: CASE_ID,
      stage: 'assessment',
      input: { caseId: CASE_ID, reference: 'KOR-2026-0001', region: 'korce', cycle: 1, sequence: 1 },
    } as unknown as DueItem);

    const listed = await store.listDue(3, later(3), 10);
    expect(listed.map((i) => i.ref)).toEqual([a, b, c]);
    expect(listed[1]).toMatchObject({ type: 'START_STAGE', ref: b });
    expect((await store.listDue(3, later(3), 2)).map((i) => i.ref)).toEqual([a, b]);
    expect(await store.listDue(3, later(0), 10)).toEqual([]);
    expect(await store.listDue((3 + 1) % 8, later(100), 10)).toEqual([]);
  });

  it('deletes an item, and deleting it again is no error', async () => {
    const [ref = ''] = refsInOneShard(1);
    await store.putDue(due(ref, later(1)));
    await store.deleteDue(due(ref, later(1)));
    await store.deleteDue(due(ref, later(1)));
    expect(await store.listDue(3, later(5), 10)).toEqual([]);
  });
});

describe('overdue tasks', () => {
  it('marks an open task overdue once, with one event; a done task not at all', async () => {
    await referred({ status: 'ACCEPTED', acceptedOrgId: NGO });
    const task = await opened();

    expect(await store.markOverdue(task, later(60))).toBe(true);
    expect(await store.markOverdue(task, later(61))).toBe(false);
    await store.markEscalated(task.taskId, later(62));
    expect(await store.getTask(task.taskId)).toMatchObject({ overdueAt: later(60), escalatedAt: later(62) });
    expect((await eventTypes()).filter((t) => t === 'NEEDS_ASSESSMENT_OVERDUE')).toHaveLength(1);

    const other = await opened({ taskId: 'e7a9c1d3-5f6b-4d8e-8a2c-4d6f8b0c2e4a', kind: 'REFLECTION_REVIEW' });
    await store.completeTask(
      completion(other, { result: 'completed', outcome: { reflection: 'completed' } }),
    );
    expect(await store.markOverdue(other, later(60))).toBe(false);
  });

  it('refuses to record an escalation, email or notice on a missing task', async () => {
    await expect(store.markEscalated(TASK_ID, later(1))).rejects.toThrow();
    await expect(store.markEmailed(TASK_ID, later(1))).rejects.toThrow();
  });
});

describe('lists', () => {
  async function cases(region: string, n: number, offset = 0) {
    for (let i = 0; i < n; i++) {
      const caseId = `${String(offset + i).padStart(8, '0')}-1111-4111-8111-111111111111`;
      await referred({ caseId, region, createdAt: later(offset + i) });
    }
  }

  it("lists a region's cases oldest first, a page at a time", async () => {
    await cases('korce', 3);
    await cases('tirane', 1, 10);

    const first = await store.listCases('korce', { limit: 2 });
    expect(first.items.map((c) => c.createdAt)).toEqual([later(0), later(1)]);
    expect(first.next).toBeDefined();
    for (const item of first.items) expect(item).not.toHaveProperty('gsi1pk');
    const second = await store.listCases('korce', { limit: 2, ...(first.next ? { start: first.next } : {}) });
    expect(second.items.map((c) => c.createdAt)).toEqual([later(2)]);
    expect(second.next).toBeUndefined();
    expect((await store.listCases('tirane', { limit: 10 })).items).toHaveLength(1);
    expect((await store.listCases('nowhere', { limit: 10 })).items).toEqual([]);
  });

  it("lists an organisation's open tasks by due instant, a page at a time, and the overdue ones", async () => {
    await referred({ status: 'ACCEPTED', acceptedOrgId: NGO });
    const ids = [
      'f8b0d2e4-6a7c-4e9f-8b3d-5e7a9c1d3f5b',
      'a9c1e3f5-7b8d-4f0a-9c4e-6f8b0d2e4a6c',
      'b0d2f4a6-8c9e-4a1b-8d5f-7a9c1e3f5b7d',
    ];
    const tasks = [];
    for (const [i, taskId] of ids.entries()) {
      tasks.push(await opened({ taskId, kind: 'PLAN_ITEM', sequence: i + 1, dueAt: later(100 - i * 10) }));
    }
    const byDue = [...tasks].sort((a, b) => a.dueAt.localeCompare(b.dueAt));

    const first = await store.listOrgTasks(NGO, true, { limit: 2 });
    expect(first.items).toEqual(byDue.slice(0, 2));
    expect(first.next).toBeDefined();
    const second = await store.listOrgTasks(NGO, true, {
      limit: 2,
      ...(first.next ? { start: first.next } : {}),
    });
    expect(second.items).toEqual(byDue.slice(2));
    expect(second.next).toBeUndefined();

    const overdue = await store.listOrgTasks(NGO, true, { limit: 10, dueBefore: later(95) });
    expect(overdue.items.map((t) => t.dueAt)).toEqual([later(80), later(90)]);
    expect((await store.listOrgTasks('ngo-vatra', true, { limit: 10 })).items).toEqual([]);
  });
});

describe('tasks stored before tasks were generalised', () => {
  const doc = () => DynamoDBDocumentClient.from(table.client);

  async function putOld(item: Record<string, unknown>) {
    await doc().send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...keys.task(TASK_ID),
          taskId: TASK_ID,
          kind: 'OFFER',
          caseId: CASE_ID,
          orgId: NGO,
          reason: 'REGION_SERVICE_MATCH',
          createdAt: later(1),
          ...item,
        },
      }),
    );
  }

  it.each([
    ['accept', 'DONE'],
    ['decline', 'DECLINED'],
  ])(
    'reads a DECIDED offer (%s) as %s with its result, note, completion and link expiry',
    async (decision, status) => {
      await putOld({
        status: 'DECIDED',
        decision,
        ...(decision === 'decline' ? { declineReason: 'no bed free' } : {}),
        decidedAt: later(30),
        deadline: later(60 * 24),
      });

      const task = await store.getTask(TASK_ID);

      expect(task).toEqual({
        taskId: TASK_ID,
        kind: 'OFFER',
        subject: 'case',
        caseId: CASE_ID,
        orgId: NGO,
        reason: 'REGION_SERVICE_MATCH',
        createdAt: later(1),
        sequence: 1,
        status,
        result: decision,
        outcome: { decision },
        ...(decision === 'decline' ? { note: 'no bed free' } : {}),
        completedAt: later(30),
        linkExpiresAt: later(60 * 24),
        dueAt: later(60 * 24),
      });
    },
  );

  it('reads an old open offer as open, due at its deadline, and arms it again as armed-before with that deadline', async () => {
    const link = actionLink();
    await putOld({
      status: 'OPEN',
      ...taskIndexKeys(NGO, true, later(60 * 24), TASK_ID),
      actionHash: link.hash,
      deadline: later(60 * 24),
      sfnTaskToken: 'sfn-token-1',
    });

    expect(await store.getTask(TASK_ID)).toMatchObject({
      status: 'OPEN',
      dueAt: later(60 * 24),
      linkExpiresAt: later(60 * 24),
      subject: 'case',
      sequence: 1,
    });
    expect(
      await store.armTask({ taskId: TASK_ID, caseId: CASE_ID, sfnTaskToken: 'sfn-token-1', link }),
    ).toEqual({ kind: 'armed-before', linkExpiresAt: later(60 * 24), emailed: false });
  });

  it('offers, times out and completes tasks of a case stored before cases had open tasks', async () => {
    const { caseItem } = createReferralArgs();
    await doc().send(
      new PutCommand({ TableName: table.tableName, Item: { ...keys.case(CASE_ID), ...caseItem } }),
    );
    const { task, opened: offered } = await openFirstOffer();
    expect(offered).toBe(true);
    expect(await store.lapseTask(task, later(2))).toBe(true);
    expect((await store.getCase(CASE_ID))?.openTasks).toEqual({});
  });

  it('times out and completes tasks of a case whose open tasks were never recorded', async () => {
    const { caseItem } = createReferralArgs();
    await doc().send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...keys.case(CASE_ID), ...caseItem, status: 'ACCEPTED', acceptedOrgId: NGO },
      }),
    );
    await putOld({ ...caseTask({ taskId: TASK_ID }), status: 'OPEN' });
    const task = await store.getTask(TASK_ID);
    if (!task) throw new Error('no task');
    expect(await store.completeTask(completion(task))).toBe(true);
    expect(await store.getTask(TASK_ID)).toMatchObject({ status: 'DONE' });
  });
});
