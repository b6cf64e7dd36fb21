import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { auditLogFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { sdkClientConfig } from '../../shared/aws/client-config';
import { RetentionStore } from '../../shared/data/retention-store';
import { ENV, nonEmpty, parseEnv } from '../../shared/util/env';
import { PowertoolsMetrics } from '../../shared/util/powertools-metrics';
import { workflowStep } from '../../shared/workflow/step-handler';
import { eraseExpiredCases } from './retention';

const env = parseEnv(
  z.object({
    [ENV.TABLE_NAME]: nonEmpty,
    [ENV.RETENTION_DAYS]: z.coerce.number().int().min(0).max(36_500),
  }),
);
const metrics = new PowertoolsMetrics();
const deps = {
  store: storeFromEnv(),
  retention: new RetentionStore(new DynamoDBClient(sdkClientConfig()), env.TABLE_NAME),
  now: () => new Date(),
  retentionDays: env.RETENTION_DAYS,
  audit: auditLogFromEnv(),
};

/** The daily retention run (an EventBridge schedule): counts only in its log line and metrics. */
export const handler = workflowStep(
  'Retention',
  async (_event, log) => {
    // One id per run: its audit records (one per erased case) share it.
    const run = await eraseExpiredCases({ ...deps, requestId: randomUUID() });
    log.info('retention run', { ...run });
    metrics.add('CasesErased', run.erased);
    return run;
  },
  { metrics },
);
