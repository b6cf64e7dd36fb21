import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type ParsedSchedule, parseScheduleExpression } from '../assembly/schedule-expression';
import type { FunctionInvoker, LocalSchedule } from '../model';

/**
 * What the schedule runner needs of the runtime clock (local/engine/clock/runtime-clock.ts):
 * its time, and to hear when it jumps ahead.
 */
export interface ScheduleClock {
  now(): Date;
  /** Subscribes to advances; the listener's promise settles once the due targets ran. */
  onAdvance?(listener: () => Promise<void>): () => void;
}

export interface ScheduleOptions {
  /**
   * Where to remember which one-time `at(...)` schedules have fired
   * (`<dataDir>/schedules.json`), so a restart does not fire them again. Without it they are
   * remembered in memory only.
   */
  readonly dataDir?: string;
  /**
   * Starts a state machine target (a Scheduler `StepFunctionsStartExecution` target, an
   * EventBridge rule's state machine target) with the target's input as JSON text.
   */
  readonly startExecution?: (stateMachineArn: string, input: string) => Promise<unknown>;
}

export const SCHEDULES_FILE_NAME = 'schedules.json';

export interface ScheduleRunner {
  /** Disarms every rule; invocations in flight finish but nothing is re-armed. */
  stop(): void;
}

/** The longest single Node timer (2^31-1 ms, ~24.8 days); longer waits re-check on waking. */
const MAX_TIMER_MS = 2_147_483_647;
const MINUTE_MS = 60_000;

interface Rule {
  readonly schedule: LocalSchedule;
  readonly parsed: ParsedSchedule;
  /** The next fire time by the runtime clock; undefined when the rule never fires again. */
  due: Date | undefined;
  timer: NodeJS.Timeout | undefined;
  /** The firing in progress (its targets being invoked), if any. */
  running: Promise<void> | undefined;
}

/**
 * Runs the template's schedule rules on the runtime clock: each target is invoked at the
 * rule's fire times, as EventBridge would, with the rule's input or a scheduled-event
 * payload whose `time` is the fire time.
 *
 * The clock can jump ahead (`npm run clock -- advance 25h`). Catch-up policy: when the clock
 * has passed one or more of a rule's fire times — after an advance, or because a firing
 * took longer than the rule's period — the rule fires ONCE, dated by the latest fire time
 * passed, and is re-armed for the first fire time after that. So `rate(1 minute)` advanced
 * by 25 h fires once, not 1500 times: the runs skipped are those a handler that sweeps
 * "everything due by now" would not need. A rule's targets run in order and firings of one
 * rule never overlap; different rules fire independently.
 *
 * Zoned crons (EventBridge Scheduler's ScheduleExpressionTimezone) follow the same policy on
 * their UTC fire instants (schedule-expression.ts computes them, DST included).
 *
 * One-time `at(...)` schedules fire once: at their time, when the clock jumps past it, or at
 * start when their time has passed and they have not fired before (as a schedule created with
 * a time already past; which ones fired is kept in `options.dataDir`). A firing is recorded
 * when its targets have run, so a crash mid-firing fires it again (at least once). After it,
 * the schedule does nothing more (`ActionAfterCompletion: DELETE` changes nothing locally).
 * `FlexibleTimeWindow` is ignored: targets run at the fire time itself.
 *
 * `clock` is the runtime clock, or (as before) just a `now` function, which then cannot jump.
 */
export function startSchedules(
  schedules: readonly LocalSchedule[],
  invoker: FunctionInvoker,
  log: (line: string) => void,
  clock: ScheduleClock | (() => Date) = () => new Date(),
  options: ScheduleOptions = {},
): ScheduleRunner {
  const source: ScheduleClock = typeof clock === 'function' ? { now: clock } : clock;
  const now = () => source.now().getTime();
  let stopped = false;
  const fired = new FiredOnce(options.dataDir);

  /** The first fire time after `after`; undefined (and said once) when there is none. */
  const nextAfter = (rule: Rule, after: Date): Date | undefined => {
    const next = tryNextFireTime(rule.parsed, after);
    if (next === undefined) log(`schedule ${rule.schedule.logicalId}: will not fire again`);
    return next;
  };

  /** Fires the rule now if it is due, else arms its timer; returns the firing, if one started. */
  const plan = (rule: Rule): Promise<void> | undefined => {
    if (rule.timer !== undefined) clearTimeout(rule.timer);
    rule.timer = undefined;
    if (stopped || rule.running || rule.due === undefined) return undefined;
    const delay = rule.due.getTime() - now();
    if (delay <= 0) return fire(rule, rule.due);
    rule.timer = setTimeout(
      () => {
        rule.timer = undefined;
        void plan(rule);
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    return undefined;
  };

  const fire = (rule: Rule, due: Date): Promise<void> => {
    const at = now();
    const slot = latestFireTime(rule, due, at);
    if (slot.getTime() !== due.getTime()) {
      log(
        `schedule ${rule.schedule.logicalId}: the clock passed its fire times from ${due.toISOString()} ` +
          `to ${slot.toISOString()}; firing once (catch-up)`,
      );
    }
    const run = async () => {
      for (const target of rule.schedule.targets) {
        const event = target.input
          ? parseInput(target.input)
          : {
              version: '0',
              id: randomUUID(),
              'detail-type': 'Scheduled Event',
              source: 'aws.events',
              time: slot.toISOString().replace(/\.\d{3}Z$/, 'Z'),
              detail: {},
            };
        try {
          if (/^arn:[^:]+:states:/.test(target.arn)) {
            if (!options.startExecution) throw new Error('state machine targets need startExecution');
            await options.startExecution(
              target.arn,
              typeof event === 'string' ? event : JSON.stringify(event),
            );
            continue;
          }
          const result = await invoker.invoke(target.arn, event);
          if (!result.ok) log(`schedule ${rule.schedule.logicalId}: target failed (${result.errorType})`);
        } catch (error) {
          log(`schedule ${rule.schedule.logicalId}: target failed (${(error as Error).message})`);
        }
      }
    };
    const running = run().finally(() => {
      rule.running = undefined;
      if (rule.parsed.kind === 'at') {
        try {
          fired.add(onceKey(rule.schedule), slot);
        } catch (error) {
          log(`schedule ${rule.schedule.logicalId}: cannot record the firing (${(error as Error).message})`);
        }
        log(`schedule ${rule.schedule.logicalId}: one-time schedule done`);
        rule.due = undefined;
        return;
      }
      rule.due = nextAfter(rule, slot);
      void plan(rule);
    });
    rule.running = running;
    return running;
  };

  /** The latest fire time not after `at`, starting from the due one (which is not after `at`). */
  const latestFireTime = (rule: Rule, due: Date, at: number): Date => {
    let from = due;
    // Gallop back from `at` to find a fire time close to it, then step forward: a rule with
    // many passed fire times costs a few dozen look-ups, not one per passed fire time.
    for (let window = MINUTE_MS; at - window > due.getTime(); window *= 2) {
      const probe = tryNextFireTime(rule.parsed, new Date(at - window));
      if (probe === undefined) break;
      if (probe.getTime() <= at) {
        from = probe;
        break;
      }
    }
    let slot = from;
    for (;;) {
      const next = tryNextFireTime(rule.parsed, slot);
      if (next === undefined || next.getTime() > at) return slot;
      slot = next;
    }
  };

  const rules: Rule[] = schedules.map((schedule) => ({
    schedule,
    parsed: parseScheduleExpression(
      schedule.expression,
      schedule.timeZone === undefined ? {} : { timeZone: schedule.timeZone },
    ),
    due: undefined,
    timer: undefined,
    running: undefined,
  }));
  for (const rule of rules) {
    if (rule.parsed.kind === 'at') rule.due = fired.has(onceKey(rule.schedule)) ? undefined : rule.parsed.at;
    else rule.due = nextAfter(rule, source.now());
    void plan(rule);
  }

  const unsubscribe =
    source.onAdvance?.(async () => {
      if (stopped) return;
      const firings = rules.map((rule) => {
        // A firing in progress re-plans when it ends (and fires once more if due by then).
        if (rule.running) return rule.running.then(() => rule.running);
        return plan(rule);
      });
      await Promise.all(firings);
    }) ?? (() => {});

  return {
    stop() {
      stopped = true;
      unsubscribe();
      for (const rule of rules) {
        if (rule.timer !== undefined) clearTimeout(rule.timer);
        rule.timer = undefined;
      }
    },
  };
}

/** A cron whose last year has passed never fires again: undefined. */
function tryNextFireTime(parsed: ParsedSchedule, after: Date): Date | undefined {
  try {
    return parsed.nextFireTime(after);
  } catch {
    return undefined;
  }
}

/** Rule inputs are JSON text; a Scheduler target may carry a plain string. */
function parseInput(input: string): unknown {
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

/** A one-time schedule is the same one while its stack, id, expression and zone are. */
function onceKey(schedule: LocalSchedule): string {
  return `${schedule.stackName}/${schedule.logicalId} ${schedule.expression} ${schedule.timeZone ?? 'UTC'}`;
}

/** The one-time schedules that fired, kept in `<dataDir>/schedules.json` when there is one. */
class FiredOnce {
  private readonly done = new Map<string, string>();
  private readonly file: string | undefined;

  constructor(dataDir: string | undefined) {
    this.file = dataDir === undefined ? undefined : path.join(dataDir, SCHEDULES_FILE_NAME);
    if (!this.file) return;
    try {
      const json = JSON.parse(readFileSync(this.file, 'utf8')) as { fired?: Record<string, unknown> };
      for (const [key, at] of Object.entries(json.fired ?? {}))
        if (typeof at === 'string') this.done.set(key, at);
    } catch {
      // No file yet (or an unreadable one): nothing has fired.
    }
  }

  has(key: string): boolean {
    return this.done.has(key);
  }

  add(key: string, at: Date): void {
    this.done.set(key, at.toISOString());
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ fired: Object.fromEntries(this.done) }, null, 2)}\n`, {
      mode: 0o600,
    });
    renameSync(tmp, this.file);
  }
}
