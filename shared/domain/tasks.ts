import * as z from 'zod';
import { NEEDS, type Need } from './codes';
import { safeText } from './directory';
import { minutesSchema } from './minutes';
import type { CaseStatus } from './referral';
import { slug } from './referral';
import type { TaskKind } from './task-kinds';

export { TASK_KINDS, type TaskKind } from './task-kinds';

/** OPEN until someone acts; the other four are final. */
export const TASK_STATUSES = ['OPEN', 'DONE', 'DECLINED', 'TIMED_OUT', 'CANCELLED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * What a plan item provides, and so who may be given it (DOMAIN.md, stage 6): the social
 * department gives economic aid, the employment office vocational training, the education
 * directorate school reintegration; NGOs give shelter, medical, psycho-social, legal and
 * family support.
 */
export const PLAN_SERVICES = [
  'economic-aid',
  'vocational-training',
  'school-reintegration',
  'shelter',
  'medical',
  'psycho-social',
  'legal',
  'family',
] as const;
export type PlanService = (typeof PLAN_SERVICES)[number];

/**
 * The directory service an organisation must list to be given a plan item, and the kinds of
 * organisation that give it. The directory's services use the NEEDS words.
 */
export const PLAN_SERVICE_PROVIDERS: Readonly<Record<PlanService, { need: Need; localGov: boolean }>> = {
  'economic-aid': { need: 'family', localGov: true },
  'vocational-training': { need: 'employment', localGov: true },
  'school-reintegration': { need: 'education', localGov: true },
  shelter: { need: 'shelter', localGov: false },
  medical: { need: 'medical', localGov: false },
  'psycho-social': { need: 'psycho-social', localGov: false },
  legal: { need: 'legal', localGov: false },
  family: { need: 'family', localGov: false },
};

const calendarDay = z.iso.date();

/** Free text a person may type (a decline reason): one line-safe string, kept on the task only. */
export const reasonText = safeText(500);

/** One plan item as the plan (or a review) asks for it. */
export const planItemSchema = z.strictObject({
  service: z.enum(PLAN_SERVICES),
  orgId: slug,
  /** Days until it is due; the configured PLAN_ITEM deadline when absent. */
  dueInDays: z.number().int().min(1).max(365).optional(),
});
export type PlanItemRequest = z.infer<typeof planItemSchema>;

const needsList = z
  .array(z.enum(NEEDS))
  .min(1)
  .max(NEEDS.length)
  .refine((a) => new Set(a).size === a.length, { message: 'needs repeat' });

const planItems = z.array(planItemSchema).max(20);

/** At most this many existing plan items a review may close and reschedule, together. */
export const REVIEW_CHANGES_MAX = 10;

/** A review's changes to the plan's open items: close those no longer needed, give others more time. */
const reviewChanges = {
  /** Open plan items of the case the review closes (no longer needed): they are cancelled. */
  close: z
    .array(z.uuid())
    .max(REVIEW_CHANGES_MAX)
    .refine((a) => new Set(a).size === a.length, { message: 'items repeat' })
    .optional(),
  /** Open plan items given a new due instant, this many days from the review. */
  reschedule: z
    .array(z.strictObject({ taskId: z.uuid(), dueInDays: z.number().int().min(1).max(365) }))
    .max(REVIEW_CHANGES_MAX)
    .refine((a) => new Set(a.map((r) => r.taskId)).size === a.length, { message: 'items repeat' })
    .optional(),
};

/**
 * The outcome each kind accepts: the same fields from the emailed link's form and from
 * `POST /tasks/{taskId}/completion`. Structured: the only free text is a reason for saying
 * no, which stays on the task item (never in workflow data, emails or logs).
 */
export const OUTCOME_SCHEMAS = {
  OFFER: z.discriminatedUnion('decision', [
    // The offer page has one form for both answers: a reason typed before choosing accept is ignored.
    z.strictObject({ decision: z.literal('accept'), reason: z.string().max(2000).optional() }),
    z.strictObject({ decision: z.literal('decline'), reason: reasonText }),
  ]),
  CHILD_PROTECTION: z.strictObject({ guardianAppointed: z.literal(true) }),
  NEEDS_ASSESSMENT: z.strictObject({ needs: needsList }),
  REFLECTION_REVIEW: z.strictObject({ reflection: z.enum(['completed', 'extended']) }),
  ASSISTANCE_PLAN: z.strictObject({ items: planItems.min(1) }),
  PLAN_ITEM: z.discriminatedUnion('result', [
    z.strictObject({ result: z.literal('done') }),
    z.strictObject({ result: z.literal('not-possible'), reason: reasonText }),
  ]),
  PLAN_REVIEW: z.strictObject({
    decision: z.enum(['continue', 'complete']),
    items: planItems.optional(),
    ...reviewChanges,
  }),
  FOLLOW_UP: z.strictObject({ situation: z.enum(['stable', 'needs-support', 'no-contact']) }),
  CLOSURE_PROPOSAL: z.strictObject({ closure: z.enum(['CLOSED', 'CLOSED_REFERRED']) }),
  CLOSURE_CONFIRMATION: z.discriminatedUnion('decision', [
    z.strictObject({ decision: z.literal('confirm') }),
    z.strictObject({ decision: z.literal('reject'), reason: reasonText }),
  ]),
  MINUTES: minutesSchema,
  ACTION_ITEM: z.discriminatedUnion('result', [
    z.strictObject({ result: z.literal('done') }),
    z.strictObject({ result: z.literal('not-possible'), reason: reasonText }),
  ]),
  PREVENTION: z.discriminatedUnion('result', [
    z.strictObject({
      result: z.literal('done'),
      /** When and where the session was held, and how many took part. */
      date: calendarDay,
      place: safeText(200),
      participants: z.coerce.number().int().min(1).max(100_000),
    }),
    z.strictObject({ result: z.literal('not-possible'), reason: reasonText }),
  ]),
} as const satisfies Record<TaskKind, z.ZodType>;

export type TaskOutcome<K extends TaskKind = TaskKind> = z.output<(typeof OUTCOME_SCHEMAS)[K]>;

/** Who a task is for, resolved against the case and the directory when it opens. */
export type Assignee =
  /** The NGO the case is offered to (the task's own organisation). */
  | 'offered-ngo'
  /** The NGO that accepted the case. */
  | 'case-ngo'
  /** The region's municipality with child protection ability. */
  | 'child-protection-unit'
  /** The organisation a plan item (or a meeting's action item) names. */
  | 'item-org'
  /** The region's coordinators (the task's organisation is the coordinators' one). */
  | 'coordinator';

export interface TaskKindSpec {
  readonly assignee: Assignee;
  /** Contact roles the task's email goes to, first match wins (case workers, else focal points). */
  readonly contactRoles: readonly ('focal-point' | 'case-worker' | 'coordinator')[];
  /** Whether a workflow waits on it (a `.waitForTaskToken` state) or it stands alone. */
  readonly waited: boolean;
  /**
   * Where its due instant is counted from: the case's acceptance, the start of follow-up, or
   * the moment it opens.
   */
  readonly dueFrom: 'acceptance' | 'follow-up' | 'open';
  /** The case status its completion moves the case to, from the statuses listed. */
  readonly moves?: { readonly from: readonly CaseStatus[]; readonly to: CaseStatus };
}

const CASE_TEAM = ['case-worker', 'focal-point'] as const;

export const TASK_KIND_SPECS: Readonly<Record<TaskKind, TaskKindSpec>> = {
  OFFER: { assignee: 'offered-ngo', contactRoles: ['focal-point'], waited: true, dueFrom: 'open' },
  CHILD_PROTECTION: {
    assignee: 'child-protection-unit',
    contactRoles: ['focal-point'],
    waited: false,
    dueFrom: 'open',
  },
  NEEDS_ASSESSMENT: {
    assignee: 'case-ngo',
    contactRoles: CASE_TEAM,
    waited: true,
    dueFrom: 'acceptance',
    moves: { from: ['ACCEPTED'], to: 'ASSESSED' },
  },
  REFLECTION_REVIEW: { assignee: 'case-ngo', contactRoles: CASE_TEAM, waited: false, dueFrom: 'acceptance' },
  ASSISTANCE_PLAN: {
    assignee: 'case-ngo',
    contactRoles: CASE_TEAM,
    waited: true,
    dueFrom: 'acceptance',
    moves: { from: ['ASSESSED'], to: 'IN_ASSISTANCE' },
  },
  PLAN_ITEM: { assignee: 'item-org', contactRoles: ['focal-point'], waited: false, dueFrom: 'open' },
  PLAN_REVIEW: { assignee: 'case-ngo', contactRoles: CASE_TEAM, waited: true, dueFrom: 'open' },
  FOLLOW_UP: { assignee: 'case-ngo', contactRoles: CASE_TEAM, waited: true, dueFrom: 'follow-up' },
  CLOSURE_PROPOSAL: { assignee: 'case-ngo', contactRoles: CASE_TEAM, waited: true, dueFrom: 'open' },
  CLOSURE_CONFIRMATION: {
    assignee: 'coordinator',
    contactRoles: ['coordinator'],
    waited: true,
    dueFrom: 'open',
  },
  MINUTES: { assignee: 'coordinator', contactRoles: ['coordinator'], waited: false, dueFrom: 'open' },
  ACTION_ITEM: { assignee: 'item-org', contactRoles: ['focal-point'], waited: false, dueFrom: 'open' },
  PREVENTION: { assignee: 'item-org', contactRoles: ['focal-point'], waited: false, dueFrom: 'open' },
};

/** Statuses after which nothing more happens to a case (until a coordinator reopens it). */
export const FINAL_CASE_STATUSES: readonly CaseStatus[] = ['CLOSED', 'CLOSED_REFERRED', 'WITHDRAWN'];

/**
 * What an outcome means: the task's final status, the one word the workflow branches on
 * (never free text), and the case status it reaches, if any.
 */
export interface Resolution {
  readonly status: 'DONE' | 'DECLINED';
  readonly result: string;
  readonly caseStatus?: { readonly from: readonly CaseStatus[]; readonly to: CaseStatus };
  /** Plan items the outcome asks for. */
  readonly items: readonly PlanItemRequest[];
  /** The free-text reason of a "no", kept on the task item only. */
  readonly reason?: string;
}

export function resolveOutcome(kind: TaskKind, outcome: TaskOutcome): Resolution {
  const spec = TASK_KIND_SPECS[kind];
  const o = outcome as Record<string, unknown>;
  const no = o.decision === 'decline' || o.decision === 'reject' || o.result === 'not-possible';
  const reason = no && typeof o.reason === 'string' ? { reason: o.reason } : {};
  const items = Array.isArray(o.items) ? (o.items as PlanItemRequest[]) : [];
  switch (kind) {
    case 'OFFER':
      return {
        status: o.decision === 'accept' ? 'DONE' : 'DECLINED',
        result: String(o.decision),
        items,
        ...reason,
      };
    case 'PLAN_ITEM':
    case 'ACTION_ITEM':
    case 'PREVENTION':
      return {
        status: o.result === 'done' ? 'DONE' : 'DECLINED',
        result: String(o.result),
        items,
        ...reason,
      };
    case 'CLOSURE_CONFIRMATION':
      return {
        status: o.decision === 'confirm' ? 'DONE' : 'DECLINED',
        result: String(o.decision),
        items,
        ...reason,
      };
    case 'PLAN_REVIEW':
      return {
        status: 'DONE',
        result: String(o.decision),
        items,
        ...(o.decision === 'complete' ? { caseStatus: { from: ['IN_ASSISTANCE'], to: 'FOLLOW_UP' } } : {}),
      };
    case 'CLOSURE_PROPOSAL':
      return { status: 'DONE', result: String(o.closure), items };
    case 'REFLECTION_REVIEW':
      return { status: 'DONE', result: String(o.reflection), items };
    case 'FOLLOW_UP':
      return { status: 'DONE', result: String(o.situation), items };
    default:
      return { status: 'DONE', result: 'done', items, ...(spec.moves ? { caseStatus: spec.moves } : {}) };
  }
}

/** Field names that may repeat in a form (check boxes); every other field is single. */
const LIST_FIELDS = new Set(['needs', 'close']);

/**
 * The link form's fields as the kind's outcome object: `needs` repeats (check boxes),
 * plan items come as `item.<service>=<orgId>` pairs, a review closes items with repeated `close`
 * and reschedules them with `reschedule.<taskId>=<days>`, `guardianAppointed=yes` is `true`.
 * Returns undefined for a field given twice that may not repeat.
 */
export function outcomeFromForm(form: URLSearchParams): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const items: PlanItemRequest[] = [];
  const reschedule: { taskId: string; dueInDays: number }[] = [];
  for (const [name, value] of form) {
    if (name.startsWith('item.')) {
      if (value === '') continue;
      items.push({ service: name.slice(5) as PlanService, orgId: value });
      continue;
    }
    if (name.startsWith('reschedule.')) {
      if (value === '') continue;
      reschedule.push({
        taskId: name.slice(11),
        dueInDays: /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN,
      });
      continue;
    }
    if (name === 'decisions') {
      // The minutes form's decisions: one per line of its text area.
      out.decisions = value
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean)
        .map((text) => ({ text }));
      continue;
    }
    if (LIST_FIELDS.has(name)) {
      out[name] = [...((out[name] as string[] | undefined) ?? []), value];
      continue;
    }
    if (Object.hasOwn(out, name)) return undefined;
    out[name] = name === 'guardianAppointed' ? value === 'yes' || value === 'true' : value;
  }
  if (items.length) out.items = items;
  if (reschedule.length) out.reschedule = reschedule;
  // An empty review or accept form leaves out optional fields rather than sending blanks.
  if (out.reason === '') delete out.reason;
  return out;
}

/** Parses an outcome for the kind; the issues name fields (`needs`, `items/0/orgId`), never values. */
export function parseOutcome(
  kind: TaskKind,
  raw: unknown,
): { ok: true; outcome: TaskOutcome } | { ok: false; fields: string[] } {
  const parsed = OUTCOME_SCHEMAS[kind].safeParse(raw);
  if (parsed.success) return { ok: true, outcome: parsed.data as TaskOutcome };
  const fields = parsed.error.issues.map((i) => (i.path.length ? i.path.join('/') : 'form'));
  return { ok: false, fields: [...new Set(fields)] };
}
