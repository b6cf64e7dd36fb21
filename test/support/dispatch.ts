import type { DispatchDueDeps } from '../../functions/dispatch-due/dispatch-due';
import { retryOutbox } from '../../shared/email/outbox';
import { reminderEmail } from '../../shared/email/templates';
import type { TaskClock } from '../../shared/tasks/task-context';

export const TEST_ACTION_BASE_URL = 'https://bashke.example.org';

/**
 * The dispatcher's dependencies for a test: no waits between sends, no time budget, outbox
 * attempts through the test's mailer.
 */
export function dispatchDeps(
  parts: Pick<DispatchDueDeps, 'store' | 'mailer' | 'now'> &
    Partial<Omit<DispatchDueDeps, 'store' | 'mailer' | 'now'>> & { readonly taskClock: TaskClock },
): DispatchDueDeps {
  const { taskClock, ...rest } = parts;
  return {
    deadlines: taskClock.deadlines,
    calendar: taskClock.calendar,
    reminders: taskClock.reminders,
    timeZone: taskClock.calendar.timeZone,
    meetingReminders: taskClock.reminders.meetings,
    publicBaseUrl: TEST_ACTION_BASE_URL,
    uidDomain: 'bashke.example.org',
    claimSeconds: taskClock.reminders.claimSeconds,
    stages: { start: async () => undefined },
    callback: { succeed: async () => 'ok' as const },
    outbox: { retry: (item, now) => retryOutbox({ mailer: parts.mailer }, item, now) },
    render: reminderEmail,
    actionBaseUrl: TEST_ACTION_BASE_URL,
    sleep: async () => undefined,
    elapsedMs: () => 0,
    budgetMs: Number.POSITIVE_INFINITY,
    batchSize: 25,
    ...rest,
  };
}
