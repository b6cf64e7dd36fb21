import type { Store } from '../../shared/data/store';
import { coordinators } from '../../shared/domain/recipients';
import type { Mailer } from '../../shared/email/mailer';
import { sendToGroups } from '../../shared/email/send-all';
import { noticeEmail } from '../../shared/email/templates';
import { CaseStateError, parseTaskInput, taskInputs } from '../../shared/workflow/task-input';

export interface MarkUnassignedDeps {
  readonly store: Pick<Store, 'getCase' | 'listOrganisations' | 'markUnassigned'>;
  readonly mailer: Mailer;
  readonly now: () => Date;
}

/** No NGO is left: case UNASSIGNED and the coordinators must assign it by hand. */
export async function markUnassigned(
  deps: MarkUnassignedDeps,
  event: unknown,
): Promise<{ notified: number }> {
  const input = parseTaskInput(taskInputs.markUnassigned, event);
  const item = await deps.store.getCase(input.caseId);
  if (!item) throw new CaseStateError('the case does not exist');
  const changed = await deps.store.markUnassigned({ caseId: input.caseId, now: deps.now().toISOString() });
  if (!changed) return { notified: 0 };
  const orgs = await deps.store.listOrganisations();
  const notified = await sendToGroups(deps.mailer, coordinators(orgs, item.region), (to, language) =>
    noticeEmail({ to, language, kind: 'unassigned', reference: item.reference }),
  );
  return { notified };
}
