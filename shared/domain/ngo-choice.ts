import { isActive } from './active';
import type { Need } from './codes';
import type { Organisation } from './directory';

/** Why an NGO was chosen; stored on the offer. */
export type OfferReason = 'PREFERRED' | 'REGION_SERVICE_MATCH';

export interface NgoCandidate {
  readonly org: Pick<
    Organisation,
    'orgId' | 'kind' | 'regions' | 'services' | 'capacity' | 'childProtection' | 'active'
  >;
  /** Offers currently waiting for this NGO's answer. */
  readonly openOffers: number;
}

export interface ChoiceInput {
  readonly region: string;
  readonly needs: readonly Need[];
  readonly child: boolean;
  readonly preferredNgoId?: string;
  /** NGOs this case was already offered to (declined or timed out): never again. */
  readonly alreadyOffered: ReadonlySet<string>;
}

export interface Choice {
  readonly orgId: string;
  readonly reason: OfferReason;
}

/**
 * Picks the NGO to offer a case to, or undefined when none is left (DOMAIN.md stage 2):
 * the preferred NGO if it covers the region, was not offered yet and, for a child, is
 * child-capable, then NGOs covering
 * the region that offer a needed service, are child-capable for a child, were not offered
 * the case and have capacity; ties by fewest open offers, then org id.
 */
export function chooseNgo(candidates: readonly NgoCandidate[], input: ChoiceInput): Choice | undefined {
  // A deactivated NGO gets no offers, not even as the preferred one.
  const ngos = candidates.filter(
    (c) => c.org.kind === 'ngo' && isActive(c.org) && !input.alreadyOffered.has(c.org.orgId),
  );
  if (input.preferredNgoId) {
    const preferred = ngos.find(
      (c) => c.org.orgId === input.preferredNgoId && c.org.regions.includes(input.region),
    );
    if (preferred) return { orgId: preferred.org.orgId, reason: 'PREFERRED' };
  }
  const eligible = ngos
    .filter(
      (c) =>
        c.org.regions.includes(input.region) &&
        c.org.services.some((s) => input.needs.includes(s)) &&
        (!input.child || c.org.childProtection) &&
        c.openOffers < c.org.capacity,
    )
    .sort(
      (a, b) =>
        a.openOffers - b.openOffers || (a.org.orgId < b.org.orgId ? -1 : a.org.orgId > b.org.orgId ? 1 : 0),
    );
  const first = eligible[0];
  return first ? { orgId: first.org.orgId, reason: 'REGION_SERVICE_MATCH' } : undefined;
}
