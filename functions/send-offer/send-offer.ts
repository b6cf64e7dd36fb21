import type { OrganisationDirectory } from '../../shared/auth/caller';
import type { Store } from '../../shared/data/store';
import { deriveActionToken } from '../../shared/domain/action-token';
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
  readonly store: Pick<Store, 'getOrganisation' | 'armOffer' | 'rearmOffer' | 'markEmailed'>;
  /** Where the NGO's focal points are read: the container's directory cache. @default the store */
  readonly directory?: OrganisationDirectory;
  readonly mailer: Mailer;
  readonly now: () => Date;
  readonly offerDeadlineHours: number;
  readonly timeZone: string;
  /** Public base URL of the API; links are built from configuration, never from a request. */
  readonly actionBaseUrl: string;
}

/**
 * The offer's callback step: keeps the Step Functions task token on the task item, arms the
 * action link (only its hash is stored) and emails the NGO's focal points, then records the
 * email. Safe to run again at any point (ARCHITECTURE.md, principle 8):
 * - the link token is derived from the task token (`deriveActionToken`), so a run of the
 *   same attempt arms the same link (a no-op) and emails the same, working link; only a stop
 *   between the mail service accepting and the record being written sends a second copy;
 * - a run after the email was recorded sends nothing;
 * - a new attempt (new task token) after the email went out only swaps the callback token:
 *   the emailed link stays valid; a new attempt before that arms its own link as well.
 * Input carries the org and the reference, so the step reads nothing but the directory.
 */
export async function sendOffer(deps: SendOfferDeps, event: unknown): Promise<{ emailed: boolean }> {
  const input = parseTaskInput(taskInputs.sendOffer, event);
  // The state's timer started when it was entered, a moment before this step runs: the link
  // expires a margin earlier, so no answer can be recorded after the workflow timed out.
  const fresh = new Date(
    addHours(deps.now(), deps.offerDeadlineHours).getTime() - linkMarginMs(deps.offerDeadlineHours),
  );
  const { token, hash } = deriveActionToken(input.taskToken, input.taskId);
  // The focal points are read beside the arming, not after it: one round trip less on the
  // way to the email; a run that turns out to send nothing wastes one directory read.
  const [armed, org] = await Promise.all([
    deps.store.armOffer({
      taskId: input.taskId,
      caseId: input.caseId,
      sfnTaskToken: input.taskToken,
      link: { hash, taskId: input.taskId, expiresAt: fresh.toISOString() },
    }),
    (deps.directory ?? deps.store).getOrganisation(input.orgId),
  ]);
  if (armed.kind === 'closed') throw new CaseStateError('the offer is not open');
  if (armed.kind === 'emailed-before') {
    if (!(await deps.store.rearmOffer(input.taskId, input.taskToken)))
      throw new CaseStateError('the offer closed');
    return { emailed: false };
  }
  if (armed.kind === 'armed-before' && armed.emailed) return { emailed: false };
  // An earlier run of this attempt armed the link: its deadline stands, as in its email.
  const deadline = armed.kind === 'armed-before' ? new Date(armed.deadline) : fresh;

  if (!org) throw new CaseStateError('the organisation is missing');
  const link = `${deps.actionBaseUrl.replace(/\/+$/, '')}/actions/${token}`;
  await sendToGroups(deps.mailer, focalPoints(org), (to, language) =>
    offerEmail({ to, language, reference: input.reference, deadline, timeZone: deps.timeZone, link }),
  );
  await deps.store.markEmailed(input.taskId, deps.now().toISOString());
  return { emailed: true };
}
