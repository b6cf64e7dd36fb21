import { auditLogFromEnv, mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { workflowStep } from '../../shared/workflow/step-handler';
import { acceptCase } from './accept-case';

const store = storeFromEnv();
const deps = { store, mailer: mailerFromEnv(store), now: () => new Date() };

/** Referral workflow step (Lambda task). */
export const handler = workflowStep('AcceptCase', (event) => acceptCase(deps, event), {
  audit: auditLogFromEnv(),
});
