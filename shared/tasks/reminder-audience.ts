import type { CaseRecord, OrgRecord } from '../data/records';
import type { Contact } from '../domain/directory';
import { coordinatorContacts, focalPointContacts, isReachable } from '../domain/recipients';
import type { ReminderAudience } from '../domain/reminders';
import type { TaskKind } from '../domain/tasks';
import { assigneeContacts } from './assignees';

/**
 * Who a reminder step tells: the task's assignees, the organisation's focal points, or the
 * region's coordinators, reachable ones only. Nobody reachable left at one level: the next
 * one up (assignees → focal points → coordinators), so a reminder never falls into silence.
 */
export function audienceContacts(
  audience: ReminderAudience,
  kind: TaskKind,
  org: OrgRecord | undefined,
  orgs: readonly OrgRecord[],
  item: Pick<CaseRecord, 'region'>,
  /** The contacts a task names (a meeting's action item for a person): they are its assignees. */
  named?: readonly string[],
): Contact[] {
  const focal = org ? focalPointContacts(org) : [];
  const coordinators = coordinatorContacts(orgs, [item.region]);
  const wanted = new Set((named ?? []).map((e) => e.toLowerCase()));
  const assignees = !org
    ? []
    : wanted.size > 0
      ? org.contacts.filter((c) => wanted.has(c.email.toLowerCase()) && isReachable(c))
      : assigneeContacts(kind, org);
  const chain =
    audience === 'assignee'
      ? [assignees, focal, coordinators]
      : audience === 'focal-point'
        ? [focal, coordinators]
        : [coordinators];
  const found = chain.find((level) => level.length > 0) ?? [];
  const seen = new Set<string>();
  return found.filter((c) => !seen.has(c.email) && seen.add(c.email));
}
