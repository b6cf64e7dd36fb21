import type { Store } from '../../shared/data/store';
import { followUpSchedule } from '../../shared/domain/deadlines';
import { stageExecutionName, stageInputOf } from '../../shared/domain/stages';
import { FINAL_CASE_STATUSES } from '../../shared/domain/tasks';
import type { TaskClock } from '../../shared/tasks/task-context';
import { CaseStateError, parseTaskInput } from '../../shared/workflow/task-input';

export interface ScheduleStageDeps extends TaskClock {
  readonly store: Pick<Store, 'getCase' | 'putDue'>;
}

/**
 * A stage's last step: puts the next stage execution on the due-time index, where the
 * one-minute dispatcher starts it. At once, except a follow-up check-in, which opens when
 * `followUpSchedule` says: at the start of the local day `followUpLeadDays` before its check-in
 * date (counted from the case's `followUpFrom`, the end of the assistance plan, not from
 * acceptance), so no execution waits months for it. Safe to run twice: the item's key is the
 * execution's deterministic name, and the put is conditional.
 */
export async function scheduleStage(
  deps: ScheduleStageDeps,
  event: unknown,
): Promise<{ scheduled: boolean; at: string | null }> {
  const input = parseTaskInput('scheduleStage', event);
  const item = await deps.store.getCase(input.caseId);
  if (!item) throw new CaseStateError('the case does not exist');
  if (FINAL_CASE_STATUSES.includes(item.status)) return { scheduled: false, at: null };
  const now = deps.now();
  let at = now;
  if (input.stage === 'follow-up' && !input.part) {
    const from = new Date(item.followUpFrom ?? now.toISOString());
    const checkIn = followUpSchedule(deps.deadlines, from, deps.calendar)[input.sequence - 1];
    if (checkIn === undefined) throw new CaseStateError('no such follow-up check-in');
    at = new Date(Math.max(checkIn.opensAt.getTime(), now.getTime()));
  }
  const stageInput = stageInputOf(input);
  await deps.store.putDue({
    type: 'START_STAGE',
    dueAt: at.toISOString(),
    ref: stageExecutionName(input.stage, stageInput),
    caseId: input.caseId,
    stage: input.stage,
    input: stageInput,
  });
  return { scheduled: true, at: at.toISOString() };
}
