import * as z from 'zod';
import { auditLogFromEnv, mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { taskClockFromEnv } from '../../shared/tasks/task-context';
import { ENV, parseEnv } from '../../shared/util/env';
import { PowertoolsMetrics } from '../../shared/util/powertools-metrics';
import { workflowStep } from '../../shared/workflow/step-handler';
import { notifyTasks } from './notify-tasks';

const env = parseEnv(z.object({ [ENV.ACTION_BASE_URL]: z.url({ protocol: /^https?$/ }) }));
const metrics = new PowertoolsMetrics();
const store = storeFromEnv();
const deps = {
  ...taskClockFromEnv(),
  store,
  directory: new DirectoryCache(store),
  mailer: mailerFromEnv(store, metrics),
  actionBaseUrl: env.ACTION_BASE_URL,
};

/** Case stage step: emails the plan's new items to their organisations. */
export const handler = workflowStep('NotifyTasks', (event) => notifyTasks(deps, event), {
  metrics,
  audit: auditLogFromEnv(),
});
