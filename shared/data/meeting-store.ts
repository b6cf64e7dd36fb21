import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoStore } from './dynamo-store';
import { keys, meetingIndexKeys, ORG_INDEX } from './keys';
import type {
  Actor,
  MeetingDueItem,
  MeetingEvent,
  MeetingMailDueItem,
  MeetingRecord,
  MeetingResponse,
  RsvpLinkRecord,
  SeriesRecord,
  TaskMailDueItem,
  TaskRecord,
} from './records';
import type { Page, PageArgs } from './store';
import { strip, type TransactItem, type TransactItems } from './table';

/** RSVP links are removed (DynamoDB TTL) 30 days after they expire. */
const RSVP_TTL_SECONDS = 30 * 24 * 3600;

/** A new meeting as written: the record, its first step on the due-time index, its event. */
export interface NewMeeting {
  readonly meeting: MeetingRecord;
  readonly due?: MeetingDueItem;
  readonly event: MeetingEvent;
  /** Its invitations, held by the writer (docs/meetings.md, "nothing lost"). */
  readonly mail?: MeetingMailDueItem;
}

/** A change of a meeting: the record as it becomes, and its step on the index moved with it. */
export interface MeetingChange {
  readonly meeting: MeetingRecord;
  /** The version read; the write is refused when another change came first. */
  readonly expectVersion: number;
  readonly oldDue?: MeetingDueItem;
  readonly newDue?: MeetingDueItem;
  readonly event: MeetingEvent;
  /** The messages the change sends, held by the writer. */
  readonly mail?: readonly MeetingMailDueItem[];
}

/** The store of the cooperation group's meetings: the same single table, beside cases and tasks. */
export class MeetingStore extends DynamoStore {
  getMeeting(meetingId: string) {
    return this.get<MeetingRecord>(keys.meeting(meetingId));
  }

  async getMeetings(meetingIds: readonly string[]): Promise<Map<string, MeetingRecord>> {
    const items = await this.batchGet([...new Set(meetingIds)].map((id) => keys.meeting(id)));
    return new Map(items.map((i) => strip<MeetingRecord>(i) as MeetingRecord).map((m) => [m.meetingId, m]));
  }

  getSeries(seriesId: string) {
    return this.get<SeriesRecord>(keys.series(seriesId));
  }

  getRsvpLink(hash: string) {
    return this.get<RsvpLinkRecord>(keys.rsvp(hash));
  }

  /** A region's meetings by start, from `from` (an instant) on. */
  async listMeetings(
    region: string,
    page: PageArgs & { readonly from?: string },
  ): Promise<Page<MeetingRecord>> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: ORG_INDEX,
        KeyConditionExpression: page.from === undefined ? 'gsi1pk = :p' : 'gsi1pk = :p AND gsi1sk >= :f',
        ExpressionAttributeValues: {
          ':p': `MEETINGS#${region}`,
          ...(page.from === undefined ? {} : { ':f': page.from }),
        },
        Limit: page.limit,
        ...(page.start ? { ExclusiveStartKey: page.start } : {}),
      }),
    );
    const items = (out.Items ?? []).map((i) => strip<MeetingRecord>(i) as MeetingRecord);
    return out.LastEvaluatedKey ? { items, next: out.LastEvaluatedKey } : { items };
  }

  /** A meeting's history, oldest first. */
  listMeetingEvents(meetingId: string): Promise<MeetingEvent[]> {
    return this.queryAll<MeetingEvent>(`MEETING#${meetingId}`, 'EVENT#');
  }

  /** New meetings (one, or a series' first occurrences with the series), all or nothing. */
  async createMeetings(args: { meetings: readonly NewMeeting[]; series?: SeriesRecord }): Promise<boolean> {
    const items: TransactItems = [];
    if (args.series) items.push(this.newPut(keys.series(args.series.seriesId), args.series));
    for (const m of args.meetings) items.push(...this.meetingPuts(m));
    return this.transact(items);
  }

  /**
   * The next occurrence of a series, when the one before has ended: refused when the series
   * was cancelled or another run made it already (`made` moved on).
   */
  async extendSeries(args: { series: SeriesRecord; next: NewMeeting }): Promise<boolean> {
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.series(args.series.seriesId),
          UpdateExpression: 'SET made = :next',
          ConditionExpression: 'made = :made AND attribute_not_exists(cancelledAt)',
          ExpressionAttributeValues: { ':made': args.series.made, ':next': args.series.made + 1 },
        },
      },
      ...this.meetingPuts(args.next),
    ]);
  }

  /** A series cancelled: it makes no more occurrences. */
  async cancelSeries(seriesId: string, now: string): Promise<boolean> {
    return this.update({
      Key: keys.series(seriesId),
      UpdateExpression: 'SET cancelledAt = :now',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(cancelledAt)',
      ExpressionAttributeValues: { ':now': now },
    });
  }

  /** Writes a changed (or cancelled) meeting if nobody changed it since it was read. */
  async changeMeeting(change: MeetingChange): Promise<boolean> {
    const { meeting } = change;
    const items: TransactItems = [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.meeting(meeting.meetingId),
            ...meetingIndexKeys(meeting.region, meeting.start, meeting.meetingId),
            ...meeting,
          },
          ConditionExpression: 'version = :v AND #s = :scheduled',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':v': change.expectVersion, ':scheduled': 'SCHEDULED' },
        },
      },
      this.meetingEventPut(change.event),
    ];
    if (change.oldDue && change.oldDue.dueAt !== change.newDue?.dueAt)
      items.push({
        Delete: {
          TableName: this.tableName,
          Key: keys.due(change.oldDue.ref, change.oldDue.dueAt, 'MEETING'),
        },
      });
    if (change.newDue && change.newDue.dueAt !== change.oldDue?.dueAt) items.push(this.duePut(change.newDue));
    for (const m of change.mail ?? []) items.push(this.duePut(m));
    return this.transact(items);
  }

  /** Stores invitation links, in batches (they are written before the invitations go out). */
  async putRsvpLinks(links: readonly RsvpLinkRecord[]): Promise<void> {
    for (let i = 0; i < links.length; i += 25) {
      let pending: Record<string, unknown>[] = links.slice(i, i + 25).map((link) => ({
        PutRequest: {
          Item: {
            ...keys.rsvp(link.hash),
            ...link,
            ttl: Math.floor(Date.parse(link.expiresAt) / 1000) + RSVP_TTL_SECONDS,
          },
        },
      }));
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        if (attempt > 8) throw new Error('BatchWriteItem left items unprocessed');
        const out = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } }),
        );
        pending = (out.UnprocessedItems?.[this.tableName] ?? []) as Record<string, unknown>[];
      }
    }
  }

  /**
   * An invitee's answer: the link used and the answer on the meeting, together; refused when
   * the link was used, has expired, or the meeting was cancelled.
   */
  async recordResponse(args: {
    link: RsvpLinkRecord;
    response: MeetingResponse;
    now: string;
  }): Promise<boolean> {
    const { link, response, now } = args;
    return this.transact([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.rsvp(link.hash),
          UpdateExpression: 'SET usedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAt > :now',
          ExpressionAttributeValues: { ':now': now },
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: keys.meeting(link.meetingId),
          UpdateExpression: 'SET responses.#e = :r, #v = #v + :one, updatedAt = :now',
          ConditionExpression: '#s = :scheduled',
          ExpressionAttributeNames: { '#e': link.email, '#v': 'version', '#s': 'status' },
          ExpressionAttributeValues: { ':r': response, ':one': 1, ':now': now, ':scheduled': 'SCHEDULED' },
        },
      },
      this.meetingEventPut({
        meetingId: link.meetingId,
        at: now,
        type: 'RSVP',
        actor: { role: 'link' },
        email: link.email,
        answer: response.answer,
      }),
    ]);
  }

  /**
   * A meeting's step done: its item off the index (held by this run), the next one on, and
   * the meeting's record of it, unless a change moved the meeting on meanwhile.
   */
  async finishMeetingStep(args: {
    item: MeetingDueItem;
    claimedUntil: string;
    next?: MeetingDueItem;
    now: string;
  }): Promise<boolean> {
    const { item, next } = args;
    return this.transact([
      this.claimedDelete(item, args.claimedUntil),
      {
        Update: {
          TableName: this.tableName,
          Key: keys.meeting(item.meetingId),
          UpdateExpression: next
            ? 'SET step = :step, stepAt = :at, updatedAt = :now'
            : 'SET updatedAt = :now REMOVE step, stepAt',
          ConditionExpression: 'stepAt = :was',
          ExpressionAttributeValues: {
            ':was': item.dueAt,
            ':now': args.now,
            ...(next ? { ':step': next.step, ':at': next.dueAt } : {}),
          },
        },
      },
      ...(next ? [this.duePut(next)] : []),
    ]);
  }

  /**
   * The meeting's minutes task, opened at its end with its first email queued (TASK_MAIL):
   * once, whichever run gets there first.
   */
  async openMinutesTask(args: { task: TaskRecord; mail: TaskMailDueItem; actor: Actor; now: string }) {
    const { task, now } = args;
    return this.transact([
      ...this.taskPuts(task),
      this.duePut(args.mail),
      {
        Update: {
          TableName: this.tableName,
          Key: keys.meeting(task.meetingId as string),
          UpdateExpression: 'SET minutesTaskId = :id, openTasks.#id = :kind, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(minutesTaskId)',
          ExpressionAttributeNames: { '#id': task.taskId },
          ExpressionAttributeValues: { ':id': task.taskId, ':kind': task.kind, ':now': now },
        },
      },
      this.taskEventPut(task, now, 'MINUTES_OPENED', args.actor),
    ]);
  }

  /** An item this run holds, done with (a queued email sent, a step a change moved on from): off the index. */
  async dropClaimedDue(
    item: MeetingDueItem | TaskMailDueItem | MeetingMailDueItem,
    claimedUntil: string,
  ): Promise<boolean> {
    return this.transact([this.claimedDelete(item, claimedUntil)]);
  }

  private meetingPuts(m: NewMeeting): TransactItem[] {
    const { meeting } = m;
    return [
      this.newPut(keys.meeting(meeting.meetingId), {
        ...meetingIndexKeys(meeting.region, meeting.start, meeting.meetingId),
        ...meeting,
      }),
      ...(m.due ? [this.duePut(m.due)] : []),
      ...(m.mail ? [this.duePut(m.mail)] : []),
      this.meetingEventPut(m.event),
    ];
  }

  private newPut(key: { pk: string; sk: string }, item: object): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...key, ...item },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private meetingEventPut(event: MeetingEvent): TransactItem {
    const extra = event.taskId ?? event.email;
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...keys.meetingEvent(event.meetingId, event.at, event.type, extra), ...event },
      },
    };
  }
}

/** Everything the meeting use cases read and write. */
export type MeetingData = Pick<
  MeetingStore,
  | 'getMeeting'
  | 'getMeetings'
  | 'getSeries'
  | 'getRsvpLink'
  | 'listMeetings'
  | 'listMeetingEvents'
  | 'createMeetings'
  | 'extendSeries'
  | 'cancelSeries'
  | 'changeMeeting'
  | 'putRsvpLinks'
  | 'recordResponse'
  | 'recordSentTo'
  | 'dropClaimedDue'
>;
