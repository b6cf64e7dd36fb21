/**
 * DynamoStore on a mocked client: the commands it sends, and the failure paths DynamoDB Local
 * cannot be made to produce on demand (throttling, TransactionConflict and its retries,
 * cancellations for other reasons). How its conditions decide is tested on DynamoDB Local
 * (test/store/dynamo-store.test.ts).
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  type DynamoDBServiceException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoStore } from '../../shared/data/dynamo-store';
import type { CompleteTaskArgs } from '../../shared/data/store';
import {
  actionLink,
  CASE_ID,
  caseTask,
  createReferralArgs,
  offerTask,
  T0,
  TASK_ID,
} from '../support/fixtures';

const ddb = mockClient(DynamoDBDocumentClient);
const store = new DynamoStore(new DynamoDBClient({ region: 'eu-central-1' }), 'bashke-test');

beforeEach(() => {
  ddb.reset();
});

afterAll(() => {
  ddb.restore();
});

function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

function throttled(): DynamoDBServiceException {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'ProvisionedThroughputExceededException',
    $fault: 'client',
    $metadata: {},
  }) as unknown as DynamoDBServiceException;
}

function transactItems() {
  const call = ddb.commandCalls(TransactWriteCommand)[0];
  if (!call) throw new Error('no TransactWriteCommand was sent');
  return call.args[0].input.TransactItems ?? [];
}

const completeArgs = (): CompleteTaskArgs => ({
  hash: actionLink().hash,
  task: offerTask(),
  status: 'DONE',
  result: 'accept',
  outcome: { decision: 'accept' },
  actor: { role: 'link', orgId: offerTask().orgId },
  now: T0,
});

describe('DynamoStore', () => {
  describe('nextCounter', () => {
    it('moves the counter with one ADD and returns the new value', async () => {
      ddb.on(UpdateCommand).resolves({ Attributes: { value: 42 } });

      await expect(store.nextCounter('KOR#2026')).resolves.toBe(42);

      const calls = ddb.commandCalls(UpdateCommand);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.args[0].input).toEqual({
        TableName: 'bashke-test',
        Key: { pk: 'COUNTER#KOR#2026', sk: 'COUNTER' },
        UpdateExpression: 'ADD #v :one',
        ExpressionAttributeNames: { '#v': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      });
    });

    it('fails loudly when the update returns no number', async () => {
      ddb.on(UpdateCommand).resolves({});

      await expect(store.nextCounter('KOR#2026')).rejects.toThrow('no value');
    });
  });

  describe('createReferral', () => {
    it('returns created when the transaction commits', async () => {
      ddb.on(TransactWriteCommand).resolves({});

      await expect(store.createReferral(createReferralArgs())).resolves.toBe('created');
    });

    it('returns idempotency-exists when the idempotency put is cancelled', async () => {
      ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));

      await expect(store.createReferral(createReferralArgs())).resolves.toBe('idempotency-exists');
    });

    it('writes the idempotency record, the case and the event, and no counter', async () => {
      ddb.on(TransactWriteCommand).resolves({});

      await store.createReferral(createReferralArgs());

      const items = transactItems();
      expect(items.map((i) => i.Put?.Item?.pk)).toEqual([
        'IDEMPOTENCY#police-korce#idem-key-1',
        `CASE#${CASE_ID}`,
        `CASE#${CASE_ID}`,
      ]);
      expect(items.map((i) => i.Put?.ConditionExpression)).toEqual([
        'attribute_not_exists(pk)',
        'attribute_not_exists(pk)',
        undefined,
      ]);
    });

    it('rethrows a cancellation for another reason', async () => {
      const error = cancelled('None', 'ConditionalCheckFailed', 'None');
      ddb.on(TransactWriteCommand).rejects(error);

      await expect(store.createReferral(createReferralArgs())).rejects.toBe(error);
    });

    it('rethrows a lasting conflict with a concurrent transaction instead of guessing an outcome', async () => {
      const error = cancelled('TransactionConflict', 'None', 'None');
      ddb.on(TransactWriteCommand).rejects(error);

      await expect(store.createReferral(createReferralArgs())).rejects.toBe(error);
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(3);
    });

    it('tries again after a conflict: the winner of one key makes the loser a replay', async () => {
      ddb
        .on(TransactWriteCommand)
        .rejectsOnce(cancelled('TransactionConflict', 'None', 'None'))
        .rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'None'));

      await expect(store.createReferral(createReferralArgs())).resolves.toBe('idempotency-exists');
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
    });

    it('rethrows errors that are not cancellations', async () => {
      const error = throttled();
      ddb.on(TransactWriteCommand).rejects(error);

      await expect(store.createReferral(createReferralArgs())).rejects.toBe(error);
    });

    it('stores the idempotency record with a TTL one day after its creation', async () => {
      ddb.on(TransactWriteCommand).resolves({});

      await store.createReferral(createReferralArgs());

      expect(transactItems()[0]?.Put?.Item).toMatchObject({
        pk: 'IDEMPOTENCY#police-korce#idem-key-1',
        ttl: Date.parse(T0) / 1000 + 86_400,
      });
    });
  });

  describe('openOffer', () => {
    const args = (afterTaskId: string | undefined) => ({
      caseId: CASE_ID,
      expectedVersion: 3,
      afterTaskId,
      task: offerTask({ taskId: 'task-2' }),
      now: T0,
    });

    it('requires no current offer for the first offer', async () => {
      ddb.on(TransactWriteCommand).resolves({});

      await store.openOffer(args(undefined));

      const update = transactItems()[0]?.Update;
      expect(update?.ConditionExpression).toBe('#v = :expected AND attribute_not_exists(currentOfferTaskId)');
      expect(update?.ExpressionAttributeValues).toMatchObject({ ':expected': 3, ':next': 4 });
      expect(update?.ExpressionAttributeValues).not.toHaveProperty(':after');
    });

    it('requires the previous offer to be the current one for a follow-up offer', async () => {
      ddb.on(TransactWriteCommand).resolves({});

      await store.openOffer(args('task-1'));

      const update = transactItems()[0]?.Update;
      expect(update?.ConditionExpression).toBe('#v = :expected AND currentOfferTaskId = :after');
      expect(update?.ExpressionAttributeValues).toMatchObject({ ':after': 'task-1' });
    });

    it('appends the organisation to the offered list and counts the offer', async () => {
      ddb.on(TransactWriteCommand).resolves({});

      await store.openOffer(args(undefined));

      const [caseUpdate, taskPut, orgUpdate] = transactItems();
      expect(caseUpdate?.Update?.UpdateExpression).toContain(
        'offeredOrgIds = list_append(offeredOrgIds, :orgs)',
      );
      expect(caseUpdate?.Update?.ExpressionAttributeValues?.[':orgs']).toEqual(['ngo-different-and-equal']);
      expect(taskPut?.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
      expect(orgUpdate?.Update).toMatchObject({
        Key: { pk: 'ORG#ngo-different-and-equal', sk: 'ORG' },
        UpdateExpression: 'ADD openOffers :by',
        ConditionExpression: 'attribute_exists(pk)',
      });
    });

    it('returns false when the transaction is cancelled', async () => {
      ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None', 'None'));

      await expect(store.openOffer(args('task-1'))).resolves.toBe(false);
    });

    it('rethrows other errors', async () => {
      const error = throttled();
      ddb.on(TransactWriteCommand).rejects(error);

      await expect(store.openOffer(args('task-1'))).rejects.toBe(error);
    });
  });

  describe('armTask', () => {
    const armArgs = () => ({
      taskId: TASK_ID,
      caseId: CASE_ID,
      sfnTaskToken: 'sfn-token',
      link: actionLink(),
    });
    /** A cancellation whose task reason carries the task as the condition saw it (ALL_OLD). */
    const refusedWith = (old: Record<string, string> | undefined) =>
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [
          {
            Code: 'ConditionalCheckFailed',
            ...(old ? { Item: Object.fromEntries(Object.entries(old).map(([k, v]) => [k, { S: v }])) } : {}),
          },
          { Code: old?.actionHash === actionLink().hash ? 'ConditionalCheckFailed' : 'None' },
        ],
      });

    it('arms in one transaction: task (open, this case, not emailed, not this link) and a new link', async () => {
      ddb.on(TransactWriteCommand).resolves({});

      await expect(store.armTask(armArgs())).resolves.toEqual({ kind: 'armed' });

      const items = transactItems();
      expect(items).toHaveLength(2);
      expect(items[0]?.Update).toMatchObject({
        Key: { pk: `TASK#${TASK_ID}`, sk: 'TASK' },
        ConditionExpression:
          '#s = :open AND caseId = :c AND attribute_not_exists(emailedAt) AND ' +
          '(attribute_not_exists(actionHash) OR actionHash <> :h)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      expect(items[1]?.Put).toMatchObject({
        Item: { pk: `ACTION#${actionLink().hash}`, taskId: TASK_ID },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
    });

    it('tells the same link armed before (with its expiry) from a closed task and an emailed one', async () => {
      const open = { status: 'OPEN', caseId: CASE_ID };
      ddb
        .on(TransactWriteCommand)
        .rejectsOnce(refusedWith({ ...open, actionHash: actionLink().hash, linkExpiresAt: 'D1' }))
        .rejectsOnce(
          refusedWith({ ...open, actionHash: actionLink().hash, linkExpiresAt: 'D1', emailedAt: T0 }),
        )
        // An offer armed before tasks were generalised: its link's expiry was `deadline`.
        .rejectsOnce(refusedWith({ ...open, actionHash: actionLink().hash, deadline: 'D0' }))
        .rejectsOnce(refusedWith({ ...open, actionHash: 'c'.repeat(64), emailedAt: T0 }))
        .rejectsOnce(refusedWith({ ...open, status: 'DONE', actionHash: actionLink().hash }))
        .rejectsOnce(refusedWith({ ...open, status: 'DECIDED', actionHash: actionLink().hash }))
        .rejectsOnce(refusedWith({ ...open, caseId: 'another-case' }))
        .rejectsOnce(refusedWith(undefined));

      const results = [];
      for (let i = 0; i < 8; i++) results.push(await store.armTask(armArgs()));

      expect(results).toEqual([
        { kind: 'armed-before', linkExpiresAt: 'D1', emailed: false },
        { kind: 'armed-before', linkExpiresAt: 'D1', emailed: true },
        { kind: 'armed-before', linkExpiresAt: 'D0', emailed: false },
        { kind: 'emailed-before' },
        { kind: 'closed' },
        { kind: 'closed' },
        { kind: 'closed' },
        { kind: 'closed' },
      ]);
    });

    it('sets the callback token only when one is given', async () => {
      ddb.on(TransactWriteCommand).resolves({});
      const { sfnTaskToken: _t, ...standalone } = armArgs();

      await store.armTask(armArgs());
      await store.armTask(standalone);

      const [waited, alone] = ddb
        .commandCalls(TransactWriteCommand)
        .map((c) => c.args[0].input.TransactItems?.[0]?.Update);
      expect(waited?.UpdateExpression).toBe('SET actionHash = :h, linkExpiresAt = :d, sfnTaskToken = :t');
      expect(waited?.ExpressionAttributeValues?.[':t']).toBe('sfn-token');
      expect(alone?.UpdateExpression).toBe('SET actionHash = :h, linkExpiresAt = :d');
      expect(alone?.ExpressionAttributeValues).not.toHaveProperty(':t');
    });

    it('throws when an open, unemailed task refused another link (only a hash collision explains it)', async () => {
      ddb
        .on(TransactWriteCommand)
        .rejects(refusedWith({ status: 'OPEN', caseId: CASE_ID, actionHash: 'c'.repeat(64) }));

      await expect(store.armTask(armArgs())).rejects.toThrow('the action link exists already');
    });

    it('rethrows a cancellation that is not the task condition', async () => {
      const error = cancelled('TransactionConflict', 'None');
      ddb.on(TransactWriteCommand).rejects(error);

      await expect(store.armTask(armArgs())).rejects.toBe(error);
    });
  });

  describe('completeTask', () => {
    it('conditions the link on existing, unused, unexpired and of this task, and the task on open', async () => {
      ddb.on(TransactWriteCommand).resolves({});

      await store.completeTask(completeArgs());

      const [link, task, item, due, org, event] = transactItems();
      expect(link?.Update).toMatchObject({
        Key: { pk: `ACTION#${actionLink().hash}`, sk: 'ACTION' },
        ConditionExpression:
          'attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAt > :now AND taskId = :task',
        ExpressionAttributeValues: { ':now': T0, ':task': TASK_ID },
      });
      expect(task?.Update).toMatchObject({
        Key: { pk: `TASK#${TASK_ID}`, sk: 'TASK' },
        ConditionExpression: '#a0 = :open',
        ExpressionAttributeNames: { '#a0': 'status' },
        ExpressionAttributeValues: { ':open': 'OPEN', ':a0': 'DONE' },
      });
      expect(item?.Update).toMatchObject({
        Key: { pk: `CASE#${CASE_ID}`, sk: 'CASE' },
        UpdateExpression: 'SET updatedAt = :now, #v = #v + :one REMOVE openTasks.#o0',
        ExpressionAttributeNames: { '#o0': TASK_ID },
      });
      expect(due?.Delete?.Key).toMatchObject({ sk: `${offerTask().dueAt}#TASK_DUE#${TASK_ID}` });
      expect(org?.Update).toMatchObject({
        ConditionExpression: 'openOffers > :zero',
        UpdateExpression: 'ADD openOffers :by',
      });
      expect(event?.Put?.Item).toMatchObject({ type: 'OFFER_ACCEPTED', taskId: TASK_ID, actor: 'link' });
    });

    it('leaves out the link without a hash and the offer count for other kinds, and opens the new tasks', async () => {
      ddb.on(TransactWriteCommand).resolves({});
      const item = {
        ...caseTask({ taskId: 'c5e7a9b1-3d4f-4b6c-8e0a-2b4d6f8a0c2e', kind: 'PLAN_ITEM' }),
        reminderStep: 0,
        reminderAt: '2026-03-12T09:00:00.000Z',
      };

      await store.completeTask({
        ...completeArgs(),
        hash: undefined,
        task: caseTask({ kind: 'ASSISTANCE_PLAN' }),
        caseStatus: { from: ['ASSESSED'], to: 'IN_ASSISTANCE' },
        newTasks: [item],
      });

      const items = transactItems();
      // Link-less: the task, the case, the due item of a task from before reminders, the event,
      // the new task and its first reminder.
      expect(items.map((i) => Object.keys(i)[0])).toEqual([
        'Update',
        'Update',
        'Delete',
        'Put',
        'Put',
        'Put',
      ]);
      expect(items[1]?.Update).toMatchObject({
        ConditionExpression: 'attribute_exists(pk) AND #s IN (:from0)',
        ExpressionAttributeValues: { ':to': 'IN_ASSISTANCE', ':from0': 'ASSESSED', ':n0': 'PLAN_ITEM' },
      });
      expect(items[4]?.Put).toMatchObject({
        Item: { pk: `TASK#${item.taskId}`, gsi1pk: 'TASKS#ngo-different-and-equal#OPEN' },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      expect(items[5]?.Put?.Item).toMatchObject({
        type: 'REMINDER',
        taskId: item.taskId,
        step: 0,
        sk: `2026-03-12T09:00:00.000Z#REMINDER#${item.taskId}`,
      });
    });

    it('returns true when the transaction commits', async () => {
      ddb.on(TransactWriteCommand).resolves({});

      await expect(store.completeTask(completeArgs())).resolves.toBe(true);
    });

    it('returns false when the transaction is cancelled by a condition', async () => {
      ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None', 'None'));

      await expect(store.completeTask(completeArgs())).resolves.toBe(false);
    });

    it('rethrows other errors, and a cancellation for another reason', async () => {
      const error = throttled();
      ddb
        .on(TransactWriteCommand)
        .rejectsOnce(error)
        .rejectsOnce(cancelled('ConditionalCheckFailed', 'TransactionConflict'));

      await expect(store.completeTask(completeArgs())).rejects.toBe(error);
      await expect(store.completeTask(completeArgs())).rejects.toThrow(TransactionCanceledException);
    });

    it('stores a note only when one is given', async () => {
      ddb.on(TransactWriteCommand).resolves({});

      await store.completeTask({
        ...completeArgs(),
        status: 'DECLINED',
        result: 'decline',
        note: 'no bed free',
      });
      await store.completeTask(completeArgs());

      const [withNote, withoutNote] = ddb
        .commandCalls(TransactWriteCommand)
        .map((c) => c.args[0].input.TransactItems?.[1]?.Update);
      expect(Object.values(withNote?.ExpressionAttributeNames ?? {})).toContain('note');
      expect(Object.values(withNote?.ExpressionAttributeValues ?? {})).toContain('no bed free');
      expect(Object.values(withoutNote?.ExpressionAttributeNames ?? {})).not.toContain('note');
    });

    it('adds the open-tasks map to a case stored without it, then completes', async () => {
      const missing = Object.assign(
        new Error('The document path provided in the update expression is invalid for update'),
        {
          name: 'ValidationException',
        },
      );
      ddb.on(TransactWriteCommand).rejectsOnce(missing).resolves({});
      ddb.on(UpdateCommand).resolves({});

      await expect(store.completeTask(completeArgs())).resolves.toBe(true);

      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
      expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
        Key: { pk: `CASE#${CASE_ID}`, sk: 'CASE' },
        UpdateExpression: 'SET openTasks = :empty',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(openTasks)',
      });
    });
  });

  describe('openTask', () => {
    it("tells 'exists' (the task's put) from 'case-closed' (the case's condition) and rethrows the rest", async () => {
      ddb
        .on(TransactWriteCommand)
        .rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'None', 'None'))
        .rejectsOnce(cancelled('None', 'ConditionalCheckFailed', 'None', 'None'))
        .rejectsOnce(cancelled('None', 'None', 'TransactionConflict', 'None'))
        .resolves({});
      const args = { task: caseTask(), actor: { role: 'system' as const }, now: T0 };

      await expect(store.openTask(args)).resolves.toBe('exists');
      await expect(store.openTask(args)).resolves.toBe('case-closed');
      await expect(store.openTask(args)).rejects.toThrow(TransactionCanceledException);
      await expect(store.openTask(args)).resolves.toBe('opened');
      const items = ddb.commandCalls(TransactWriteCommand)[3]?.args[0].input.TransactItems ?? [];
      expect(items[1]?.Update?.ConditionExpression).toBe(
        'attribute_exists(pk) AND NOT #s IN (:f0, :f1, :f2)',
      );
    });
  });

  describe('lapseTask', () => {
    it('returns false when the task is not open', async () => {
      ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));

      await expect(store.lapseTask(offerTask(), T0)).resolves.toBe(false);
    });
  });

  describe('markEmailed', () => {
    it('lets a condition failure through', async () => {
      const error = new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
      });
      ddb.on(UpdateCommand).rejects(error);

      await expect(store.markEmailed(TASK_ID, T0)).rejects.toBe(error);
    });
  });

  describe('listOrganisations', () => {
    it('reads every page and strips key attributes', async () => {
      ddb
        .on(QueryCommand)
        .resolvesOnce({
          Items: [{ pk: 'ORG#a', sk: 'ORG', gsi1pk: 'ORGS', gsi1sk: 'a', orgId: 'a', openOffers: 0 }],
          LastEvaluatedKey: { pk: 'ORG#a', sk: 'ORG', gsi1pk: 'ORGS', gsi1sk: 'a' },
        })
        .resolvesOnce({
          Items: [{ pk: 'ORG#b', sk: 'ORG', gsi1pk: 'ORGS', gsi1sk: 'b', orgId: 'b', openOffers: 2 }],
        });

      const orgs = await store.listOrganisations();

      expect(orgs).toEqual([
        { orgId: 'a', openOffers: 0 },
        { orgId: 'b', openOffers: 2 },
      ]);
      expect(ddb.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
        pk: 'ORG#a',
        sk: 'ORG',
        gsi1pk: 'ORGS',
        gsi1sk: 'a',
      });
    });
  });
});
