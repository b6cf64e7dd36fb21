import { coversRegion, type MemberCaller, requireRole } from '../../shared/auth/caller';
import type { CaseRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { type CaseView, caseIdParamsSchema } from '../../shared/domain/referral';
import { NotFoundError } from '../../shared/errors';

export interface GetCaseDeps {
  readonly store: Pick<Store, 'getCase' | 'getTask'>;
}

/**
 * Who may read a case: the referring officer's organisation, the NGO it is offered to now
 * or that accepted it (not those that declined), and coordinators of an organisation that
 * works in the case's region. Anyone else gets the same 404 as for a case that does not exist.
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

/** GET /cases/{caseId}. Council and admin see no case details (DOMAIN.md). */
export async function getCase(deps: GetCaseDeps, caller: MemberCaller, params: unknown): Promise<CaseView> {
  requireRole(caller, 'police', 'ngo', 'coordinator');
  const parsed = caseIdParamsSchema.safeParse(params);
  // A malformed id cannot name a case: the same 404 as an unknown one.
  if (!parsed.success) throw new NotFoundError('no such case');
  const item = await deps.store.getCase(parsed.data.caseId);
  if (!item || !mayRead(caller, item)) throw new NotFoundError('no such case');
  if (caller.role === 'ngo' && item.acceptedOrgId !== caller.orgId) {
    // Offered, not accepted: readable only while the offer is still open (not after a decline).
    const offer = item.currentOfferTaskId ? await deps.store.getTask(item.currentOfferTaskId) : undefined;
    if (offer?.status !== 'OPEN' || offer.orgId !== caller.orgId) throw new NotFoundError('no such case');
  }
  return toView(item);
}
