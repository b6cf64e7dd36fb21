import type { Store } from '../../shared/data/store';
import { coordinators } from '../../shared/domain/recipients';
import type { Mailer } from '../../shared/email/mailer';
import { sendToGroups } from '../../shared/email/send-all';
import { noticeEmail } from '../../shared/email/templates';
import { CaseStateError, parseTaskInput, taskInputs } from '../../shared/workflow/task-input';

export interface CloseOfferDeps {
  readonly store: Pick<Store, 'getCase' | 'getTask' | 'listOrganisations' | 'lapseTask' | 'markNotified'>;
  readonly mailer: Mailer;
  readonly now: () => Date;
}

/**
 * After a decline or a timeout: a timed-out task is closed (and the NGO's offer count
 * freed), and the region's coordinators are told. The case stays OFFERED until the next
 * offer replaces this one.
 */
export async function closeOffer(deps: CloseOfferDeps, event: unknown): Promise<{ notified: number }> {
  const input = parseTaskInput(taskInputs.closeOffer, event);
  const [task, item] = await Promise.all([
    deps.store.getTask(input.taskId),
    deps.store.getCase(input.caseId),
  ]);
  if (!task || !item || task.caseId !== item.caseId) throw new CaseStateError('the offer or case is missing');
  if (input.outcome === 'timed_out') {
    // False when the answer arrived at the deadline and was recorded first: nothing to free.
    await deps.store.lapseTask(task, deps.now().toISOString());
  }
  // A retried step whose notice already went out does not send it again.
  if (task.notifiedAt) return { notified: 0 };
  const orgs = await deps.store.listOrganisations();
  const ngo = orgs.find((o) => o.orgId === task.orgId);
  const notified = await sendToGroups(deps.mailer, coordinators(orgs, item.region), (to, language) =>
    noticeEmail({
      to,
      language,
      kind: input.outcome === 'declined' ? 'declined' : 'timedOut',
      reference: item.reference,
      orgName: ngo?.name ?? task.orgId,
    }),
  );
  await deps.store.markNotified(task.taskId, deps.now().toISOString());
  return { notified };
}
