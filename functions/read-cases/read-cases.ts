import * as z from 'zod';
import { noteSubject } from '../../shared/audit/audit';
import { type MemberCaller, requireRole } from '../../shared/auth/caller';
import { CASE_READERS, mayReadNow, readableCase, toView } from '../../shared/auth/case-access';
import type { CaseEvent, CaseRecord, TaskRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import {
  CASE_STATUSES,
  type CaseStatus,
  caseViewSchema,
  OFFER_OUTCOMES,
  PERSON_FIELD_NAMES,
  slug,
} from '../../shared/domain/referral';
import { TASK_KINDS } from '../../shared/domain/tasks';
import { collectPage, decodeCursor, type ListPage, limitParam, parseQuery } from '../../shared/http/page';

export interface ReadCasesDeps {
  readonly store: Pick<Store, 'getCase' | 'getTask' | 'listCases' | 'listEvents'>;
}

export { OFFER_OUTCOMES };

export const offerEntrySchema = z.strictObject({
  orgId: slug,
  offeredAt: z.iso.datetime(),
  outcome: z.enum(OFFER_OUTCOMES),
  answeredAt: z.iso.datetime().optional(),
  /** The decline reason the NGO gave (free text kept on the task; shown to coordinators only). */
  reason: z.string().optional(),
});
export type OfferEntry = z.infer<typeof offerEntrySchema>;

/** GET /cases/{caseId} as coordinators read it: the case and its offer history, oldest first. */
export const coordinatorCaseViewSchema = caseViewSchema.extend({ offers: z.array(offerEntrySchema) });

export const timelineEventSchema = z.strictObject({
  at: z.iso.datetime(),
  type: z.string(),
  /** A role (`link`: whoever held the task's emailed link) and the organisation it acted for. */
  actor: z.strictObject({ role: z.string(), orgId: slug.optional() }),
  /** The status the case reached, when the event changed it. */
  status: z.enum(CASE_STATUSES).optional(),
  /** The kind of task the event is about. */
  kind: z.enum(TASK_KINDS).optional(),
  /** The profile fields a correction changed (PROFILE_CORRECTED): their names, never their values. */
  fields: z.array(z.enum(PERSON_FIELD_NAMES)).optional(),
  /** Coordinators only: a transfer's organisations, a transfer's or reopening's reason code, the cycle it began. */
  fromOrgId: slug.optional(),
  toOrgId: slug.optional(),
  reason: slug.optional(),
  cycle: z.number().int().min(1).optional(),
});
export type TimelineEvent = z.infer<typeof timelineEventSchema>;

export const casesQuerySchema = z.strictObject({
  status: z.enum(CASE_STATUSES).optional(),
  region: slug.optional(),
  /** Cases this organisation referred, is offered or accepted. */
  organisation: slug.optional(),
  limit: limitParam,
  cursor: z.string().optional(),
});

const casePageSchema = (item: z.ZodType) =>
  z.strictObject({ items: z.array(item), nextCursor: z.string().optional() });
export const caseListSchema = casePageSchema(caseViewSchema);
export const timelineSchema = z.strictObject({ items: z.array(timelineEventSchema) });

/** Statuses the referring police unit is told of (DOMAIN.md: and the intake it made). */
const POLICE_STATUSES: ReadonlySet<CaseStatus> = new Set([
  'REFERRED',
  'ACCEPTED',
  'UNASSIGNED',
  'WITHDRAWN',
  'CLOSED',
  'CLOSED_REFERRED',
]);

const caseIndexKey = (item: CaseRecord, partition: string) => ({
  pk: `CASE#${item.caseId}`,
  sk: 'CASE',
  gsi1pk: partition,
  gsi1sk: `${item.createdAt}#${item.caseId}`,
});

/**
 * GET /cases: the cases of the caller's regions that the caller may read, oldest first. Every
 * role that reads cases reads its regions' lists (`CASES#<region>`) and keeps what mayRead
 * allows: police their organisation's referrals, an NGO the cases offered to it now or accepted
 * by it. At this domain's scale (hundreds of cases a year per region) that costs little.
 */
export async function listCases(
  deps: ReadCasesDeps,
  caller: MemberCaller,
  query: unknown,
): Promise<ListPage<z.infer<typeof caseViewSchema>>> {
  requireRole(caller, ...CASE_READERS);
  const q = parseQuery(casesQuerySchema, query);
  const regions = [...caller.regions].sort().filter((r) => q.region === undefined || r === q.region);
  const partitions = regions.map((r) => `CASES#${r}`);
  const cursor = decodeCursor(q.cursor, partitions);
  return collectPage({
    partitions,
    cursor,
    limit: q.limit,
    read: (partition, start, limit) =>
      deps.store.listCases(partition.slice('CASES#'.length), { limit, ...(start ? { start } : {}) }),
    keyOf: caseIndexKey,
    keep: async (item) => {
      if (q.status !== undefined && item.status !== q.status) return undefined;
      if (
        q.organisation !== undefined &&
        item.referringOrgId !== q.organisation &&
        item.acceptedOrgId !== q.organisation &&
        !(item.status === 'OFFERED' && item.offeredOrgId === q.organisation)
      )
        return undefined;
      if (!(await mayReadNow(deps.store, caller, item))) return undefined;
      noteSubject({ caseId: item.caseId });
      return toView(item);
    },
  });
}

const OFFER_OUTCOME_OF: Readonly<Record<TaskRecord['status'], OfferEntry['outcome']>> = {
  OPEN: 'open',
  DONE: 'accepted',
  DECLINED: 'declined',
  TIMED_OUT: 'timed_out',
  CANCELLED: 'cancelled',
};

/** The case's offers, oldest first, from its OFFERED events and the offer tasks they name. */
export async function offerHistory(deps: ReadCasesDeps, events: readonly CaseEvent[]): Promise<OfferEntry[]> {
  const offered = events.filter((e) => e.type === 'OFFERED' && e.taskId);
  const tasks = await Promise.all(offered.map((e) => deps.store.getTask(e.taskId as string)));
  return offered.flatMap((e, i) => {
    const task = tasks[i];
    if (!task) return [];
    return [
      {
        orgId: task.orgId,
        offeredAt: e.at,
        outcome: OFFER_OUTCOME_OF[task.status],
        ...(task.completedAt ? { answeredAt: task.completedAt } : {}),
        ...(task.status === 'DECLINED' && task.note ? { reason: task.note } : {}),
      },
    ];
  });
}

/**
 * GET /cases/{caseId}. Coordinators also get the offer history (which NGO, when, accepted,
 * declined with its reason, timed out).
 */
export async function getCase(deps: ReadCasesDeps, caller: MemberCaller, params: unknown) {
  const item = await readableCase(deps.store, caller, params);
  if (caller.role !== 'coordinator') return toView(item);
  const events = await deps.store.listEvents(item.caseId);
  return { ...toView(item), offers: await offerHistory(deps, events) };
}

function present(e: CaseEvent, withDetail: boolean): TimelineEvent {
  // Events before `actorOrgId` named the actor's organisation `orgId` when no task was involved.
  const actorOrg = e.actorOrgId ?? (e.taskId === undefined ? e.orgId : undefined);
  return {
    at: e.at,
    type: e.type,
    actor: { role: e.actor, ...(actorOrg ? { orgId: actorOrg } : {}) },
    ...(e.status ? { status: e.status } : {}),
    ...(e.kind ? { kind: e.kind } : {}),
    ...(e.fields ? { fields: e.fields.filter(isPersonField) } : {}),
    ...(withDetail && e.fromOrgId ? { fromOrgId: e.fromOrgId } : {}),
    ...(withDetail && e.toOrgId ? { toOrgId: e.toOrgId } : {}),
    ...(withDetail && e.reason ? { reason: e.reason } : {}),
    ...(withDetail && e.cycle ? { cycle: e.cycle } : {}),
  };
}

const isPersonField = (f: string): f is (typeof PERSON_FIELD_NAMES)[number] =>
  (PERSON_FIELD_NAMES as readonly string[]).includes(f);

/**
 * Which events a reader is shown: coordinators all; police the status changes they are told
 * of; an NGO the events of its own tasks, and the status changes and profile corrections from
 * when the case was first offered to it (it works from the profile).
 */
export function visibleEvents(caller: MemberCaller, events: readonly CaseEvent[]): CaseEvent[] {
  switch (caller.role) {
    case 'coordinator':
      return [...events];
    case 'police':
      return events.filter((e) => e.status !== undefined && POLICE_STATUSES.has(e.status));
    case 'ngo': {
      const since = events.find((e) => e.orgId === caller.orgId)?.at;
      if (since === undefined) return [];
      return events.filter(
        (e) =>
          e.orgId === caller.orgId ||
          ((e.status !== undefined || e.type === 'PROFILE_CORRECTED') && e.at >= since),
      );
    }
    default:
      return [];
  }
}

/** GET /cases/{caseId}/timeline: the append-only events, oldest first, as the caller may see them. */
export async function caseTimeline(
  deps: ReadCasesDeps,
  caller: MemberCaller,
  params: unknown,
): Promise<{ items: TimelineEvent[] }> {
  const item = await readableCase(deps.store, caller, params);
  const events = await deps.store.listEvents(item.caseId);
  // Who a case moved between and why is the coordinators' to know (the matrix's "whole timeline").
  const withDetail = caller.role === 'coordinator';
  return { items: visibleEvents(caller, events).map((e) => present(e, withDetail)) };
}
