/**
 * Deadlines of human tasks: the per-kind configuration (a deployment sets it, functions
 * receive it in `DEADLINES`) and `dueAt`, which turns a deadline into an instant in the
 * deployment's time zone, with its public holidays (`HOLIDAYS`). docs/deadlines.md explains
 * the kinds and the units.
 */
import * as z from 'zod';
import { ENV, jsonOf } from '../util/env';
import {
  addCalendarDays,
  addCalendarMonths,
  endOfDay,
  instantAt,
  isCalendarDate,
  startOfDay,
  wallClock,
} from '../util/time';
import { addWorkingDays, isWorkingDay, workingDayOnOrAfter } from '../util/working-days';
import type { TaskKind } from './task-kinds';

export const DEADLINE_UNITS = ['hours', 'days', 'working-days', 'months'] as const;
export type DeadlineUnit = (typeof DEADLINE_UNITS)[number];

/** Largest amount per unit: about ten years, so a typo cannot schedule a task for ever. */
const MAX_AMOUNT: Record<DeadlineUnit, number> = {
  hours: 87_600,
  days: 3_650,
  'working-days': 2_600,
  months: 120,
};

/**
 * One deadline: `amount` of `unit` after the instant the task starts from. Hours may be
 * fractional (a local run watches a 10-second offer expire); the other units are whole.
 */
export const deadlineSpecSchema = z
  .strictObject({
    amount: z.number().nonnegative(),
    unit: z.enum(DEADLINE_UNITS),
  })
  .superRefine((spec, ctx) => {
    if (spec.unit !== 'hours' && !Number.isInteger(spec.amount))
      ctx.addIssue({ code: 'custom', path: ['amount'], message: `a whole number of ${spec.unit}` });
    if (spec.amount > MAX_AMOUNT[spec.unit])
      ctx.addIssue({
        code: 'custom',
        path: ['amount'],
        message: `at most ${MAX_AMOUNT[spec.unit]} ${spec.unit}`,
      });
  });
export type DeadlineSpec = z.infer<typeof deadlineSpecSchema>;

/**
 * The offer's deadline is also its link's expiry and the workflow's timer, so it is in hours
 * (the same limits as the deployment's `offerDeadlineHours`, where it comes from).
 */
const offerSpecSchema = deadlineSpecSchema.superRefine((spec, ctx) => {
  if (spec.unit !== 'hours')
    ctx.addIssue({ code: 'custom', path: ['unit'], message: 'an offer expires in hours' });
  else if (spec.amount > 720)
    ctx.addIssue({ code: 'custom', path: ['amount'], message: 'at most 720 hours' });
  else if (Math.round(spec.amount * 3600) < 5)
    ctx.addIssue({ code: 'custom', path: ['amount'], message: 'at least 5 seconds' });
});

/** Defaults from DOMAIN.md (stages of a case). */
const DEFAULT_SPECS = {
  OFFER: { amount: 24, unit: 'hours' },
  CHILD_PROTECTION: { amount: 0, unit: 'working-days' },
  NEEDS_ASSESSMENT: { amount: 3, unit: 'working-days' },
  REFLECTION_REVIEW: { amount: 30, unit: 'days' },
  ASSISTANCE_PLAN: { amount: 30, unit: 'days' },
  PLAN_ITEM: { amount: 30, unit: 'days' },
  PLAN_REVIEW: { amount: 3, unit: 'months' },
  FOLLOW_UP: { amount: 0, unit: 'working-days' },
  CLOSURE_PROPOSAL: { amount: 10, unit: 'working-days' },
  CLOSURE_CONFIRMATION: { amount: 5, unit: 'working-days' },
  MINUTES: { amount: 3, unit: 'working-days' },
  ACTION_ITEM: { amount: 30, unit: 'days' },
  PREVENTION: { amount: 60, unit: 'days' },
} as const satisfies Record<TaskKind, DeadlineSpec>;

const kind = (k: Exclude<TaskKind, 'OFFER'>) => deadlineSpecSchema.default(() => ({ ...DEFAULT_SPECS[k] }));

const isStrictlyIncreasing = (values: readonly number[]) =>
  values.every((v, i) => i === 0 || v > (values[i - 1] ?? v));

/**
 * Every kind's deadline, plus the follow-up schedule and the stage ceiling. Missing keys take
 * the defaults; unknown keys are refused.
 */
export const deadlineConfigSchema = z.strictObject({
  OFFER: offerSpecSchema.default(() => ({ ...DEFAULT_SPECS.OFFER })),
  CHILD_PROTECTION: kind('CHILD_PROTECTION'),
  NEEDS_ASSESSMENT: kind('NEEDS_ASSESSMENT'),
  REFLECTION_REVIEW: kind('REFLECTION_REVIEW'),
  ASSISTANCE_PLAN: kind('ASSISTANCE_PLAN'),
  PLAN_ITEM: kind('PLAN_ITEM'),
  PLAN_REVIEW: kind('PLAN_REVIEW'),
  FOLLOW_UP: kind('FOLLOW_UP'),
  CLOSURE_PROPOSAL: kind('CLOSURE_PROPOSAL'),
  CLOSURE_CONFIRMATION: kind('CLOSURE_CONFIRMATION'),
  /** From the meeting's end. */
  MINUTES: kind('MINUTES'),
  /** When the minutes give no date of their own. */
  ACTION_ITEM: kind('ACTION_ITEM'),
  PREVENTION: kind('PREVENTION'),
  /**
   * Months of each follow-up check-in after the end of the assistance plan (the case's
   * `followUpFrom`: the completed plan review that moved it to FOLLOW_UP), not after acceptance.
   */
  followUpMonths: z
    .array(z.number().int().min(1).max(120))
    .min(1)
    .max(24)
    .refine(isStrictlyIncreasing, { message: 'strictly increasing' })
    .default(() => [3, 6, 12]),
  /** Days before its check-in date a follow-up task opens. */
  followUpLeadDays: z.number().int().min(0).max(90).default(14),
  /**
   * The longest one stage execution waits on a task before it continues in a new execution
   * waiting on the same task and link. It bounds how long an execution started before a deploy
   * runs on the old definition (docs/deploy.md §9), and keeps each history small.
   */
  stageCeilingDays: z.number().int().min(1).lt(180, { message: 'less than 180 days' }).default(14),
  /** Days past its due instant an open task's link still works: a due instant is soft. */
  linkGraceDays: z.number().int().min(1).max(365).default(150),
});
export type DeadlineConfig = z.infer<typeof deadlineConfigSchema>;

/** The default configuration: DOMAIN.md's limits. */
export const DEFAULT_DEADLINES: DeadlineConfig = deadlineConfigSchema.parse({});

/**
 * What a deployment configures (`bashke.deadlines`): every key of the configuration except
 * OFFER, whose single source is `bashke.offerDeadlineHours` (the workflow timer and the
 * offer link read it too); naming OFFER here is an error that says so.
 */
export const deadlineSettingsSchema = deadlineConfigSchema.omit({ OFFER: true }).extend({
  OFFER: z.never({ error: 'set offerDeadlineHours instead' }).optional(),
});
export type DeadlineSettings = z.infer<typeof deadlineSettingsSchema>;

/** The full configuration from a deployment's settings and its `offerDeadlineHours`. */
export function deadlineConfigFrom(settings: DeadlineSettings, offerDeadlineHours: number): DeadlineConfig {
  const { OFFER: _none, ...rest } = settings;
  return deadlineConfigSchema.parse({ ...rest, OFFER: { amount: offerDeadlineHours, unit: 'hours' } });
}

/** Serialises holidays for the `HOLIDAYS` variable: sorted, comma-separated, no spaces. */
export function formatHolidays(dates: Iterable<string>): string {
  return [...new Set(dates)].sort().join(',');
}

/**
 * The deadline variables of a function's environment, to spread into its `z.object` env
 * schema: `DEADLINES` (JSON, parsed to a `DeadlineConfig`) and `HOLIDAYS` (comma-separated
 * local dates, parsed to a set; empty when the country has none in range).
 */
export const deadlineEnvShape = {
  [ENV.DEADLINES]: jsonOf(deadlineConfigSchema),
  [ENV.HOLIDAYS]: z
    .string()
    .refine((text) => text === '' || text.split(',').every(isCalendarDate), {
      message: 'comma-separated YYYY-MM-DD dates',
    })
    .transform((text): ReadonlySet<string> => new Set(text === '' ? [] : text.split(','))),
};

/** Where deadlines are counted: the deployment's zone and its public holidays (local dates). */
export interface DeadlineContext {
  readonly timeZone: string;
  readonly holidays: ReadonlySet<string>;
}

/**
 * The instant a task started at `from` is due.
 *
 * - `hours`: real elapsed time (a 24-hour offer sent the day clocks change is due at a
 *   different wall-clock time).
 * - `days`: the same wall-clock time `amount` calendar days later in the zone.
 * - `months`: the same wall-clock time `amount` calendar months later, the day clamped to the
 *   month's length (31 January + 1 month is 28 or 29 February).
 * - `working-days` (Monday to Friday less `holidays`), counted as working time: from a
 *   working day, the same wall-clock time `amount` working days later (Friday 16:00 + 3 is
 *   Wednesday 16:00; Friday 27 November 2026 16:00 + 3 is Thursday 3 December 16:00, since
 *   28–30 November are holidays). From a non-working day the count starts at the next working
 *   day's start, so the task is due at the end (23:59:59.999) of the `amount`-th working day,
 *   that day counted as the first (Saturday 10:00 + 3 is the end of Wednesday). `amount` 0 is
 *   "same day": the end of `from`'s day when it is a working day, else the end of the next.
 *
 * A wall-clock time the zone skips (clocks forward) moves forward by the skipped hour; one
 * it repeats (clocks back) is its earlier instant. `amount` 0 of hours, days or months is
 * `from` itself.
 */
export function dueAt(spec: DeadlineSpec, from: Date, ctx: DeadlineContext): Date {
  const start = from.getTime();
  if (Number.isNaN(start)) throw new RangeError('dueAt needs a valid instant');
  if (spec.amount === 0 && spec.unit !== 'working-days') return new Date(start);
  const { timeZone, holidays } = ctx;
  switch (spec.unit) {
    case 'hours':
      return new Date(start + Math.round(spec.amount * 3_600_000));
    case 'days': {
      const { date, msOfDay } = wallClock(from, timeZone);
      return instantAt(addCalendarDays(date, spec.amount), msOfDay, timeZone);
    }
    case 'months': {
      const { date, msOfDay } = wallClock(from, timeZone);
      return instantAt(addCalendarMonths(date, spec.amount), msOfDay, timeZone);
    }
    case 'working-days': {
      const { date, msOfDay } = wallClock(from, timeZone);
      if (spec.amount === 0) return endOfDay(workingDayOnOrAfter(date, holidays), timeZone);
      if (isWorkingDay(date, holidays))
        return instantAt(addWorkingDays(date, spec.amount, holidays), msOfDay, timeZone);
      const first = workingDayOnOrAfter(date, holidays);
      return endOfDay(addWorkingDays(first, spec.amount - 1, holidays), timeZone);
    }
  }
}

/** One follow-up check-in: when its task opens and when it is due. */
export interface FollowUp {
  /** Months after `from` (one of `followUpMonths`). */
  readonly month: number;
  /** The check-in: `month` calendar months after `from`, same wall-clock time. */
  readonly checkInAt: Date;
  /** The start of the local day `followUpLeadDays` before the check-in's date. */
  readonly opensAt: Date;
  /** The FOLLOW_UP deadline counted from the check-in (by default the end of that working day). */
  readonly dueAt: Date;
}

/** The follow-up check-ins of a case whose assistance ended at `from` (its `followUpFrom`). */
export function followUpSchedule(config: DeadlineConfig, from: Date, ctx: DeadlineContext): FollowUp[] {
  return config.followUpMonths.map((month) => {
    const checkInAt = dueAt({ amount: month, unit: 'months' }, from, ctx);
    const checkInDate = wallClock(checkInAt, ctx.timeZone).date;
    return {
      month,
      checkInAt,
      opensAt: startOfDay(addCalendarDays(checkInDate, -config.followUpLeadDays), ctx.timeZone),
      dueAt: dueAt(config.FOLLOW_UP, checkInAt, ctx),
    };
  });
}
