/**
 * DynamoStore on DynamoDB Local, on a table of the data stack's definition: its conditions
 * and updates decided by DynamoDB itself. The failure paths DynamoDB Local cannot be made to
 * produce on demand (throttling, a TransactionConflict and its retries, an update that
 * returns no value) stay in test/unit/dynamo-store.test.ts on a mocked client.
 */
import { DynamoStore } from '../../shared/data/dynamo-store';
import { createTestTable, type TestTable } from '../support/dynamodb-local';
import { actionLink, CASE_ID, createReferralArgs, directory, offerTask, T0 } from '../support/fixtures';

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

async function referred() {
  expect(await store.createReferral(createReferralArgs())).toBe('created');
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

describe('DynamoStore on DynamoDB Local', () => {
  it('counts with ADD from 1, per key', async () => {
    expect([await store.nextCounter('KOR#2026'), await store.nextCounter('KOR#2026')]).toEqual([1, 2]);
    expect(await store.nextCounter('TIR#2026')).toBe(1);
  });

  it('creates a referral once per idempotency key, with a TTL one day after its creation', async () => {
    await referred();
    expect(await store.createReferral(createReferralArgs())).toBe('idempotency-exists');
    const idempotency = (await table.items()).find((i) => String(i.pk).startsWith('IDEMPOTENCY#'));
    expect(idempotency).toMatchObject({ ttl: Date.parse(T0) / 1000 + 86_400 });
    expect(await store.getCase(CASE_ID)).toMatchObject({ caseId: CASE_ID });
  });

  it('opens the first offer only on the expected version and with no current offer', async () => {
    await referred();
    const { opened } = await openFirstOffer();
    expect(opened).toBe(true);
    // The same first offer again: the version moved on and an offer is current.
    expect((await openFirstOffer('0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5')).opened).toBe(false);
    const org = offerTask().orgId;
    expect((await store.getOrganisation(org))?.openOffers).toBe(1);
  });

  it('refuses an offer to an organisation that is not in the directory', async () => {
    await referred();
    const task = { ...offerTask(), orgId: 'ngo-unknown' };
    await expect(
      store.openOffer({ caseId: CASE_ID, expectedVersion: 1, afterTaskId: undefined, task, now: later(1) }),
    ).resolves.toBe(false);
    expect(await store.getTask(task.taskId)).toBeUndefined();
  });

  it('arms an offer once; the same link again is armed-before, another task is closed', async () => {
    await referred();
    const { task } = await openFirstOffer();
    const link = actionLink();
    const args = { taskId: task.taskId, caseId: CASE_ID, sfnTaskToken: 'sfn-token-1', link };
    expect(await store.armOffer(args)).toEqual({ kind: 'armed' });
    expect(await store.armOffer(args)).toMatchObject({ kind: 'armed-before', emailed: false });
    await store.markEmailed(task.taskId, later(2));
    expect(await store.armOffer(args)).toMatchObject({ kind: 'armed-before', emailed: true });
    expect(await store.armOffer({ ...args, caseId: '0b7d5f9e-1c2a-4e3b-8f4d-5a6b7c8d9e0f' })).toEqual({
      kind: 'closed',
    });
  });

  it('decides a task once through its link, and frees the offer slot', async () => {
    await referred();
    const { task } = await openFirstOffer();
    const link = actionLink();
    await store.armOffer({ taskId: task.taskId, caseId: CASE_ID, sfnTaskToken: 'sfn-token-1', link });
    const decide = { hash: link.hash, task, decision: 'decline' as const, now: later(3) };
    expect(await store.decideTask({ ...decide, declineReason: 'no bed free' })).toBe(true);
    expect(await store.decideTask(decide)).toBe(false);
    expect(await store.getTask(task.taskId)).toMatchObject({
      status: 'DECIDED',
      decision: 'decline',
      declineReason: 'no bed free',
    });
    expect((await store.getOrganisation(task.orgId))?.openOffers).toBe(0);
    expect(await store.lapseTask(task, later(4))).toBe(false);
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
