import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoStore } from '../../shared/data/dynamo-store';
import type { Store } from '../../shared/data/store';
import { createTestTable, type TestTable } from '../support/dynamodb-local';
import { actionLink, CASE_ID, createReferralArgs, directory, offerTask, T0 } from '../support/fixtures';
import { type Item, MemoryStore } from '../support/memory-store';

/**
 * MemoryStore must decide exactly as DynamoStore does. DynamoStore runs here on DynamoDB
 * Local, on a fresh table of the data stack's definition per flow; each flow runs on both
 * stores and must give the same answers and leave the same items behind.
 */

const tables: TestTable[] = [];

afterAll(async () => {
  await Promise.all(tables.map((t) => t.drop()));
});

interface Harness {
  readonly store: Store;
  readonly items: () => Item[] | Promise<Item[]>;
}

async function harnesses(): Promise<Array<[string, Harness]>> {
  const memory = new MemoryStore();
  const table = await createTestTable('agreement');
  tables.push(table);
  const dynamo = new DynamoStore(table.client, table.tableName);
  return [
    ['MemoryStore', { store: memory, items: () => memory.items() }],
    ['DynamoStore', { store: dynamo, items: () => table.items() }],
  ];
}

async function seed(store: Store): Promise<void> {
  const d = directory();
  for (const region of d.regions) await store.seedRegion(region);
  for (const org of d.organisations) await store.seedOrganisation(org);
}

/** Runs a flow on both stores; returns the outcomes and final items of each. */
async function onBoth<T>(flow: (store: Store) => Promise<T>) {
  const results: Array<{ name: string; outcome: T; items: Item[] }> = [];
  for (const [name, h] of await harnesses()) {
    await seed(h.store);
    const outcome = await flow(h.store);
    results.push({ name, outcome, items: await h.items() });
  }
  const [memory, dynamo] = results;
  if (!memory || !dynamo) throw new Error('both stores must run');
  return { memory, dynamo };
}

const t = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

async function offered(store: Store) {
  await store.createReferral(createReferralArgs());
  const task = offerTask();
  const link = actionLink();
  const opened = await store.openOffer({
    caseId: CASE_ID,
    expectedVersion: 1,
    afterTaskId: undefined,
    task,
    now: t(1),
  });
  const armed = await store.armOffer({
    taskId: task.taskId,
    caseId: CASE_ID,
    sfnTaskToken: 'sfn-token-1',
    link,
  });
  return { task, link, opened, armed };
}

describe('MemoryStore against DynamoStore', () => {
  it('agrees on intake: counter ADD, created, then idempotency-exists, then created for a new key', async () => {
    const { memory, dynamo } = await onBoth(async (store) => {
      const numbers = [await store.nextCounter('KOR#2026'), await store.nextCounter('KOR#2026')];
      const first = await store.createReferral(createReferralArgs());
      const replay = await store.createReferral(createReferralArgs());
      const base = createReferralArgs();
      const sameKeyOtherCase = await store.createReferral({
        ...base,
        caseItem: { ...base.caseItem, caseId: '0b7d5f9e-1c2a-4e3b-8f4d-5a6b7c8d9e0f' },
      });
      const next = await store.createReferral({
        ...base,
        caseItem: {
          ...base.caseItem,
          caseId: '0b7d5f9e-1c2a-4e3b-8f4d-5a6b7c8d9e0f',
          reference: 'KOR-2026-0002',
        },
        event: { ...base.event, caseId: '0b7d5f9e-1c2a-4e3b-8f4d-5a6b7c8d9e0f' },
        idempotency: { ...base.idempotency, key: 'idem-key-2' },
      });
      return {
        numbers,
        results: [first, replay, sameKeyOtherCase, next],
        idempotency: await store.getIdempotency('police-korce', 'idem-key-1'),
        case: await store.getCase(CASE_ID),
        events: await store.listEvents(CASE_ID),
      };
    });

    expect(memory.outcome.numbers).toEqual([1, 2]);
    expect(memory.outcome.results).toEqual([
      'created',
      'idempotency-exists',
      'idempotency-exists',
      'created',
    ]);
    expect(dynamo.outcome).toEqual(memory.outcome);
    expect(dynamo.items).toEqual(memory.items);
  });

  it('agrees that a link decides its task once: the second decision and a later lapse are refused', async () => {
    const { memory, dynamo } = await onBoth(async (store) => {
      const { task, link, opened, armed } = await offered(store);
      const decide = () => store.decideTask({ hash: link.hash, task, decision: 'accept', now: t(30) });
      const first = await decide();
      const second = await decide();
      const lapsed = await store.lapseTask(task, t(40));
      return {
        results: [opened, armed, first, second, lapsed],
        task: await store.getTask(task.taskId),
        link: await store.getActionLink(link.hash),
        org: await store.getOrganisation(task.orgId),
        events: await store.listEvents(CASE_ID),
      };
    });

    expect(memory.outcome.results).toEqual([true, { kind: 'armed' }, true, false, false]);
    expect(memory.outcome.org?.openOffers).toBe(0);
    expect(dynamo.outcome).toEqual(memory.outcome);
    expect(dynamo.items).toEqual(memory.items);
  });

  it('agrees on a lapse: the link no longer decides, and the next offer follows the lapsed one', async () => {
    const { memory, dynamo } = await onBoth(async (store) => {
      const { task, link } = await offered(store);
      const lapsed = await store.lapseTask(task, t(60));
      const decided = await store.decideTask({ hash: link.hash, task, decision: 'decline', now: t(61) });
      const next = offerTask({ taskId: 'task-2', orgId: 'ngo-tjeter-vizion' });
      const retryOfFirst = await store.openOffer({
        caseId: CASE_ID,
        expectedVersion: 2,
        afterTaskId: undefined,
        task: next,
        now: t(62),
      });
      const reopened = await store.openOffer({
        caseId: CASE_ID,
        expectedVersion: 2,
        afterTaskId: task.taskId,
        task: next,
        now: t(62),
      });
      const again = await store.openOffer({
        caseId: CASE_ID,
        expectedVersion: 2,
        afterTaskId: task.taskId,
        task: next,
        now: t(63),
      });
      return {
        results: [lapsed, decided, retryOfFirst, reopened, again],
        case: await store.getCase(CASE_ID),
        orgs: await store.listOrganisations(),
      };
    });

    expect(memory.outcome.results).toEqual([true, false, false, true, false]);
    expect(memory.outcome.case?.offeredOrgIds).toEqual(['ngo-different-and-equal', 'ngo-tjeter-vizion']);
    expect(dynamo.outcome).toEqual(memory.outcome);
    expect(dynamo.items).toEqual(memory.items);
  });

  it('agrees on arming again, a second live link, expiry and the accept of the case', async () => {
    const { memory, dynamo } = await onBoth(async (store) => {
      const { task, link } = await offered(store);
      const arm = (sfnTaskToken: string, l: typeof link) =>
        store.armOffer({ taskId: task.taskId, caseId: CASE_ID, sfnTaskToken, link: l });
      const sameAgain = await arm('sfn-token-1', { ...link, expiresAt: t(500) });
      // Another attempt before any email: a second link; the first stays valid.
      const newer = actionLink({ hash: 'c'.repeat(64), expiresAt: t(90) });
      const second = await arm('sfn-token-2', newer);
      const expired = await store.decideTask({ hash: newer.hash, task, decision: 'accept', now: t(90) });
      await store.markEmailed(task.taskId, t(6));
      const afterEmail = await arm('sfn-token-3', actionLink({ hash: 'd'.repeat(64) }));
      const secondAgain = await arm('sfn-token-2', newer);
      const rearmed = await store.rearmOffer(task.taskId, 'sfn-token-3');
      const decided = await store.decideTask({
        hash: link.hash,
        task,
        decision: 'decline',
        declineReason: 'no bed free',
        now: t(89),
      });
      const otherLinkAfter = await store.decideTask({
        hash: newer.hash,
        task,
        decision: 'accept',
        now: t(89),
      });
      const armAfterDecision = await arm('sfn-token-4', actionLink({ hash: 'e'.repeat(64) }));
      const rearmAfterDecision = await store.rearmOffer(task.taskId, 'sfn-token-4');
      const accepted = await store.acceptCase({ caseId: CASE_ID, task, now: t(91) });
      const afterAccept = await store.getCase(CASE_ID);
      const acceptedAgain = await store.acceptCase({ caseId: CASE_ID, task, now: t(92) });
      const unassigned = await store.markUnassigned({ caseId: CASE_ID, now: t(93) });
      const unassignedAgain = await store.markUnassigned({ caseId: CASE_ID, now: t(94) });
      return {
        results: [
          sameAgain,
          second,
          expired,
          afterEmail,
          secondAgain,
          rearmed,
          decided,
          otherLinkAfter,
          armAfterDecision,
          rearmAfterDecision,
          accepted,
          acceptedAgain,
          unassigned,
          unassignedAgain,
        ],
        links: [await store.getActionLink(link.hash), await store.getActionLink(newer.hash)],
        afterAccept,
        task: await store.getTask(task.taskId),
        case: await store.getCase(CASE_ID),
      };
    });

    // An accepted case is never unassigned by a late step.
    expect(memory.outcome.results).toEqual([
      { kind: 'armed-before', deadline: actionLink().expiresAt, emailed: false },
      { kind: 'armed' },
      false,
      { kind: 'emailed-before' },
      { kind: 'armed-before', deadline: t(90), emailed: true },
      true,
      true,
      false,
      { kind: 'closed' },
      false,
      true,
      false,
      false,
      false,
    ]);
    expect(memory.outcome.links[0]).toMatchObject({ usedAt: t(89) });
    expect(memory.outcome.links[1]?.usedAt).toBeUndefined();
    expect(dynamo.outcome).toEqual(memory.outcome);
    expect(dynamo.items).toEqual(memory.items);
  });

  it('agrees on notices: none recorded, then the first record stands', async () => {
    const { memory, dynamo } = await onBoth(async (store) => {
      await store.createReferral(createReferralArgs());
      const before = await store.getNotice(CASE_ID, 'unassigned');
      await store.markNoticeSent(CASE_ID, 'unassigned', t(1));
      await store.markNoticeSent(CASE_ID, 'unassigned', t(2));
      return {
        before,
        after: await store.getNotice(CASE_ID, 'unassigned'),
        events: await store.listEvents(CASE_ID),
      };
    });

    expect(memory.outcome).toEqual({ before: undefined, after: t(1), events: [createReferralArgs().event] });
    expect(dynamo.outcome).toEqual(memory.outcome);
    expect(dynamo.items).toEqual(memory.items);
  });

  it('agrees on refusals: unknown organisation, stale version, unknown task', async () => {
    const { memory, dynamo } = await onBoth(async (store) => {
      await store.createReferral(createReferralArgs());
      const unknownOrg = await store.openOffer({
        caseId: CASE_ID,
        expectedVersion: 1,
        afterTaskId: undefined,
        task: offerTask({ orgId: 'ngo-unknown' }),
        now: t(1),
      });
      const stale = await store.openOffer({
        caseId: CASE_ID,
        expectedVersion: 7,
        afterTaskId: undefined,
        task: offerTask(),
        now: t(1),
      });
      const unknownCase = await store.openOffer({
        caseId: 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d',
        expectedVersion: 1,
        afterTaskId: undefined,
        task: offerTask(),
        now: t(1),
      });
      const lapseUnknown = await store.lapseTask(offerTask({ taskId: 'task-unknown' }), t(2));
      const armUnknown = await store.armOffer({
        taskId: 'task-unknown',
        caseId: CASE_ID,
        sfnTaskToken: 'x',
        link: actionLink(),
      });
      const rearmUnknown = await store.rearmOffer('task-unknown', 'x');
      const emailed = await store.markEmailed('task-unknown', t(3)).then(
        () => 'resolved',
        (error: unknown) => (error instanceof ConditionalCheckFailedException ? 'condition-failed' : 'other'),
      );
      return [unknownOrg, stale, unknownCase, lapseUnknown, armUnknown, rearmUnknown, emailed];
    });

    expect(memory.outcome).toEqual([
      false,
      false,
      false,
      false,
      { kind: 'closed' },
      false,
      'condition-failed',
    ]);
    expect(dynamo.outcome).toEqual(memory.outcome);
    expect(dynamo.items).toEqual(memory.items);
  });
});
