import { auditLogFromEnv, mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { PowertoolsMetrics } from '../../shared/util/powertools-metrics';
import { workflowStep } from '../../shared/workflow/step-handler';
import { caseEnded } from './case-ended';

const metrics = new PowertoolsMetrics();
const store = storeFromEnv();
const deps = { store, mailer: mailerFromEnv(store, metrics), now: () => new Date() };

/** Closure stage step: the officer and the NGO are told the case is closed. */
export const handler = workflowStep('CaseEnded', (event) => caseEnded(deps, event), {
  metrics,
  audit: auditLogFromEnv(),
});
