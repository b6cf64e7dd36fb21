import { setTimeout as sleep } from 'node:timers/promises';
import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { sdkClientConfig } from '../../shared/aws/client-config';
import { SfnTaskCallback } from '../../shared/aws/task-callback';
import { SfnStageStarter } from '../../shared/aws/workflow-starter';
import { STAGES } from '../../shared/domain/stages';
import { reminderEmail } from '../../shared/email/templates';
import { taskClockFromEnv } from '../../shared/tasks/task-context';
import { ENV, jsonOf, parseEnv } from '../../shared/util/env';
import { logger } from '../../shared/util/logger';
import { emitMetrics } from '../../shared/util/metrics';
import { workflowStep } from '../../shared/workflow/step-handler';
import { type DispatchDueDeps, dispatchDue, type OutboxRetry } from './dispatch-due';

const env = parseEnv(
  z.object({
    [ENV.STAGE_STATE_MACHINES]: jsonOf(z.record(z.enum(STAGES), z.string().min(1))),
    [ENV.ACTION_BASE_URL]: z.url(),
  }),
);
const clock = taskClockFromEnv();
const sfn = new SFNClient(sdkClientConfig());
const mailer = mailerFromEnv();

/** A message the mail service refused earlier, tried once more; backoff doubles up to 30 min. */
const outbox: OutboxRetry = {
  async retry(item, now) {
    try {
      await mailer.send(item.email);
      return { result: 'sent' };
    } catch (error) {
      logger.warn('outbox message not sent again', { error: (error as Error).name, attempt: item.attempt });
      const delay = Math.min(30 * 60_000, 60_000 * 2 ** item.attempt) * (0.5 + Math.random() / 2);
      return {
        result: 'again',
        next: { ...item, attempt: item.attempt + 1, dueAt: new Date(now.getTime() + delay).toISOString() },
      };
    }
  },
};

const deps: DispatchDueDeps = {
  ...clock,
  store: storeFromEnv(),
  stages: new SfnStageStarter(sfn, env.STAGE_STATE_MACHINES),
  callback: new SfnTaskCallback(sfn),
  mailer,
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
export const handler = workflowStep('DispatchDue', async () => {
  const report = await dispatchDue(deps);
  const { reminders, outbox: box } = report;
  if (report.started || reminders.due || box.sent || box.again || report.more) {
    logger.info('due items dispatched', {
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
  // The alarm's figure: how long the oldest message of the outbox has waited (0: none waits).
  emitMetrics({ OutboxOldestAgeSeconds: box.again ? box.oldestSeconds : 0, RemindersSent: reminders.emails });
  if (box.again && box.oldestSeconds > clock.reminders.outboxAlarmMinutes * 60) {
    logger.error('an outbox message has waited too long', { seconds: Math.round(box.oldestSeconds) });
  }
  return report;
});
