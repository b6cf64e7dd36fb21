import type { Store } from '../../shared/data/store';
import { coordinators } from '../../shared/domain/recipients';
import type { Mailer } from '../../shared/email/mailer';
import { sendToGroups } from '../../shared/email/send-all';
import { noticeEmail } from '../../shared/email/templates';
import { CaseStateError, parseTaskInput } from '../../shared/workflow/task-input';

export interface MarkUnassignedDeps {
  readonly store: Pick<
    Store,
    'getCase' | 'listOrganisations' | 'markUnassigned' | 'getNotice' | 'markNoticeSent'
  >;
  readonly mailer: Mailer;
  readonly now: () => Date;
}

/**
 * No NGO is left: case UNASSIGNED and the coordinators must assign it by hand; the referring
 * officer is told it waits on them. Safe to run
 * twice: the status change is conditional, and the notice is recorded once sent, so a run
 * after a stop between the two still tells the coordinators, and a run after both tells
 * nobody again. The reference and region come with the input.
 */
export async function markUnassigned(
  deps: MarkUnassignedDeps,
  event: unknown,
): Promise<{ notified: number }> {
  const input = parseTaskInput('markUnassigned', event);
  const changed = await deps.store.markUnassigned({ caseId: input.caseId, now: deps.now().toISOString() });
  if (!changed) {
    // Refused: an earlier run changed it (go on to the notice), or the case is gone or closed.
    const item = await deps.store.getCase(input.caseId);
    if (item?.status !== 'UNASSIGNED') throw new CaseStateError('the case cannot be marked unassigned');
    if (await deps.store.getNotice(input.caseId, 'unassigned')) return { notified: 0 };
  }
  const [orgs, item] = await Promise.all([deps.store.listOrganisations(), deps.store.getCase(input.caseId)]);
  const notified = await sendToGroups(deps.mailer, coordinators(orgs, input.region), (to, language) =>
    noticeEmail({ to, language, kind: 'unassigned', reference: input.reference }),
  );
  // The referring officer is told too: the case waits on the coordinators now.
  if (item?.officerEmail) {
    const police = orgs.find((o) => o.orgId === item.referringOrgId);
    await deps.mailer.send(
      noticeEmail({
        to: [item.officerEmail],
        language: police?.contacts[0]?.language ?? 'sq',
        kind: 'waiting',
        reference: input.reference,
      }),
    );
  }
  await deps.store.markNoticeSent(input.caseId, 'unassigned', deps.now().toISOString());
  return { notified };
}
