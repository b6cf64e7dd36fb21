import type { CaseRecord, OrgRecord } from '../data/records';
import { byLanguage, type RecipientGroup } from '../domain/recipients';
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
      return inRegion.find((o) => o.kind === 'municipality' && o.childProtection);
    case 'coordinator':
      return inRegion.find((o) => o.contacts.some((c) => c.roles.includes('coordinator')));
    case 'item-org':
      return undefined;
  }
}

/** Who at the organisation gets the task's email: the kind's contact roles, first match wins. */
export function taskRecipients(kind: TaskKind, org: OrgRecord): RecipientGroup[] {
  for (const role of TASK_KIND_SPECS[kind].contactRoles) {
    const contacts = org.contacts.filter((c) => c.roles.includes(role));
    if (contacts.length) return byLanguage(contacts);
  }
  return [];
}
