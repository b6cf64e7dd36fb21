import type { CaseRecord, OrgRecord } from '../data/records';
import type { Contact } from '../domain/directory';
import type { ReminderAudience } from '../domain/reminders';
import { TASK_KIND_SPECS, type TaskKind } from '../domain/tasks';

/** A contact who may be written to: never one whose mail bounced or drew a complaint. */
const reachable = (c: Contact) => c.reachable !== false;

/** The people of `org` who act on a task of `kind`: the kind's contact roles, first match wins. */
export function assigneeContacts(kind: TaskKind, org: OrgRecord): Contact[] {
  const roles = [
    ...TASK_KIND_SPECS[kind].contactRoles,
    ...(kind === 'CHILD_PROTECTION' ? (['coordinator'] as const) : []),
  ];
  for (const role of roles) {
    const contacts = org.contacts.filter((c) => c.roles.includes(role) && reachable(c));
    if (contacts.length) return contacts;
  }
  return [];
}

/** The region's coordinators, from every organisation of the region. */
export function regionCoordinators(orgs: readonly OrgRecord[], region: string): Contact[] {
  return orgs
    .filter((o) => o.regions.includes(region))
    .flatMap((o) => o.contacts.filter((c) => c.roles.includes('coordinator') && reachable(c)));
}

/**
 * Who a reminder step tells: the task's assignees, the organisation's focal points, or the
 * region's coordinators. Nobody reachable left at one level: the next one up (assignees →
 * focal points → coordinators), so a reminder never falls into silence.
 */
export function audienceContacts(
  audience: ReminderAudience,
  kind: TaskKind,
  org: OrgRecord | undefined,
  orgs: readonly OrgRecord[],
  item: Pick<CaseRecord, 'region'>,
): Contact[] {
  const focal = org ? org.contacts.filter((c) => c.roles.includes('focal-point') && reachable(c)) : [];
  const coordinators = regionCoordinators(orgs, item.region);
  const chain =
    audience === 'assignee'
      ? [org ? assigneeContacts(kind, org) : [], focal, coordinators]
      : audience === 'focal-point'
        ? [focal, coordinators]
        : [coordinators];
  const found = chain.find((level) => level.length > 0) ?? [];
  const seen = new Set<string>();
  return found.filter((c) => !seen.has(c.email) && seen.add(c.email));
}
