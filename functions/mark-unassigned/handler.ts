import { auditLogFromEnv, mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { PowertoolsMetrics } from '../../shared/util/powertools-metrics';
import { workflowStep } from '../../shared/workflow/step-handler';
import { markUnassigned } from './mark-unassigned';

const metrics = new PowertoolsMetrics();
const store = storeFromEnv();
const deps = { store, mailer: mailerFromEnv(store, metrics), now: () => new Date() };

/** Referral workflow step (Lambda task). */
export const handler = workflowStep('MarkUnassigned', (event) => markUnassigned(deps, event), {
  metrics,
  audit: auditLogFromEnv(),
});
