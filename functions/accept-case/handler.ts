import { auditLogFromEnv, mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { PowertoolsMetrics } from '../../shared/util/powertools-metrics';
import { workflowStep } from '../../shared/workflow/step-handler';
import { acceptCase } from './accept-case';

const metrics = new PowertoolsMetrics();
const store = storeFromEnv();
const deps = { store, mailer: mailerFromEnv(store, metrics), now: () => new Date(), metrics };

/** Referral workflow step (Lambda task). */
export const handler = workflowStep('AcceptCase', (event) => acceptCase(deps, event), {
  metrics,
  audit: auditLogFromEnv(),
});
