import type { Store } from '../../shared/data/store';
import { byLanguage } from '../../shared/domain/recipients';
import type { Mailer } from '../../shared/email/mailer';
import { sendToGroups } from '../../shared/email/send-all';
import { caseEndEmail } from '../../shared/email/templates';
import { CaseStateError, parseTaskInput } from '../../shared/workflow/task-input';

export interface CaseEndedDeps {
  readonly store: Pick<Store, 'getCase' | 'getOrganisation' | 'getNotice' | 'markNoticeSent'>;
  readonly mailer: Mailer;
  readonly now: () => Date;
}

/**
 * The case is closed: the referring officer and the NGO's focal points are told (by
 * reference only). Safe to run twice: the notice is recorded once sent.
 */
export async function caseEnded(deps: CaseEndedDeps, event: unknown): Promise<{ notified: number }> {
  const input = parseTaskInput('caseEnded', event);
  const item = await deps.store.getCase(input.caseId);
  if (!item) throw new CaseStateError('the case does not exist');
  if (await deps.store.getNotice(input.caseId, 'closed')) return { notified: 0 };
  const [ngo, police] = await Promise.all([
    item.acceptedOrgId ? deps.store.getOrganisation(item.acceptedOrgId) : Promise.resolve(undefined),
    deps.store.getOrganisation(item.referringOrgId),
  ]);
  const officerLanguage = police?.contacts[0]?.language ?? 'sq';
  const contacts = [
    ...(ngo?.contacts.filter((c) => c.roles.includes('focal-point')) ?? []),
    ...(item.officerEmail ? [{ email: item.officerEmail, language: officerLanguage }] : []),
  ];
  const notified = await sendToGroups(deps.mailer, byLanguage(contacts), (to, language) =>
    caseEndEmail({ to, language, kind: 'closed', reference: input.reference }),
  );
  await deps.store.markNoticeSent(input.caseId, 'closed', deps.now().toISOString());
  return { notified };
}
