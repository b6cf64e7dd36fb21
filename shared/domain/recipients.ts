import type { OrgRecord } from '../data/records';
import type { Language } from '../email/templates';

export interface RecipientGroup {
  readonly language: Language;
  readonly to: string[];
}

/** Groups addresses by language, so each person reads the message in theirs. */
export function byLanguage(contacts: ReadonlyArray<{ email: string; language: Language }>): RecipientGroup[] {
  const groups = new Map<Language, Set<string>>();
  for (const c of contacts) {
    const set = groups.get(c.language) ?? new Set<string>();
    set.add(c.email);
    groups.set(c.language, set);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([language, to]) => ({ language, to: [...to].sort() }));
}

/** An NGO's focal points (the offer's addressees). */
export function focalPoints(org: OrgRecord): RecipientGroup[] {
  return byLanguage(org.contacts.filter((c) => c.roles.includes('focal-point')));
}

/** Coordinators of the cooperation group in a region. */
export function coordinators(orgs: readonly OrgRecord[], region: string): RecipientGroup[] {
  return byLanguage(
    orgs
      .filter((o) => o.regions.includes(region))
      .flatMap((o) => o.contacts.filter((c) => c.roles.includes('coordinator'))),
  );
}
