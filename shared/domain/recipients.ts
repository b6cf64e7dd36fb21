import type { OrgRecord } from '../data/records';
import type { Language } from '../email/templates';
import { isActive } from './active';
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

/** True while the contact is away: `now` within [from, to). */
export function isAway(contact: Pick<Contact, 'away'>, now: Date): boolean {
  const away = contact.away;
  if (!away) return false;
  const t = now.getTime();
  return Date.parse(away.from) <= t && t < Date.parse(away.to);
}

/** Deputies followed at most, when a deputy is away too (a chain, never a loop). */
const MAX_DEPUTY_HOPS = 5;

/**
 * Who gets the mail meant for `contact` at `now`: the contact itself when active, reachable and
 * present; while it is away, its deputy (looked up among `pool`, the organisation's contacts),
 * or the deputy's deputy when that one is away too; undefined when nobody is left (deactivated,
 * unreachable, or away with no usable deputy).
 */
export function standIn(contact: Contact, now: Date, pool: readonly Contact[]): Contact | undefined {
  let current: Contact | undefined = contact;
  const seen = new Set<string>();
  for (let hop = 0; current && hop <= MAX_DEPUTY_HOPS; hop++) {
    if (!isActive(current) || seen.has(current.email.toLowerCase())) return undefined;
    seen.add(current.email.toLowerCase());
    if (!isAway(current, now)) return isReachable(current) ? current : undefined;
    const deputy: string = current.away?.deputyEmail.toLowerCase() ?? '';
    current = pool.find((c) => c.email.toLowerCase() === deputy);
  }
  return undefined;
}

/**
 * The people who act for `contacts` at `now`, each once, in order: deactivated and unreachable
 * contacts left out, away ones replaced by their deputies (found among `pool`, the
 * organisation's contacts; by default `contacts` themselves). The one rule of absence for task
 * mail, reminders and meeting invitations.
 */
export function effectiveContacts(
  contacts: readonly Contact[],
  now: Date = new Date(),
  pool: readonly Contact[] = contacts,
): Contact[] {
  const seen = new Set<string>();
  const out: Contact[] = [];
  for (const c of contacts) {
    const who = standIn(c, now, pool);
    if (who && !seen.has(who.email.toLowerCase())) {
      seen.add(who.email.toLowerCase());
      out.push(who);
    }
  }
  return out;
}

/**
 * An NGO's focal points (the offer's addressees), reachable ones only. When none is left and
 * the directory is given, the coordinators of the organisation's regions instead: someone must
 * still hear of it.
 */
export function focalPoints(
  org: OrgRecord,
  orgs?: readonly OrgRecord[],
  now: Date = new Date(),
): RecipientGroup[] {
  const reachable = focalPointContacts(org, now);
  if (reachable.length || !orgs) return byLanguage(reachable);
  return regionCoordinators(orgs, org.regions, now);
}

/** Who acts for an organisation's focal points at `now` (effectiveContacts). */
export function focalPointContacts(org: OrgRecord, now: Date = new Date()): Contact[] {
  return roleContacts(org, 'focal-point', now);
}

/** Who acts for the organisation's contacts in `role` at `now` (effectiveContacts). */
export function roleContacts(
  org: OrgRecord,
  role: Contact['roles'][number],
  now: Date = new Date(),
): Contact[] {
  return effectiveContacts(
    org.contacts.filter((c) => c.roles.includes(role)),
    now,
    org.contacts,
  );
}

/**
 * Who acts for the coordinators of any of the regions (from every active organisation there)
 * at `now`, each once.
 */
export function coordinatorContacts(
  orgs: readonly OrgRecord[],
  regions: readonly string[],
  now: Date = new Date(),
): Contact[] {
  const seen = new Set<string>();
  return orgs
    .filter((o) => isActive(o) && o.regions.some((r) => regions.includes(r)))
    .flatMap((o) => roleContacts(o, 'coordinator', now))
    .filter((c) => !seen.has(c.email) && seen.add(c.email));
}

/** Coordinators of the cooperation group in a region (who acts for them now). */
export function coordinators(
  orgs: readonly OrgRecord[],
  region: string,
  now: Date = new Date(),
): RecipientGroup[] {
  return regionCoordinators(orgs, [region], now);
}

/** Who acts for the coordinators of any of the regions now, each address once. */
export function regionCoordinators(
  orgs: readonly OrgRecord[],
  regions: readonly string[],
  now: Date = new Date(),
): RecipientGroup[] {
  return byLanguage(coordinatorContacts(orgs, regions, now));
}
