import { auditLogFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { taskClockFromEnv } from '../../shared/tasks/task-context';
import { workflowStep } from '../../shared/workflow/step-handler';
import { prepareOffer } from './prepare-offer';

const clock = taskClockFromEnv();
const deps = {
  store: storeFromEnv(),
  now: clock.now,
  offerDeadlineHours: clock.deadlines.OFFER.amount,
  reminders: clock.reminders,
  calendar: clock.calendar,
};

/** Referral workflow step (Lambda task). */
export const handler = workflowStep('PrepareOffer', (event) => prepareOffer(deps, event), {
  audit: auditLogFromEnv(),
});
