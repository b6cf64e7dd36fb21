/**
 * Single-table keys (docs/data-model.md has the access patterns). Every item has
 * `pk` and `sk`; organisations also carry `gsi1pk` (the constant `ORGS`) and `gsi1sk`
 * (the org id) so the whole directory is one index query.
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
  /** In the case's partition, beside its events (whose sort keys start with `EVENT#`). */
  notice: (caseId: string, notice: string) => ({ pk: `CASE#${caseId}`, sk: `NOTICE#${notice}` }),
  idempotency: (scope: string, key: string) => ({ pk: `IDEMPOTENCY#${scope}#${key}`, sk: 'IDEMPOTENCY' }),
} as const;

export const ORG_INDEX = 'gsi1';
export const ORGS_PARTITION = 'ORGS';

/** Idempotency records expire a day after use (DynamoDB TTL attribute `ttl`, epoch seconds). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** Action links are removed (DynamoDB TTL) 30 days after they expire; the task keeps the decision. */
export const ACTION_LINK_TTL_SECONDS = 30 * 24 * 3600;

/** The TTL attribute (epoch seconds) of an action link expiring at `expiresAt`. */
export function actionLinkTtl(expiresAt: string): number {
  return Math.floor(Date.parse(expiresAt) / 1000) + ACTION_LINK_TTL_SECONDS;
}
