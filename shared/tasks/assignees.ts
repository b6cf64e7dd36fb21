import type { CaseRecord, OrgRecord } from '../data/records';
import type { Contact } from '../domain/directory';
import { byLanguage, focalPoints, isReachable, type RecipientGroup } from '../domain/recipients';
import { TASK_KIND_SPECS, type TaskKind } from '../domain/tasks';

/**
 * The organisation a new task of `kind` goes to, for a case; undefined when the directory
 * has none (the step then fails loudly: a coordinator must fix the directory).
 */
export function assigneeOrg(
  kind: TaskKind,
  item: CaseRecord,
  orgs: readonly OrgRecord[],
): OrgRecord | undefined {
  const inRegion = orgs.filter((o) => o.regions.includes(item.region));
  switch (TASK_KIND_SPECS[kind].assignee) {
    case 'case-ngo':
      return orgs.find((o) => o.orgId === item.acceptedOrgId);
    case 'offered-ngo':
      return orgs.find((o) => o.orgId === item.offeredOrgId);
    case 'child-protection-unit':
      // Without a unit in the directory the region's coordinators get the task: the child
      // must not go unnotified, nor the offer wait on a directory fix.
      return (
        inRegion.find((o) => o.kind === 'municipality' && o.childProtection) ??
        inRegion.find((o) => o.contacts.some((c) => c.roles.includes('coordinator')))
      );
    case 'coordinator':
      return inRegion.find((o) => o.contacts.some((c) => c.roles.includes('coordinator')));
    case 'item-org':
      return undefined;
  }
}

/** The reachable people of `org` who act on a task of `kind`: the kind's contact roles, first match wins. */
export function assigneeContacts(kind: TaskKind, org: OrgRecord): Contact[] {
  for (const role of assigneeRoles(kind)) {
    const contacts = org.contacts.filter((c) => c.roles.includes(role) && isReachable(c));
    if (contacts.length) return contacts;
  }
  return [];
}

function assigneeRoles(kind: TaskKind) {
  return [
    ...TASK_KIND_SPECS[kind].contactRoles,
    ...(kind === 'CHILD_PROTECTION' ? (['coordinator'] as const) : []),
  ];
}

/**
 * Who at the organisation gets the task's email: the kind's contact roles, first match wins,
 * reachable contacts only. When nobody reachable is left in those roles: the organisation's
 * focal points, then (with the directory given) the coordinators of its regions.
 */
export function taskRecipients(
  kind: TaskKind,
  org: OrgRecord,
  orgs?: readonly OrgRecord[],
): RecipientGroup[] {
  const contacts = assigneeContacts(kind, org);
  if (contacts.length) return byLanguage(contacts);
  // Only a contact marked unreachable empties the roles: otherwise nobody was there to begin with.
  const roles = assigneeRoles(kind);
  if (!org.contacts.some((c) => !isReachable(c) && roles.some((r) => c.roles.includes(r)))) return [];
  return focalPoints(org, orgs);
}
