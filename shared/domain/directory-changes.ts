import type { DirectoryEventType, VersionedOrg } from '../data/directory-store';
import { DIRECTORY_FIELDS, isActive, type Organisation } from './directory';

/** The directory entry of a stored organisation (no live data, no version). */
export function entryOf(org: VersionedOrg | Organisation): Organisation {
  const entry: Record<string, unknown> = { orgId: org.orgId };
  for (const f of DIRECTORY_FIELDS) if (org[f] !== undefined) entry[f] = org[f];
  return entry as Organisation;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The names of the fields a change touched, for the audit history: top-level fields, and for
 * contacts the field of each contact (`contacts/0/roles`) or the contact itself when added or
 * removed (`contacts/2`). Never values: names and addresses are personal data.
 */
export function changedFields(before: Organisation | undefined, after: Organisation): string[] {
  if (!before) return DIRECTORY_FIELDS.filter((f) => after[f] !== undefined);
  const fields: string[] = [];
  for (const f of DIRECTORY_FIELDS) {
    if (same(before[f], after[f])) continue;
    if (f !== 'contacts') {
      fields.push(f);
      continue;
    }
    const n = Math.max(before.contacts.length, after.contacts.length);
    for (let i = 0; i < n; i++) {
      const b = before.contacts[i] as Record<string, unknown> | undefined;
      const a = after.contacts[i] as Record<string, unknown> | undefined;
      if (!a || !b) fields.push(`contacts/${i}`);
      else
        for (const k of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort())
          if (!same(b[k], a[k])) fields.push(`contacts/${i}/${k}`);
    }
  }
  return fields;
}

/** The kind of audit event a change from `before` to `after` is. */
export function eventType(before: Organisation, after: Organisation): DirectoryEventType {
  if (isActive(before) && !isActive(after)) return 'ORG_DEACTIVATED';
  if (!isActive(before) && isActive(after)) return 'ORG_REACTIVATED';
  return 'ORG_CHANGED';
}
