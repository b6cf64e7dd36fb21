import type { OrganisationDirectory } from '../../shared/auth/caller';
import { caseIdOf } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { issueActionToken } from '../../shared/domain/action-token';
import { TASK_KIND_SPECS } from '../../shared/domain/tasks';
import type { Mailer } from '../../shared/email/mailer';
import { openLinkExpiry, type TaskClock } from '../../shared/tasks/task-context';
import { emailTask } from '../../shared/tasks/task-mail';
import { CaseStateError, parseTaskInput } from '../../shared/workflow/task-input';

export interface NotifyTasksDeps extends TaskClock {
  readonly store: Pick<Store, 'getCase' | 'getTask' | 'armTask' | 'markEmailed' | 'getOrganisation'>;
  readonly directory?: OrganisationDirectory;
  readonly mailer: Mailer;
  readonly actionBaseUrl: string;
}

/**
 * After a plan or a review: emails each open standalone task of the case (the plan's items,
 * each to its organisation) that was not emailed yet, with its own single-use link. Safe to
 * run again: a task whose email was recorded is skipped, and one armed but not recorded gets
 * a new link beside the first (both work until one is used).
 */
export async function notifyTasks(deps: NotifyTasksDeps, event: unknown): Promise<{ emailed: number }> {
  const input = parseTaskInput('notifyTasks', event);
  const item = await deps.store.getCase(input.caseId);
  if (!item) throw new CaseStateError('the case does not exist');
  const ids = Object.entries(item.openTasks ?? {})
    .filter(([, kind]) => !TASK_KIND_SPECS[kind].waited)
    .map(([id]) => id)
    .sort();
  let emailed = 0;
  for (const id of ids) {
    const task = await deps.store.getTask(id);
    if (task?.status !== 'OPEN' || task.emailedAt) continue;
    const { token, hash } = issueActionToken();
    const expiresAt = openLinkExpiry(deps, task.dueAt, deps.now());
    const armed = await deps.store.armTask({
      taskId: task.taskId,
      caseId: caseIdOf(task),
      link: { hash, taskId: task.taskId, expiresAt: expiresAt.toISOString() },
    });
    if (armed.kind !== 'armed') continue;
    const org = await (deps.directory ?? deps.store).getOrganisation(task.orgId);
    await emailTask(deps, task, org, input.reference, token, new Date(task.dueAt));
    emailed += 1;
  }
  return { emailed };
}
