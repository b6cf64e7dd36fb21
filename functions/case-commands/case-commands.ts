import * as z from 'zod';
import { type MemberCaller, requireRole } from '../../shared/auth/caller';
import { readableCase, toView } from '../../shared/auth/case-access';
import { type Actor, type CaseRecord, caseIdOf, type TaskRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { isActive } from '../../shared/domain/active';
import { treatedAsChild } from '../../shared/domain/codes';
import { focalPoints, type RecipientGroup } from '../../shared/domain/recipients';
import { CASE_STATUSES, type CaseStatus, type CaseView, slug } from '../../shared/domain/referral';
import { FINAL_CASE_STATUSES, OUTCOME_SCHEMAS, type TaskKind } from '../../shared/domain/tasks';
import type { Mailer } from '../../shared/email/mailer';
import { sendToGroups } from '../../shared/email/send-all';
import { caseEndEmail } from '../../shared/email/templates';
import { ConflictError, ForbiddenError, ValidationError } from '../../shared/errors';
import { fieldIssues } from '../../shared/http/zod-issues';
import { cancelledTaskRecipients } from '../../shared/tasks/assignees';
import { type CompleteTaskDeps, completeTask } from '../../shared/tasks/complete-task';
import { type ReferralWorkflowInput, TASK_CANCELLED_ERROR } from '../../shared/workflow/task-input';

/** Starts the referral workflow again for a coordinator's assignment (SfnWorkflowStarter). */
export interface AssignmentWorkflow {
  start(input: ReferralWorkflowInput, name: string): Promise<void>;
}

/** Answers and cancels callback tasks (SfnTaskCallback). */
export interface CommandCallback {
  succeed: CompleteTaskDeps['callback']['succeed'];
  fail(sfnTaskToken: string, error: string, cause: string): Promise<'ok' | 'closed'>;
}

export interface CaseCommandsDeps extends CompleteTaskDeps {
  readonly store: CompleteTaskDeps['store'] &
    Pick<Store, 'getTask' | 'getOrganisation' | 'moveCase' | 'listEvents' | 'getNotice' | 'markNoticeSent'>;
  readonly callback: CommandCallback;
  readonly workflow: AssignmentWorkflow;
  readonly mailer: Mailer;
}

export const assignmentRequestSchema = z.strictObject({ orgId: slug });
/** No reason is asked for or kept: a withdrawal's why is the person's, not the system's. */
export const withdrawalRequestSchema = z.strictObject({});
export const planRequestSchema = OUTCOME_SCHEMAS.ASSISTANCE_PLAN;
/** The NGO proposes (`closure`), the region's coordinator confirms or rejects (`decision`). */
export const closureRequestSchema = z.union([
  OUTCOME_SCHEMAS.CLOSURE_PROPOSAL,
  OUTCOME_SCHEMAS.CLOSURE_CONFIRMATION,
]);

/** The fixed cause a cancelled callback task fails with: execution history holds no case data. */
export const TASK_CANCELLED_CAUSE = 'the case was withdrawn';

export const actorOf = (caller: MemberCaller): Actor => ({ role: caller.role, orgId: caller.orgId });

export function parseBody<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldIssues(parsed.error));
  return parsed.data;
}

function openTaskOf(item: CaseRecord, kind: TaskKind): string | undefined {
  return Object.entries(item.openTasks ?? {}).find(([, k]) => k === kind)?.[0];
}

/**
 * The NGO a case may be given (an assignment, a transfer): an NGO of the case's region, other
 * than `except`; otherwise 400 `/orgId` `unknown_reference`, changing nothing.
 */
export async function requireRegionNgo(
  deps: Pick<CaseCommandsDeps, 'store'>,
  orgId: string,
  item: CaseRecord,
  except?: string,
): Promise<void> {
  const org = await deps.store.getOrganisation(orgId);
  if (org?.kind !== 'ngo' || !isActive(org) || !org.regions.includes(item.region) || orgId === except) {
    throw new ValidationError([{ path: '/orgId', code: 'unknown_reference' }]);
  }
}

export async function reread(deps: Pick<CaseCommandsDeps, 'store'>, caseId: string): Promise<CaseRecord> {
  const item = await deps.store.getCase(caseId);
  if (!item) throw new ConflictError('the case changed meanwhile', 'case_changed');
  return item;
}

/** Completes one of the case's open tasks for the caller, through the same path as the link. */
async function completeCaseTask(
  deps: CaseCommandsDeps,
  caller: MemberCaller,
  task: TaskRecord,
  raw: unknown,
): Promise<CaseView> {
  const result = await completeTask(deps, { task, raw, actor: actorOf(caller) });
  if (result.kind === 'invalid') throw new ValidationError(result.issues);
  if (result.kind === 'gone') throw new ConflictError('the task was answered already', 'task_closed');
  return toView(await reread(deps, caseIdOf(task)));
}

/**
 * POST /cases/{caseId}/assignment: a coordinator of the region gives an UNASSIGNED case to an
 * NGO of the region. The case goes back to REFERRED with that NGO as the preferred one and no
 * NGO counted as offered yet, and the referral workflow starts again under a name of its own
 * (`<caseId>-assign-<version>`); its first offer goes to that NGO, and a decline or timeout moves
 * on as usual. A repeated call finishes an assignment whose workflow did not start.
 */
export async function assignCase(
  deps: CaseCommandsDeps,
  caller: MemberCaller,
  params: unknown,
  body: () => unknown,
): Promise<CaseView> {
  requireRole(caller, 'coordinator');
  const item = await readableCase(deps.store, caller, params);
  const { orgId } = parseBody(assignmentRequestSchema, body());
  await requireRegionNgo(deps, orgId, item);
  if (item.status === 'UNASSIGNED') {
    await deps.store.moveCase({
      caseId: item.caseId,
      from: ['UNASSIGNED'],
      to: 'REFERRED',
      type: 'ASSIGNED',
      actor: actorOf(caller),
      now: deps.now().toISOString(),
      facts: { preferredNgoId: orgId, offeredOrgIds: [] },
      remove: ['currentOfferTaskId', 'offeredOrgId'],
    });
  }
  const current = await reread(deps, item.caseId);
  const assigned = current.preferredNgoId === orgId && (await lastStatusEvent(deps, current)) === 'ASSIGNED';
  if (!assigned) throw new ConflictError('the case is not unassigned', 'not_unassigned');
  if (current.status === 'REFERRED' && !current.currentOfferTaskId) {
    await deps.workflow.start(
      { caseId: current.caseId, reference: current.reference, region: current.region },
      `${current.caseId}-assign-${current.version}`,
    );
  }
  return toView(current);
}

async function lastStatusEvent(deps: CaseCommandsDeps, item: CaseRecord): Promise<string | undefined> {
  const events = await deps.store.listEvents(item.caseId);
  return events.filter((e) => e.status !== undefined).at(-1)?.type;
}

/**
 * POST /cases/{caseId}/plan: the NGO of the case completes its open ASSISTANCE_PLAN task with
 * the plan's items (each becomes a task for its organisation). 409 `no_plan_pending` when the
 * case waits for no plan.
 */
export async function submitPlan(
  deps: CaseCommandsDeps,
  caller: MemberCaller,
  params: unknown,
  body: () => unknown,
): Promise<CaseView> {
  requireRole(caller, 'ngo');
  const item = await readableCase(deps.store, caller, params);
  if (item.acceptedOrgId !== caller.orgId) throw new ForbiddenError('only the NGO of the case plans it');
  const taskId = openTaskOf(item, 'ASSISTANCE_PLAN');
  const task = taskId ? await deps.store.getTask(taskId) : undefined;
  if (task?.status !== 'OPEN') throw new ConflictError('no plan is pending', 'no_plan_pending');
  return completeCaseTask(deps, caller, task, body());
}

/**
 * POST /cases/{caseId}/closure: completes the pending closure step. The NGO of the case
 * answers its CLOSURE_PROPOSAL (`closure`), a coordinator of the region the
 * CLOSURE_CONFIRMATION (`decision`). 409 `no_closure_pending` when the caller has none to answer.
 */
export async function submitClosure(
  deps: CaseCommandsDeps,
  caller: MemberCaller,
  params: unknown,
  body: () => unknown,
): Promise<CaseView> {
  requireRole(caller, 'ngo', 'coordinator');
  const item = await readableCase(deps.store, caller, params);
  if (caller.role === 'ngo' && item.acceptedOrgId !== caller.orgId) {
    throw new ForbiddenError('only the NGO of the case proposes its closure');
  }
  const kind: TaskKind = caller.role === 'ngo' ? 'CLOSURE_PROPOSAL' : 'CLOSURE_CONFIRMATION';
  const taskId = openTaskOf(item, kind);
  const task = taskId ? await deps.store.getTask(taskId) : undefined;
  if (task?.status !== 'OPEN') throw new ConflictError('no closure is pending', 'no_closure_pending');
  return completeCaseTask(deps, caller, task, body());
}

/** Every status a case can be withdrawn from. */
const CASE_OPEN_STATUSES: readonly CaseStatus[] = CASE_STATUSES.filter(
  (s) => !FINAL_CASE_STATUSES.includes(s),
);

/**
 * POST /cases/{caseId}/withdrawal: the person withdrew (DOMAIN.md). By the NGO of the case,
 * the referring police unit or a coordinator of the region; refused with 409
 * `child_cannot_withdraw` for a person treated as a child, 409 `case_closed` for a closed case.
 * The case becomes WITHDRAWN, every open task is cancelled (a waiting workflow's task is failed
 * with TaskCancelled first, so its state ends the stage) and the NGO's focal points and the
 * referring officer are told once. A repeated call after a partial failure carries on.
 */
export async function withdrawCase(
  deps: CaseCommandsDeps,
  caller: MemberCaller,
  params: unknown,
  body: () => unknown,
): Promise<CaseView> {
  requireRole(caller, 'police', 'ngo', 'coordinator');
  const item = await readableCase(deps.store, caller, params);
  if (caller.role === 'ngo' && item.acceptedOrgId !== caller.orgId) {
    throw new ForbiddenError('only the NGO of the case withdraws it');
  }
  parseBody(withdrawalRequestSchema, body());
  if (treatedAsChild(item.person.ageGroup)) {
    throw new ConflictError('a case treated as a child cannot be withdrawn', 'child_cannot_withdraw');
  }
  const actor = actorOf(caller);
  if (item.status !== 'WITHDRAWN') {
    if (FINAL_CASE_STATUSES.includes(item.status))
      throw new ConflictError('the case is closed', 'case_closed');
    await deps.store.moveCase({
      caseId: item.caseId,
      from: CASE_OPEN_STATUSES,
      to: 'WITHDRAWN',
      type: 'WITHDRAWN',
      actor,
      now: deps.now().toISOString(),
    });
  }
  let current = await reread(deps, item.caseId);
  if (current.status !== 'WITHDRAWN') throw new ConflictError('the case is closed', 'case_closed');
  const cancelled = await cancelOpenTasks(deps, current, actor, TASK_CANCELLED_CAUSE);
  if (!(await deps.store.getNotice(item.caseId, 'withdrawn'))) {
    for (const group of await withdrawalRecipients(deps, current, cancelled)) {
      await sendToGroups(deps.mailer, [group], (to, language) =>
        caseEndEmail({ to, language, kind: 'withdrawn', reference: current.reference }),
      );
    }
    await deps.store.markNoticeSent(item.caseId, 'withdrawn', deps.now().toISOString());
  }
  current = await reread(deps, item.caseId);
  return toView(current);
}

/**
 * Cancels the case's open tasks (but those of a kind in `keep`), their waiting executions told
 * first with TaskCancelled and `cause`: a stop between the two leaves the task listed, and the
 * next call fails the token again ('closed') and then cancels it. Answers the tasks cancelled.
 */
export async function cancelOpenTasks(
  deps: Pick<CaseCommandsDeps, 'store' | 'callback' | 'now'>,
  item: CaseRecord,
  actor: Actor,
  cause: string,
  keep: readonly TaskKind[] = [],
): Promise<TaskRecord[]> {
  const cancelled: TaskRecord[] = [];
  for (const [taskId, kind] of Object.entries(item.openTasks ?? {})) {
    if (keep.includes(kind)) continue;
    const task = await deps.store.getTask(taskId);
    if (task?.status !== 'OPEN') continue;
    cancelled.push(task);
    if (task.sfnTaskToken) await deps.callback.fail(task.sfnTaskToken, TASK_CANCELLED_ERROR, cause);
    await deps.store.completeTask({
      task,
      status: 'CANCELLED',
      result: 'cancelled',
      actor,
      now: deps.now().toISOString(),
    });
  }
  return cancelled;
}

/**
 * The NGO's focal points (the one that accepted, or the one it was offered to), whoever had a
 * task of the case this withdrawal cancelled (a department's plan item: its work stops too),
 * and the referring officer. A repeat after a stop before the notice knows only the NGO and
 * the officer (the tasks are cancelled by then).
 */
async function withdrawalRecipients(
  deps: CaseCommandsDeps,
  item: CaseRecord,
  cancelled: readonly TaskRecord[],
): Promise<RecipientGroup[]> {
  const groups: RecipientGroup[] = [];
  const ngoId = item.acceptedOrgId ?? item.offeredOrgId;
  const ngo = ngoId ? await deps.store.getOrganisation(ngoId) : undefined;
  if (ngo) groups.push(...focalPoints(ngo));
  const seen = new Set(groups.flatMap((g) => g.to));
  groups.push(...(await cancelledTaskRecipients(deps.store, cancelled, seen, ngo)));
  if (item.officerEmail) {
    const police = await deps.store.getOrganisation(item.referringOrgId);
    const language =
      police?.contacts.find((c) => c.email.toLowerCase() === item.officerEmail?.toLowerCase())?.language ??
      'sq';
    groups.push({ language, to: [item.officerEmail] });
  }
  return groups;
}
