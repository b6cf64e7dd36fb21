import type { CaseRecord, OrgRecord, TaskRecord } from '../data/records';
import type { Store } from '../data/store';
import { isActive } from '../domain/active';
import type { Contact } from '../domain/directory';
import { byLanguage, effectiveContacts, focalPoints, type RecipientGroup } from '../domain/recipients';
import { TASK_KIND_SPECS, type TaskKind } from '../domain/tasks';

/**
 * The organisation a new task of `kind` goes to, for a case; undefined when the directory
 * has none (the step then fails loudly: a coordinator must fix the directory).
 */
export function assigneeOrg(
  kind: TaskKind,
  item: CaseRecord,
  all: readonly OrgRecord[],
): OrgRecord | undefined {
  // A deactivated organisation is never an assignee: its case's tasks wait for a transfer.
  const orgs = all.filter(isActive);
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
        inRegion.find((o) => o.contacts.some((c) => c.roles.includes('coordinator') && isActive(c)))
      );
    case 'coordinator':
      return inRegion.find((o) => o.contacts.some((c) => c.roles.includes('coordinator') && isActive(c)));
    case 'item-org':
      return undefined;
  }
}

/**
 * The people of `org` who act on a task of `kind` at `now`: the kind's contact roles, first
 * match wins, as effectiveContacts has them (active and reachable; an away contact's deputy
 * instead of the contact).
 */
export function assigneeContacts(kind: TaskKind, org: OrgRecord, now: Date = new Date()): Contact[] {
  for (const role of assigneeRoles(kind)) {
    const contacts = effectiveContacts(
      org.contacts.filter((c) => c.roles.includes(role)),
      now,
      org.contacts,
    );
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
  now: Date = new Date(),
): RecipientGroup[] {
  const contacts = assigneeContacts(kind, org, now);
  if (contacts.length) return byLanguage(contacts);
  // Only an active contact in the roles who cannot be reached (marked unreachable, or away with
  // no deputy to stand in) empties them: otherwise nobody was there to begin with.
  const roles = assigneeRoles(kind);
  if (!org.contacts.some((c) => isActive(c) && roles.some((r) => c.roles.includes(r)))) return [];
  return focalPoints(org, orgs, now);
}

/**
 * Who is told that `cancelled` tasks will not be done (a withdrawal, a closure): each task's
 * recipients at its organisation (`known`, one already at hand, is not read again), none twice
 * and none already in `seen`, which learns them.
 */
export async function cancelledTaskRecipients(
  store: Pick<Store, 'getOrganisation'>,
  cancelled: readonly TaskRecord[],
  seen: Set<string>,
  known?: OrgRecord,
): Promise<RecipientGroup[]> {
  const groups: RecipientGroup[] = [];
  for (const task of cancelled) {
    const org = task.orgId === known?.orgId ? known : await store.getOrganisation(task.orgId);
    if (!org) continue;
    for (const g of taskRecipients(task.kind, org)) {
      const to = g.to.filter((a) => !seen.has(a));
      for (const a of to) seen.add(a);
      if (to.length) groups.push({ ...g, to });
    }
  }
  return groups;
}
