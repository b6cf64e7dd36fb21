import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { MailAbout, MailPurpose } from '../email/mailer';
import { keys } from './keys';
import type { OrgRecord } from './records';
import { type Item, SingleTable, strip, type TransactItems } from './table';

/**
 * How far a message got. `queued`: kept in the outbox (the mail service did not take it yet);
 * `sent`: SES accepted it; then what SES's event destination reported.
 */
export const DELIVERY_STATUSES = [
  'queued',
  'sent',
  'delivered',
  'bounced',
  'complained',
  'rejected',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The order statuses only move up in (events may arrive out of order and more than once): a
 * message's `status` is the highest reached; each status's own instant is kept once
 * (`sentAt`, `deliveredAt`, ...). A bounce may follow a delivery (the receiving server found out
 * later), a complaint always follows one.
 */
export const DELIVERY_RANK: Readonly<Record<DeliveryStatus, number>> = {
  queued: 0,
  sent: 1,
  delivered: 2,
  rejected: 3,
  bounced: 3,
  complained: 4,
};

/** The case timeline type of each status. */
export const DELIVERY_EVENT_TYPES: Readonly<Record<DeliveryStatus, string>> = {
  queued: 'EMAIL_QUEUED',
  sent: 'EMAIL_SENT',
  delivered: 'EMAIL_DELIVERED',
  bounced: 'EMAIL_BOUNCED',
  complained: 'EMAIL_COMPLAINT',
  rejected: 'EMAIL_REJECTED',
};

/** The attribute holding the instant a status was first reached. */
const statusAt = (status: DeliveryStatus) => `${status}At`;

/** The statuses a bounce or complaint names recipients for (who, of the message's recipients). */
const AFFECTED: Partial<Record<DeliveryStatus, string>> = {
  bounced: 'bouncedRecipients',
  complained: 'complainedRecipients',
};

/**
 * A message's delivery record: what it was about (ids and a purpose) and to whom, never its
 * subject or body. Keyed by the SES message id (`outbox#<ref>` while queued).
 */
export interface MessageRecord {
  readonly messageId: string;
  readonly purpose: MailPurpose;
  readonly caseId?: string;
  readonly taskIds?: readonly string[];
  /** Organisation contact addresses (and the officer's): who was emailed. */
  readonly recipients: readonly string[];
  readonly status: DeliveryStatus;
  readonly statusRank: number;
  readonly createdAt: string;
  readonly queuedAt?: string;
  readonly sentAt?: string;
  readonly deliveredAt?: string;
  readonly bouncedAt?: string;
  readonly complainedAt?: string;
  readonly rejectedAt?: string;
  readonly bouncedRecipients?: readonly string[];
  readonly complainedRecipients?: readonly string[];
}

/** A task's copy of one message's delivery: the same fields, in the task's partition. */
export interface TaskDeliveryRecord extends MessageRecord {
  readonly taskId: string;
}

export interface RecordMessageArgs {
  /** The SES message id, or `outbox#<ref>` for a message kept in the outbox. */
  readonly messageId: string;
  readonly about: MailAbout;
  readonly recipients: readonly string[];
  readonly status: 'sent' | 'queued';
  readonly at: string;
}

export interface RecordStatusArgs {
  readonly messageId: string;
  readonly status: DeliveryStatus;
  /** When it happened, as the event says (a repeated event has the same instant). */
  readonly at: string;
  /** Who bounced or complained (the timeline names them); absent: the message's recipients. */
  readonly recipients?: readonly string[];
}

/**
 * What recording a status found: `changed` (written, with its timeline event), `repeat` (this
 * status was recorded before: nothing written), `unknown` (no record of the message: one sent
 * without `about`, such as a meeting's, or whose record failed to be written).
 */
export type RecordStatusResult = 'changed' | 'repeat' | 'unknown';

export type UnreachableReason = 'bounce' | 'complaint';

/** Why and when a contact was marked unreachable (kept beside the organisation). */
export interface UnreachableRecord {
  readonly orgId: string;
  readonly email: string;
  readonly reason: UnreachableReason;
  readonly at: string;
  /** Until then one run holds the follow-up (coordinators told, tasks escalated). */
  readonly claimedUntil?: string;
  /** When the follow-up was done: nobody does it again for this marking. */
  readonly noticedAt?: string;
}

/** Attempts of a write whose condition lost to a concurrent one (it reads again and retries). */
const RACE_ATTEMPTS = 3;

/**
 * Delivery records on the single table (docs/data-model.md, "Delivery records"): a message
 * record per message, an entry per task it was about, a case timeline event per status
 * change, and a contact's "unreachable" mark. Apart from `DynamoStore` so the mail and the
 * reminder work can change that file without meeting this one.
 */
export class DeliveryStore extends SingleTable {
  getMessage(messageId: string): Promise<MessageRecord | undefined> {
    return this.get<MessageRecord>(keys.message(messageId));
  }

  /**
   * The record of a message just sent or queued, its task entries and its `EMAIL_SENT` (or
   * `EMAIL_QUEUED`) timeline event, in one transaction; false when the message was recorded
   * before (nothing is written twice).
   */
  async recordMessage(args: RecordMessageArgs): Promise<boolean> {
    const { about } = args;
    const record: MessageRecord = {
      messageId: args.messageId,
      purpose: about.purpose,
      ...(about.caseId === undefined ? {} : { caseId: about.caseId }),
      ...(about.taskIds?.length ? { taskIds: [...about.taskIds] } : {}),
      recipients: [...args.recipients],
      status: args.status,
      statusRank: DELIVERY_RANK[args.status],
      createdAt: args.at,
      [statusAt(args.status)]: args.at,
    };
    const items: TransactItems = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.message(args.messageId), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...(record.taskIds ?? []).map((taskId) => ({
        Put: {
          TableName: this.tableName,
          Item: { ...keys.taskDelivery(taskId, args.messageId), taskId, ...record },
        },
      })),
    ];
    if (record.caseId !== undefined) {
      items.push(this.timelinePut(record, args.status, args.at, record.recipients));
    }
    return this.transact(items);
  }

  /**
   * A delivery status from an SES event: on the message, its task entries and the case
   * timeline, once. Conditional on the record as read (its rank, and this status not yet
   * recorded), so a repeated or concurrent event writes nothing twice; a lower status arriving
   * late keeps its instant without moving the status back.
   */
  async recordStatus(args: RecordStatusArgs): Promise<RecordStatusResult> {
    for (let attempt = 1; attempt <= RACE_ATTEMPTS; attempt++) {
      const message = await this.getMessage(args.messageId);
      if (!message) return 'unknown';
      if ((message as unknown as Item)[statusAt(args.status)] !== undefined) return 'repeat';
      if (await this.transact(this.statusItems(message, args))) return 'changed';
    }
    // Lost every race: the other writer recorded it or moved the rank; the next read says which.
    const message = await this.getMessage(args.messageId);
    return message && (message as unknown as Item)[statusAt(args.status)] !== undefined
      ? 'repeat'
      : 'unknown';
  }

  private statusItems(message: MessageRecord, args: RecordStatusArgs): TransactItems {
    const rank = DELIVERY_RANK[args.status];
    const raise = rank > message.statusRank;
    const affected = AFFECTED[args.status];
    const names: Record<string, string> = { '#at': statusAt(args.status) };
    const values: Record<string, unknown> = { ':at': args.at };
    const sets = ['#at = :at'];
    if (raise) {
      names['#s'] = 'status';
      values[':s'] = args.status;
      values[':rank'] = rank;
      sets.push('#s = :s', 'statusRank = :rank');
    }
    if (affected && args.recipients) {
      names['#who'] = affected;
      values[':who'] = [...args.recipients];
      sets.push('#who = :who');
    }
    const update = `SET ${sets.join(', ')}`;
    const items: TransactItems = [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.message(message.messageId),
          UpdateExpression: update,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#at) AND statusRank = :seen',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ':seen': message.statusRank },
        },
      },
      ...(message.taskIds ?? []).map((taskId) => ({
        Update: {
          TableName: this.tableName,
          Key: keys.taskDelivery(taskId, message.messageId),
          UpdateExpression: update,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      })),
    ];
    if (message.caseId !== undefined) {
      items.push(this.timelinePut(message, args.status, args.at, args.recipients ?? message.recipients));
    }
    return items;
  }

  private timelinePut(
    message: Pick<MessageRecord, 'messageId' | 'caseId' | 'taskIds'>,
    status: DeliveryStatus,
    at: string,
    recipients: readonly string[],
  ): TransactItems[number] {
    const caseId = message.caseId as string;
    const type = DELIVERY_EVENT_TYPES[status];
    const [onlyTask, ...more] = message.taskIds ?? [];
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...keys.deliveryEvent(caseId, at, type, message.messageId),
          caseId,
          at,
          type,
          actor: 'system',
          ...(onlyTask !== undefined && more.length === 0 ? { taskId: onlyTask } : {}),
          recipients: [...recipients],
        },
      },
    };
  }

  /** The task's deliveries, oldest message id first: one Query of the task's partition. */
  async listTaskDeliveries(taskId: string): Promise<TaskDeliveryRecord[]> {
    const found: TaskDeliveryRecord[] = [];
    let start: Item | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :d)',
          ExpressionAttributeValues: { ':p': keys.task(taskId).pk, ':d': 'DELIVERY#' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) found.push(strip<TaskDeliveryRecord>(item) as TaskDeliveryRecord);
      start = out.LastEvaluatedKey;
    } while (start);
    return found;
  }

  /**
   * Marks the organisation's contact with this address unreachable (`reachable: false`) and
   * keeps why and when beside the organisation, in one transaction. The contacts are a list:
   * the index comes from a read, and the update holds only while the element there still has
   * this address (a concurrent directory edit makes it read again). True only when this call
   * changed it: a contact already unreachable, or not in the organisation, gives false. The
   * record beside it starts a new follow-up (see claimUnreachableNotice).
   */
  async markContactUnreachable(
    orgId: string,
    email: string,
    reason: UnreachableReason,
    at: string,
  ): Promise<boolean> {
    const wanted = email.toLowerCase();
    for (let attempt = 1; attempt <= RACE_ATTEMPTS; attempt++) {
      const org = await this.get<OrgRecord>(keys.org(orgId));
      const index = org?.contacts.findIndex((c) => c.email.toLowerCase() === wanted) ?? -1;
      const contact = org?.contacts[index];
      if (!contact || contact.reachable === false) return false;
      const unreachable: UnreachableRecord = { orgId, email: contact.email, reason, at };
      const changed = await this.transact([
        {
          Update: {
            TableName: this.tableName,
            Key: keys.org(orgId),
            // The version moves too: a directory change read before this mark is then stale
            // (409) instead of writing the contact back as reachable.
            UpdateExpression: `SET contacts[${index}].reachable = :no ADD #version :one`,
            ConditionExpression:
              `contacts[${index}].email = :email AND ` +
              `(attribute_not_exists(contacts[${index}].reachable) OR contacts[${index}].reachable <> :no)`,
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':no': false, ':email': contact.email, ':one': 1 },
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: { ...keys.unreachable(orgId, contact.email.toLowerCase()), ...unreachable },
          },
        },
      ]);
      if (changed) return true;
    }
    return false;
  }

  /**
   * Takes the follow-up of a marking (telling the coordinators, escalating the contact's
   * tasks) until `until`: true for one caller while the marking's follow-up is not done and
   * nobody else holds it. A run that stopped half-way lets its claim lapse, and the retried
   * event takes it again; a repeated event after the follow-up was done gets false.
   */
  async claimUnreachableNotice(orgId: string, email: string, now: string, until: string): Promise<boolean> {
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.unreachable(orgId, email.toLowerCase()),
          UpdateExpression: 'SET claimedUntil = :until',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(noticedAt) AND ' +
            '(attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
          ExpressionAttributeValues: { ':until': until, ':now': now },
        },
      },
    ]);
  }

  /** Records the marking's follow-up as done (the first record stands). */
  async markUnreachableNoticed(orgId: string, email: string, at: string): Promise<void> {
    await this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.unreachable(orgId, email.toLowerCase()),
          UpdateExpression: 'SET noticedAt = :at REMOVE claimedUntil',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(noticedAt)',
          ExpressionAttributeValues: { ':at': at },
        },
      },
    ]);
  }

  /** Why and when the contact was last marked unreachable. */
  getUnreachable(orgId: string, email: string): Promise<UnreachableRecord | undefined> {
    return this.get<UnreachableRecord>(keys.unreachable(orgId, email.toLowerCase()));
  }
}
