import * as z from 'zod';
import { mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { ENV, parseEnv, timeZoneName } from '../../shared/util/env';
import { workflowStep } from '../../shared/workflow/step-handler';
import { sendOffer } from './send-offer';

const env = parseEnv(
  z.object({
    [ENV.OFFER_DEADLINE_HOURS]: z.coerce
      .number()
      .positive()
      .max(24 * 30),
    [ENV.TIME_ZONE]: timeZoneName,
    [ENV.ACTION_BASE_URL]: z.url({ protocol: /^https?$/ }),
  }),
);
const store = storeFromEnv();
const deps = {
  store,
  directory: new DirectoryCache(store),
  mailer: mailerFromEnv(),
  now: () => new Date(),
  offerDeadlineHours: env.OFFER_DEADLINE_HOURS,
  timeZone: env.TIME_ZONE,
  actionBaseUrl: env.ACTION_BASE_URL,
};

/** Referral workflow callback step: invoked with the task token, answered by the action link. */
export const handler = workflowStep('SendOffer', (event) => sendOffer(deps, event));
