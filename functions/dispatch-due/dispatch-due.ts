import { DUE_SHARDS } from '../../shared/data/keys';
import type { DueItem, OrgRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { byLanguage, coordinators } from '../../shared/domain/recipients';
import type { Stage, StageInput } from '../../shared/domain/stages';
import { FINAL_CASE_STATUSES } from '../../shared/domain/tasks';
import type { Mailer } from '../../shared/email/mailer';
import { sendToGroups } from '../../shared/email/send-all';
import { overdueEmail } from '../../shared/email/templates';
import type { TaskCallback } from '../../shared/tasks/complete-task';

export interface StageStarter {
  start(stage: Stage, name: string, input: StageInput): Promise<void>;
}

export interface DispatchDueDeps {
  readonly store: Pick<
    Store,
    'listDue' | 'deleteDue' | 'getCase' | 'getTask' | 'markOverdue' | 'markEscalated' | 'listOrganisations'
  >;
  readonly stages: StageStarter;
  /** Relays a done task's result to the execution that waits on it (TASK_ANSWER). */
  readonly callback: TaskCallback;
  readonly mailer: Mailer;
  readonly now: () => Date;
  readonly timeZone: string;
  /** Items taken from each shard per run; the rest wait for the next minute. */
  readonly batchSize: number;
}

export interface DispatchReport {
  readonly started: number;
  readonly overdue: number;
  readonly answered: number;
  readonly skipped: number;
  /** True when a shard had a full batch: more is due than one run takes. */
  readonly more: boolean;
}

/**
 * The one-minute sweep of the due-time index (ARCHITECTURE.md, principle 10): reads, in each
 * shard, only what is due by now (oldest first, at most `batchSize`), acts on it, and takes
 * it off the index. A late or skipped run catches up by itself, since everything due before
 * now is still there; a backlog larger than a batch drains over the next minutes.
 *
 * At least once, safe twice: a START_STAGE is a start with a deterministic name (the same
 * execution again is no new one); an overdue task is marked with a conditional write, and its
 * escalation is recorded once sent, so overlapping runs escalate once but for a stop between
 * sending and recording. An item is removed only after its action, so a failure leaves it
 * for the next run.
 */
export async function dispatchDue(deps: DispatchDueDeps): Promise<DispatchReport> {
  const now = deps.now();
  const at = now.toISOString();
  let started = 0;
  let overdue = 0;
  let skipped = 0;
  let answered = 0;
  let more = false;
  let orgs: OrgRecord[] | undefined;
  const directory = async () => {
    orgs ??= await deps.store.listOrganisations();
    return orgs;
  };
  const shards = await Promise.all(
    Array.from({ length: DUE_SHARDS }, (_, shard) => deps.store.listDue(shard, at, deps.batchSize)),
  );
  for (const items of shards) {
    if (items.length >= deps.batchSize) more = true;
    for (const item of items) {
      const acted = await act(deps, item, at, directory);
      if (acted === 'started') started += 1;
      else if (acted === 'overdue') overdue += 1;
      else if (acted === 'answered') answered += 1;
      else skipped += 1;
      await deps.store.deleteDue(item);
    }
  }
  return { started, overdue, answered, skipped, more };
}

async function act(
  deps: DispatchDueDeps,
  item: DueItem,
  now: string,
  directory: () => Promise<OrgRecord[]>,
): Promise<'started' | 'overdue' | 'answered' | 'skipped'> {
  if (item.type === 'START_STAGE') {
    const c = await deps.store.getCase(item.caseId);
    // A withdrawn or closed case starts nothing more.
    if (!c || FINAL_CASE_STATUSES.includes(c.status) || (c.cycle ?? 1) !== item.input.cycle) return 'skipped';
    await deps.stages.start(item.stage, item.ref, item.input);
    return 'started';
  }
  // The reminder engine's items (REMINDER, OUTBOX) are not acted on yet.
  if (item.type === 'REMINDER' || item.type === 'OUTBOX') return 'skipped';
  const task = await deps.store.getTask(item.taskId);
  if (item.type === 'TASK_ANSWER') {
    if (!task?.sfnTaskToken || !task.result) return 'skipped';
    await deps.callback.succeed(task.sfnTaskToken, { taskId: task.taskId, result: task.result });
    return 'answered';
  }
  if (task?.status !== 'OPEN') return 'skipped';
  await deps.store.markOverdue(task, now);
  if (task.escalatedAt) return 'overdue';
  const [c, orgs] = await Promise.all([deps.store.getCase(task.caseId), directory()]);
  if (!c || FINAL_CASE_STATUSES.includes(c.status)) return 'skipped';
  const org = orgs.find((o) => o.orgId === task.orgId);
  // The escalation chain of this issue: the organisation's focal points and the region's
  // coordinators, once (the reminder engine adds the reminders before and the repeats after).
  const focal = org ? org.contacts.filter((x) => x.roles.includes('focal-point')) : [];
  const coord = coordinators(orgs, c.region).flatMap((g) =>
    g.to.map((email) => ({ email, language: g.language })),
  );
  await sendToGroups(deps.mailer, byLanguage([...focal, ...coord]), (to, language) =>
    overdueEmail({
      to,
      language,
      kind: task.kind,
      reference: c.reference,
      orgName: org?.name ?? task.orgId,
      due: new Date(task.dueAt),
      timeZone: deps.timeZone,
    }),
  );
  await deps.store.markEscalated(task.taskId, now);
  return 'overdue';
}
