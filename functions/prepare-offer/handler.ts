import { storeFromEnv } from '../../shared/aws/adapters';
import { prepareOffer } from './prepare-offer';

const deps = { store: storeFromEnv(), now: () => new Date() };

/** Referral workflow step (Lambda task). */
export const handler = (event: unknown) => prepareOffer(deps, event);
