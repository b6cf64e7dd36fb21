import { mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { closeOffer } from './close-offer';

const deps = { store: storeFromEnv(), mailer: mailerFromEnv(), now: () => new Date() };

/** Referral workflow step (Lambda task). */
export const handler = (event: unknown) => closeOffer(deps, event);
