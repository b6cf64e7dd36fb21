import { mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { markUnassigned } from './mark-unassigned';

const deps = { store: storeFromEnv(), mailer: mailerFromEnv(), now: () => new Date() };

/** Referral workflow step (Lambda task). */
export const handler = (event: unknown) => markUnassigned(deps, event);
