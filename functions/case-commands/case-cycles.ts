import * as z from 'zod';
import { type MemberCaller, requireRole } from '../../shared/auth/caller';
import { readableCase, toView } from '../../shared/auth/case-access';
import type { Actor, CaseEvent, CaseRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { focalPoints } from '../../shared/domain/recipients';
import { type CaseStatus, type CaseView, slug } from '../../shared/domain/referral';
import { stageExecutionName, stageInputOf } from '../../shared/domain/stages';
import type { TaskKind } from '../../shared/domain/tasks';
import { sendToGroups } from '../../shared/email/send-all';
import { caseEndEmail } from '../../shared/email/templates';
import { ConflictError } from '../../shared/errors';
import {
  actorOf,
  type CaseCommandsDeps,
  cancelOpenTasks,
  parseBody,
  requireRegionNgo,
  reread,
} from './case-commands';

/** Why a coordinator transfers a case: a code, never free text (events and mail carry no prose). */
export const TRANSFER_REASONS = [
  'capacity',
  'specialised-service',
  'conflict-of-interest',
  'person-request',
  'other',
] as const;
/** Why a coordinator reopens a closed case: a code, never free text. */
export const REOPENING_REASONS = ['new-needs', 'safety-concern', 'person-request', 'other'] as const;

export const transferRequestSchema = z.strictObject({ orgId: slug, reason: z.enum(TRANSFER_REASONS) });
export const reopeningRequestSchema = z.strictObject({ reason: z.enum(REOPENING_REASONS) });

/** The statuses an NGO holds a case in: the ones a transfer takes it from. */
export const TRANSFERABLE_STATUSES: readonly CaseStatus[] = [
  'ACCEPTED',
  'ASSESSED',
  'IN_ASSISTANCE',
  'FOLLOW_UP',
];
/** A reopened case resumes in assistance: a new plan review for the NGO that had it. */
export const REOPENABLE_STATUSES: readonly CaseStatus[] = ['CLOSED', 'CLOSED_REFERRED'];

/** The fixed cause a transfer fails the old cycle's waiting callbacks with (no case data). */
export const TASK_TRANSFERRED_CAUSE = 'the case was transferred';

/**
 * Tasks a transfer leaves open: the new offer (the new cycle's) and the child protection
 * unit's, which is the municipality's work for the child whichever NGO has the case.
 */
const KEPT_BY_TRANSFER: readonly TaskKind[] = ['OFFER', 'CHILD_PROTECTION'];

export interface CaseCycleDeps extends CaseCommandsDeps {
  readonly store: CaseCommandsDeps['store'] & Pick<Store, 'putDue'>;
}

/** The event that began the case's current cycle, when it is of `type`. */
async function cycleEvent(
  deps: CaseCycleDeps,
  item: CaseRecord,
  type: string,
): Promise<CaseEvent | undefined> {
  const events = await deps.store.listEvents(item.caseId);
  return events.find((e) => e.type === type && e.cycle === (item.cycle ?? 1));
}

async function tellNgo(
  deps: CaseCycleDeps,
  item: CaseRecord,
  orgId: string,
  kind: 'transferred' | 'reopened',
): Promise<void> {
  const ngo = await deps.store.getOrganisation(orgId);
  if (!ngo) return;
  await sendToGroups(deps.mailer, focalPoints(ngo), (to, language) =>
    caseEndEmail({ to, language, kind, reference: item.reference }),
  );
}

/**
 * POST /cases/{caseId}/transfer: a coordinator of the region gives a case an NGO holds
 * (ACCEPTED to FOLLOW_UP) to another NGO of the region, for a reason code. In one conditional
 * write the case goes back to REFERRED in a new cycle, with that NGO as the preferred one, the
 * first NGO as already offered (a decline moves on to a third NGO, not back) and no NGO
 * accepted: the first NGO loses access at once. Then the old cycle's open tasks are cancelled
 * (waiting callbacks failed with TaskCancelled first, so their stage executions end), the
 * first NGO's focal points are told, and the referral workflow starts under
 * `<caseId>-transfer-<cycle>`, whose offer tells the new NGO. A repeated call with the same
 * body carries on where a stopped one left off and starts nothing twice.
 */
export async function transferCase(
  deps: CaseCycleDeps,
  caller: MemberCaller,
  params: unknown,
  body: () => unknown,
): Promise<CaseView> {
  requireRole(caller, 'coordinator');
  const item = await readableCase(deps.store, caller, params);
  const { orgId, reason } = parseBody(transferRequestSchema, body());
  await requireRegionNgo(deps, orgId, item, item.acceptedOrgId);
  const actor = actorOf(caller);
  if (TRANSFERABLE_STATUSES.includes(item.status) && item.acceptedOrgId) {
    const cycle = (item.cycle ?? 1) + 1;
    await deps.store.moveCase({
      caseId: item.caseId,
      from: TRANSFERABLE_STATUSES,
      to: 'REFERRED',
      type: 'TRANSFERRED',
      actor,
      now: deps.now().toISOString(),
      cycle: item.cycle ?? 1,
      facts: { cycle, preferredNgoId: orgId, offeredOrgIds: [item.acceptedOrgId] },
      remove: [
        'acceptedOrgId',
        'acceptedAt',
        'currentOfferTaskId',
        'offeredOrgId',
        'followUpFrom',
        'closureProposal',
      ],
      detail: { fromOrgId: item.acceptedOrgId, toOrgId: orgId, reason, cycle },
    });
  }
  const current = await reread(deps, item.caseId);
  const transfer = await cycleEvent(deps, current, 'TRANSFERRED');
  if (transfer?.toOrgId !== orgId || transfer.reason !== reason || !transfer.fromOrgId) {
    throw new ConflictError('the case is not held by an NGO', 'not_accepted');
  }
  // The old cycle's tasks, only until the new NGO accepts: afterwards every open task is the
  // new cycle's (the old stage executions can open none: open-task refuses an old cycle).
  if (current.status === 'REFERRED' || current.status === 'OFFERED') {
    await cancelOldTasks(deps, current, actor);
  }
  const notice = `transferred-${current.cycle ?? 1}` as const;
  if (!(await deps.store.getNotice(item.caseId, notice))) {
    await tellNgo(deps, current, transfer.fromOrgId, 'transferred');
    await deps.store.markNoticeSent(item.caseId, notice, deps.now().toISOString());
  }
  if (current.status === 'REFERRED' && !current.currentOfferTaskId) {
    await deps.workflow.start(
      { caseId: current.caseId, reference: current.reference, region: current.region },
      `${current.caseId}-transfer-${current.cycle ?? 1}`,
    );
  }
  return toView(await reread(deps, item.caseId));
}

/** The old cycle's work stops: every open task but the offer and the child-protection unit's. */
function cancelOldTasks(deps: CaseCycleDeps, item: CaseRecord, actor: Actor) {
  return cancelOpenTasks(deps, item, actor, TASK_TRANSFERRED_CAUSE, KEPT_BY_TRANSFER);
}

/**
 * POST /cases/{caseId}/reopening: a coordinator of the region reopens a CLOSED or
 * CLOSED_REFERRED case, for a reason code (409 `not_closed` otherwise). The case goes to
 * IN_ASSISTANCE in a new cycle with the NGO that had it: a reopening means new work on a plan
 * that exists, so it resumes where that work is reviewed, and the assistance stage of the new
 * cycle is put on the due-time index at once (as ScheduleStage does); its PLAN_REVIEW task,
 * with its first reminder, goes to the NGO within a minute. The NGO's focal points are told.
 * A repeated call with the same reason changes nothing more.
 */
export async function reopenCase(
  deps: CaseCycleDeps,
  caller: MemberCaller,
  params: unknown,
  body: () => unknown,
): Promise<CaseView> {
  requireRole(caller, 'coordinator');
  const item = await readableCase(deps.store, caller, params);
  const { reason } = parseBody(reopeningRequestSchema, body());
  if (REOPENABLE_STATUSES.includes(item.status)) {
    const cycle = (item.cycle ?? 1) + 1;
    await deps.store.moveCase({
      caseId: item.caseId,
      from: REOPENABLE_STATUSES,
      to: 'IN_ASSISTANCE',
      type: 'REOPENED',
      actor: actorOf(caller),
      now: deps.now().toISOString(),
      cycle: item.cycle ?? 1,
      facts: { cycle },
      remove: ['closedAt', 'closureProposal', 'followUpFrom'],
      detail: { reason, cycle },
    });
  }
  const current = await reread(deps, item.caseId);
  const reopening = await cycleEvent(deps, current, 'REOPENED');
  if (reopening?.reason !== reason || current.status !== 'IN_ASSISTANCE') {
    throw new ConflictError('the case is not closed', 'not_closed');
  }
  const cycle = current.cycle ?? 1;
  const notice = `reopened-${cycle}` as const;
  if (await deps.store.getNotice(item.caseId, notice)) return toView(current);
  const input = stageInputOf({
    caseId: current.caseId,
    reference: current.reference,
    region: current.region,
    cycle,
    sequence: 1,
  });
  // Conditional on the item's key (the execution name): a repeated call puts nothing new.
  await deps.store.putDue({
    type: 'START_STAGE',
    dueAt: reopening.at,
    ref: stageExecutionName('assistance', input),
    caseId: current.caseId,
    stage: 'assistance',
    input,
  });
  if (current.acceptedOrgId) await tellNgo(deps, current, current.acceptedOrgId, 'reopened');
  await deps.store.markNoticeSent(item.caseId, notice, deps.now().toISOString());
  return toView(current);
}
