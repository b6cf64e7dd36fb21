import { storeFromEnv } from '../../shared/aws/adapters';
import { workflowStep } from '../../shared/workflow/step-handler';
import { prepareOffer } from './prepare-offer';

const deps = { store: storeFromEnv(), now: () => new Date() };

/** Referral workflow step (Lambda task). */
export const handler = workflowStep('PrepareOffer', (event) => prepareOffer(deps, event));
