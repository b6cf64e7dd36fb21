import * as z from 'zod';
import { publicHolidays } from '../../infra/holidays';
import {
  DEFAULT_DEADLINES,
  type DeadlineContext,
  type DeadlineSpec,
  deadlineConfigSchema,
  deadlineEnvShape,
  dueAt,
  followUpSchedule,
} from '../../shared/domain/deadlines';
import { TASK_KINDS } from '../../shared/domain/task-kinds';
import { ConfigError, parseEnv } from '../../shared/util/env';
import { addCalendarMonths, endOfDay, instantAt, wallClock } from '../../shared/util/time';
import { addWorkingDays, isWorkingDay } from '../../shared/util/working-days';

const TIRANE = 'Europe/Tirane';
/** Albania's public holidays 2025–2028 as date-holidays computes them (what a synth passes in HOLIDAYS). */
const AL = new Set(publicHolidays('AL', 2025, 4));
const ctx: DeadlineContext = { timeZone: TIRANE, holidays: AL };
const at = (iso: string) => new Date(iso);
/** `dueAt` as an ISO instant, so a failure shows both instants readably. */
const due = (amount: number, unit: DeadlineSpec['unit'], from: string, context = ctx) =>
  dueAt({ amount, unit }, at(from), context).toISOString();
const iso = (text: string) => at(text).toISOString();

describe('the Albanian holidays the tests count on', () => {
  it('come from date-holidays, fixed and moveable, with the substitute days', () => {
    for (const date of [
      '2026-01-01', // New Year
      '2026-01-02', // New Year holiday
      '2026-03-14', // Summer Day (a Saturday) …
      '2026-03-16', // … and its substitute Monday
      '2026-03-20', // Fitër Bajrami (moveable)
      '2026-03-23', // Nevruz (Sunday 22) substitute
      '2026-04-06', // Catholic Easter Monday (moveable)
      '2026-04-13', // Orthodox Easter Monday (moveable)
      '2026-11-28', // Independence Day (Saturday)
      '2026-11-29', // Liberation Day (Sunday)
      '2026-11-30', // their substitute Monday
      '2026-12-08', // Youth Day
      '2026-12-25', // Christmas
      '2027-01-04', // substitute for 2 January 2027, a Saturday
    ])
      expect(AL).toContain(date);
    // Christmas Eve is a bank holiday and Teachers' Day an observance: both are working days.
    expect(AL).not.toContain('2026-12-24');
    expect(AL).not.toContain('2026-03-07');
  });
});

describe('isWorkingDay and addWorkingDays', () => {
  it('skips weekends and holidays', () => {
    expect(isWorkingDay('2026-11-27', AL)).toBe(true);
    expect(['2026-11-28', '2026-11-29', '2026-11-30'].map((d) => isWorkingDay(d, AL))).toEqual([
      false,
      false,
      false,
    ]);
    expect(addWorkingDays('2026-11-27', 1, AL)).toBe('2026-12-01');
    expect(addWorkingDays('2026-11-27', 0, AL)).toBe('2026-11-27');
  });
});

describe('dueAt in working days', () => {
  it('keeps the time of day: 3 working days after Friday 16:00 is Wednesday 16:00', () => {
    expect(due(3, 'working-days', '2026-01-09T16:00:00+01:00')).toBe(iso('2026-01-14T16:00:00+01:00'));
  });

  it('skips Independence Day, Liberation Day (a weekend) and their substitute Monday', () => {
    expect(due(3, 'working-days', '2026-11-27T16:00:00+01:00')).toBe(iso('2026-12-03T16:00:00+01:00'));
    expect(due(2, 'working-days', '2026-11-26T10:00:00+01:00')).toBe(iso('2026-12-01T10:00:00+01:00'));
  });

  it('skips Youth Day', () => {
    expect(due(1, 'working-days', '2026-12-07T09:00:00+01:00')).toBe(iso('2026-12-09T09:00:00+01:00'));
  });

  it('skips Christmas, New Year and the substitute for 2 January on a Saturday', () => {
    // Thu 24 Dec (a working day) → Mon 28, Tue 29, Wed 30, Thu 31, [Fri 1, Sat 2, Sun 3, Mon 4] Tue 5.
    expect(due(5, 'working-days', '2026-12-24T12:00:00+01:00')).toBe(iso('2027-01-05T12:00:00+01:00'));
  });

  it('gives a needs assessment accepted on 30 December until 6 January (the default 3 working days)', () => {
    const accepted = at('2026-12-30T15:00:00+01:00');
    expect(dueAt(DEFAULT_DEADLINES.NEEDS_ASSESSMENT, accepted, ctx).toISOString()).toBe(
      iso('2027-01-06T15:00:00+01:00'),
    );
  });

  it('skips Summer Day on a Saturday and its substitute Monday', () => {
    expect(due(1, 'working-days', '2026-03-13T10:00:00+01:00')).toBe(iso('2026-03-17T10:00:00+01:00'));
  });

  it('skips the moveable Fitër Bajrami and the Nevruz substitute Monday', () => {
    expect(due(1, 'working-days', '2026-03-19T09:00:00+01:00')).toBe(iso('2026-03-24T09:00:00+01:00'));
  });

  it('skips the moveable Easter Monday', () => {
    expect(due(1, 'working-days', '2026-04-03T17:00:00+02:00')).toBe(iso('2026-04-07T17:00:00+02:00'));
  });

  it('from a weekend or holiday, is due at the end of the n-th working day from the next one', () => {
    // Saturday 10:00 + 3: Monday, Tuesday, Wednesday → the end of Wednesday.
    expect(due(3, 'working-days', '2026-01-10T10:00:00+01:00')).toBe(iso('2026-01-14T23:59:59.999+01:00'));
    // Saturday 28 November + 3: Tuesday 1, Wednesday 2, Thursday 3 December.
    expect(due(3, 'working-days', '2026-11-28T10:00:00+01:00')).toBe(iso('2026-12-03T23:59:59.999+01:00'));
  });

  it('reads the day in the zone, not in UTC or the process zone', () => {
    // 23:30 UTC on Thursday 26 November is 00:30 on Friday 27 in Tirana (and midday in Auckland).
    expect(due(1, 'working-days', '2026-11-26T23:30:00Z')).toBe(iso('2026-12-01T00:30:00+01:00'));
  });

  it('keeps the wall-clock time across the spring and autumn clock changes', () => {
    expect(due(1, 'working-days', '2026-03-27T10:00:00+01:00')).toBe(iso('2026-03-30T10:00:00+02:00'));
    expect(due(1, 'working-days', '2026-10-23T18:00:00+02:00')).toBe(iso('2026-10-26T18:00:00+01:00'));
  });

  it('never gives a later start an earlier due instant (hourly over six weeks of holidays)', () => {
    for (const amount of [0, 1, 3]) {
      let previous = 0;
      for (
        let t = Date.parse('2026-11-20T00:00:00Z');
        t < Date.parse('2027-01-05T00:00:00Z');
        t += 3_600_000
      ) {
        const d = dueAt({ amount, unit: 'working-days' }, new Date(t), ctx).getTime();
        expect(d).toBeGreaterThanOrEqual(Math.max(previous, t));
        previous = d;
      }
    }
  });
});

describe('dueAt with amount 0 working days ("same day")', () => {
  it('is the end of the day on a working day', () => {
    expect(due(0, 'working-days', '2026-11-26T10:00:00+01:00')).toBe(iso('2026-11-26T23:59:59.999+01:00'));
    expect(due(0, 'working-days', '2026-11-27T23:30:00+01:00')).toBe(iso('2026-11-27T23:59:59.999+01:00'));
  });

  it('is the end of the next working day on a weekend or holiday', () => {
    expect(due(0, 'working-days', '2026-11-28T10:00:00+01:00')).toBe(iso('2026-12-01T23:59:59.999+01:00'));
  });

  it('is the default for child protection', () => {
    expect(DEFAULT_DEADLINES.CHILD_PROTECTION).toEqual({ amount: 0, unit: 'working-days' });
  });

  it('ends a day at 23:59:59.999 local time, in summer and in winter', () => {
    expect(endOfDay('2026-03-29', TIRANE).toISOString()).toBe('2026-03-29T21:59:59.999Z');
    expect(endOfDay('2026-03-28', TIRANE).toISOString()).toBe('2026-03-28T22:59:59.999Z');
  });
});

describe('dueAt in calendar days', () => {
  it('keeps the wall-clock time, so a day across the spring change is 23 hours', () => {
    expect(due(1, 'days', '2026-03-28T12:00:00+01:00')).toBe(iso('2026-03-29T12:00:00+02:00'));
  });

  it('gives a review 30 days after acceptance across the autumn change at the same time', () => {
    expect(due(30, 'days', '2026-10-10T09:00:00+02:00')).toBe(iso('2026-11-09T09:00:00+01:00'));
  });

  it('moves a time the clocks skip forward by the skipped hour', () => {
    // 02:30 on 29 March 2026 does not exist in Tirana (02:00 → 03:00).
    expect(due(1, 'days', '2026-03-28T02:30:00+01:00')).toBe(iso('2026-03-29T03:30:00+02:00'));
  });

  it('takes the earlier of a time the clocks repeat', () => {
    // 02:30 on 25 October 2026 happens twice (03:00 → 02:00); summer time comes first.
    expect(due(1, 'days', '2026-10-24T02:30:00+02:00')).toBe(iso('2026-10-25T02:30:00+02:00'));
  });

  it('does not skip weekends or holidays', () => {
    expect(due(1, 'days', '2026-11-27T16:00:00+01:00')).toBe(iso('2026-11-28T16:00:00+01:00'));
  });

  it('returns the start itself for 0, even inside the repeated hour', () => {
    expect(due(0, 'days', '2026-10-25T01:30:00Z')).toBe('2026-10-25T01:30:00.000Z');
  });
});

describe('dueAt in months', () => {
  it('clamps to the end of a shorter month', () => {
    expect(due(1, 'months', '2026-01-31T10:00:00+01:00')).toBe(iso('2026-02-28T10:00:00+01:00'));
    expect(due(1, 'months', '2028-01-31T10:00:00+01:00')).toBe(iso('2028-02-29T10:00:00+01:00'));
    expect(due(3, 'months', '2026-03-31T10:00:00+02:00')).toBe(iso('2026-06-30T10:00:00+02:00'));
    expect(due(6, 'months', '2026-08-31T10:00:00+02:00')).toBe(iso('2027-02-28T10:00:00+01:00'));
  });

  it('counts from the local date, not the UTC one', () => {
    // 00:30 on 31 January in Tirana is still 30 January in UTC.
    expect(due(1, 'months', '2026-01-31T00:30:00+01:00')).toBe(iso('2026-02-28T00:30:00+01:00'));
  });

  it('keeps the wall-clock time across a clock change and a year end', () => {
    expect(due(1, 'months', '2026-03-15T09:00:00+01:00')).toBe(iso('2026-04-15T09:00:00+02:00'));
    expect(due(12, 'months', '2026-12-31T09:00:00+01:00')).toBe(iso('2027-12-31T09:00:00+01:00'));
  });

  it('adds calendar months to a date with negative and year-crossing counts', () => {
    expect(addCalendarMonths('2026-11-30', 3)).toBe('2027-02-28');
    expect(addCalendarMonths('2026-03-31', -1)).toBe('2026-02-28');
  });
});

describe('dueAt in hours', () => {
  it('adds elapsed time, regardless of weekends and clock changes', () => {
    expect(due(24, 'hours', '2026-03-28T12:00:00+01:00')).toBe(iso('2026-03-29T13:00:00+02:00'));
    expect(due(24, 'hours', '2026-11-27T16:00:00+01:00')).toBe(iso('2026-11-28T16:00:00+01:00'));
  });

  it('accepts fractions, as a local run uses for a seconds-long offer', () => {
    expect(due(0.003, 'hours', '2026-01-01T00:00:00Z')).toBe('2026-01-01T00:00:10.800Z');
  });

  it('refuses an invalid start', () => {
    expect(() => dueAt({ amount: 1, unit: 'hours' }, new Date(Number.NaN), ctx)).toThrow(RangeError);
  });
});

describe('instantAt and wallClock', () => {
  it('round-trip a wall-clock reading with milliseconds', () => {
    const instant = at('2026-07-01T21:59:59.123Z');
    expect(wallClock(instant, TIRANE)).toEqual({ date: '2026-07-01', msOfDay: 86_399_123 });
    expect(instantAt('2026-07-01', 86_399_123, TIRANE)).toEqual(instant);
  });
});

describe('followUpSchedule', () => {
  it('opens each follow-up 14 days before its check-in and makes it due that working day', () => {
    const schedule = followUpSchedule(DEFAULT_DEADLINES, at('2026-01-31T10:00:00+01:00'), ctx);
    expect(
      schedule.map((f) => ({
        month: f.month,
        checkInAt: f.checkInAt.toISOString(),
        opensAt: f.opensAt.toISOString(),
        dueAt: f.dueAt.toISOString(),
      })),
    ).toEqual([
      {
        month: 3,
        checkInAt: iso('2026-04-30T10:00:00+02:00'),
        opensAt: iso('2026-04-16T00:00:00+02:00'),
        dueAt: iso('2026-04-30T23:59:59.999+02:00'),
      },
      {
        month: 6,
        checkInAt: iso('2026-07-31T10:00:00+02:00'),
        opensAt: iso('2026-07-17T00:00:00+02:00'),
        dueAt: iso('2026-07-31T23:59:59.999+02:00'),
      },
      {
        // 31 January 2027 is a Sunday: due at the end of Monday.
        month: 12,
        checkInAt: iso('2027-01-31T10:00:00+01:00'),
        opensAt: iso('2027-01-17T00:00:00+01:00'),
        dueAt: iso('2027-02-01T23:59:59.999+01:00'),
      },
    ]);
  });
});

describe('deadlineConfigSchema', () => {
  /** Each issue as `path: message`. */
  const issues = (value: unknown) => {
    const result = deadlineConfigSchema.safeParse(value);
    if (result.success) throw new Error('expected the configuration to be refused');
    return result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('defaults every kind to DOMAIN.md (and the meetings issue: minutes within 3 working days)', () => {
    expect(Object.keys(DEFAULT_DEADLINES).filter((k) => k === k.toUpperCase())).toEqual([...TASK_KINDS]);
    expect(DEFAULT_DEADLINES).toEqual({
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
      followUpMonths: [3, 6, 12],
      followUpLeadDays: 14,
      stageCeilingDays: 14,
      linkGraceDays: 150,
    });
  });

  it('keeps the given keys and defaults the others', () => {
    const config = deadlineConfigSchema.parse({
      PLAN_ITEM: { amount: 2, unit: 'months' },
      followUpMonths: [1, 24],
    });
    expect(config.PLAN_ITEM).toEqual({ amount: 2, unit: 'months' });
    expect(config.followUpMonths).toEqual([1, 24]);
    expect(config.NEEDS_ASSESSMENT).toEqual(DEFAULT_DEADLINES.NEEDS_ASSESSMENT);
  });

  it('names every bad key', () => {
    const found = issues({
      NEEDS_ASSESSMENT: { amount: 2.5, unit: 'working-days' },
      PLAN_ITEM: { amount: 3, unit: 'weeks' },
      CLOSURE_PROPOSAL: { amount: 10, unit: 'working-days', reminder: 2 },
      PLAN_REVIEW: { amount: -1, unit: 'months' },
      REFLECTION_REVIEW: { amount: 5000, unit: 'days' },
      OFFER: { amount: 2, unit: 'days' },
      followUpMonths: [3, 3, 12],
      followUpLeadDays: -1,
      stageCeilingDays: 180,
      linkGraceDays: 0,
      FOLOW_UP: { amount: 1, unit: 'days' },
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'NEEDS_ASSESSMENT.amount: a whole number of working-days',
        expect.stringMatching(/^PLAN_ITEM\.unit: /),
        expect.stringMatching(/^CLOSURE_PROPOSAL: .*reminder/),
        expect.stringMatching(/^PLAN_REVIEW\.amount: /),
        'REFLECTION_REVIEW.amount: at most 3650 days',
        'OFFER.unit: an offer expires in hours',
        'followUpMonths: strictly increasing',
        expect.stringMatching(/^followUpLeadDays: /),
        'stageCeilingDays: less than 180 days',
        expect.stringMatching(/^linkGraceDays: /),
        expect.stringMatching(/^: .*FOLOW_UP/),
      ]),
    );
    expect(found).toHaveLength(11);
  });

  it('limits the offer to between 5 seconds and 720 hours', () => {
    expect(issues({ OFFER: { amount: 0.001, unit: 'hours' } })).toEqual(['OFFER.amount: at least 5 seconds']);
    expect(issues({ OFFER: { amount: 721, unit: 'hours' } })).toEqual(['OFFER.amount: at most 720 hours']);
  });

  it('refuses an empty follow-up schedule', () => {
    expect(issues({ followUpMonths: [] })).toEqual([expect.stringMatching(/^followUpMonths: /)]);
  });
});

describe('deadlineEnvShape', () => {
  const schema = z.object(deadlineEnvShape);

  it('reads DEADLINES and HOLIDAYS as a synth writes them', () => {
    const env = parseEnv(schema, {
      DEADLINES: JSON.stringify(DEFAULT_DEADLINES),
      HOLIDAYS: '2026-11-28,2026-11-29,2026-11-30',
      OTHER: 'ignored',
    });
    expect(env.DEADLINES).toEqual(DEFAULT_DEADLINES);
    expect([...env.HOLIDAYS]).toEqual(['2026-11-28', '2026-11-29', '2026-11-30']);
  });

  it('reads an empty HOLIDAYS as no holidays', () => {
    expect(parseEnv(schema, { DEADLINES: '{}', HOLIDAYS: '' }).HOLIDAYS.size).toBe(0);
  });

  it('fails loudly naming the variables, never their values', () => {
    const error = (() => {
      try {
        parseEnv(schema, { DEADLINES: '{"OFFER": secret', HOLIDAYS: '2026-02-30' });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a throw');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('DEADLINES');
    expect(error.message).toContain('HOLIDAYS');
    expect(error.message).not.toContain('secret');
    expect(error.message).not.toContain('2026-02-30');
  });

  it('names a missing variable and a bad key inside DEADLINES', () => {
    expect(() => parseEnv(schema, { DEADLINES: '{"PLAN_ITEM":{"amount":1,"unit":"weeks"}}' })).toThrow(
      /DEADLINES\.PLAN_ITEM\.unit.*HOLIDAYS|HOLIDAYS.*DEADLINES\.PLAN_ITEM\.unit/,
    );
  });
});
