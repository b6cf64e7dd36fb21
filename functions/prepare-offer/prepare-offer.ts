import { randomUUID } from 'node:crypto';
import type { TaskRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { treatedAsChild } from '../../shared/domain/codes';
import { chooseNgo } from '../../shared/domain/ngo-choice';
import { type TaskClock, withFirstReminder } from '../../shared/tasks/task-context';
import { addHours } from '../../shared/util/time';
import { CaseStateError, NO_PREVIOUS_OFFER, parseTaskInput } from '../../shared/workflow/task-input';

export interface PrepareOfferDeps extends Pick<TaskClock, 'reminders' | 'calendar'> {
  readonly store: Pick<Store, 'getCase' | 'listOrganisations' | 'openOffer'>;
  readonly now: () => Date;
  /** Hours an NGO has to answer: the offer's due instant and expiry. */
  readonly offerDeadlineHours: number;
  readonly newId?: () => string;
}

/**
 * Always all four keys: the state machine's ResultSelector reads each of them. `cycle`: the
 * case's, which the stages an acceptance schedules run in (a transfer's offer is a new cycle's).
 */
export type PrepareOfferResult =
  | { found: true; taskId: string; orgId: string; cycle: number }
  | { found: false; taskId: null; orgId: null; cycle: number };

const ATTEMPTS = 3;

/**
 * Chooses the next NGO and opens its offer task. `afterTaskId` names the offer this one
 * follows, so a retried step finds its own earlier result instead of offering twice.
 */
export async function prepareOffer(deps: PrepareOfferDeps, event: unknown): Promise<PrepareOfferResult> {
  const input = parseTaskInput('prepareOffer', event);
  const after = input.afterTaskId === NO_PREVIOUS_OFFER ? undefined : input.afterTaskId;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    // Both reads at once: the directory does not depend on the case, and a retried step
    // (which needs only the case) is rare.
    const [item, orgs] = await Promise.all([
      deps.store.getCase(input.caseId),
      deps.store.listOrganisations(),
    ]);
    if (!item) throw new CaseStateError('the case does not exist');
    if (item.currentOfferTaskId && item.currentOfferTaskId !== after) {
      // This step already ran (the state is being retried): answer as it did.
      return {
        found: true,
        taskId: item.currentOfferTaskId,
        orgId: item.offeredOrgId ?? '',
        cycle: item.cycle ?? 1,
      };
    }
    if (item.status !== 'REFERRED' && item.status !== 'OFFERED') {
      throw new CaseStateError('the case is no longer open for offers');
    }
    const choice = chooseNgo(
      orgs.map((org) => ({ org, openOffers: org.openOffers })),
      {
        region: item.region,
        needs: item.person.needs,
        child: treatedAsChild(item.person.ageGroup),
        ...(item.preferredNgoId ? { preferredNgoId: item.preferredNgoId } : {}),
        alreadyOffered: new Set(item.offeredOrgIds),
      },
    );
    if (!choice) return { found: false, taskId: null, orgId: null, cycle: item.cycle ?? 1 };
    const taskId = (deps.newId ?? randomUUID)();
    const at = deps.now();
    const now = at.toISOString();
    const expiresAt = addHours(at, deps.offerDeadlineHours).toISOString();
    const opened = await deps.store.openOffer({
      caseId: item.caseId,
      expectedVersion: item.version,
      afterTaskId: after,
      now,
      task: withFirstReminder(
        deps,
        {
          taskId,
          kind: 'OFFER',
          subject: 'case',
          caseId: item.caseId,
          orgId: choice.orgId,
          status: 'OPEN',
          reason: choice.reason,
          createdAt: now,
          // The offer is the one kind that expires: its state's timeout moves the case on.
          dueAt: expiresAt,
          expiresAt,
          sequence: item.offeredOrgIds.length + 1,
        } satisfies TaskRecord,
        at,
      ),
    });
    if (opened) return { found: true, taskId, orgId: choice.orgId, cycle: item.cycle ?? 1 };
  }
  throw new CaseStateError('the case kept changing while an offer was prepared');
}
