import type { Store } from '../../shared/data/store';
import type { Mailer } from '../../shared/email/mailer';
import { noticeEmail } from '../../shared/email/templates';
import { type Metrics, noMetrics } from '../../shared/util/metrics';
import { CaseStateError, parseTaskInput } from '../../shared/workflow/task-input';

export interface AcceptCaseDeps {
  readonly store: Pick<Store, 'getCase' | 'getTask' | 'getOrganisation' | 'acceptCase' | 'markNotified'>;
  readonly mailer: Mailer;
  readonly now: () => Date;
  /** `TimeToAcceptanceSeconds`, once per acceptance. @default noMetrics */
  readonly metrics?: Metrics;
}

/**
 * The NGO accepted: case ACCEPTED, and the referring officer is told which NGO has it.
 * Safe to run twice: the status change is conditional on the case still awaiting this
 * offer, and the officer's notice is recorded on the task once sent, so a run after a stop
 * between the two still tells the officer, and a run after both tells nobody again.
 *
 * The run that moved the case records how long the case waited for an NGO
 * (`TimeToAcceptanceSeconds`, from its creation): for a case's first acceptance only, as the
 * statistics count it (shared/stats/stats.ts), since a transferred or reopened case's
 * creation is not when it started waiting for this NGO.
 */
export async function acceptCase(deps: AcceptCaseDeps, event: unknown): Promise<{ officerEmailed: boolean }> {
  const input = parseTaskInput('acceptCase', event);
  const task = await deps.store.getTask(input.taskId);
  if (!task || task.caseId !== input.caseId || task.result !== 'accept') {
    throw new CaseStateError('the offer was not accepted');
  }
  const moved = await deps.store.acceptCase({
    caseId: input.caseId,
    task: { ...task, caseId: input.caseId },
    now: deps.now().toISOString(),
  });
  // Read after the write: the officer's address, and proof that this offer won the case.
  const item = await deps.store.getCase(input.caseId);
  if (item?.status !== 'ACCEPTED' || item.acceptedOrgId !== task.orgId) {
    throw new CaseStateError('the case could not be accepted');
  }
  if (moved && item.acceptedAt && (item.cycle ?? 1) === 1) {
    const seconds = (Date.parse(item.acceptedAt) - Date.parse(item.createdAt)) / 1000;
    if (seconds >= 0) (deps.metrics ?? noMetrics).add('TimeToAcceptanceSeconds', seconds);
  }
  if (task.notifiedAt || !item.officerEmail) return { officerEmailed: false };
  const [ngo, police] = await Promise.all([
    deps.store.getOrganisation(task.orgId),
    deps.store.getOrganisation(item.referringOrgId),
  ]);
  const language = police?.contacts[0]?.language ?? 'sq';
  await deps.mailer.send(
    noticeEmail({
      to: [item.officerEmail],
      language,
      kind: 'accepted',
      reference: item.reference,
      orgName: ngo?.name ?? task.orgId,
    }),
  );
  await deps.store.markNotified(task.taskId, deps.now().toISOString());
  return { officerEmailed: true };
}
