import type { OrganisationDirectory } from '../../shared/auth/caller';
import type { CaseRecord, TaskRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { deriveActionToken, issueActionToken } from '../../shared/domain/action-token';
import { treatedAsChild } from '../../shared/domain/codes';
import { type DeadlineSpec, dueAt } from '../../shared/domain/deadlines';
import { FINAL_CASE_STATUSES, TASK_KIND_SPECS, type TaskKind } from '../../shared/domain/tasks';
import type { Mailer } from '../../shared/email/mailer';
import { assigneeOrg } from '../../shared/tasks/assignees';
import { openLinkExpiry, type TaskClock, withFirstReminder } from '../../shared/tasks/task-context';
import { taskIdFor } from '../../shared/tasks/task-id';
import { emailTask } from '../../shared/tasks/task-mail';
import { addHours } from '../../shared/util/time';
import { CaseClosedError, CaseStateError, parseTaskInput } from '../../shared/workflow/task-input';

/** How much earlier than the state's timeout an expiring task's link expires: a minute, or a tenth of a short deadline. */
export const LINK_MARGIN_MS = 60_000;

export function linkMarginMs(deadlineHours: number): number {
  return Math.min(LINK_MARGIN_MS, deadlineHours * 360_000);
}

export interface OpenTaskDeps extends TaskClock {
  readonly store: Pick<
    Store,
    | 'getCase'
    | 'getTask'
    | 'openTask'
    | 'armTask'
    | 'rearmTask'
    | 'markEmailed'
    | 'getOrganisation'
    | 'listOrganisations'
    | 'keepAnswerToken'
  >;
  /** Where the organisation's contacts are read: the container's directory cache. @default the store */
  readonly directory?: OrganisationDirectory;
  readonly mailer: Mailer;
  /** Public base URL of the API; links are built from configuration, never from a request. */
  readonly actionBaseUrl: string;
}

export type OpenTaskResult = { readonly taskId: string | null; readonly emailed: boolean };

/** Where a kind's due instant is counted from, for this case. */
function dueBase(kind: TaskKind, item: CaseRecord, now: Date): Date {
  switch (TASK_KIND_SPECS[kind].dueFrom) {
    case 'acceptance':
      return item.acceptedAt ? new Date(item.acceptedAt) : now;
    case 'follow-up':
      return item.followUpFrom ? new Date(item.followUpFrom) : now;
    default:
      return now;
  }
}

/** The due instant of a new task: the configured deadline of its kind; follow-ups by their check-in month. */
function taskDue(deps: TaskClock, kind: TaskKind, sequence: number, item: CaseRecord, now: Date): Date {
  const base = dueBase(kind, item, now);
  if (kind === 'FOLLOW_UP') {
    const months = deps.deadlines.followUpMonths[sequence - 1] ?? deps.deadlines.followUpMonths.at(-1) ?? 12;
    const checkIn = dueAt({ amount: months, unit: 'months' }, base, deps.calendar);
    return dueAt(deps.deadlines.FOLLOW_UP as DeadlineSpec, checkIn, deps.calendar);
  }
  return dueAt(deps.deadlines[kind] as DeadlineSpec, base, deps.calendar);
}

/** The new task's record: who it is for, from the case and the directory. */
async function newTask(
  deps: OpenTaskDeps,
  kind: TaskKind,
  input: { caseId: string; cycle: number; sequence: number },
  item: CaseRecord,
  now: Date,
): Promise<TaskRecord> {
  const org = assigneeOrg(kind, item, await deps.store.listOrganisations());
  if (!org) throw new CaseStateError('no organisation in the directory can take this task');
  return withFirstReminder(
    deps,
    {
      taskId: taskIdFor(input.caseId, kind, input.cycle, input.sequence),
      kind,
      subject: 'case',
      caseId: input.caseId,
      orgId: org.orgId,
      status: 'OPEN',
      createdAt: now.toISOString(),
      dueAt: taskDue(deps, kind, input.sequence, item, now).toISOString(),
      sequence: input.sequence,
    } satisfies TaskRecord,
    now,
  );
}

/**
 * The human-task step (ARCHITECTURE.md, principle 9): opens a task, arms its single-use link
 * and emails the people who act on it, then records the email. With a task token it is a
 * `.waitForTaskToken` step and the token is kept on the task item (only there); without one
 * the task stands alone. Safe to run again at any point (principle 8):
 * - the task id is derived from the case, kind, cycle and repeat: a repeated step finds the
 *   task it opened; the offer's task was opened by PrepareOffer and comes by id;
 * - a waited task's link token is derived from the task token (`deriveActionToken`), so a
 *   run of the same attempt arms the same link (a no-op) and emails the same, working link;
 *   only a stop between the mail service accepting and the record being written sends a
 *   second copy;
 * - a run after the email was recorded sends nothing; a new attempt (new task token) only
 *   swaps the callback token: the emailed link stays valid;
 * - a task done while no execution waited on it (a stage continued in a new execution) is
 *   answered with its recorded result by the dispatcher, within a minute (TASK_ANSWER).
 */
export async function openTask(deps: OpenTaskDeps, event: unknown): Promise<OpenTaskResult> {
  const input = parseTaskInput('openTask', event);
  const now = deps.now();
  let task: Pick<TaskRecord, 'taskId' | 'caseId' | 'orgId' | 'kind' | 'dueAt'>;
  if (input.taskId && input.orgId) {
    // Opened by an earlier step (the offer, by PrepareOffer), which passes its organisation:
    // nothing is read before the arming, whose condition sees whether the task is still open.
    task = {
      taskId: input.taskId,
      caseId: input.caseId,
      orgId: input.orgId,
      kind: input.kind,
      dueAt: now.toISOString(),
    };
  } else {
    const item = await deps.store.getCase(input.caseId);
    if (!item) throw new CaseStateError('the case does not exist');
    if (FINAL_CASE_STATUSES.includes(item.status)) throw new CaseClosedError('the case has ended');
    // A transfer or reopening began a new cycle: a late step of the old one opens nothing for
    // the NGO that lost the case (its stage ends quietly). The child protection unit's task
    // belongs to no cycle's NGO.
    if (input.kind !== 'CHILD_PROTECTION' && input.cycle !== (item.cycle ?? 1)) {
      throw new CaseClosedError('the case began a new cycle');
    }
    if (input.kind === 'CHILD_PROTECTION' && !treatedAsChild(item.person.ageGroup)) {
      return { taskId: null, emailed: false };
    }
    let found: TaskRecord | undefined;
    if (input.taskId) {
      found = await deps.store.getTask(input.taskId);
    } else {
      const fresh = await newTask(deps, input.kind, input, item, now);
      const opened = await deps.store.openTask({
        task: fresh,
        actor: { role: 'system' },
        now: now.toISOString(),
      });
      if (opened === 'case-closed') throw new CaseClosedError('the case has ended');
      found = opened === 'opened' ? fresh : await deps.store.getTask(fresh.taskId);
    }
    if (!found || found.caseId !== input.caseId) throw new CaseStateError('the task is missing');
    if (found.status !== 'OPEN') return notOpen(deps, found, input.taskToken, now);
    task = found;
  }

  // An expiring task's link expires a margin before the state's timer (started a moment
  // before this step ran), so no answer is recorded after the workflow moved on. Others'
  // links live as long as one stage execution may wait.
  const linkExpiry =
    input.kind === 'OFFER'
      ? new Date(
          addHours(now, deps.deadlines.OFFER.amount).getTime() - linkMarginMs(deps.deadlines.OFFER.amount),
        )
      : openLinkExpiry(deps, task.dueAt, now);
  const { token, hash } = input.taskToken
    ? deriveActionToken(input.taskToken, task.taskId)
    : issueActionToken();
  // The contacts are read beside the arming, not after it: one round trip less on the way
  // to the email; a run that turns out to send nothing wastes one directory read.
  const [armed, org] = await Promise.all([
    deps.store.armTask({
      taskId: task.taskId,
      caseId: input.caseId,
      ...(input.taskToken ? { sfnTaskToken: input.taskToken } : {}),
      link: { hash, taskId: task.taskId, expiresAt: linkExpiry.toISOString() },
    }),
    (deps.directory ?? deps.store).getOrganisation(task.orgId),
  ]);
  if (armed.kind === 'closed') {
    const current = await deps.store.getTask(task.taskId);
    if (!current || current.caseId !== input.caseId) throw new CaseStateError('the task is missing');
    return notOpen(deps, current, input.taskToken, now);
  }
  if (armed.kind === 'emailed-before') {
    if (input.taskToken && !(await deps.store.rearmTask(task.taskId, input.taskToken)))
      throw new CaseStateError('the task closed');
    return { taskId: task.taskId, emailed: false };
  }
  if (armed.kind === 'armed-before' && armed.emailed) return { taskId: task.taskId, emailed: false };
  // An earlier run of this attempt armed the link: its expiry stands, as in its email.
  const due =
    input.kind === 'OFFER'
      ? armed.kind === 'armed-before'
        ? new Date(armed.linkExpiresAt)
        : linkExpiry
      : new Date(task.dueAt);
  await emailTask(deps, task, org, input.reference, token, due);
  return { taskId: task.taskId, emailed: true };
}

/**
 * The task is no longer open when its step runs. Done already (a stage continued in a new
 * execution after its answer): the answer is relayed to this execution. Cancelled: the stage
 * ends. Anything else (timed out) is a definition bug.
 */
async function notOpen(
  deps: OpenTaskDeps,
  task: TaskRecord,
  taskToken: string | undefined,
  now: Date,
): Promise<OpenTaskResult> {
  if (taskToken && task.result && (task.status === 'DONE' || task.status === 'DECLINED')) {
    // This step may not answer its own workflow (its role would then depend on every state
    // machine that invokes it: a cycle in the template); the dispatcher relays the answer.
    await deps.store.keepAnswerToken(task, taskToken, now.toISOString());
    return { taskId: task.taskId, emailed: false };
  }
  if (task.status === 'CANCELLED') throw new CaseClosedError('the task was cancelled');
  throw new CaseStateError('the task is not open');
}
