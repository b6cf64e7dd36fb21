import { nextFireTime } from '../assembly/schedule-expression';
import type { FunctionInvoker, LocalSchedule } from '../model';

/**
 * Runs the template's schedule rules: each target is invoked at the rule's next fire time,
 * as EventBridge would, with the rule's input (or a scheduled-event shaped payload).
 */
export function startSchedules(
  schedules: readonly LocalSchedule[],
  invoker: FunctionInvoker,
  log: (line: string) => void,
  now: () => Date = () => new Date(),
): { stop(): void } {
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const arm = (schedule: LocalSchedule) => {
    if (stopped) return;
    const at = nextFireTime(schedule.expression, now());
    const timer = setTimeout(
      async () => {
        timers.delete(timer);
        for (const target of schedule.targets) {
          const event = target.input
            ? parseInput(target.input)
            : { 'detail-type': 'Scheduled Event', source: 'aws.events', time: at.toISOString(), detail: {} };
          const result = await invoker.invoke(target.arn, event);
          if (!result.ok) log(`schedule ${schedule.logicalId}: target failed (${result.errorType})`);
        }
        arm(schedule);
      },
      Math.max(0, at.getTime() - now().getTime()),
    );
    timers.add(timer);
  };
  for (const s of schedules) arm(s);
  return {
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

/** Rule inputs are JSON text; a Scheduler target may carry a plain string. */
function parseInput(input: string): unknown {
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}
