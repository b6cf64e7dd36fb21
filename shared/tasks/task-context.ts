import * as z from 'zod';
import { type DeadlineConfig, type DeadlineContext, deadlineEnvShape } from '../domain/deadlines';
import { ENV, parseEnv, timeZoneName } from '../util/env';

/** What every task use case needs to put a due instant on a task. */
export interface TaskClock {
  readonly now: () => Date;
  readonly deadlines: DeadlineConfig;
  readonly calendar: DeadlineContext;
}

/**
 * The task clock from a function's environment (`DEADLINES`, `HOLIDAYS`, `TIME_ZONE`, set by
 * the house construct's `withTaskClock`). Call at module scope.
 */
export function taskClockFromEnv(env: NodeJS.ProcessEnv = process.env): TaskClock {
  const parsed = parseEnv(z.object({ ...deadlineEnvShape, [ENV.TIME_ZONE]: timeZoneName }), env);
  return {
    now: () => new Date(),
    deadlines: parsed.DEADLINES,
    calendar: { timeZone: parsed.TIME_ZONE, holidays: parsed.HOLIDAYS },
  };
}

/**
 * When the link of a task without an expiry stops working: as long as one stage execution
 * may wait on it after it falls due (a due instant is soft, the task can still be done).
 */
export function openLinkExpiry(clock: Pick<TaskClock, 'deadlines'>, dueAt: string, now: Date): Date {
  return new Date(Math.max(Date.parse(dueAt), now.getTime()) + clock.deadlines.stageCeilingDays * 86_400_000);
}
