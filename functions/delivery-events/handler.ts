import * as z from 'zod';
import { deliveryStoreFromEnv, mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { taskClockFromEnv } from '../../shared/tasks/task-context';
import { ENV, parseEnv } from '../../shared/util/env';
import { PowertoolsMetrics } from '../../shared/util/powertools-metrics';
import { workflowStep } from '../../shared/workflow/step-handler';
import { deliveryEvents } from './delivery-events';

const env = parseEnv(z.object({ [ENV.ACTION_BASE_URL]: z.url({ protocol: /^https?$/ }) }));
const metrics = new PowertoolsMetrics();
const store = storeFromEnv();
const deps = {
  ...taskClockFromEnv(),
  store,
  deliveries: deliveryStoreFromEnv(),
  mailer: mailerFromEnv(store, metrics),
  actionBaseUrl: env.ACTION_BASE_URL,
  metrics,
};

/** An SES delivery event from the configuration set's EventBridge destination (the rule's target). */
export const handler = workflowStep(
  'DeliveryEvents',
  async (event, log) => {
    const report = await deliveryEvents({ ...deps, log }, event);
    if (report.unreachable || report.outcome === 'unknown-message') log.info('delivery event', { ...report });
    return report;
  },
  { metrics },
);
