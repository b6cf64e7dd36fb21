import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod';
import { type MemberCaller, requireRole } from '../../shared/auth/caller';
import { readableCase, toView } from '../../shared/auth/case-access';
import type { CaseRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { treatedAsChild } from '../../shared/domain/codes';
import { type CaseView, PERSON_FIELD_NAMES, type Person, personSchema } from '../../shared/domain/referral';
import { FINAL_CASE_STATUSES } from '../../shared/domain/tasks';
import { ConflictError, ForbiddenError, ValidationError } from '../../shared/errors';
import { fieldIssues } from '../../shared/http/zod-issues';
import { taskIdFor } from '../../shared/tasks/task-id';
import { type OpenTaskDeps, openTask } from '../open-task/open-task';

/**
 * POST /cases/{caseId}/profile-correction body: the case version the caller read (optimistic
 * concurrency) and the profile fields to correct, each by the intake's own rule. Strict at
 * both levels: an unknown key (a name, an address) is refused, never stored.
 */
export const profileCorrectionRequestSchema = z.strictObject({
  version: z.number().int().min(1),
  person: personSchema
    .partial()
    .refine((p) => Object.keys(p).length > 0, { message: 'names no field to correct' }),
});
export type ProfileCorrectionRequest = z.infer<typeof profileCorrectionRequestSchema>;

export interface ProfileCorrectionDeps extends OpenTaskDeps {
  readonly store: OpenTaskDeps['store'] &
    Pick<Store, 'getCase' | 'getTask' | 'correctProfile' | 'listEvents'>;
}

/**
 * The id of the case's one CHILD_PROTECTION task: the one the referral workflow's
 * NotifyChildProtection opens at intake (cycle 1, first of its kind). A correction opens the
 * same task, so the case never has two, whichever comes first.
 */
export function childProtectionTaskId(caseId: string): string {
  return taskIdFor(caseId, 'CHILD_PROTECTION', 1, 1);
}

/**
 * POST /cases/{caseId}/profile-correction: the referring police unit or the NGO that accepted
 * the case corrects the person's profile (DOMAIN.md stage 1's profile; coordinators see it but
 * did not take it, so they may not: 403, as for the plan). The body names the version read;
 * another one is a 409 `version_conflict` that changes nothing, a closed case 409 `case_closed`.
 * The changed fields are recorded as a PROFILE_CORRECTED event that names them, never their
 * values; a correction that changes nothing writes nothing.
 *
 * When an age group was corrected and the person is now treated as a child, the child path
 * starts (docs/workflow.md): the case's one CHILD_PROTECTION task is opened for the region's
 * child-protection unit and emailed, through the same use case as the referral workflow's
 * step, under the same deterministic id, so it happens once. A call after a stop between the
 * correction and the email (the same correction again, with the new version) finishes it.
 */
export async function correctProfile(
  deps: ProfileCorrectionDeps,
  caller: MemberCaller,
  params: unknown,
  body: () => unknown,
): Promise<CaseView> {
  requireRole(caller, 'police', 'ngo');
  const item = await readableCase(deps.store, caller, params);
  if (caller.role === 'ngo' && item.acceptedOrgId !== caller.orgId) {
    throw new ForbiddenError('only the NGO of the case corrects its profile');
  }
  const parsed = profileCorrectionRequestSchema.safeParse(body());
  if (!parsed.success) throw new ValidationError(fieldIssues(parsed.error));
  const { version, person } = parsed.data;
  if (FINAL_CASE_STATUSES.includes(item.status)) throw new ConflictError('the case is closed', 'case_closed');
  if (version !== item.version) throw new ConflictError('the case changed meanwhile', 'version_conflict');

  const corrected: Person = { ...item.person, ...person };
  const fields = PERSON_FIELD_NAMES.filter((f) => !isDeepStrictEqual(item.person[f], corrected[f]));
  let current = item;
  if (fields.length > 0) {
    const written = await deps.store.correctProfile({
      caseId: item.caseId,
      expectedVersion: version,
      person: corrected,
      fields,
      actor: { role: caller.role, orgId: caller.orgId },
      now: deps.now().toISOString(),
    });
    if (!written) throw new ConflictError('the case changed meanwhile', 'version_conflict');
    current = (await deps.store.getCase(item.caseId)) ?? item;
  }
  if (await childPathOwed(deps, current, fields.includes('ageGroup'))) {
    await openTask(deps, {
      caseId: current.caseId,
      reference: current.reference,
      region: current.region,
      cycle: 1,
      sequence: 1,
      kind: 'CHILD_PROTECTION',
    });
  }
  return toView(current);
}

/**
 * Whether this call must (still) start the child path: the person is treated as a child, a
 * correction of the age group made them so (this one or an earlier one that stopped short),
 * and the case's CHILD_PROTECTION task is not both open and emailed, nor done. A child from
 * intake is the referral workflow's to notify.
 */
async function childPathOwed(
  deps: ProfileCorrectionDeps,
  item: CaseRecord,
  ageGroupCorrected: boolean,
): Promise<boolean> {
  if (!treatedAsChild(item.person.ageGroup) || FINAL_CASE_STATUSES.includes(item.status)) return false;
  const task = await deps.store.getTask(childProtectionTaskId(item.caseId));
  if (task && (task.status !== 'OPEN' || task.emailedAt)) return false;
  if (ageGroupCorrected) return true;
  const events = await deps.store.listEvents(item.caseId);
  return events.some((e) => e.type === 'PROFILE_CORRECTED' && e.fields?.includes('ageGroup'));
}
