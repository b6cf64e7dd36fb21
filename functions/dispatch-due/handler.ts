import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { sdkClientConfig } from '../../shared/aws/client-config';
import { SfnTaskCallback } from '../../shared/aws/task-callback';
import { SfnStageStarter } from '../../shared/aws/workflow-starter';
import { STAGES } from '../../shared/domain/stages';
import { ENV, parseEnv, timeZoneName } from '../../shared/util/env';
import { logger } from '../../shared/util/logger';
import { workflowStep } from '../../shared/workflow/step-handler';
import { dispatchDue } from './dispatch-due';

const env = parseEnv(
  z.object({
    [ENV.TIME_ZONE]: timeZoneName,
    [ENV.STAGE_STATE_MACHINES]: z
      .string()
      .transform((t) => JSON.parse(t) as unknown)
      .pipe(z.record(z.enum(STAGES), z.string().min(1))),
  }),
);
const sfn = new SFNClient(sdkClientConfig());
const deps = {
  store: storeFromEnv(),
  stages: new SfnStageStarter(sfn, env.STAGE_STATE_MACHINES),
  callback: new SfnTaskCallback(sfn),
  mailer: mailerFromEnv(),
  now: () => new Date(),
  timeZone: env.TIME_ZONE,
  batchSize: 25,
};

/** Every minute (an EventBridge schedule of the template): acts on what fell due. */
export const handler = workflowStep('DispatchDue', async () => {
  const report = await dispatchDue(deps);
  if (report.started || report.overdue || report.more) logger.info('due items dispatched', { ...report });
  return report;
});
