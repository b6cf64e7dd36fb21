import { auditLogFromEnv, mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { workflowStep } from '../../shared/workflow/step-handler';
import { caseEnded } from './case-ended';

const store = storeFromEnv();
const deps = { store, mailer: mailerFromEnv(store), now: () => new Date() };

/** Closure stage step: the officer and the NGO are told the case is closed. */
export const handler = workflowStep('CaseEnded', (event) => caseEnded(deps, event), {
  audit: auditLogFromEnv(),
});
