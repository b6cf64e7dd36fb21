import * as z from 'zod';
import type { TaskRecord } from '../data/records';
import { type DeadlineConfig, type DeadlineContext, deadlineEnvShape } from '../domain/deadlines';
import { firstReminder, type ReminderConfig, reminderConfigSchema } from '../domain/reminders';
import { ENV, jsonOf, parseEnv, timeZoneName } from '../util/env';

/** What every task use case needs to put a due instant and its first reminder on a task. */
export interface TaskClock {
  readonly now: () => Date;
  readonly deadlines: DeadlineConfig;
  readonly calendar: DeadlineContext;
  readonly reminders: ReminderConfig;
}

/**
 * A new task with its first reminder (the step and instant of its item on the due-time
 * index, which the store writes with the task), or none when its plan has nothing left.
 */
export function withFirstReminder<T extends { kind: TaskRecord['kind']; createdAt: string; dueAt: string }>(
  clock: Pick<TaskClock, 'reminders' | 'calendar'>,
  task: T,
  now: Date,
): T & { reminderStep?: number; reminderAt?: string } {
  const first = firstReminder(task, clock.reminders, clock.calendar, now);
  return first ? { ...task, ...first } : task;
}

/**
 * The task clock from a function's environment (`DEADLINES`, `HOLIDAYS`, `REMINDERS`, `TIME_ZONE`, set by
 * the house construct's `withTaskClock`). Call at module scope.
 */
export function taskClockFromEnv(env: NodeJS.ProcessEnv = process.env): TaskClock {
  const parsed = parseEnv(
    z.object({
      ...deadlineEnvShape,
      [ENV.TIME_ZONE]: timeZoneName,
      [ENV.REMINDERS]: jsonOf(reminderConfigSchema),
    }),
    env,
  );
  return {
    now: () => new Date(),
    deadlines: parsed.DEADLINES,
    calendar: { timeZone: parsed.TIME_ZONE, holidays: parsed.HOLIDAYS },
    reminders: parsed.REMINDERS,
  };
}

/**
 * When the link of a task without an expiry stops working: `linkGraceDays` after it falls due
 * (a due instant is soft, the task can still be done), whichever stage execution waits on it.
 */
export function openLinkExpiry(
  clock: { readonly deadlines: Pick<DeadlineConfig, 'linkGraceDays'> },
  dueAt: string,
  now: Date,
): Date {
  return new Date(Math.max(Date.parse(dueAt), now.getTime()) + clock.deadlines.linkGraceDays * 86_400_000);
}
