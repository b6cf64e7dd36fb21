import * as z from 'zod';
import { noteTask } from '../../shared/audit/audit';
import {
  coversRegion,
  type MemberCaller,
  type OrganisationDirectory,
  requireRole,
} from '../../shared/auth/caller';
import { mayRead } from '../../shared/auth/case-access';
import type { MeetingStore } from '../../shared/data/meeting-store';
import type { CaseRecord, MeetingRecord, TaskRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import type { Role } from '../../shared/domain/codes';
import { firstReminder } from '../../shared/domain/reminders';
import {
  OUTCOME_SCHEMAS,
  PLAN_SERVICES,
  TASK_KINDS,
  TASK_STATUSES,
  type TaskKind,
} from '../../shared/domain/tasks';
import { ConflictError, GoneError, NotFoundError, ValidationError } from '../../shared/errors';
import { collectPage, decodeCursor, type ListPage, limitParam, parseQuery } from '../../shared/http/page';
import { fieldIssues } from '../../shared/http/zod-issues';
import { meetingReference } from '../../shared/meetings/reference';
import { taskRecipients } from '../../shared/tasks/assignees';
import { type CompleteTaskDeps, completeTask } from '../../shared/tasks/complete-task';

export interface TasksApiDeps extends CompleteTaskDeps {
  readonly store: CompleteTaskDeps['store'] &
    Pick<Store, 'getTask' | 'listOrgTasks' | 'moveTaskDue'> &
    Pick<MeetingStore, 'getMeeting'>;
  readonly directory: OrganisationDirectory;
}

/**
 * Roles that act on tasks (docs/access.md): NGO staff, local-government staff (plan items
 * only) and coordinators (closure confirmations), each on their own organisation's tasks.
 * Police, council members and admins have no case tasks: 403.
 */
export const TASK_ACTORS: readonly Role[] = ['ngo', 'localgov', 'coordinator', 'police', 'council'];

/** Roles that have case tasks; police and council members have a meeting's action items only. */
const CASE_TASK_ROLES: ReadonlySet<Role> = new Set(['ngo', 'localgov', 'coordinator']);

const fieldSchema = z.strictObject({
  name: z.string(),
  required: z.boolean(),
  /** `string`, `boolean`, `array` (of plan items or needs), `integer`. */
  type: z.string(),
  /** The values the field takes, when it is a choice. */
  values: z.array(z.union([z.string(), z.boolean()])).optional(),
});

/** One way to complete a task: the body fields of `POST /tasks/{taskId}/completion`. */
export const taskActionSchema = z.strictObject({ fields: z.array(fieldSchema) });
export type TaskAction = z.infer<typeof taskActionSchema>;

export const taskViewSchema = z.strictObject({
  taskId: z.uuid(),
  kind: z.enum(TASK_KINDS),
  /** Absent for local-government staff, who see the reference and the action only. */
  caseId: z.uuid().optional(),
  /** A meeting's minutes and action items name their meeting instead of a case. */
  meetingId: z.uuid().optional(),
  reference: z.string(),
  status: z.enum(TASK_STATUSES),
  /** Open and past its due instant. */
  overdue: z.boolean(),
  dueAt: z.iso.datetime(),
  /** Only where the task lapses unanswered (an offer). */
  expiresAt: z.iso.datetime().optional(),
  sequence: z.number().int().min(1),
  service: z.enum(PLAN_SERVICES).optional(),
  /** A meeting's action item or prevention work: what is to be done (the group's work, never a person). */
  title: z.string().optional(),
  result: z.string().optional(),
  completedAt: z.iso.datetime().optional(),
  /** What the task accepts while open; empty once it is final. */
  actions: z.array(taskActionSchema),
});
export type TaskView = z.infer<typeof taskViewSchema>;

export const taskListSchema = z.strictObject({
  items: z.array(taskViewSchema),
  nextCursor: z.string().optional(),
});

export const tasksQuerySchema = z.strictObject({
  status: z.enum(['open', 'done', 'overdue']).default('open'),
  kind: z.enum(TASK_KINDS).optional(),
  /** Only the tasks addressed to the caller (the directory contact with the token's email). */
  mine: z.enum(['true', 'false']).optional(),
  limit: limitParam,
  cursor: z.string().optional(),
});

export const taskIdParamsSchema = z.strictObject({ taskId: z.uuid({ version: 'v4' }) });

type JsonSchema = {
  type?: string;
  const?: string | boolean;
  enum?: (string | boolean)[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
};

function actionOf(variant: JsonSchema): TaskAction {
  const required = new Set(variant.required ?? []);
  return {
    fields: Object.entries(variant.properties ?? {}).map(([name, p]) => {
      const values = p.const !== undefined ? [p.const] : (p.enum ?? p.items?.enum);
      const type = p.type ?? (typeof values?.[0] === 'boolean' ? 'boolean' : 'string');
      return { name, required: required.has(name), type, ...(values ? { values } : {}) };
    }),
  };
}

/** The outcome schemas as the body fields each kind accepts, derived once at load. */
export const TASK_ACTIONS: Readonly<Record<TaskKind, readonly TaskAction[]>> = Object.fromEntries(
  TASK_KINDS.map((kind) => {
    const schema = z.toJSONSchema(OUTCOME_SCHEMAS[kind], {
      io: 'input',
      unrepresentable: 'any',
    }) as JsonSchema;
    const variants = schema.oneOf ?? schema.anyOf ?? [schema];
    return [kind, variants.map(actionOf)];
  }),
) as unknown as Record<TaskKind, readonly TaskAction[]>;

/**
 * A task is its organisation's alone. A meeting's tasks are seen by any member of it; of case
 * tasks, local-government staff see their plan items only, police and council members none.
 */
export function maySeeTask(caller: MemberCaller, task: TaskRecord): boolean {
  if (task.orgId !== caller.orgId) return false;
  if (task.subject === 'meeting') return true;
  if (!CASE_TASK_ROLES.has(caller.role)) return false;
  return caller.role !== 'localgov' || task.kind === 'PLAN_ITEM';
}

/** What a task is about, as its view names it. */
type Subject = { readonly case?: CaseRecord; readonly meeting?: MeetingRecord };

function subjectOf(deps: TasksApiDeps, task: TaskRecord): Promise<Subject> {
  if (task.subject === 'meeting')
    return deps.store.getMeeting(task.meetingId as string).then((m) => (m ? { meeting: m } : {}));
  return deps.store.getCase(task.caseId as string).then((c) => (c ? { case: c } : {}));
}

export function toTaskView(caller: MemberCaller, task: TaskRecord, subject: Subject, now: Date): TaskView {
  const open = task.status === 'OPEN';
  return {
    taskId: task.taskId,
    kind: task.kind,
    ...(caller.role === 'localgov' || task.caseId === undefined ? {} : { caseId: task.caseId }),
    ...(task.meetingId === undefined ? {} : { meetingId: task.meetingId }),
    reference: subject.case?.reference ?? (subject.meeting ? meetingReference(subject.meeting) : ''),
    status: task.status,
    overdue: open && Date.parse(task.dueAt) < now.getTime(),
    dueAt: task.dueAt,
    ...(task.expiresAt ? { expiresAt: task.expiresAt } : {}),
    sequence: task.sequence,
    ...(task.service ? { service: task.service } : {}),
    ...(task.title ? { title: task.title } : {}),
    ...(task.result ? { result: task.result } : {}),
    ...(task.completedAt ? { completedAt: task.completedAt } : {}),
    actions: open ? [...TASK_ACTIONS[task.kind]] : [],
  };
}

/** The task named in the path, when the caller may see it; otherwise 404 (403 for roles without tasks). */
async function visibleTask(
  deps: TasksApiDeps,
  caller: MemberCaller,
  params: unknown,
): Promise<{ task: TaskRecord; subject: Subject }> {
  requireRole(caller, ...TASK_ACTORS);
  const parsed = taskIdParamsSchema.safeParse(params);
  if (!parsed.success) throw new NotFoundError('no such task');
  noteTask({ taskId: parsed.data.taskId });
  const task = await deps.store.getTask(parsed.data.taskId);
  if (task) noteTask(task);
  if (!task || !maySeeTask(caller, task)) throw new NotFoundError('no such task');
  const subject = await subjectOf(deps, task);
  if (!holdsCaseWork(caller, task, subject.case)) throw new NotFoundError('no such task');
  return { task, subject };
}

/**
 * The case work of an NGO (all but offers and plan items) is the accepting NGO's alone: one
 * the case was transferred away from no longer sees its old tasks, in the list or one by one.
 */
function holdsCaseWork(caller: MemberCaller, task: TaskRecord, item: CaseRecord | undefined): boolean {
  if (task.subject === 'meeting') return true;
  if (caller.role !== 'ngo' || task.kind === 'OFFER' || task.kind === 'PLAN_ITEM') return true;
  return item?.acceptedOrgId === caller.orgId;
}

/**
 * Whether a task is the caller's own ("my tasks"): the directory contact with the token's
 * email is among those the task was sent to (its `contactEmails`, or else the contacts its
 * kind's email goes to: case workers, else focal points).
 */
function isMine(
  task: TaskRecord,
  email: string | undefined,
  recipients: (kind: TaskKind) => readonly string[],
) {
  if (!email) return false;
  const e = email.toLowerCase();
  const to = task.contactEmails ?? recipients(task.kind);
  return to.some((a) => a.toLowerCase() === e);
}

/** GET /tasks: the caller's organisation's tasks, by due instant. */
export async function listTasks(
  deps: TasksApiDeps,
  caller: MemberCaller,
  query: unknown,
): Promise<ListPage<TaskView>> {
  requireRole(caller, ...TASK_ACTORS);
  const q = parseQuery(tasksQuerySchema, query);
  const open = q.status !== 'done';
  const partition = `TASKS#${caller.orgId}#${open ? 'OPEN' : 'CLOSED'}`;
  const cursor = decodeCursor(q.cursor, [partition]);
  const now = deps.now();
  const org = q.mine === 'true' ? await deps.directory.getOrganisation(caller.orgId) : undefined;
  const recipients = (kind: TaskKind) => (org ? taskRecipients(kind, org).flatMap((g) => g.to) : []);
  const subjects = new Map<string, Promise<Subject>>();
  const subjectOnce = (task: TaskRecord) => {
    const key = task.caseId ?? `meeting:${task.meetingId}`;
    let found = subjects.get(key);
    if (!found) {
      found = subjectOf(deps, task);
      subjects.set(key, found);
    }
    return found;
  };
  return collectPage({
    partitions: [partition],
    cursor,
    limit: q.limit,
    read: (_p, start, limit) =>
      deps.store.listOrgTasks(caller.orgId, open, {
        limit,
        ...(start ? { start } : {}),
        ...(q.status === 'overdue' ? { dueBefore: now.toISOString() } : {}),
      }),
    keyOf: (task, p) => ({
      pk: `TASK#${task.taskId}`,
      sk: 'TASK',
      gsi1pk: p,
      gsi1sk: `${task.dueAt}#${task.taskId}`,
    }),
    keep: async (task) => {
      if (!maySeeTask(caller, task)) return undefined;
      if (q.kind !== undefined && task.kind !== q.kind) return undefined;
      if (q.mine === 'true' && !isMine(task, caller.email, recipients)) return undefined;
      const subject = await subjectOnce(task);
      if (!holdsCaseWork(caller, task, subject.case)) return undefined;
      noteTask(task);
      return toTaskView(caller, task, subject, now);
    },
  });
}

/** GET /tasks/{taskId}. */
export async function getTask(deps: TasksApiDeps, caller: MemberCaller, params: unknown): Promise<TaskView> {
  const { task, subject } = await visibleTask(deps, caller, params);
  return toTaskView(caller, task, subject, deps.now());
}

/**
 * POST /tasks/{taskId}/completion: the same outcome fields and the same single use as the
 * emailed link's POST (shared/tasks/complete-task.ts). Of two answers the first wins; the
 * other gets 409 `task_closed` when the task was answered (done or declined), 410 `task_gone`
 * when it can no longer be done (timed out, cancelled, or its case ended).
 */
export async function submitCompletion(
  deps: TasksApiDeps,
  caller: MemberCaller,
  params: unknown,
  body: () => unknown,
): Promise<TaskView> {
  const { task, subject } = await visibleTask(deps, caller, params);
  const raw = body();
  const result = await completeTask(deps, { task, raw, actor: { role: caller.role, orgId: caller.orgId } });
  if (result.kind === 'invalid') throw new ValidationError(result.issues);
  const now = await deps.store.getTask(task.taskId);
  if (result.kind === 'gone') {
    if (now?.status === 'DONE' || now?.status === 'DECLINED') {
      throw new ConflictError('the task was answered already', 'task_closed');
    }
    throw new GoneError('the task can no longer be done', 'task_gone');
  }
  return toTaskView(caller, now ?? result.task, await subjectOf(deps, task).catch(() => subject), deps.now());
}

/** The longest a deadline may be moved ahead of now. */
export const MAX_DEADLINE_DAYS = 365;

export const deadlineBodySchema = z.strictObject({
  /** The new due instant, with its offset (`2026-12-04T17:00:00+01:00`). */
  dueAt: z.iso.datetime({ offset: true }),
});

/**
 * POST /tasks/{taskId}/deadline: a coordinator of the case's region moves an open task's due
 * instant (an NGO asked for more time, a department is closed). Its pending reminder moves
 * with it, in the same write; it is no longer overdue until the new instant passes. The
 * offer's deadline is its workflow's timeout and cannot move (409 `deadline_fixed`).
 */
export async function moveDeadline(
  deps: TasksApiDeps,
  caller: MemberCaller,
  params: unknown,
  body: () => unknown,
): Promise<TaskView> {
  requireRole(caller, 'coordinator');
  const parsed = taskIdParamsSchema.safeParse(params);
  if (!parsed.success) throw new NotFoundError('no such task');
  noteTask({ taskId: parsed.data.taskId });
  const task = await deps.store.getTask(parsed.data.taskId);
  if (task) noteTask(task);
  const subject = task ? await subjectOf(deps, task) : {};
  const visible = subject.case
    ? mayRead(caller, subject.case)
    : subject.meeting !== undefined && coversRegion(caller, subject.meeting.region);
  if (!task || !visible) throw new NotFoundError('no such task');
  const input = deadlineBodySchema.safeParse(body());
  if (!input.success) throw new ValidationError(fieldIssues(input.error));
  const now = deps.now();
  const dueAt = new Date(input.data.dueAt);
  if (dueAt.getTime() <= now.getTime() || dueAt.getTime() > now.getTime() + MAX_DEADLINE_DAYS * 86_400_000) {
    // After now and within MAX_DEADLINE_DAYS.
    throw new ValidationError([{ path: '/dueAt', code: 'out_of_range' }]);
  }
  if (task.status !== 'OPEN') throw new GoneError('the task can no longer be changed', 'task_gone');
  if (task.expiresAt) {
    throw new ConflictError(
      "the offer's deadline is its workflow's timeout and cannot move",
      'deadline_fixed',
    );
  }
  const moved = { ...task, dueAt: dueAt.toISOString() };
  const reminder = firstReminder(moved, deps.reminders, deps.calendar, now);
  const done = await deps.store.moveTaskDue({
    task,
    dueAt: moved.dueAt,
    ...(reminder ? { reminder } : {}),
    actor: { role: caller.role, orgId: caller.orgId },
    now: now.toISOString(),
  });
  // Refused: the task was done or moved meanwhile. Whoever comes second reads the news.
  if (!done) throw new ConflictError('the task changed meanwhile; read it again', 'task_changed');
  const after = (await deps.store.getTask(task.taskId)) ?? moved;
  return toTaskView({ ...caller, orgId: after.orgId }, after, subject, now);
}
