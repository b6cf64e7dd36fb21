import type { TaskRecord } from './records';

/**
 * Reads a task item of any stored version as today's record. Before tasks were generalised
 * an offer was `DECIDED` with a `decision` (`accept` | `decline`), a `declineReason`, a
 * `decidedAt` and its link's expiry as `deadline`, and had no `dueAt`, `subject` or
 * `sequence`. Migrated on read, so old items need no rewrite: the next write of the task
 * stores today's fields beside the old ones, which nothing reads any more.
 */
export function normalizeTask(item: Record<string, unknown>): TaskRecord {
  const {
    decision,
    declineReason,
    decidedAt,
    deadline,
    gsi1pk: _g1,
    gsi1sk: _g2,
    ...rest
  } = item as Record<string, unknown> & {
    decision?: string;
    declineReason?: string;
    decidedAt?: string;
    deadline?: string;
  };
  const task = rest as Partial<TaskRecord> & Record<string, unknown>;
  const legacy: Record<string, unknown> = {};
  if (task.status === ('DECIDED' as string)) {
    legacy.status = decision === 'accept' ? 'DONE' : 'DECLINED';
    legacy.result = decision;
    legacy.outcome = { decision };
  }
  if (declineReason !== undefined && task.note === undefined) legacy.note = declineReason;
  if (decidedAt !== undefined && task.completedAt === undefined) legacy.completedAt = decidedAt;
  if (deadline !== undefined && task.linkExpiresAt === undefined) legacy.linkExpiresAt = deadline;
  return {
    subject: 'case',
    sequence: 1,
    ...task,
    dueAt: task.dueAt ?? task.expiresAt ?? deadline ?? String(task.createdAt),
    ...legacy,
  } as TaskRecord;
}
