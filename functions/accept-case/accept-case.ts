import type { Store } from '../../shared/data/store';
import type { Mailer } from '../../shared/email/mailer';
import { noticeEmail } from '../../shared/email/templates';
import { CaseStateError, parseTaskInput, taskInputs } from '../../shared/workflow/task-input';

export interface AcceptCaseDeps {
  readonly store: Pick<Store, 'getCase' | 'getTask' | 'getOrganisation' | 'acceptCase'>;
  readonly mailer: Mailer;
  readonly now: () => Date;
}

/** The NGO accepted: case ACCEPTED, and the referring officer is told which NGO has it. */
export async function acceptCase(deps: AcceptCaseDeps, event: unknown): Promise<{ officerEmailed: boolean }> {
  const input = parseTaskInput(taskInputs.acceptCase, event);
  const task = await deps.store.getTask(input.taskId);
  if (!task || task.caseId !== input.caseId || task.decision !== 'accept') {
    throw new CaseStateError('the offer was not accepted');
  }
  const changed = await deps.store.acceptCase({ caseId: input.caseId, task, now: deps.now().toISOString() });
  const item = await deps.store.getCase(input.caseId);
  if (item?.status !== 'ACCEPTED' || item.acceptedOrgId !== task.orgId) {
    throw new CaseStateError('the case could not be accepted');
  }
  // A retried step finds the case already accepted and does not email again.
  if (!changed || !item.officerEmail) return { officerEmailed: false };
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
  return { officerEmailed: true };
}
