import { noteSubject } from '../audit/audit';
import type { CaseRecord } from '../data/records';
import type { Store } from '../data/store';
import type { Role } from '../domain/codes';
import { type CaseView, caseIdParamsSchema } from '../domain/referral';
import { NotFoundError } from '../errors';
import { coversRegion, type MemberCaller, requireRole } from './caller';

/**
 * Roles that may see cases at all (docs/access.md). Council members, local-government staff
 * and admins see no case data: every case route refuses them with 403, whether or not the
 * case exists, so the refusal says nothing about it.
 */
export const CASE_READERS: readonly Role[] = ['police', 'ngo', 'coordinator'];

/**
 * Who may read a case, from the case alone: the referring officer's organisation, the NGO it
 * is offered to now or that accepted it (not those that declined), and coordinators of an
 * organisation that works in the case's region.
 */
export function mayRead(caller: MemberCaller, item: CaseRecord): boolean {
  switch (caller.role) {
    case 'coordinator':
      return coversRegion(caller, item.region);
    case 'police':
      return item.referringOrgId === caller.orgId;
    case 'ngo':
      return (
        (item.status === 'OFFERED' && item.offeredOrgId === caller.orgId) ||
        item.acceptedOrgId === caller.orgId
      );
    default:
      return false;
  }
}

/**
 * mayRead, and for an NGO the case is offered to (not accepted by), that its offer is still
 * open: between a decline and the next offer the case still names the NGO that declined.
 */
export async function mayReadNow(
  store: Pick<Store, 'getTask'>,
  caller: MemberCaller,
  item: CaseRecord,
): Promise<boolean> {
  if (!mayRead(caller, item)) return false;
  if (caller.role !== 'ngo' || item.acceptedOrgId === caller.orgId) return true;
  const offer = item.currentOfferTaskId ? await store.getTask(item.currentOfferTaskId) : undefined;
  return offer?.status === 'OPEN' && offer.orgId === caller.orgId;
}

/**
 * The case a caller names in the path, when they may read it. A role that sees no cases gets
 * 403; a malformed id, an unknown case and a case the caller may not see all get the same 404.
 */
export async function readableCase(
  store: Pick<Store, 'getCase' | 'getTask'>,
  caller: MemberCaller,
  params: unknown,
): Promise<CaseRecord> {
  requireRole(caller, ...CASE_READERS);
  const parsed = caseIdParamsSchema.safeParse(params);
  if (!parsed.success) throw new NotFoundError('no such case');
  // Noted before the answer is known: a refused look at a case is in its trail too.
  noteSubject({ caseId: parsed.data.caseId });
  const item = await store.getCase(parsed.data.caseId);
  if (!item || !(await mayReadNow(store, caller, item))) throw new NotFoundError('no such case');
  return item;
}

/** What every reader of a case sees. */
export function toView(item: CaseRecord): CaseView {
  return {
    caseId: item.caseId,
    reference: item.reference,
    region: item.region,
    status: item.status,
    interviewDate: item.interviewDate,
    person: item.person,
    referringOrgId: item.referringOrgId,
    ...(item.offeredOrgId && item.status === 'OFFERED' ? { offeredOrgId: item.offeredOrgId } : {}),
    ...(item.acceptedOrgId ? { acceptedOrgId: item.acceptedOrgId } : {}),
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
  };
}
