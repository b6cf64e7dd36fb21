import type { MeetingStore } from '../data/meeting-store';
import type { MeetingRecord, OrgRecord, TaskMailDueItem, TaskRecord } from '../data/records';
import type { Store } from '../data/store';
import { isActive } from '../domain/active';
import { dueAt } from '../domain/deadlines';
import type { Minutes } from '../domain/minutes';
import type { Resolution, TaskOutcome } from '../domain/tasks';
import type { FieldIssue } from '../errors';
import type { CompleteTaskInput, CompleteTaskResult } from '../tasks/complete-task';
import { completionArgs } from '../tasks/completion';
import { type TaskClock, withFirstReminder } from '../tasks/task-context';
import { taskIdFor } from '../tasks/task-id';
import { endOfDay } from '../util/time';

export interface MeetingTaskDeps extends TaskClock {
  readonly store: Pick<Store, 'completeTask' | 'listOrganisations'> & Pick<MeetingStore, 'getMeeting'>;
}

/** The first email of a task made where nothing mails: the dispatcher sends it within a minute. */
export function taskMailItem(task: Pick<TaskRecord, 'taskId'>, now: Date): TaskMailDueItem {
  return { type: 'TASK_MAIL', dueAt: now.toISOString(), ref: task.taskId, taskId: task.taskId };
}

/** The organisation and contact an action item names, if the directory has them in the meeting's region. */
function assignee(
  orgs: readonly OrgRecord[],
  region: string,
  request: { orgId?: string | undefined; email?: string | undefined },
): { org: OrgRecord; email?: string } | undefined {
  if (request.orgId !== undefined) {
    const org = orgs.find((o) => o.orgId === request.orgId && o.regions.includes(region) && isActive(o));
    return org && { org };
  }
  const email = request.email?.toLowerCase();
  for (const org of orgs) {
    if (!org.regions.includes(region) || !isActive(org)) continue;
    const contact = org.contacts.find((c) => c.email.toLowerCase() === email && isActive(c));
    if (contact) return { org, email: contact.email };
  }
  return undefined;
}

/**
 * The action items the minutes' decisions give, as new open tasks of the meeting: each for
 * the organisation named (or the named contact's own), due at the end of the day given in the
 * group's zone, or after its kind's deadline. Ids are derived from the minutes task, so the
 * same minutes sent twice make none twice. Issues name the field, never a value.
 */
export function actionItemTasks(
  clock: TaskClock,
  meeting: MeetingRecord,
  minutesTask: TaskRecord,
  minutes: Minutes,
  orgs: readonly OrgRecord[],
): { tasks: TaskRecord[] } | { issues: FieldIssue[] } {
  const now = clock.now();
  const issues: FieldIssue[] = [];
  const tasks: TaskRecord[] = [];
  let n = 0;
  minutes.decisions.forEach((decision, d) => {
    decision.actions.forEach((action, a) => {
      const path = `/decisions/${d}/actions/${a}`;
      const to = assignee(orgs, meeting.region, action);
      if (!to) {
        issues.push({
          path: `${path}/${action.orgId === undefined ? 'email' : 'orgId'}`,
          code: 'unknown_reference',
        });
        return;
      }
      const due = action.dueDate
        ? endOfDay(action.dueDate, clock.calendar.timeZone)
        : dueAt(clock.deadlines[action.kind], now, clock.calendar);
      if (due.getTime() <= now.getTime()) {
        issues.push({ path: `${path}/dueDate`, code: 'in_the_past' });
        return;
      }
      n += 1;
      tasks.push(
        withFirstReminder(
          clock,
          {
            taskId: taskIdFor(minutesTask.taskId, 'action', d, a),
            kind: action.kind,
            subject: 'meeting',
            meetingId: meeting.meetingId,
            orgId: to.org.orgId,
            ...(to.email ? { contactEmails: [to.email] } : {}),
            status: 'OPEN',
            createdAt: now.toISOString(),
            dueAt: due.toISOString(),
            sequence: n,
            title: action.title,
            decision: d,
          } satisfies TaskRecord,
          now,
        ),
      );
    });
  });
  return issues.length ? { issues } : { tasks };
}

/**
 * Does a meeting's task (its minutes, or an action item): the same single use as a case's,
 * with the meeting in place of the case. The minutes are kept on the meeting (free text about
 * the group's work, shown through the API only) and their action items open with it, each
 * with its first email queued, in the same transaction.
 */
export async function completeMeetingTask(
  deps: MeetingTaskDeps,
  input: CompleteTaskInput,
  outcome: TaskOutcome,
  resolution: Resolution,
): Promise<CompleteTaskResult> {
  const { task } = input;
  const meeting = await deps.store.getMeeting(task.meetingId as string);
  if (!meeting) return { kind: 'gone' };
  const now = deps.now();
  const at = now.toISOString();
  let newTasks: TaskRecord[] = [];
  let facts: Record<string, unknown> = {};
  let structured: Record<string, unknown>;
  if (task.kind === 'MINUTES') {
    const minutes = outcome as Minutes;
    const made = actionItemTasks(deps, meeting, task, minutes, await deps.store.listOrganisations());
    if ('issues' in made) return { kind: 'invalid', issues: made.issues };
    newTasks = made.tasks;
    facts = { minutes: { ...minutes, recordedAt: at } };
    // The task keeps counts; the text is the meeting's.
    structured = { decisions: minutes.decisions.length, actionItems: newTasks.length };
  } else {
    const { reason: _reason, ...rest } = outcome as Record<string, unknown>;
    structured = rest;
  }
  const done = await deps.store.completeTask({
    ...completionArgs(input, resolution, structured, at),
    caseFacts: facts,
    newTasks,
    due: newTasks.map((t) => taskMailItem(t, now)),
  });
  if (!done) return { kind: 'gone' };
  return { kind: 'done', task: { ...task, status: resolution.status }, result: resolution.result };
}
