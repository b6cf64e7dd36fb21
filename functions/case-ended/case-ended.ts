import type { CaseRecord, TaskRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { byLanguage } from '../../shared/domain/recipients';
import type { Mailer } from '../../shared/email/mailer';
import { sendToGroups } from '../../shared/email/send-all';
import { caseEndEmail } from '../../shared/email/templates';
import { cancelledTaskRecipients } from '../../shared/tasks/assignees';
import { CaseStateError, parseTaskInput } from '../../shared/workflow/task-input';

export interface CaseEndedDeps {
  readonly store: Pick<
    Store,
    'getCase' | 'getOrganisation' | 'getNotice' | 'markNoticeSent' | 'getTask' | 'completeTask'
  >;
  readonly mailer: Mailer;
  readonly now: () => Date;
}

/**
 * The case is closed: what it left open is cancelled, and the referring officer, the NGO's
 * focal points and whoever had a task cancelled are told (by reference only). Safe to run
 * twice: a cancelled task is not open any more, and the notice is recorded once sent (a stop
 * between the two tells the officer and the NGO only).
 */
export async function caseEnded(deps: CaseEndedDeps, event: unknown): Promise<{ notified: number }> {
  const input = parseTaskInput('caseEnded', event);
  const item = await deps.store.getCase(input.caseId);
  if (!item) throw new CaseStateError('the case does not exist');
  if (await deps.store.getNotice(input.caseId, 'closed')) return { notified: 0 };
  const cancelled = await cancelLeftOpen(deps, item);
  const [ngo, police] = await Promise.all([
    item.acceptedOrgId ? deps.store.getOrganisation(item.acceptedOrgId) : Promise.resolve(undefined),
    deps.store.getOrganisation(item.referringOrgId),
  ]);
  const officerLanguage = police?.contacts[0]?.language ?? 'sq';
  const contacts = [
    ...(ngo?.contacts.filter((c) => c.roles.includes('focal-point')) ?? []),
    ...(item.officerEmail ? [{ email: item.officerEmail, language: officerLanguage }] : []),
  ];
  const groups = byLanguage(contacts);
  const seen = new Set(groups.flatMap((g) => g.to));
  groups.push(...(await cancelledTaskRecipients(deps.store, cancelled, seen, ngo)));
  const notified = await sendToGroups(deps.mailer, groups, (to, language) =>
    caseEndEmail({ to, language, kind: 'closed', reference: input.reference }),
  );
  await deps.store.markNoticeSent(input.caseId, 'closed', deps.now().toISOString());
  return { notified };
}

/**
 * The tasks a closure leaves open (a plan item nobody finished, a review nobody did) are moot:
 * cancelled, so they are no longer reminded, listed as overdue, counted in the statistics or
 * done through their link. Only tasks no execution waits on can be open here (the stages
 * before the closure ended before it), so no workflow is told.
 */
async function cancelLeftOpen(deps: CaseEndedDeps, item: CaseRecord): Promise<TaskRecord[]> {
  const cancelled: TaskRecord[] = [];
  for (const taskId of Object.keys(item.openTasks ?? {})) {
    const task = await deps.store.getTask(taskId);
    if (task?.status !== 'OPEN' || task.sfnTaskToken) continue;
    const done = await deps.store.completeTask({
      task,
      status: 'CANCELLED',
      result: 'cancelled',
      actor: { role: 'system' },
      now: deps.now().toISOString(),
    });
    if (done) cancelled.push(task);
  }
  return cancelled;
}
