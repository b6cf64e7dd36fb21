import { setTimeout as sleep } from 'node:timers/promises';
import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { mailPathsFromEnv, meetingSettingsFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { sdkClientConfig } from '../../shared/aws/client-config';
import { SfnTaskCallback } from '../../shared/aws/task-callback';
import { SfnStageStarter } from '../../shared/aws/workflow-starter';
import { STAGES } from '../../shared/domain/stages';
import { retryOutbox } from '../../shared/email/outbox';
import { reminderEmail } from '../../shared/email/templates';
import { taskClockFromEnv } from '../../shared/tasks/task-context';
import { ENV, jsonOf, parseEnv } from '../../shared/util/env';
import { PowertoolsMetrics } from '../../shared/util/powertools-metrics';
import { workflowStep } from '../../shared/workflow/step-handler';
import { type DispatchDueDeps, dispatchDue, type OutboxRetry } from './dispatch-due';

const env = parseEnv(
  z.object({
    [ENV.STAGE_STATE_MACHINES]: jsonOf(z.record(z.enum(STAGES), z.string().min(1))),
    [ENV.ACTION_BASE_URL]: z.url(),
  }),
);
const clock = taskClockFromEnv();
const metrics = new PowertoolsMetrics();
const sfn = new SFNClient(sdkClientConfig());
const store = storeFromEnv();
const mail = mailPathsFromEnv(store, metrics);
const staleAfterMs = clock.reminders.outboxAlarmMinutes * 60_000;
/** Outbox attempts go to SES itself: a failure gives the item its next attempt, not a new item. */
const outbox: OutboxRetry = {
  retry: (item, now) => retryOutbox({ mailer: mail.direct }, item, now, { staleAfterMs }),
};

const deps: DispatchDueDeps = {
  ...clock,
  ...meetingSettingsFromEnv(clock),
  store,
  stages: new SfnStageStarter(sfn, env.STAGE_STATE_MACHINES),
  callback: new SfnTaskCallback(sfn),
  mailer: mail.mailer,
  outbox,
  render: reminderEmail,
  actionBaseUrl: env.ACTION_BASE_URL,
  sleep: (ms) => sleep(ms),
  elapsedMs: () => performance.now(),
  // The function's limit is 60 s (infra): sending stops 15 s before it.
  budgetMs: 45_000,
  batchSize: 25,
};

/** Every minute (an EventBridge schedule of the template): acts on what fell due. */
export const handler = workflowStep(
  'DispatchDue',
  async (_event, log) => {
    const report = await dispatchDue({ ...deps, log });
    const { reminders, outbox: box } = report;
    if (report.started || reminders.due || box.sent || box.again || box.rejected || report.more) {
      log.info('due items dispatched', {
        read: report.read,
        started: report.started,
        answered: report.answered,
        remindersDue: reminders.due,
        remindersSent: reminders.sent,
        emails: reminders.emails,
        deferred: reminders.deferred,
        outboxSent: box.sent,
        outboxAgain: box.again,
        more: report.more,
      });
    }
    // The alarm's figures (messages past the threshold, how long the oldest has waited), every
    // run; and the tasks that went overdue, one value per organisation that has any.
    metrics.add('OutboxStale', box.stale);
    metrics.add('OutboxOldestAgeSeconds', box.oldestSeconds);
    metrics.add('OutboxRejected', box.rejected);
    metrics.add('RemindersSent', reminders.emails);
    for (const [orgId, count] of Object.entries(reminders.overdueByOrg)) {
      metrics.addForOrganisation('OverdueTasks', orgId, count);
    }
    if (box.stale) log.error('outbox messages have waited too long', { stale: box.stale });
    return report;
  },
  { metrics },
);
