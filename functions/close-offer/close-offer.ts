import type { Store } from '../../shared/data/store';
import { coordinators } from '../../shared/domain/recipients';
import type { Mailer } from '../../shared/email/mailer';
import { sendToGroups } from '../../shared/email/send-all';
import { noticeEmail } from '../../shared/email/templates';
import { CaseStateError, parseTaskInput } from '../../shared/workflow/task-input';

export interface CloseOfferDeps {
  readonly store: Pick<Store, 'getTask' | 'listOrganisations' | 'lapseTask' | 'markNotified'>;
  readonly mailer: Mailer;
  readonly now: () => Date;
}

/**
 * After a decline or a timeout: a timed-out task is closed (and the NGO's offer count
 * freed), and the region's coordinators are told. The case stays OFFERED until the next
 * offer replaces this one. The reference and region come with the input; the task is read
 * for whether the notice went out already. Safe to run twice: the lapse is conditional on
 * the task being open, and the notice is recorded once sent (a stop between sending and
 * recording is the only way to send it twice).
 */
export async function closeOffer(deps: CloseOfferDeps, event: unknown): Promise<{ notified: number }> {
  const input = parseTaskInput('closeOffer', event);
  const task = await deps.store.getTask(input.taskId);
  if (!task || task.caseId !== input.caseId || task.orgId !== input.orgId)
    throw new CaseStateError('the offer is missing');
  if (input.outcome === 'timed_out') {
    // False when the answer arrived at the deadline and was recorded first, or when this
    // step already ran: nothing to free.
    await deps.store.lapseTask(task, deps.now().toISOString());
  }
  if (task.notifiedAt) return { notified: 0 };
  const orgs = await deps.store.listOrganisations();
  const ngo = orgs.find((o) => o.orgId === task.orgId);
  const notified = await sendToGroups(deps.mailer, coordinators(orgs, input.region), (to, language) =>
    noticeEmail({
      to,
      language,
      kind: input.outcome === 'declined' ? 'declined' : 'timedOut',
      reference: input.reference,
      orgName: ngo?.name ?? task.orgId,
    }),
  );
  await deps.store.markNotified(task.taskId, deps.now().toISOString());
  return { notified };
}
