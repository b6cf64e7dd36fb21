import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Organisation, Region } from '../domain/directory';
import { actionLinkTtl, IDEMPOTENCY_TTL_SECONDS, keys, ORG_INDEX, ORGS_PARTITION } from './keys';
import type {
  ActionLinkRecord,
  CaseEvent,
  CaseRecord,
  IdempotencyRecord,
  OrgRecord,
  TaskRecord,
} from './records';
import {
  type ArmOfferArgs,
  type ArmOfferResult,
  armRefusal,
  type CaseNotice,
  type CreateReferralArgs,
  type CreateReferralResult,
  type DecideTaskArgs,
  type OpenOfferArgs,
  type Store,
  type TaskRef,
} from './store';

type Item = Record<string, unknown>;
type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;
type TransactItem = TransactItems[number];

function strip<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ttl: _ttl, ...rest } = item;
  return rest as T;
}

/**
 * A write refused by its condition: the state moved on, the caller answers "no". A
 * transaction cancelled for any other reason (conflict, throttling) is rethrown so it is
 * retried or mapped to 503, never mistaken for "already used".
 */
function isConditionFailure(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = cancellationCodes(error);
  return (
    codes.includes('ConditionalCheckFailed') &&
    codes.every((c) => c === 'ConditionalCheckFailed' || c === 'None')
  );
}

function cancellationCodes(error: unknown): string[] {
  if (!(error instanceof TransactionCanceledException)) return [];
  return (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

/**
 * A string attribute of the item a refused condition saw (`ALL_OLD`). The document client
 * does not unmarshall errors, so the item arrives as raw attribute values.
 */
function oldString(item: Record<string, AttributeValue> | undefined, name: string): string | undefined {
  const value = item?.[name];
  return value && 'S' in value ? value.S : undefined;
}

/** Tries of the intake transaction when it meets a concurrent one on the same items. */
const INTAKE_CONFLICT_ATTEMPTS = 3;

/** The Store on one DynamoDB table. */
export class DynamoStore implements Store {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  private async get<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return strip<T>(out.Item);
  }

  private async putNew(item: Item): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  getRegion(regionId: string) {
    return this.get<Region>(keys.region(regionId));
  }

  getOrganisation(orgId: string) {
    return this.get<OrgRecord>(keys.org(orgId));
  }

  async listOrganisations(): Promise<OrgRecord[]> {
    const items: OrgRecord[] = [];
    let start: Item | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: ORG_INDEX,
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': ORGS_PARTITION },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const org = strip<OrgRecord>(item);
        if (org) items.push(org);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  seedRegion(region: Region) {
    return this.putNew({ ...keys.region(region.regionId), ...region });
  }

  seedOrganisation(org: Organisation) {
    return this.putNew({
      ...keys.org(org.orgId),
      gsi1pk: ORGS_PARTITION,
      gsi1sk: org.orgId,
      ...org,
      openOffers: 0,
    });
  }

  async nextCounter(key: string): Promise<number> {
    // One atomic update, no condition: concurrent intakes never refuse each other.
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.counter(key),
        UpdateExpression: 'ADD #v :one',
        ExpressionAttributeNames: { '#v': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const value = out.Attributes?.value;
    if (typeof value !== 'number') throw new Error('the counter update returned no value');
    return value;
  }

  getIdempotency(scope: string, key: string) {
    return this.get<IdempotencyRecord>(keys.idempotency(scope, key));
  }

  async createReferral(args: CreateReferralArgs): Promise<CreateReferralResult> {
    // Two calls with one key at once may collide on the idempotency record while neither has
    // committed (TransactionConflict): the same items again after a short, jittered pause
    // then meet the winner's record, and the loser answers as a replay.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.createReferralOnce(args);
      } catch (error) {
        if (attempt >= INTAKE_CONFLICT_ATTEMPTS || !cancellationCodes(error).includes('TransactionConflict'))
          throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
      }
    }
  }

  private async createReferralOnce(args: CreateReferralArgs): Promise<CreateReferralResult> {
    const { caseItem, event, idempotency } = args;
    const ttl = Math.floor(Date.parse(idempotency.createdAt) / 1000) + IDEMPOTENCY_TTL_SECONDS;
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.idempotency(idempotency.scope, idempotency.key), ...idempotency, ttl },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.case(caseItem.caseId), ...caseItem },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.event(event.caseId, event.at, event.type, event.taskId), ...event },
              },
            },
          ],
        }),
      );
      return 'created';
    } catch (error) {
      // The idempotency record's own condition detects a replay: no read before the write.
      if (cancellationCodes(error)[0] === 'ConditionalCheckFailed') return 'idempotency-exists';
      throw error;
    }
  }

  getCase(caseId: string) {
    return this.get<CaseRecord>(keys.case(caseId));
  }

  async listEvents(caseId: string): Promise<CaseEvent[]> {
    const events: CaseEvent[] = [];
    let start: Item | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :e)',
          ExpressionAttributeValues: { ':p': keys.case(caseId).pk, ':e': 'EVENT#' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) events.push(strip<CaseEvent>(item) as CaseEvent);
      start = out.LastEvaluatedKey;
    } while (start);
    return events;
  }

  async openOffer(args: OpenOfferArgs): Promise<boolean> {
    const { task, now } = args;
    const after = args.afterTaskId;
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.case(args.caseId),
          UpdateExpression:
            'SET #s = :offered, offeredOrgId = :org, currentOfferTaskId = :task, ' +
            'offeredOrgIds = list_append(offeredOrgIds, :orgs), #v = :next, updatedAt = :now',
          ConditionExpression:
            '#v = :expected AND ' +
            (after === undefined
              ? 'attribute_not_exists(currentOfferTaskId)'
              : 'currentOfferTaskId = :after'),
          ExpressionAttributeNames: { '#s': 'status', '#v': 'version' },
          ExpressionAttributeValues: {
            ':offered': 'OFFERED',
            ':org': task.orgId,
            ':task': task.taskId,
            ':orgs': [task.orgId],
            ':expected': args.expectedVersion,
            ':next': args.expectedVersion + 1,
            ':now': now,
            ...(after === undefined ? {} : { ':after': after }),
          },
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.task(task.taskId), ...task },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      this.offerCount(task.orgId, +1),
      this.eventPut(args.caseId, now, 'OFFERED', 'system', task),
    ]);
  }

  getTask(taskId: string) {
    return this.get<TaskRecord>(keys.task(taskId));
  }

  async armOffer(args: ArmOfferArgs): Promise<ArmOfferResult> {
    const { link } = args;
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.task(args.taskId),
                UpdateExpression: 'SET sfnTaskToken = :t, actionHash = :h, deadline = :d',
                ConditionExpression:
                  '#s = :open AND caseId = :c AND attribute_not_exists(emailedAt) AND ' +
                  '(attribute_not_exists(actionHash) OR actionHash <> :h)',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: {
                  ':t': args.sfnTaskToken,
                  ':h': link.hash,
                  ':d': link.expiresAt,
                  ':open': 'OPEN',
                  ':c': args.caseId,
                },
                // The refused task comes back with the error: why it was refused, without a read.
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.action(link.hash), ...link, ttl: actionLinkTtl(link.expiresAt) },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return { kind: 'armed' };
    } catch (error) {
      if (
        !(error instanceof TransactionCanceledException) ||
        cancellationCodes(error)[0] !== 'ConditionalCheckFailed'
      )
        throw error;
      const old = error.CancellationReasons?.[0]?.Item;
      return armRefusal(
        old && {
          status: oldString(old, 'status'),
          caseId: oldString(old, 'caseId'),
          actionHash: oldString(old, 'actionHash'),
          deadline: oldString(old, 'deadline'),
          emailedAt: oldString(old, 'emailedAt'),
        },
        args,
      );
    }
  }

  async rearmOffer(taskId: string, sfnTaskToken: string): Promise<boolean> {
    return this.update({
      Key: keys.task(taskId),
      UpdateExpression: 'SET sfnTaskToken = :t',
      ConditionExpression: '#s = :open',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':t': sfnTaskToken, ':open': 'OPEN' },
    });
  }

  async markEmailed(taskId: string, at: string): Promise<void> {
    await this.setOnTask(taskId, 'emailedAt', at);
  }

  async markNotified(taskId: string, at: string): Promise<void> {
    await this.setOnTask(taskId, 'notifiedAt', at);
  }

  async getNotice(caseId: string, notice: CaseNotice): Promise<string | undefined> {
    return (await this.get<{ sentAt: string }>(keys.notice(caseId, notice)))?.sentAt;
  }

  async markNoticeSent(caseId: string, notice: CaseNotice, at: string): Promise<void> {
    await this.putNew({ ...keys.notice(caseId, notice), caseId, notice, sentAt: at });
  }

  getActionLink(hash: string) {
    return this.get<ActionLinkRecord>(keys.action(hash));
  }

  async decideTask(args: DecideTaskArgs): Promise<boolean> {
    const { task, now } = args;
    const reason = args.declineReason === undefined ? {} : { ':r': args.declineReason };
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.action(args.hash),
          UpdateExpression: 'SET usedAt = :now',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAt > :now AND taskId = :task',
          ExpressionAttributeValues: { ':now': now, ':task': task.taskId },
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: keys.task(task.taskId),
          UpdateExpression:
            'SET #s = :decided, decision = :d, decidedAt = :now' +
            (args.declineReason === undefined ? '' : ', declineReason = :r'),
          // Any live link of the task may decide it (see armOffer), but only once: it must be open.
          ConditionExpression: '#s = :open',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':decided': 'DECIDED',
            ':open': 'OPEN',
            ':d': args.decision,
            ':now': now,
            ...reason,
          },
        },
      },
      this.offerCount(task.orgId, -1),
      this.eventPut(
        task.caseId,
        now,
        args.decision === 'accept' ? 'OFFER_ACCEPTED' : 'OFFER_DECLINED',
        'action-link',
        task,
      ),
    ]);
  }

  async lapseTask(task: TaskRef, now: string): Promise<boolean> {
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.task(task.taskId),
          UpdateExpression: 'SET #s = :timedOut, decidedAt = :now',
          ConditionExpression: '#s = :open',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':timedOut': 'TIMED_OUT', ':open': 'OPEN', ':now': now },
        },
      },
      this.offerCount(task.orgId, -1),
      this.eventPut(task.caseId, now, 'OFFER_TIMED_OUT', 'system', task),
    ]);
  }

  async acceptCase(args: { caseId: string; task: TaskRef; now: string }): Promise<boolean> {
    const { task, now } = args;
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.case(args.caseId),
          UpdateExpression:
            'SET #s = :accepted, acceptedOrgId = :org, #v = #v + :one, updatedAt = :now REMOVE offeredOrgId',
          ConditionExpression: '#s = :offered AND currentOfferTaskId = :task',
          ExpressionAttributeNames: { '#s': 'status', '#v': 'version' },
          ExpressionAttributeValues: {
            ':accepted': 'ACCEPTED',
            ':offered': 'OFFERED',
            ':org': task.orgId,
            ':task': task.taskId,
            ':one': 1,
            ':now': now,
          },
        },
      },
      this.eventPut(args.caseId, now, 'ACCEPTED', 'system', task),
    ]);
  }

  async markUnassigned(args: { caseId: string; now: string }): Promise<boolean> {
    const { now } = args;
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.case(args.caseId),
          UpdateExpression: 'SET #s = :u, #v = #v + :one, updatedAt = :now REMOVE offeredOrgId',
          ConditionExpression: 'attribute_exists(pk) AND (#s = :referred OR #s = :offered)',
          ExpressionAttributeNames: { '#s': 'status', '#v': 'version' },
          ExpressionAttributeValues: {
            ':u': 'UNASSIGNED',
            ':referred': 'REFERRED',
            ':offered': 'OFFERED',
            ':one': 1,
            ':now': now,
          },
        },
      },
      this.eventPut(args.caseId, now, 'UNASSIGNED', 'system'),
    ]);
  }

  async appendEvent(event: CaseEvent): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.event(event.caseId, event.at, event.type, event.taskId), ...event },
      }),
    );
  }

  /** All-or-nothing write; false when a condition refused it (the state moved on). */
  private async transact(items: TransactItems): Promise<boolean> {
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** One conditional update; false when its condition refused it. */
  private async update(
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>,
  ): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({ TableName: this.tableName, ...input }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Sets one attribute on an existing task; a missing task is an error, not "no". */
  private async setOnTask(taskId: string, name: 'emailedAt' | 'notifiedAt', at: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.task(taskId),
        UpdateExpression: `SET ${name} = :at`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  }

  /** The NGO's open-offer count up or down; it never goes below zero. */
  private offerCount(orgId: string, by: 1 | -1): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.org(orgId),
        UpdateExpression: 'ADD openOffers :by',
        ConditionExpression: by > 0 ? 'attribute_exists(pk)' : 'openOffers > :zero',
        ExpressionAttributeValues: by > 0 ? { ':by': by } : { ':by': by, ':zero': 0 },
      },
    };
  }

  /** The Put of one timeline event; append-only, keyed by time, type and task. */
  private eventPut(caseId: string, at: string, type: string, actor: string, task?: TaskRef): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...keys.event(caseId, at, type, task?.taskId),
          caseId,
          at,
          type,
          actor,
          ...(task ? { orgId: task.orgId, taskId: task.taskId } : {}),
        },
      },
    };
  }
}
