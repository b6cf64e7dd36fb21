import { auditLogFromEnv, mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { workflowStep } from '../../shared/workflow/step-handler';
import { markUnassigned } from './mark-unassigned';

const store = storeFromEnv();
const deps = { store, mailer: mailerFromEnv(store), now: () => new Date() };

/** Referral workflow step (Lambda task). */
export const handler = workflowStep('MarkUnassigned', (event) => markUnassigned(deps, event), {
  audit: auditLogFromEnv(),
});
