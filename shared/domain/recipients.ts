import type { OrgRecord } from '../data/records';
import type { Language } from '../email/templates';
import type { Contact } from './directory';

export interface RecipientGroup {
  readonly language: Language;
  /** Where they read times (deadlines); absent: the group's zone. */
  readonly timeZone?: string;
  readonly to: string[];
}

/**
 * Groups addresses by language and time zone, so each person reads the message in their
 * language with its deadline on their own clock.
 */
export function byLanguage(
  contacts: ReadonlyArray<{ email: string; language: Language; timeZone?: string | undefined }>,
): RecipientGroup[] {
  const groups = new Map<string, { language: Language; timeZone?: string; to: Set<string> }>();
  for (const c of contacts) {
    const key = `${c.language}|${c.timeZone ?? ''}`;
    const group = groups.get(key) ?? {
      language: c.language,
      ...(c.timeZone ? { timeZone: c.timeZone } : {}),
      to: new Set(),
    };
    group.to.add(c.email);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, g]) => ({
      language: g.language,
      ...(g.timeZone ? { timeZone: g.timeZone } : {}),
      to: [...g.to].sort(),
    }));
}

/** False once mail to the contact hard-bounced or drew a complaint: never email it. */
export function isReachable(contact: { readonly reachable?: boolean | undefined }): boolean {
  return contact.reachable !== false;
}

/**
 * An NGO's focal points (the offer's addressees), reachable ones only. When none is left and
 * the directory is given, the coordinators of the organisation's regions instead: someone must
 * still hear of it.
 */
export function focalPoints(org: OrgRecord, orgs?: readonly OrgRecord[]): RecipientGroup[] {
  const reachable = focalPointContacts(org);
  if (reachable.length || !orgs) return byLanguage(reachable);
  return regionCoordinators(orgs, org.regions);
}

/** An organisation's reachable focal points. */
export function focalPointContacts(org: OrgRecord): Contact[] {
  return org.contacts.filter((c) => c.roles.includes('focal-point') && isReachable(c));
}

/** Reachable coordinators of any of the regions (from every organisation there), each once. */
export function coordinatorContacts(orgs: readonly OrgRecord[], regions: readonly string[]): Contact[] {
  const seen = new Set<string>();
  return orgs
    .filter((o) => o.regions.some((r) => regions.includes(r)))
    .flatMap((o) => o.contacts.filter((c) => c.roles.includes('coordinator') && isReachable(c)))
    .filter((c) => !seen.has(c.email) && seen.add(c.email));
}

/** Coordinators of the cooperation group in a region (reachable ones). */
export function coordinators(orgs: readonly OrgRecord[], region: string): RecipientGroup[] {
  return regionCoordinators(orgs, [region]);
}

/** Reachable coordinators of any of the regions, each address once. */
export function regionCoordinators(orgs: readonly OrgRecord[], regions: readonly string[]): RecipientGroup[] {
  return byLanguage(coordinatorContacts(orgs, regions));
}
