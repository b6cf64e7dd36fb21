import type { Store } from '../../shared/data/store';
import { issueActionToken } from '../../shared/domain/action-token';
import { focalPoints } from '../../shared/domain/recipients';
import type { Mailer } from '../../shared/email/mailer';
import { sendToGroups } from '../../shared/email/send-all';
import { offerEmail } from '../../shared/email/templates';
import { addHours } from '../../shared/util/time';
import { CaseStateError, parseTaskInput, taskInputs } from '../../shared/workflow/task-input';

/** How much earlier than the state's timeout the link expires: a minute, or a tenth of a short deadline. */
export const LINK_MARGIN_MS = 60_000;

export function linkMarginMs(deadlineHours: number): number {
  return Math.min(LINK_MARGIN_MS, deadlineHours * 360_000);
}

export interface SendOfferDeps {
  readonly store: Pick<
    Store,
    'getCase' | 'getTask' | 'getOrganisation' | 'armOffer' | 'rearmOffer' | 'markEmailed'
  >;
  readonly mailer: Mailer;
  readonly now: () => Date;
  readonly offerDeadlineHours: number;
  readonly timeZone: string;
  /** Public base URL of the API; links are built from configuration, never from a request. */
  readonly actionBaseUrl: string;
  readonly issueToken?: typeof issueActionToken;
}

/**
 * The offer's callback step: keeps the Step Functions task token on the task item, issues
 * the action link (only its hash is stored) and emails the NGO's focal points. A retried
 * step whose email already went out only swaps the callback token: one email, one link.
 */
export async function sendOffer(deps: SendOfferDeps, event: unknown): Promise<{ emailed: boolean }> {
  const input = parseTaskInput(taskInputs.sendOffer, event);
  const task = await deps.store.getTask(input.taskId);
  if (!task || task.caseId !== input.caseId || task.status !== 'OPEN') {
    throw new CaseStateError('the offer is not open');
  }
  if (task.emailedAt && task.actionHash) {
    if (!(await deps.store.rearmOffer(task.taskId, input.taskToken)))
      throw new CaseStateError('the offer closed');
    return { emailed: false };
  }
  const [item, org] = await Promise.all([
    deps.store.getCase(task.caseId),
    deps.store.getOrganisation(task.orgId),
  ]);
  if (!item || !org) throw new CaseStateError('the case or organisation is missing');

  // The state's timer started when it was entered, a moment before this step runs: the link
  // expires a margin earlier, so no answer can be recorded after the workflow timed out.
  const deadline = new Date(
    addHours(deps.now(), deps.offerDeadlineHours).getTime() - linkMarginMs(deps.offerDeadlineHours),
  );
  const { token, hash } = (deps.issueToken ?? issueActionToken)();
  const armed = await deps.store.armOffer({
    task,
    sfnTaskToken: input.taskToken,
    link: { hash, taskId: task.taskId, expiresAt: deadline.toISOString() },
  });
  if (!armed) throw new CaseStateError('the offer closed');

  const link = `${deps.actionBaseUrl.replace(/\/+$/, '')}/actions/${token}`;
  await sendToGroups(deps.mailer, focalPoints(org), (to, language) =>
    offerEmail({ to, language, reference: item.reference, deadline, timeZone: deps.timeZone, link }),
  );
  await deps.store.markEmailed(task.taskId, deps.now().toISOString());
  return { emailed: true };
}
