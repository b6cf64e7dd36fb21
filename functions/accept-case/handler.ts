import { mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { acceptCase } from './accept-case';

const deps = { store: storeFromEnv(), mailer: mailerFromEnv(), now: () => new Date() };

/** Referral workflow step (Lambda task). */
export const handler = (event: unknown) => acceptCase(deps, event);
