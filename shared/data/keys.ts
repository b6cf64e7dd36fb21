/**
 * Single-table keys (docs/data-model.md has the access patterns). Every item has `pk` and
 * `sk`. The one index, `gsi1` (`gsi1pk`, `gsi1sk`), is overloaded: the whole directory
 * (`ORGS`), a region's cases (`CASES#<region>`, newest last) and an organisation's tasks
 * (`TASKS#<orgId>#OPEN|CLOSED`, by due instant).
 */
export const keys = {
  org: (orgId: string) => ({ pk: `ORG#${orgId}`, sk: 'ORG' }),
  region: (regionId: string) => ({ pk: `REGION#${regionId}`, sk: 'REGION' }),
  case: (caseId: string) => ({ pk: `CASE#${caseId}`, sk: 'CASE' }),
  /** The task id keeps two events of one type in the same millisecond apart. */
  event: (caseId: string, at: string, type: string, taskId?: string) => ({
    pk: `CASE#${caseId}`,
    sk: `EVENT#${at}#${type}${taskId ? `#${taskId}` : ''}`,
  }),
  task: (taskId: string) => ({ pk: `TASK#${taskId}`, sk: 'TASK' }),
  action: (hash: string) => ({ pk: `ACTION#${hash}`, sk: 'ACTION' }),
  counter: (key: string) => ({ pk: `COUNTER#${key}`, sk: 'COUNTER' }),
  /** What the retention run left of a case (shared/data/erased.ts). */
  erased: (caseId: string) => ({ pk: `ERASED#${caseId}`, sk: 'ERASED' }),
  /** In the case's partition, beside its events (whose sort keys start with `EVENT#`). */
  notice: (caseId: string, notice: string) => ({ pk: `CASE#${caseId}`, sk: `NOTICE#${notice}` }),
  idempotency: (scope: string, key: string) => ({ pk: `IDEMPOTENCY#${scope}#${key}`, sk: 'IDEMPOTENCY' }),
  /**
   * An item of the due-time index: partition by shard, sorted by the instant it falls due,
   * so the dispatcher reads only what is due (`sk <= now`) in each shard.
   */
  due: (ref: string, dueAt: string, type: string) => ({
    pk: `DUE#${dueShard(ref)}`,
    sk: `${dueAt}#${type}#${ref}`,
  }),
  /** A sent (or queued) message's delivery record, found from an SES event by its message id. */
  message: (messageId: string) => ({ pk: `MSG#${messageId}`, sk: 'MSG' }),
  /** A task's delivery entry, in the task's partition: "the task's deliveries" is one Query. */
  taskDelivery: (taskId: string, messageId: string) => ({
    pk: `TASK#${taskId}`,
    sk: `DELIVERY#${messageId}`,
  }),
  /** A delivery status change on the case timeline; the message id keeps two messages apart. */
  deliveryEvent: (caseId: string, at: string, type: string, messageId: string) => ({
    pk: `CASE#${caseId}`,
    sk: `EVENT#${at}#${type}#${messageId}`,
  }),
  meeting: (meetingId: string) => ({ pk: `MEETING#${meetingId}`, sk: 'MEETING' }),
  /** A meeting's history, in its partition beside it. */
  meetingEvent: (meetingId: string, at: string, type: string, extra?: string) => ({
    pk: `MEETING#${meetingId}`,
    sk: `EVENT#${at}#${type}${extra ? `#${extra}` : ''}`,
  }),
  series: (seriesId: string) => ({ pk: `SERIES#${seriesId}`, sk: 'SERIES' }),
  /** An invitation's answer link, by the SHA-256 of its token. */
  rsvp: (hash: string) => ({ pk: `RSVP#${hash}`, sk: 'RSVP' }),
  /** Why and when a contact was marked unreachable, beside its organisation. */
  unreachable: (orgId: string, email: string) => ({ pk: `ORG#${orgId}`, sk: `UNREACHABLE#${email}` }),
} as const;

export const ORG_INDEX = 'gsi1';
export const ORGS_PARTITION = 'ORGS';

/** Index keys of a case: its region's list, in order of referral. */
export const caseIndexKeys = (region: string, createdAt: string, caseId: string) => ({
  gsi1pk: `CASES#${region}`,
  gsi1sk: `${createdAt}#${caseId}`,
});

/** Index keys of a meeting: its region's meetings, by start. */
export const meetingIndexKeys = (region: string, start: string, meetingId: string) => ({
  gsi1pk: `MEETINGS#${region}`,
  gsi1sk: `${start}#${meetingId}`,
});

/** Index keys of a task: its organisation's open or closed list, by due instant. */
export const taskIndexKeys = (orgId: string, open: boolean, dueAt: string, taskId: string) => ({
  gsi1pk: `TASKS#${orgId}#${open ? 'OPEN' : 'CLOSED'}`,
  gsi1sk: `${dueAt}#${taskId}`,
});

/**
 * Shards of the due-time index. Each is one partition; the dispatcher queries all of them
 * every minute. Eight keep each partition far below DynamoDB's per-partition limits at this
 * domain's scale (docs/data-model.md) while a sweep stays eight small queries.
 */
export const DUE_SHARDS = 8;

/** The shard of an item: a stable hash of its reference (an id), spread evenly. */
export function dueShard(ref: string): number {
  let h = 2166136261;
  for (let i = 0; i < ref.length; i++) {
    h ^= ref.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % DUE_SHARDS;
}

/** Idempotency records expire a day after use (DynamoDB TTL attribute `ttl`, epoch seconds). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** Action links are removed (DynamoDB TTL) 30 days after they expire; the task keeps the decision. */
export const ACTION_LINK_TTL_SECONDS = 30 * 24 * 3600;

/** The TTL attribute (epoch seconds) of an action link expiring at `expiresAt`. */
export function actionLinkTtl(expiresAt: string): number {
  return Math.floor(Date.parse(expiresAt) / 1000) + ACTION_LINK_TTL_SECONDS;
}
