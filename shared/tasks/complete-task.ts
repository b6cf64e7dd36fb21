import * as z from 'zod';
import type { MeetingStore } from '../data/meeting-store';
import { type Actor, type CaseRecord, caseIdOf, type OrgRecord, type TaskRecord } from '../data/records';
import type { MoveTaskDueArgs, Store } from '../data/store';
import { treatedAsChild } from '../domain/codes';
import { type DeadlineSpec, dueAt } from '../domain/deadlines';
import { firstReminder } from '../domain/reminders';
import {
  FINAL_CASE_STATUSES,
  PLAN_SERVICE_PROVIDERS,
  type PlanItemRequest,
  parseOutcome,
  REVIEW_CHANGES_MAX,
  resolveOutcome,
  type TaskOutcome,
} from '../domain/tasks';
import type { FieldIssue } from '../errors';
import { completeMeetingTask } from '../meetings/meeting-tasks';
import { completionArgs } from './completion';
import { type TaskClock, withFirstReminder } from './task-context';
import { taskIdFor } from './task-id';

/**
 * What a workflow waiting on a task learns when it is done (SendTaskSuccess): the task id
 * and one word of its kind's vocabulary, never free text. Validated before it is sent.
 */
export const taskCallbackSchema = z.strictObject({
  taskId: z.uuid(),
  result: z.string().regex(/^[a-zA-Z_-]{1,32}$/),
});
export type TaskCallbackOutput = z.infer<typeof taskCallbackSchema>;

/** Completes a callback task; 'closed' when Step Functions no longer waits for it. */
export interface TaskCallback {
  succeed(sfnTaskToken: string, output: TaskCallbackOutput): Promise<'ok' | 'closed'>;
}

export interface CompleteTaskDeps extends TaskClock {
  readonly store: Pick<Store, 'getCase' | 'getTask' | 'completeTask' | 'listOrganisations'> &
    Pick<MeetingStore, 'getMeeting'>;
  readonly callback: TaskCallback;
}

export interface CompleteTaskInput {
  readonly task: TaskRecord;
  /** The outcome as sent (a form's fields as an object, or a JSON body). */
  readonly raw: unknown;
  readonly actor: Actor;
  /** The link it is done through; absent through the API. */
  readonly hash?: string;
}

export type CompleteTaskResult =
  | { readonly kind: 'done'; readonly task: TaskRecord; readonly result: string }
  | { readonly kind: 'invalid'; readonly issues: readonly FieldIssue[] }
  /** No longer open (done, cancelled, timed out), its link used, or the case ended. */
  | { readonly kind: 'gone' };

const LOCAL_GOV_KINDS: ReadonlySet<string> = new Set(['department', 'municipality', 'commune', 'prefecture']);

/** True for an organisation of local government (a plan item there needs `localGovernment` consent). */
export function isLocalGov(org: OrgRecord): boolean {
  return LOCAL_GOV_KINDS.has(org.kind);
}

/**
 * Checks each plan item against the directory and the consent: the organisation exists,
 * works in the case's region, is of the kind that gives the service and lists it, and the
 * consent covers it (DOMAIN.md: consent names who may receive what). For a person treated as
 * a child consent is not required. Issues name the item's field, never a value.
 */
export function planItemIssues(
  item: CaseRecord,
  items: readonly PlanItemRequest[],
  orgs: readonly OrgRecord[],
  prefix: string,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  items.forEach((request, i) => {
    const path = `${prefix}/${i}/orgId`;
    const org = orgs.find((o) => o.orgId === request.orgId);
    if (!org?.regions.includes(item.region)) {
      issues.push({ path, code: 'unknown_reference' });
      return;
    }
    const provider = PLAN_SERVICE_PROVIDERS[request.service];
    const rightKind = provider.localGov ? isLocalGov(org) : org.kind === 'ngo';
    if (!rightKind || !org.services.includes(provider.need)) {
      issues.push({ path, code: 'does_not_provide' });
      return;
    }
    if (treatedAsChild(item.person.ageGroup) || org.orgId === item.acceptedOrgId) return;
    const named = item.consent?.organisations?.includes(org.orgId) ?? false;
    const allowed = named || (isLocalGov(org) && item.consent?.localGovernment === true);
    if (!allowed) issues.push({ path, code: 'outside_consent' });
  });
  return issues;
}

/** The plan items an outcome asks for, as new open tasks. Ids are derived, so a repeat makes none twice. */
export function planItemTasks(
  clock: TaskClock,
  parent: TaskRecord,
  items: readonly PlanItemRequest[],
  now: Date,
): TaskRecord[] {
  return items.map((request, i) => {
    const spec: DeadlineSpec = request.dueInDays
      ? { amount: request.dueInDays, unit: 'days' }
      : clock.deadlines.PLAN_ITEM;
    return withFirstReminder(
      clock,
      {
        taskId: taskIdFor(parent.taskId, 'item', i),
        kind: 'PLAN_ITEM',
        subject: 'case',
        caseId: parent.caseId,
        orgId: request.orgId,
        status: 'OPEN',
        createdAt: now.toISOString(),
        dueAt: dueAt(spec, now, clock.calendar).toISOString(),
        sequence: i + 1,
        service: request.service,
      } satisfies TaskRecord,
      now,
    );
  });
}

/**
 * A review's changes to the plan's open items: the items it closes and those it gives a new
 * due instant (days from now; the pending reminder moves with it). Each must be an open plan
 * item of this case, named once; at most REVIEW_CHANGES_MAX in all (one transaction holds the
 * whole review). Issues name the field, never a value.
 */
async function reviewChanges(
  deps: CompleteTaskDeps,
  item: CaseRecord,
  outcome: TaskOutcome,
  now: Date,
): Promise<
  | { readonly closeTasks?: TaskRecord[]; readonly moveTasks?: MoveTaskDueArgs[] }
  | { readonly issues: FieldIssue[] }
> {
  const o = outcome as { close?: string[]; reschedule?: { taskId: string; dueInDays: number }[] };
  const close = o.close ?? [];
  const reschedule = o.reschedule ?? [];
  if (close.length + reschedule.length === 0) return {};
  if (close.length + reschedule.length > REVIEW_CHANGES_MAX)
    return { issues: [{ path: '/close', code: 'too_many' }] };
  const issues: FieldIssue[] = [];
  const named = new Set<string>();
  const openItem = async (taskId: string, path: string) => {
    if (named.has(taskId) || item.openTasks?.[taskId] !== 'PLAN_ITEM') {
      issues.push({ path, code: named.has(taskId) ? 'repeated' : 'unknown_reference' });
      return undefined;
    }
    named.add(taskId);
    const task = await deps.store.getTask(taskId);
    if (task?.status !== 'OPEN' || task.caseId !== item.caseId)
      issues.push({ path, code: 'unknown_reference' });
    return task;
  };
  const closeTasks: TaskRecord[] = [];
  for (const [i, taskId] of close.entries()) {
    const task = await openItem(taskId, `/close/${i}`);
    if (task) closeTasks.push(task);
  }
  const moveTasks: MoveTaskDueArgs[] = [];
  for (const [i, r] of reschedule.entries()) {
    const task = await openItem(r.taskId, `/reschedule/${i}/taskId`);
    if (!task) continue;
    const due = dueAt({ amount: r.dueInDays, unit: 'days' }, now, deps.calendar).toISOString();
    const reminder = firstReminder({ ...task, dueAt: due }, deps.reminders, deps.calendar, now);
    moveTasks.push({
      task,
      dueAt: due,
      ...(reminder ? { reminder } : {}),
      actor: { role: 'system' },
      now: now.toISOString(),
    });
  }
  if (issues.length) return { issues };
  return { closeTasks, moveTasks };
}

/** Case facts an outcome records (the needs found, the guardian, the proposed closure). */
function caseFacts(
  task: TaskRecord,
  outcome: TaskOutcome,
  result: string,
  now: string,
): Record<string, unknown> {
  const o = outcome as Record<string, unknown>;
  switch (task.kind) {
    case 'NEEDS_ASSESSMENT':
      return { assessedNeeds: o.needs };
    case 'CHILD_PROTECTION':
      return { guardianAppointed: true };
    case 'CLOSURE_PROPOSAL':
      return { closureProposal: o.closure };
    case 'PLAN_REVIEW':
      // The end of the assistance plan: the follow-up check-ins count from here.
      return result === 'complete' ? { followUpFrom: now } : {};
    case 'CLOSURE_CONFIRMATION':
      return result === 'confirm' ? { closedAt: now } : {};
    default:
      return {};
  }
}

/**
 * Does a task: the one path for the emailed link and `POST /tasks/{taskId}/completion`.
 * The outcome is checked against the task's kind; everything it changes (task, link, case
 * status and facts, plan items, timeline) is one transaction, so whichever of two answers
 * comes first wins and the other finds the task closed. Then the waiting workflow, if any,
 * is told the result word.
 */
export async function completeTask(
  deps: CompleteTaskDeps,
  input: CompleteTaskInput,
): Promise<CompleteTaskResult> {
  const { task } = input;
  if (task.status !== 'OPEN') return { kind: 'gone' };
  const parsed = parseOutcome(task.kind, input.raw);
  if (!parsed.ok)
    return { kind: 'invalid', issues: parsed.fields.map((f) => ({ path: `/${f}`, code: 'invalid' })) };
  const resolution = resolveOutcome(task.kind, parsed.outcome);
  if (task.subject === 'meeting') return completeMeetingTask(deps, input, parsed.outcome, resolution);
  const item = await deps.store.getCase(caseIdOf(task));
  if (!item || FINAL_CASE_STATUSES.includes(item.status)) return { kind: 'gone' };

  const now = deps.now();
  const at = now.toISOString();
  let newTasks: TaskRecord[] = [];
  if (resolution.items.length) {
    const orgs = await deps.store.listOrganisations();
    const issues = planItemIssues(item, resolution.items, orgs, '/items');
    if (issues.length) return { kind: 'invalid', issues };
    newTasks = planItemTasks(deps, task, resolution.items, now);
  }
  const changes = await reviewChanges(deps, item, parsed.outcome, now);
  if ('issues' in changes) return { kind: 'invalid', issues: changes.issues };
  let caseStatus = resolution.caseStatus;
  if (task.kind === 'CLOSURE_CONFIRMATION' && resolution.result === 'confirm') {
    // The coordinator confirms what the NGO proposed.
    const to = item.closureProposal ?? 'CLOSED';
    caseStatus = { from: [item.status], to };
  }
  const { reason: _reason, ...structured } = parsed.outcome as Record<string, unknown>;
  const done = await deps.store.completeTask({
    ...completionArgs(input, resolution, structured, at),
    ...(caseStatus ? { caseStatus } : {}),
    caseFacts: caseFacts(task, parsed.outcome, resolution.result, at),
    newTasks,
    ...changes,
  });
  if (!done) return { kind: 'gone' };
  if (task.sfnTaskToken) {
    const output = taskCallbackSchema.parse({ taskId: task.taskId, result: resolution.result });
    // 'closed': no workflow waits any more (the stage continued elsewhere or ended); the
    // answer is recorded and the next execution reads it from the task.
    await deps.callback.succeed(task.sfnTaskToken, output);
  }
  return { kind: 'done', task: { ...task, status: resolution.status }, result: resolution.result };
}
