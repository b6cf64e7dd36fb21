import { noteActor, noteTask } from '../../shared/audit/audit';
import {
  type Actor,
  type CaseRecord,
  caseIdOf,
  type OrgRecord,
  type TaskRecord,
} from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { hashActionToken, isWellFormedToken } from '../../shared/domain/action-token';
import type { Person } from '../../shared/domain/referral';
import { outcomeFromForm, PLAN_SERVICES, type PlanService, type TaskKind } from '../../shared/domain/tasks';
import type { Language } from '../../shared/email/templates';
import { meetingReference } from '../../shared/meetings/reference';
import { type CompleteTaskDeps, completeTask, planItemIssues } from '../../shared/tasks/complete-task';

export interface ActionLinkDeps extends CompleteTaskDeps {
  readonly store: CompleteTaskDeps['store'] &
    Pick<Store, 'getActionLink' | 'getTask' | 'getOrganisation' | 'getRegion'>;
}

/** One organisation a plan item may go to, for the plan form's choices. */
export interface PlanChoice {
  readonly service: PlanService;
  readonly orgs: readonly { readonly orgId: string; readonly name: string }[];
}

/** What the page shows of a task: its kind, the case reference, who it is for, by when. Never the person. */
export interface TaskSummary {
  readonly kind: TaskKind;
  readonly subject: TaskRecord['subject'];
  /** The case reference, or the meeting's title and day. */
  readonly reference: string;
  /** A meeting's action item: what is to be done. */
  readonly title?: string;
  readonly orgName: string;
  readonly due: Date;
  readonly language: Language;
  readonly planChoices: readonly PlanChoice[];
  /** A review's open plan items, which it may close or give more time. */
  readonly openItems: readonly OpenPlanItem[];
  /** An offer's page: what the NGO needs to decide. */
  readonly offer?: OfferFacts;
}

/**
 * What an NGO needs to decide on an offer (issue 11): the region, the person's age group, needs
 * and risk level, and the deadline (the summary's `due`). Nothing else of the person: not their
 * gender, nationality or language, which with the region and the day could narrow down who it is
 * (DOMAIN.md: share the minimum); the case team sees the whole profile once it has accepted.
 */
export interface OfferFacts {
  /** The region's name from the directory (its id when the directory has no such region). */
  readonly regionName: string;
  readonly ageGroup: Person['ageGroup'];
  readonly needs: Person['needs'];
  readonly riskLevel: Person['riskLevel'];
}

export interface OpenPlanItem {
  readonly taskId: string;
  readonly service: PlanService;
  readonly orgName: string;
  readonly due: Date;
}

export type ActionOutcome =
  | { readonly kind: 'confirm'; readonly task: TaskSummary }
  | { readonly kind: 'invalid'; readonly task: TaskSummary; readonly fields: readonly string[] }
  | { readonly kind: 'done'; readonly task: TaskSummary; readonly result: string }
  | { readonly kind: 'gone' };

const GONE: ActionOutcome = { kind: 'gone' };

/** Whoever holds the link acts for the task's organisation. */
const linkActor = (task: TaskRecord): Actor => ({ role: 'link', orgId: task.orgId });

/**
 * Organisations that may be given each plan service: of the region, of the kind that gives it,
 * listing it, and within the person's consent (the same check the completion makes).
 */
function planChoices(item: CaseRecord, orgs: readonly OrgRecord[]): PlanChoice[] {
  return PLAN_SERVICES.map((service) => ({
    service,
    orgs: orgs
      .filter((o) => planItemIssues(item, [{ service, orgId: o.orgId }], orgs, '').length === 0)
      .map((o) => ({ orgId: o.orgId, name: o.name })),
  })).filter((c) => c.orgs.length > 0);
}

/**
 * What the page of `task` shows and its form offers (the console's task page shows the same,
 * after the task use case let the caller see it). An offer's deadline is `linkExpiresAt`.
 */
export async function taskSummary(
  deps: ActionLinkDeps,
  task: TaskRecord,
  linkExpiresAt: string,
): Promise<TaskSummary | undefined> {
  const planned = task.kind === 'ASSISTANCE_PLAN' || task.kind === 'PLAN_REVIEW';
  const [org, orgs] = await Promise.all([
    deps.store.getOrganisation(task.orgId),
    planned ? deps.store.listOrganisations() : Promise.resolve([]),
  ]);
  if (!org) return undefined;
  const named = task.contactEmails?.[0]?.toLowerCase();
  const language =
    org.contacts.find((c) => c.email.toLowerCase() === named)?.language ??
    org.contacts.find((c) => c.roles.includes('focal-point') || c.roles.includes('coordinator'))?.language ??
    'sq';
  if (task.subject === 'meeting') {
    const meeting = await deps.store.getMeeting(task.meetingId as string);
    if (!meeting) return undefined;
    return {
      kind: task.kind,
      subject: 'meeting',
      reference: meetingReference(meeting),
      ...(task.title ? { title: task.title } : {}),
      orgName: org.name,
      due: new Date(task.dueAt),
      language,
      planChoices: [],
      openItems: [],
    };
  }
  const item = await deps.store.getCase(caseIdOf(task));
  if (!item) return undefined;
  const offer = task.kind === 'OFFER' ? await offerFacts(deps, item) : undefined;
  const openItems: OpenPlanItem[] = [];
  if (task.kind === 'PLAN_REVIEW') {
    const ids = Object.entries(item.openTasks ?? {})
      .filter(([, kind]) => kind === 'PLAN_ITEM')
      .map(([id]) => id)
      .sort();
    for (const id of ids) {
      const t = await deps.store.getTask(id);
      if (t?.status !== 'OPEN' || !t.service) continue;
      const name = orgs.find((o) => o.orgId === t.orgId)?.name ?? t.orgId;
      openItems.push({ taskId: t.taskId, service: t.service, orgName: name, due: new Date(t.dueAt) });
    }
  }
  return {
    kind: task.kind,
    subject: 'case',
    reference: item.reference,
    orgName: org.name,
    // The offer's page shows when the link stops working; other tasks their due instant.
    due: new Date(task.kind === 'OFFER' ? linkExpiresAt : task.dueAt),
    language,
    planChoices: planned ? planChoices(item, orgs) : [],
    openItems,
    ...(offer ? { offer } : {}),
  };
}

/** Picked field by field, so a field added to the profile never reaches the page by itself. */
async function offerFacts(deps: ActionLinkDeps, item: CaseRecord): Promise<OfferFacts> {
  const region = await deps.store.getRegion(item.region);
  const { ageGroup, needs, riskLevel } = item.person;
  return { regionName: region?.name ?? item.region, ageGroup, needs: [...needs], riskLevel };
}

/** The audit names whoever holds a live link as acting for the task's organisation. */
function noteLinkHolder(task: TaskRecord): void {
  noteActor({ kind: 'link', orgId: task.orgId });
  noteTask(task);
}

/** Every way a token can fail ends here, so the answer cannot tell them apart. */
async function resolve(deps: ActionLinkDeps, token: string) {
  if (!isWellFormedToken(token)) return undefined;
  const hash = hashActionToken(token);
  const link = await deps.store.getActionLink(hash);
  const now = deps.now();
  if (!link || link.usedAt || Date.parse(link.expiresAt) <= now.getTime()) return undefined;
  const task = await deps.store.getTask(link.taskId);
  if (task) noteLinkHolder(task);
  // Any live link of an open task works, not only the newest: a step stopped after emailing
  // one link and run again may have armed another (open-task). The first answer closes the task.
  if (task?.status !== 'OPEN') return undefined;
  const view = await taskSummary(deps, task, link.expiresAt);
  return view && { hash, task, view };
}

/** GET (and HEAD): shows what the link is for. Changes nothing: mail scanners open links. */
export async function viewAction(deps: ActionLinkDeps, token: string): Promise<ActionOutcome> {
  const found = await resolve(deps, token);
  return found ? { kind: 'confirm', task: found.view } : GONE;
}

/**
 * A POST again on the link that completed the task, with the same answer, while the link is
 * still live: the answer was recorded but telling the workflow failed (the person saw a 503
 * and tried again). Tell it again, so a recorded answer is never lost to a timeout. Step
 * Functions answers a token it has already had with TaskTimedOut ('closed'): a double POST
 * after a success still gets the 410 page and has no second effect.
 */
async function resumeRecorded(
  deps: ActionLinkDeps,
  token: string,
  form: URLSearchParams | undefined,
): Promise<ActionOutcome> {
  if (!isWellFormedToken(token) || !form) return GONE;
  const link = await deps.store.getActionLink(hashActionToken(token));
  if (!link?.usedAt || Date.parse(link.expiresAt) <= deps.now().getTime()) return GONE;
  const task = await deps.store.getTask(link.taskId);
  if (task) noteLinkHolder(task);
  if (!task?.sfnTaskToken || !task.result || (task.status !== 'DONE' && task.status !== 'DECLINED'))
    return GONE;
  const fields = outcomeFromForm(form);
  const answer = fields && Object.values(fields).find((v) => v === task.result);
  if (answer === undefined) return GONE;
  const resumed = await deps.callback.succeed(task.sfnTaskToken, {
    taskId: task.taskId,
    result: task.result,
  });
  if (resumed !== 'ok') return GONE;
  const view = await taskSummary(deps, task, link.expiresAt);
  return view ? { kind: 'done', task: view, result: task.result } : GONE;
}

/** POST: does the task once (link used and task closed together), then resumes the workflow. */
export async function submitAction(
  deps: ActionLinkDeps,
  token: string,
  form: URLSearchParams | undefined,
): Promise<ActionOutcome> {
  const found = await resolve(deps, token);
  if (!found) return resumeRecorded(deps, token, form);
  const raw = form ? outcomeFromForm(form) : undefined;
  if (!raw) return { kind: 'invalid', task: found.view, fields: ['form'] };
  const done = await completeTask(deps, {
    task: found.task,
    raw,
    actor: linkActor(found.task),
    hash: found.hash,
  });
  if (done.kind === 'invalid') {
    return { kind: 'invalid', task: found.view, fields: done.issues.map((i) => i.path.replace(/^\//, '')) };
  }
  return done.kind === 'done' ? { kind: 'done', task: found.view, result: done.result } : GONE;
}
