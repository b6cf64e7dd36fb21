/**
 * When a task's people hear about it: the reminder schedule (typed deployment configuration,
 * `bashke.reminders`), each task's reminder plan, and quiet hours.
 *
 * A task's plan is a list of steps, each an instant and who is told: the assignee before its
 * deadline (by default when half the time is left, one working day before, and on the
 * deadline), then the assignee again every working day it is overdue, up to a limit, and the
 * escalation chain (the organisation's focal points, then the region's coordinators). The plan
 * is computed from the task record and the configuration alone, so it needs no storage: the
 * due-time index holds one item per open task, its next step (docs/data-model.md).
 */
import * as z from 'zod';
import { addCalendarDays, instantAt, wallClock } from '../util/time';
import { addWorkingDays, type Holidays, isWorkingDay } from '../util/working-days';
import { TASK_KINDS, type TaskKind } from './task-kinds';

/** A time of day `HH:MM` (24-hour), kept as text so the configuration round-trips as JSON. */
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'a time of day HH:MM (24-hour)' });

/** Milliseconds since midnight of an `HH:MM` time. */
export function msOfDay(time: string): number {
  return Number(time.slice(0, 2)) * 3_600_000 + Number(time.slice(3, 5)) * 60_000;
}

/** One reminder before (or at) the deadline. */
export const reminderBeforeSchema = z.union([
  /** When this fraction of the time from the task's creation to its deadline is left. */
  z.strictObject({ fractionLeft: z.number().gt(0).lt(1) }),
  /** The same wall-clock time this many working days before the deadline. */
  z.strictObject({ workingDaysBefore: z.number().int().min(1).max(20) }),
  z.strictObject({ hoursBefore: z.number().positive().max(720) }),
  /** On the deadline itself. */
  z.strictObject({ atDue: z.literal(true) }),
]);
export type ReminderBefore = z.infer<typeof reminderBeforeSchema>;

export const ESCALATION_LEVELS = ['focal-point', 'coordinator'] as const;
export type EscalationLevel = (typeof ESCALATION_LEVELS)[number];

export const escalationSchema = z.strictObject({
  to: z.enum(ESCALATION_LEVELS),
  /** Working days after the deadline (0: on the deadline). */
  afterWorkingDays: z.number().int().min(0).max(30),
  /** Urgent escalations go out in quiet hours too. */
  urgent: z.boolean().default(false),
});

const scheduleShape = {
  before: z.array(reminderBeforeSchema).max(6),
  /** The assignee is reminded every `everyWorkingDays` working days while overdue, `limit` times. */
  overdue: z.strictObject({
    everyWorkingDays: z.number().int().min(1).max(10).default(1),
    limit: z.number().int().min(0).max(20).default(5),
  }),
  escalation: z.array(escalationSchema).max(4),
};

/** A kind's schedule: every field of the default one may be overridden. */
export const reminderScheduleSchema = z.strictObject(scheduleShape);
export type ReminderSchedule = z.infer<typeof reminderScheduleSchema>;

export const DEFAULT_SCHEDULE: ReminderSchedule = {
  before: [{ fractionLeft: 0.5 }, { workingDaysBefore: 1 }, { atDue: true }],
  overdue: { everyWorkingDays: 1, limit: 5 },
  escalation: [
    { to: 'focal-point', afterWorkingDays: 1, urgent: false },
    { to: 'coordinator', afterWorkingDays: 2, urgent: false },
  ],
};

/**
 * The offer expires: at its deadline the workflow moves on to the next organisation and
 * tells the coordinators (close-offer), so it has reminders before, none after.
 */
const DEFAULT_KIND_OVERRIDES: Partial<Record<TaskKind, Partial<ReminderSchedule>>> = {
  OFFER: {
    before: [{ fractionLeft: 0.5 }, { hoursBefore: 2 }],
    overdue: { everyWorkingDays: 1, limit: 0 },
    escalation: [],
  },
};

/** Meeting reminders (`bashke.reminders.meetings`): how long before each meeting's start. */
export const meetingReminderSchema = z.strictObject({
  /** Hours before the start, each one reminder to every invitee who has not declined. */
  hoursBefore: z
    .array(
      z
        .number()
        .positive()
        .max(60 * 24),
    )
    .max(6)
    .default([7 * 24, 24, 2])
    .transform((h) => [...new Set(h)].sort((a, b) => b - a)),
});
export type MeetingReminderConfig = z.output<typeof meetingReminderSchema>;

export const reminderConfigSchema = z.strictObject({
  before: scheduleShape.before.default(DEFAULT_SCHEDULE.before),
  overdue: scheduleShape.overdue.prefault({}),
  escalation: scheduleShape.escalation.default(DEFAULT_SCHEDULE.escalation),
  /** Per-kind overrides of the fields above (the offer's default: before its expiry only). */
  kinds: z
    .partialRecord(z.enum(TASK_KINDS), reminderScheduleSchema.partial())
    .default({})
    // A deployment's kinds come over the defaults: naming one kind keeps the offer's.
    .transform((kinds) => ({ ...DEFAULT_KIND_OVERRIDES, ...kinds })),
  /**
   * No reminder reaches anyone between `from` and `to` in their time zone (wrapping midnight):
   * one due then waits for `to`, the start of their day. Urgent escalations do not wait.
   */
  quietHours: z
    .strictObject({ from: clockTime.default('20:00'), to: clockTime.default('08:00') })
    .prefault({}),
  /** The SES sending rate the dispatcher keeps under (messages per second). */
  sesPerSecond: z.number().positive().max(500).default(10),
  /** How long a dispatcher run holds what it took before another run may take it. */
  claimSeconds: z.number().int().min(30).max(3600).default(300),
  /** Reminders before meetings, to every invitee who has not declined (in quiet hours too: they are timed to the meeting). */
  meetings: meetingReminderSchema.prefault({}),
  /** An outbox message waiting longer than this sets off the alarm. */
  outboxAlarmMinutes: z.number().int().min(1).max(1440).default(15),
});
export type ReminderConfig = z.infer<typeof reminderConfigSchema>;
/** What a deployment writes (`bashke.reminders`): every field optional. */
export type ReminderSettings = z.input<typeof reminderConfigSchema>;

export const DEFAULT_REMINDERS: ReminderConfig = reminderConfigSchema.parse({});

/**
 * The configuration without what equals its default: what a function's `REMINDERS` variable
 * carries (parsing it gives the same configuration back), so the defaults cost no bytes of
 * the 4 KB Lambda environment.
 */
export function compactReminders(config: ReminderConfig): Partial<ReminderSettings> {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === 'kinds') {
      const kinds = Object.fromEntries(
        Object.entries(value as ReminderConfig['kinds']).filter(
          ([kind, v]) => !same(v, DEFAULT_KIND_OVERRIDES[kind as TaskKind]),
        ),
      );
      if (Object.keys(kinds).length > 0) out.kinds = kinds;
    } else if (!same(value, DEFAULT_REMINDERS[key as keyof ReminderConfig])) {
      out[key] = value;
    }
  }
  return out as Partial<ReminderSettings>;
}

/** The schedule of one kind: its overrides over the defaults. */
export function scheduleFor(config: ReminderConfig, kind: TaskKind): ReminderSchedule {
  const own = config.kinds[kind] ?? {};
  return {
    before: own.before ?? config.before,
    overdue: own.overdue ?? config.overdue,
    escalation: own.escalation ?? config.escalation,
  };
}

/** Who a step tells. */
export type ReminderAudience = 'assignee' | EscalationLevel;

export interface ReminderStep {
  readonly at: Date;
  /** `before`/`due`/`overdue`: the assignee; `escalation`: `audience`. */
  readonly kind: 'before' | 'due' | 'overdue' | 'escalation';
  readonly audience: ReminderAudience;
  /** Working days past the deadline (overdue steps and escalations). */
  readonly overdueDays?: number;
  readonly urgent: boolean;
}

/** What a plan is computed from: the task record's fields. */
export interface PlannedTask {
  readonly kind: TaskKind;
  readonly createdAt: string;
  readonly dueAt: string;
}

export interface ReminderCalendar {
  /** The cooperation group's zone: working days and the hour overdue steps go out. */
  readonly timeZone: string;
  readonly holidays: Holidays;
}

/**
 * A task's reminder steps, in time order: those before the deadline that fall after the
 * task's creation, then the overdue and escalation steps. Overdue steps and escalations
 * after the deadline's day go out at the start of the working day (`quietHours.to`) in the
 * group's zone; an escalation on the deadline's day (0 working days) at the deadline. Steps
 * at the same instant for the same audience are one.
 */
export function reminderPlan(
  task: PlannedTask,
  config: ReminderConfig,
  calendar: ReminderCalendar,
): ReminderStep[] {
  const schedule = scheduleFor(config, task.kind);
  const created = Date.parse(task.createdAt);
  const due = new Date(task.dueAt);
  const { timeZone, holidays } = calendar;
  const dueWall = wallClock(due, timeZone);
  const steps: ReminderStep[] = [];
  for (const b of schedule.before) {
    const at = beforeInstant(b, created, due, calendar);
    if (at.getTime() <= created) continue;
    steps.push({ at, kind: 'atDue' in b ? 'due' : 'before', audience: 'assignee', urgent: false });
  }
  const morning = (days: number) =>
    instantAt(addWorkingDays(dueWall.date, days, holidays), msOfDay(config.quietHours.to), timeZone);
  for (let n = 1; n <= schedule.overdue.limit; n += 1) {
    const days = n * schedule.overdue.everyWorkingDays;
    steps.push({
      at: morning(days),
      kind: 'overdue',
      audience: 'assignee',
      overdueDays: days,
      urgent: false,
    });
  }
  for (const e of schedule.escalation) {
    const at = e.afterWorkingDays === 0 ? due : morning(e.afterWorkingDays);
    steps.push({ at, kind: 'escalation', audience: e.to, overdueDays: e.afterWorkingDays, urgent: e.urgent });
  }
  steps.sort((a, b) => a.at.getTime() - b.at.getTime() || order(a) - order(b));
  return steps.filter(
    (s, i) => !steps.slice(i + 1).some((t) => t.at.getTime() === s.at.getTime() && t.audience === s.audience),
  );
}

/** At one instant: the due reminder before the overdue one, the assignee before escalations. */
function order(step: ReminderStep): number {
  return ['before', 'due', 'overdue', 'escalation'].indexOf(step.kind);
}

function beforeInstant(b: ReminderBefore, created: number, due: Date, calendar: ReminderCalendar): Date {
  if ('fractionLeft' in b) return new Date(due.getTime() - b.fractionLeft * (due.getTime() - created));
  if ('hoursBefore' in b) return new Date(due.getTime() - b.hoursBefore * 3_600_000);
  if ('atDue' in b) return due;
  const wall = wallClock(due, calendar.timeZone);
  const day = subtractWorkingDays(wall.date, b.workingDaysBefore, calendar.holidays);
  return instantAt(day, wall.msOfDay, calendar.timeZone);
}

/** The date `count` working days before `date` (each step back lands on a working day). */
export function subtractWorkingDays(date: string, count: number, holidays: Holidays): string {
  let day = date;
  for (let i = 0; i < count; i += 1) {
    day = addCalendarDays(day, -1);
    while (!isWorkingDay(day, holidays)) day = addCalendarDays(day, -1);
  }
  return day;
}

/** The first step strictly after `after`, as its index; undefined when the plan is over. */
export function nextStepAfter(plan: readonly ReminderStep[], after: Date, from = 0): number | undefined {
  for (let i = from; i < plan.length; i += 1)
    if ((plan[i] as ReminderStep).at.getTime() > after.getTime()) return i;
  return undefined;
}

/**
 * The steps to act on now, from index `from`: of the steps due by `now`, the latest for each
 * audience. A late run (a stopped dispatcher, a clock jump) tells each audience once, of
 * where the task stands now, instead of replaying every step it missed.
 */
export function stepsDue(plan: readonly ReminderStep[], from: number, now: Date): number[] {
  const latest = new Map<ReminderAudience, number>();
  for (let i = from; i < plan.length; i += 1) {
    const step = plan[i] as ReminderStep;
    if (step.at.getTime() > now.getTime()) break;
    latest.set(step.audience, i);
  }
  return [...latest.values()].sort((a, b) => a - b);
}

/** The task's first reminder (index and instant) after `now`, for a new task's record. */
export function firstReminder(
  task: PlannedTask,
  config: ReminderConfig,
  calendar: ReminderCalendar,
  now: Date,
): { readonly reminderStep: number; readonly reminderAt: string } | undefined {
  const plan = reminderPlan(task, config, calendar);
  const i = nextStepAfter(plan, now);
  return i === undefined
    ? undefined
    : { reminderStep: i, reminderAt: (plan[i] as ReminderStep).at.toISOString() };
}

/**
 * Quiet hours: undefined when `at` is outside them in `timeZone`, else the instant they end
 * (the next `quietHours.to` on the recipient's wall clock).
 */
export function quietUntil(
  at: Date,
  timeZone: string,
  quiet: ReminderConfig['quietHours'],
): Date | undefined {
  const wall = wallClock(at, timeZone);
  const from = msOfDay(quiet.from);
  const to = msOfDay(quiet.to);
  if (from === to) return undefined;
  const t = wall.msOfDay;
  const quietNow = from < to ? t >= from && t < to : t >= from || t < to;
  if (!quietNow) return undefined;
  const endDate = t < to ? wall.date : addCalendarDays(wall.date, 1);
  return instantAt(endDate, to, timeZone);
}
