import { type AttributeValue, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Organisation, Region } from '../domain/directory';
import { FINAL_CASE_STATUSES } from '../domain/tasks';
import type { ErasedCase } from './erased';
import {
  actionLinkTtl,
  caseIndexKeys,
  IDEMPOTENCY_TTL_SECONDS,
  keys,
  ORG_INDEX,
  ORGS_PARTITION,
  taskIndexKeys,
} from './keys';
import { normalizeTask } from './migrate';
import {
  type ActionLinkRecord,
  type Actor,
  type CaseEvent,
  type CaseEventDetail,
  type CaseRecord,
  caseIdOf,
  type DueItem,
  type IdempotencyRecord,
  type MeetingDueItem,
  type MeetingMailDueItem,
  type OrgRecord,
  type ReminderDueItem,
  type TaskRecord,
} from './records';
import {
  type ArmTaskArgs,
  type ArmTaskResult,
  armRefusal,
  type CaseNotice,
  type CaseTaskRef,
  type CompleteTaskArgs,
  type CorrectProfileArgs,
  type CreateReferralArgs,
  type CreateReferralResult,
  type DuePage,
  type FinishReminderArgs,
  type MoveCaseArgs,
  type MoveTaskDueArgs,
  type OpenOfferArgs,
  type OpenTaskArgs,
  type OpenTaskResult,
  type Page,
  type PageArgs,
  type Store,
  type TaskRef,
} from './store';
import {
  cancellationCodes,
  type Item,
  isConditionFailure,
  SingleTable,
  strip,
  type TransactItem,
  type TransactItems,
} from './table';

/** A task's pending reminder as an item of the due-time index (none when it has none). */
function reminderChainItem(task: TaskRecord): ReminderDueItem | undefined {
  if (task.reminderAt === undefined || task.reminderStep === undefined) return undefined;
  return {
    type: 'REMINDER',
    dueAt: task.reminderAt,
    ref: task.taskId,
    ...(task.subject === 'meeting' ? { meetingId: task.meetingId as string } : { caseId: caseIdOf(task) }),
    taskId: task.taskId,
    step: task.reminderStep,
  };
}

/**
 * A string attribute of the item a refused condition saw (`ALL_OLD`). The document client
 * does not unmarshall errors, so the item arrives as raw attribute values.
 */
function oldString(item: Record<string, AttributeValue> | undefined, name: string): string | undefined {
  const value = item?.[name];
  return value && 'S' in value ? value.S : undefined;
}

/**
 * The error an update of `openTasks.<id>` meets on a case stored before cases had the map
 * (DynamoDB cannot set or remove a path inside a missing map).
 */
function isMissingPath(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ValidationException' &&
    /document path provided in the update expression is invalid/i.test(error.message)
  );
}

/** Tries of the intake transaction when it meets a concurrent one on the same items. */
const INTAKE_CONFLICT_ATTEMPTS = 3;

/** The Store on one DynamoDB table. */
export class DynamoStore extends SingleTable implements Store {
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
                Item: {
                  ...keys.case(caseItem.caseId),
                  ...caseIndexKeys(caseItem.region, caseItem.createdAt, caseItem.caseId),
                  openTasks: {},
                  ...caseItem,
                },
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

  getErasedCase(caseId: string) {
    return this.get<ErasedCase>(keys.erased(caseId));
  }

  listEvents(caseId: string): Promise<CaseEvent[]> {
    return this.queryAll<CaseEvent>(keys.case(caseId).pk, 'EVENT#');
  }

  /**
   * Runs a write that updates the case's open tasks; on a case stored before it had the map,
   * adds the empty map (once, conditionally) and runs it again. Old cases need no rewrite.
   */
  private async withOpenTasks<T>(caseId: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!isMissingPath(error)) throw error;
      await this.update({
        Key: keys.case(caseId),
        UpdateExpression: 'SET openTasks = :empty',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(openTasks)',
        ExpressionAttributeValues: { ':empty': {} },
      });
      return write();
    }
  }

  /** `withOpenTasks` for a task's subject: a meeting always had the map. */
  private withSubjectTasks<T>(
    task: Pick<TaskRecord, 'subject' | 'caseId' | 'taskId'>,
    write: () => Promise<T>,
  ) {
    return task.subject === 'meeting' ? write() : this.withOpenTasks(caseIdOf(task), write);
  }

  async openOffer(args: OpenOfferArgs): Promise<boolean> {
    return this.withOpenTasks(args.caseId, () => this.openOfferOnce(args));
  }

  private async openOfferOnce(args: OpenOfferArgs): Promise<boolean> {
    const { task, now } = args;
    const after = args.afterTaskId;
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.case(args.caseId),
          UpdateExpression:
            'SET #s = :offered, offeredOrgId = :org, currentOfferTaskId = :task, ' +
            'offeredOrgIds = list_append(offeredOrgIds, :orgs), #v = :next, updatedAt = :now, ' +
            'openTasks.#tid = :kind' +
            (after === undefined ? '' : ' REMOVE openTasks.#after'),
          ConditionExpression:
            '#v = :expected AND ' +
            (after === undefined
              ? 'attribute_not_exists(currentOfferTaskId)'
              : 'currentOfferTaskId = :after'),
          ExpressionAttributeNames: {
            '#s': 'status',
            '#v': 'version',
            '#tid': task.taskId,
            ...(after === undefined ? {} : { '#after': after }),
          },
          ExpressionAttributeValues: {
            ':offered': 'OFFERED',
            ':org': task.orgId,
            ':task': task.taskId,
            ':orgs': [task.orgId],
            ':expected': args.expectedVersion,
            ':next': args.expectedVersion + 1,
            ':now': now,
            ':kind': task.kind,
            ...(after === undefined ? {} : { ':after': after }),
          },
        },
      },
      ...this.taskPuts(task),
      this.offerCount(task.orgId, +1),
      this.eventPut(args.caseId, now, 'OFFERED', 'system', task, 'OFFERED'),
    ]);
  }

  async getTask(taskId: string) {
    const item = await this.get<Record<string, unknown>>(keys.task(taskId));
    return item && normalizeTask(item);
  }

  async openTask(args: OpenTaskArgs): Promise<OpenTaskResult> {
    return this.withOpenTasks(caseIdOf(args.task), () => this.openTaskOnce(args));
  }

  private async openTaskOnce(args: OpenTaskArgs): Promise<OpenTaskResult> {
    const { task, now } = args;
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            ...this.taskPuts(task),
            {
              Update: {
                TableName: this.tableName,
                Key: keys.case(caseIdOf(task)),
                UpdateExpression: 'SET openTasks.#tid = :kind, updatedAt = :now',
                ConditionExpression: `attribute_exists(pk) AND NOT #s IN (${FINAL_CASE_STATUSES.map((_, i) => `:f${i}`).join(', ')})`,
                ExpressionAttributeNames: { '#tid': task.taskId, '#s': 'status' },
                ExpressionAttributeValues: {
                  ':kind': task.kind,
                  ':now': now,
                  ...Object.fromEntries(FINAL_CASE_STATUSES.map((f, i) => [`:f${i}`, f])),
                },
              },
            },
            this.eventPut(caseIdOf(task), now, `${task.kind}_OPENED`, args.actor, task),
          ],
        }),
      );
      return 'opened';
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes[0] === 'ConditionalCheckFailed') return 'exists';
      // The case's update follows the task's put and, when there is one, its reminder's.
      if (codes[task.reminderAt === undefined ? 1 : 2] === 'ConditionalCheckFailed') return 'case-closed';
      throw error;
    }
  }

  async armTask(args: ArmTaskArgs): Promise<ArmTaskResult> {
    const { link } = args;
    const token = args.sfnTaskToken === undefined ? {} : { ':t': args.sfnTaskToken };
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.task(args.taskId),
                UpdateExpression:
                  'SET actionHash = :h, linkExpiresAt = :d' +
                  (args.sfnTaskToken === undefined ? '' : ', sfnTaskToken = :t'),
                ConditionExpression:
                  '#s = :open AND caseId = :c AND attribute_not_exists(emailedAt) AND ' +
                  '(attribute_not_exists(actionHash) OR actionHash <> :h)',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: {
                  ...token,
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
          // `deadline`: the attribute's name before tasks were generalised.
          linkExpiresAt: oldString(old, 'linkExpiresAt') ?? oldString(old, 'deadline'),
          emailedAt: oldString(old, 'emailedAt'),
        },
        args,
      );
    }
  }

  /**
   * One more action link for an open task that was emailed already (a reminder, or its first link went to an
   * address that bounced; a link's token is never stored): the task must still be open and
   * of this case. Every live link of an open task may decide it, once (docs/data-model.md [e]).
   */
  async addTaskLink(args: { taskId: string; caseId?: string; link: ActionLinkRecord }): Promise<boolean> {
    const { link } = args;
    return this.transact([
      {
        ConditionCheck: {
          TableName: this.tableName,
          Key: keys.task(args.taskId),
          ConditionExpression: args.caseId === undefined ? '#s = :open' : '#s = :open AND caseId = :c',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':open': 'OPEN',
            ...(args.caseId === undefined ? {} : { ':c': args.caseId }),
          },
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.action(link.hash), ...link, ttl: actionLinkTtl(link.expiresAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  }
  async rearmTask(taskId: string, sfnTaskToken: string): Promise<boolean> {
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

  async keepAnswerToken(task: TaskRecord, sfnTaskToken: string, now: string): Promise<void> {
    await this.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: keys.task(task.taskId),
              UpdateExpression: 'SET sfnTaskToken = :t',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':t': sfnTaskToken },
            },
          },
          this.duePut({
            type: 'TASK_ANSWER',
            dueAt: now,
            ref: task.taskId,
            caseId: caseIdOf(task),
            taskId: task.taskId,
          }),
        ],
      }),
    );
  }

  async markEscalated(taskId: string, at: string): Promise<void> {
    await this.setOnTask(taskId, 'escalatedAt', at);
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

  async completeTask(args: CompleteTaskArgs): Promise<boolean> {
    return this.withSubjectTasks(args.task, () => this.completeTaskOnce(args));
  }

  private async completeTaskOnce(args: CompleteTaskArgs): Promise<boolean> {
    const { task, now } = args;
    const items: TransactItems = [];
    if (args.hash !== undefined) {
      items.push({
        Update: {
          TableName: this.tableName,
          Key: keys.action(args.hash),
          UpdateExpression: 'SET usedAt = :now',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAt > :now AND taskId = :task',
          ExpressionAttributeValues: { ':now': now, ':task': task.taskId },
        },
      });
    }
    const closed = taskIndexKeys(task.orgId, false, task.dueAt, task.taskId);
    const set: Record<string, unknown> = {
      status: args.status,
      completedAt: now,
      completedBy: args.actor,
      gsi1pk: closed.gsi1pk,
      ...(args.result === undefined ? {} : { result: args.result }),
      ...(args.outcome === undefined ? {} : { outcome: args.outcome }),
      ...(args.note === undefined ? {} : { note: args.note }),
    };
    items.push({
      Update: {
        TableName: this.tableName,
        Key: keys.task(task.taskId),
        // Any live link of the task may complete it (see armTask), but only once: it must be open.
        UpdateExpression: `SET ${Object.keys(set)
          .map((_, i) => `#a${i} = :a${i}`)
          .join(', ')}`,
        ConditionExpression: '#a0 = :open',
        ExpressionAttributeNames: Object.fromEntries(Object.keys(set).map((k, i) => [`#a${i}`, k])),
        ExpressionAttributeValues: {
          ...Object.fromEntries(Object.values(set).map((v, i) => [`:a${i}`, v])),
          ':open': 'OPEN',
        },
      },
    });
    const newTasks = args.newTasks ?? [];
    items.push(
      this.caseUpdate({
        key: subjectKey(task),
        now,
        ...(args.caseStatus ? { from: args.caseStatus.from, to: args.caseStatus.to } : {}),
        facts: args.caseFacts ?? {},
        addTasks: newTasks,
        removeTasks: [task.taskId, ...(args.closeTasks ?? []).map((t) => t.taskId)],
      }),
    );
    // Its pending reminder goes with it (and the due item of tasks from before reminders).
    items.push(...this.reminderDeletes(task));
    // A review's changes to the plan's other open items, in the same transaction.
    for (const t of args.closeTasks ?? []) items.push(...this.closure(t, args.actor, now));
    for (const m of args.moveTasks ?? []) items.push(...this.dueMove({ ...m, actor: args.actor, now }));
    if (task.kind === 'OFFER') items.push(this.offerCount(task.orgId, -1));
    items.push(this.taskEventPut(task, now, eventType(task, args.status), args.actor, args.caseStatus?.to));
    for (const t of newTasks) items.push(...this.taskPuts(t));
    for (const d of args.due ?? []) items.push(this.duePut(d));
    return this.transact(items);
  }

  async lapseTask(
    task: Pick<TaskRecord, 'taskId' | 'orgId' | 'caseId' | 'subject' | 'reminderAt'>,
    now: string,
  ): Promise<boolean> {
    return this.withOpenTasks(caseIdOf(task), () => this.lapseTaskOnce(task, now));
  }

  private async lapseTaskOnce(
    task: Pick<TaskRecord, 'taskId' | 'orgId' | 'caseId' | 'subject' | 'reminderAt'>,
    now: string,
  ): Promise<boolean> {
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.task(task.taskId),
          UpdateExpression: 'SET #s = :timedOut, completedAt = :now, gsi1pk = :closed',
          ConditionExpression: '#s = :open',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':timedOut': 'TIMED_OUT',
            ':open': 'OPEN',
            ':now': now,
            ':closed': `TASKS#${task.orgId}#CLOSED`,
          },
        },
      },
      this.caseUpdate({
        key: keys.case(caseIdOf(task)),
        now,
        facts: {},
        addTasks: [],
        removeTasks: [task.taskId],
        bump: false,
      }),
      this.offerCount(task.orgId, -1),
      this.eventPut(caseIdOf(task), now, 'OFFER_TIMED_OUT', 'system', task),
      // Its pending reminder, if one is left, goes with it.
      ...(task.reminderAt === undefined
        ? []
        : [
            {
              Delete: { TableName: this.tableName, Key: keys.due(task.taskId, task.reminderAt, 'REMINDER') },
            },
          ]),
    ]);
  }

  async acceptCase(args: { caseId: string; task: CaseTaskRef; now: string }): Promise<boolean> {
    const { task, now } = args;
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.case(args.caseId),
          UpdateExpression:
            'SET #s = :accepted, acceptedOrgId = :org, acceptedAt = :now, #v = #v + :one, updatedAt = :now ' +
            'REMOVE offeredOrgId',
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
      this.eventPut(args.caseId, now, 'ACCEPTED', 'system', task, 'ACCEPTED'),
    ]);
  }

  async markUnassigned(args: { caseId: string; now: string }): Promise<boolean> {
    return this.moveCase({
      caseId: args.caseId,
      from: ['REFERRED', 'OFFERED'],
      to: 'UNASSIGNED',
      type: 'UNASSIGNED',
      actor: { role: 'system' },
      now: args.now,
      remove: ['offeredOrgId'],
    });
  }

  async moveCase(args: MoveCaseArgs): Promise<boolean> {
    return this.transact([
      this.caseUpdate({
        key: keys.case(args.caseId),
        now: args.now,
        from: args.from,
        to: args.to,
        facts: args.facts ?? {},
        addTasks: [],
        removeTasks: [],
        remove: args.remove ?? [],
        ...(args.cycle === undefined ? {} : { cycle: args.cycle }),
      }),
      this.eventPut(args.caseId, args.now, args.type, args.actor, undefined, args.to, args.detail),
    ]);
  }

  async correctProfile(args: CorrectProfileArgs): Promise<boolean> {
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.case(args.caseId),
          UpdateExpression: 'SET person = :person, #v = :next, updatedAt = :now',
          ConditionExpression: `#v = :expected AND NOT #s IN (${FINAL_CASE_STATUSES.map((_, i) => `:f${i}`).join(', ')})`,
          ExpressionAttributeNames: { '#v': 'version', '#s': 'status' },
          ExpressionAttributeValues: {
            ':person': args.person,
            ':expected': args.expectedVersion,
            ':next': args.expectedVersion + 1,
            ':now': args.now,
            ...Object.fromEntries(FINAL_CASE_STATUSES.map((f, i) => [`:f${i}`, f])),
          },
        },
      },
      this.eventPut(args.caseId, args.now, 'PROFILE_CORRECTED', args.actor, undefined, undefined, {
        fields: args.fields,
      }),
    ]);
  }

  async putDue(item: DueItem): Promise<boolean> {
    return this.putNew({ ...keys.due(item.ref, item.dueAt, item.type), ...item });
  }

  async listDue(shard: number, now: string, limit: number): Promise<DueItem[]> {
    return (await this.listDuePage(shard, now, limit)).items;
  }

  async deleteDue(item: DueItem): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.tableName, Key: keys.due(item.ref, item.dueAt, item.type) }),
    );
  }

  async listDuePage(shard: number, now: string, limit: number): Promise<DuePage> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        // `~` sorts after every character of an instant, type and id: everything due by now.
        KeyConditionExpression: 'pk = :p AND sk <= :now',
        ExpressionAttributeValues: { ':p': `DUE#${shard}`, ':now': `${now}~` },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    const items = (out.Items ?? []).map((i) => strip<DueItem>(i) as DueItem);
    return { items, scanned: out.ScannedCount ?? items.length };
  }

  async claimDue(item: DueItem, until: string, now: string): Promise<boolean> {
    return this.update({
      Key: keys.due(item.ref, item.dueAt, item.type),
      UpdateExpression: 'SET claimedUntil = :until',
      ConditionExpression:
        'attribute_exists(pk) AND (attribute_not_exists(claimedUntil) OR claimedUntil <= :now)',
      ExpressionAttributeValues: { ':until': until, ':now': now },
    });
  }

  async releaseDue(item: DueItem, claimedUntil: string): Promise<void> {
    await this.update({
      Key: keys.due(item.ref, item.dueAt, item.type),
      UpdateExpression: 'REMOVE claimedUntil',
      ConditionExpression: 'claimedUntil = :mine',
      ExpressionAttributeValues: { ':mine': claimedUntil },
    });
  }

  async replaceDue(old: DueItem, claimedUntil: string, next: DueItem): Promise<boolean> {
    return this.transact([
      this.claimedDelete(old, claimedUntil),
      {
        Put: { ...this.duePut(next).Put, ConditionExpression: 'attribute_not_exists(pk)' } as NonNullable<
          TransactItem['Put']
        >,
      },
    ]);
  }

  async recordSentTo(
    item: ReminderDueItem | MeetingMailDueItem | MeetingDueItem,
    claimedUntil: string,
    emails: readonly string[],
  ): Promise<boolean> {
    return this.update({
      Key: keys.due(item.ref, item.dueAt, item.type),
      UpdateExpression: 'ADD sentTo :emails',
      ConditionExpression: 'claimedUntil = :mine',
      ExpressionAttributeValues: { ':emails': new Set(emails), ':mine': claimedUntil },
    });
  }

  async finishReminder(args: FinishReminderArgs): Promise<boolean> {
    const { item, claimedUntil, now } = args;
    const deferred = args.deferred.slice(0, 90).map((d) => ({
      Put: {
        ...(this.duePut(d).Put as NonNullable<TransactItem['Put']>),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
    if (args.advance) {
      const { task, next, sent } = args.advance;
      const sets = ['remindersSent = if_not_exists(remindersSent, :zero) + :sent', 'lastReminderAt = :now'];
      const values: Record<string, unknown> = {
        ':zero': 0,
        ':sent': sent,
        ':now': now,
        ':open': 'OPEN',
        ':held': item.dueAt,
      };
      if (next) {
        sets.push('reminderStep = :step', 'reminderAt = :at');
        values[':step'] = next.reminderStep;
        values[':at'] = next.reminderAt;
      }
      const advanced = await this.transact([
        this.claimedDelete(item, claimedUntil),
        {
          Update: {
            TableName: this.tableName,
            Key: keys.task(task.taskId),
            UpdateExpression: `SET ${sets.join(', ')}${next ? '' : ' REMOVE reminderStep, reminderAt'}`,
            // The chain moves only from the item this run holds, and only while the task is open.
            ConditionExpression: '#s = :open AND reminderAt = :held',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: values,
          },
        },
        ...(next ? [this.duePut(reminderChainItem({ ...task, ...next }) as DueItem)] : []),
        ...deferred,
      ]);
      if (advanced) return true;
    }
    // Not a chain item, or the task is no longer open or its chain moved: the item just goes
    // (with the copies deferred for quiet hours, when the task is still open).
    return this.transact([this.claimedDelete(item, claimedUntil), ...(args.advance ? [] : deferred)]);
  }

  async startReminders(
    task: TaskRecord,
    reminder: { reminderStep: number; reminderAt: string },
  ): Promise<boolean> {
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.task(task.taskId),
          UpdateExpression: 'SET reminderStep = :step, reminderAt = :at',
          ConditionExpression: '#s = :open AND attribute_not_exists(reminderAt)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':step': reminder.reminderStep,
            ':at': reminder.reminderAt,
            ':open': 'OPEN',
          },
        },
      },
      this.duePut(reminderChainItem({ ...task, ...reminder }) as DueItem),
    ]);
  }

  async moveTaskDue(args: MoveTaskDueArgs): Promise<boolean> {
    return this.withSubjectTasks(args.task, () => this.transact(this.dueMove(args)));
  }

  /** The writes that move an open task's due instant and its pending reminder, with their event. */
  private dueMove(args: MoveTaskDueArgs): TransactItem[] {
    const { task, dueAt, reminder, now } = args;
    const index = taskIndexKeys(task.orgId, true, dueAt, task.taskId);
    const values: Record<string, unknown> = {
      ':due': dueAt,
      ':old': task.dueAt,
      ':open': 'OPEN',
      ':sk': index.gsi1sk,
    };
    if (reminder) {
      values[':step'] = reminder.reminderStep;
      values[':at'] = reminder.reminderAt;
    }
    return [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.task(task.taskId),
          UpdateExpression:
            `SET dueAt = :due, gsi1sk = :sk${reminder ? ', reminderStep = :step, reminderAt = :at' : ''} ` +
            `REMOVE overdueAt, escalatedAt${reminder ? '' : ', reminderStep, reminderAt'}`,
          ConditionExpression: '#s = :open AND dueAt = :old',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: values,
        },
      },
      ...this.reminderDeletes(task),
      ...(reminder ? [this.duePut(reminderChainItem({ ...task, ...reminder }) as DueItem)] : []),
      this.taskEventPut(task, now, `${task.kind}_DUE_MOVED`, args.actor),
    ];
  }

  /** The writes that close an open task of the case without an answer (a review closed it), with its event. */
  private closure(task: TaskRecord, actor: Actor, now: string): TransactItem[] {
    return [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.task(task.taskId),
          UpdateExpression:
            'SET #s = :cancelled, #r = :r, completedAt = :now, completedBy = :by, gsi1pk = :closed',
          ConditionExpression: '#s = :open AND caseId = :case',
          ExpressionAttributeNames: { '#s': 'status', '#r': 'result' },
          ExpressionAttributeValues: {
            ':cancelled': 'CANCELLED',
            ':r': 'closed-by-review',
            ':now': now,
            ':by': actor,
            ':closed': `TASKS#${task.orgId}#CLOSED`,
            ':open': 'OPEN',
            ':case': caseIdOf(task),
          },
        },
      },
      ...this.reminderDeletes(task),
      this.eventPut(caseIdOf(task), now, `${task.kind}_CLOSED`, actor, task),
    ];
  }

  async getTasks(taskIds: readonly string[]): Promise<Map<string, TaskRecord>> {
    const items = await this.batchGet([...new Set(taskIds)].map((id) => keys.task(id)));
    return new Map(items.map((i) => normalizeTask(i)).map((t) => [t.taskId, t]));
  }

  async getCases(caseIds: readonly string[]): Promise<Map<string, CaseRecord>> {
    const items = await this.batchGet([...new Set(caseIds)].map((id) => keys.case(id)));
    return new Map(items.map((i) => strip<CaseRecord>(i) as CaseRecord).map((c) => [c.caseId, c]));
  }

  /** Strongly consistent BatchGetItem in chunks of 100, retrying what DynamoDB left unprocessed. */
  protected async batchGet(wanted: ReadonlyArray<{ pk: string; sk: string }>): Promise<Item[]> {
    const found: Item[] = [];
    for (let i = 0; i < wanted.length; i += 100) {
      let pending: Array<Record<string, unknown>> = wanted.slice(i, i + 100).map((k) => ({ ...k }));
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        const out = await this.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        found.push(...(out.Responses?.[this.tableName] ?? []));
        pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Array<Record<string, unknown>>;
        if (attempt > 8 && pending.length > 0) throw new Error('BatchGetItem left keys unprocessed');
      }
    }
    return found;
  }

  /** The delete of a due item this run holds (its claim unchanged). */
  protected claimedDelete(item: DueItem, claimedUntil: string): TransactItem {
    return {
      Delete: {
        TableName: this.tableName,
        Key: keys.due(item.ref, item.dueAt, item.type),
        ConditionExpression: 'claimedUntil = :mine',
        ExpressionAttributeValues: { ':mine': claimedUntil },
      },
    };
  }

  async markOverdue(task: TaskRecord, now: string): Promise<boolean> {
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.task(task.taskId),
          UpdateExpression: 'SET overdueAt = :now',
          ConditionExpression: '#s = :open AND attribute_not_exists(overdueAt)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':now': now, ':open': 'OPEN' },
        },
      },
      this.taskEventPut(task, now, `${task.kind}_OVERDUE`, 'system'),
    ]);
  }

  async listCases(
    region: string,
    page: PageArgs & { readonly createdFrom?: string; readonly createdBefore?: string },
  ): Promise<Page<CaseRecord>> {
    // The sort key is `<createdAt>#<caseId>`: `from` itself sorts before every key of that instant.
    return this.indexPage<CaseRecord>(`CASES#${region}`, page, page.createdBefore, page.createdFrom);
  }

  async listErasedCases(
    region: string,
    page: PageArgs & { readonly createdFrom?: string; readonly createdBefore?: string },
  ): Promise<Page<ErasedCase>> {
    return this.indexPage<ErasedCase>(`ERASED#${region}`, page, page.createdBefore, page.createdFrom);
  }

  async listOrgTasks(
    orgId: string,
    open: boolean,
    page: PageArgs & { readonly dueBefore?: string },
  ): Promise<Page<TaskRecord>> {
    const result = await this.indexPage<Record<string, unknown>>(
      `TASKS#${orgId}#${open ? 'OPEN' : 'CLOSED'}`,
      page,
      page.dueBefore,
    );
    return { ...result, items: result.items.map(normalizeTask) };
  }

  /** A page of an index partition; `before` (exclusive) and `from` (inclusive) bound its sort key. */
  private async indexPage<T>(
    partition: string,
    page: PageArgs,
    before?: string,
    from?: string,
  ): Promise<Page<T>> {
    // BETWEEN is inclusive at both ends: `before` is an instant, every key of it (`<instant>#…`)
    // sorts after it, so the upper end still keeps nothing of that instant.
    const range =
      from !== undefined && before !== undefined
        ? ' AND gsi1sk BETWEEN :f AND :b'
        : from !== undefined
          ? ' AND gsi1sk >= :f'
          : before !== undefined
            ? ' AND gsi1sk < :b'
            : '';
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: ORG_INDEX,
        KeyConditionExpression: `gsi1pk = :p${range}`,
        ExpressionAttributeValues: {
          ':p': partition,
          ...(before === undefined ? {} : { ':b': before }),
          ...(from === undefined ? {} : { ':f': from }),
        },
        Limit: page.limit,
        ...(page.start ? { ExclusiveStartKey: page.start } : {}),
      }),
    );
    const items = (out.Items ?? []).map((i) => strip<T>(i) as T);
    return out.LastEvaluatedKey ? { items, next: out.LastEvaluatedKey } : { items };
  }

  async appendEvent(event: CaseEvent): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.event(event.caseId, event.at, event.type, event.taskId), ...event },
      }),
    );
  }

  /** One conditional update; false when its condition refused it. */
  protected async update(
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
  private async setOnTask(
    taskId: string,
    name: 'emailedAt' | 'notifiedAt' | 'escalatedAt',
    at: string,
  ): Promise<void> {
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
  protected eventPut(
    caseId: string,
    at: string,
    type: string,
    actor: Actor | 'system',
    task?: TaskRef & { readonly kind?: string },
    status?: string,
    detail?: CaseEventDetail,
  ): TransactItem {
    const who: Actor = actor === 'system' ? { role: 'system' } : actor;
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...keys.event(caseId, at, type, task?.taskId),
          caseId,
          at,
          type,
          actor: who.role,
          ...(who.orgId ? { actorOrgId: who.orgId } : {}),
          ...(task
            ? { orgId: task.orgId, taskId: task.taskId, ...(task.kind ? { kind: task.kind } : {}) }
            : {}),
          ...(status ? { status } : {}),
          ...(detail?.fields ? { ...detail, fields: [...detail.fields] } : detail),
        },
      },
    };
  }

  /** The event of a task's change on its subject's history: the case's timeline or the meeting's. */
  protected taskEventPut(
    task: TaskRecord,
    at: string,
    type: string,
    actor: Actor | 'system',
    status?: string,
  ) {
    if (task.subject !== 'meeting') return this.eventPut(caseIdOf(task), at, type, actor, task, status);
    const who: Actor = actor === 'system' ? { role: 'system' } : actor;
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...keys.meetingEvent(task.meetingId as string, at, type, task.taskId),
          meetingId: task.meetingId,
          at,
          type,
          actor: who,
          taskId: task.taskId,
        },
      },
    } satisfies TransactItem;
  }

  /** The Put of a new task, listed among its organisation's open tasks. */
  protected taskPut(task: TaskRecord): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...keys.task(task.taskId),
          ...taskIndexKeys(task.orgId, true, task.dueAt, task.taskId),
          ...task,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  protected duePut(item: DueItem): TransactItem {
    return {
      Put: { TableName: this.tableName, Item: { ...keys.due(item.ref, item.dueAt, item.type), ...item } },
    };
  }

  /** A new task's puts: the task, and its first reminder on the due-time index when it has one. */
  protected taskPuts(task: TaskRecord): TransactItem[] {
    const chain = reminderChainItem(task);
    return chain ? [this.taskPut(task), this.duePut(chain)] : [this.taskPut(task)];
  }

  /** Deletes of a task's pending reminder and of its due item from before reminders. */
  protected reminderDeletes(task: Pick<TaskRecord, 'taskId' | 'dueAt' | 'reminderAt'>): TransactItem[] {
    const legacy: TransactItem = {
      Delete: { TableName: this.tableName, Key: keys.due(task.taskId, task.dueAt, 'TASK_DUE') },
    };
    if (task.reminderAt === undefined) return [legacy];
    return [
      legacy,
      { Delete: { TableName: this.tableName, Key: keys.due(task.taskId, task.reminderAt, 'REMINDER') } },
    ];
  }

  /**
   * The case's side of a task change: open tasks added and removed, the version up (unless
   * `bump` is false: a timeout is no change the case's readers race on), and the status moved
   * only from the statuses named.
   */
  protected caseUpdate(args: {
    /** The case's key, or a meeting's (its open tasks and version work alike). */
    key: { pk: string; sk: string };
    now: string;
    from?: readonly string[];
    to?: string;
    facts: Readonly<Record<string, unknown>>;
    addTasks: readonly TaskRecord[];
    removeTasks: readonly string[];
    remove?: readonly string[];
    bump?: boolean;
    /** Also required: the case is in this cycle (an absent cycle counts as 1). */
    cycle?: number;
  }): TransactItem {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': args.now };
    const sets = ['updatedAt = :now'];
    if (args.bump !== false) {
      names['#v'] = 'version';
      values[':one'] = 1;
      sets.push('#v = #v + :one');
    }
    const removes: string[] = [];
    const conditions = ['attribute_exists(pk)'];
    if (args.cycle !== undefined) {
      names['#cy'] = 'cycle';
      values[':cy'] = args.cycle;
      conditions.push(args.cycle === 1 ? '(attribute_not_exists(#cy) OR #cy = :cy)' : '#cy = :cy');
    }
    if (args.to !== undefined && args.from !== undefined) {
      names['#s'] = 'status';
      values[':to'] = args.to;
      sets.push('#s = :to');
      conditions.push(`#s IN (${args.from.map((_, i) => `:from${i}`).join(', ')})`);
      args.from.forEach((f, i) => {
        values[`:from${i}`] = f;
      });
    }
    Object.entries(args.facts).forEach(([k, v], i) => {
      names[`#f${i}`] = k;
      values[`:f${i}`] = v;
      sets.push(`#f${i} = :f${i}`);
    });
    args.addTasks.forEach((t, i) => {
      names[`#n${i}`] = t.taskId;
      values[`:n${i}`] = t.kind;
      sets.push(`openTasks.#n${i} = :n${i}`);
    });
    args.removeTasks.forEach((id, i) => {
      names[`#o${i}`] = id;
      removes.push(`openTasks.#o${i}`);
    });
    (args.remove ?? []).forEach((k, i) => {
      names[`#r${i}`] = k;
      removes.push(`#r${i}`);
    });
    return {
      Update: {
        TableName: this.tableName,
        Key: args.key,
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }
}

/** The timeline type of a task's end: the offer keeps the names its events always had. */
/** The item a task's subject is: its case, or its meeting. */
function subjectKey(task: Pick<TaskRecord, 'subject' | 'caseId' | 'meetingId' | 'taskId'>) {
  return task.subject === 'meeting' ? keys.meeting(task.meetingId as string) : keys.case(caseIdOf(task));
}

function eventType(task: TaskRecord, status: string): string {
  if (task.kind === 'OFFER' && status === 'DONE') return 'OFFER_ACCEPTED';
  if (task.kind === 'OFFER' && status === 'DECLINED') return 'OFFER_DECLINED';
  return `${task.kind}_${status}`;
}
