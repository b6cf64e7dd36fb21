import { auditLogFromEnv, mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { workflowStep } from '../../shared/workflow/step-handler';
import { closeOffer } from './close-offer';

const store = storeFromEnv();
const deps = { store, mailer: mailerFromEnv(store), now: () => new Date() };

/** Referral workflow step (Lambda task). */
export const handler = workflowStep('CloseOffer', (event) => closeOffer(deps, event), {
  audit: auditLogFromEnv(),
});
