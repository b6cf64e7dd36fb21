import type { OrgRecord, TaskRecord } from '../data/records';
import type { Store } from '../data/store';
import type { Mailer } from '../email/mailer';
import { sendToGroups } from '../email/send-all';
import { taskEmail } from '../email/templates';
import { CaseStateError } from '../workflow/task-input';
import { taskRecipients } from './assignees';
import type { TaskClock } from './task-context';

export interface TaskMailDeps extends Pick<TaskClock, 'now' | 'calendar'> {
  readonly store: Pick<Store, 'markEmailed'>;
  readonly mailer: Mailer;
  /** Public base URL of the API; links are built from configuration, never from a request. */
  readonly actionBaseUrl: string;
}

/** Emails a task's link to the people of its organisation who act on it, then records it. */
export async function emailTask(
  deps: TaskMailDeps,
  task: Pick<TaskRecord, 'taskId' | 'kind' | 'orgId'> & Partial<Pick<TaskRecord, 'caseId'>>,
  org: OrgRecord | undefined,
  reference: string,
  token: string,
  due: Date,
): Promise<void> {
  if (!org) throw new CaseStateError('the organisation is missing');
  const link = `${deps.actionBaseUrl.replace(/\/+$/, '')}/actions/${token}`;
  // `about`: the delivery record of each message (who was emailed, on the task and the case).
  const about = {
    purpose: 'task',
    ...(task.caseId === undefined ? {} : { caseId: task.caseId }),
    taskIds: [task.taskId],
  } as const;
  await sendToGroups(deps.mailer, taskRecipients(task.kind, org), (to, language, timeZone) => ({
    ...taskEmail({
      to,
      language,
      kind: task.kind,
      reference,
      due,
      // The deadline on the recipients' own clock (the contacts' zone, else the group's).
      timeZone: timeZone ?? deps.calendar.timeZone,
      link,
      orgName: org.name,
    }),
    about,
  }));
  await deps.store.markEmailed(task.taskId, deps.now().toISOString());
}
