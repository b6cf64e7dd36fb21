import { publicHolidays } from '../../infra/holidays';
import {
  compactReminders,
  DEFAULT_REMINDERS,
  firstReminder,
  nextStepAfter,
  quietUntil,
  reminderConfigSchema,
  reminderPlan,
  scheduleFor,
  stepsDue,
  subtractWorkingDays,
} from '../../shared/domain/reminders';

const TIRANE = { timeZone: 'Europe/Tirane', holidays: new Set<string>() };

/** A plan as `local time (Tirane) audience kind` lines, easy to read against the calendar. */
function planOf(
  task: { kind: Parameters<typeof reminderPlan>[0]['kind']; createdAt: string; dueAt: string },
  calendar = TIRANE,
  config = DEFAULT_REMINDERS,
) {
  return reminderPlan(task, config, calendar).map((s) => {
    const local = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Tirane',
      dateStyle: 'short',
      timeStyle: 'short',
    }).format(s.at);
    return `${local} ${s.audience} ${s.kind}${s.overdueDays ? ` +${s.overdueDays}` : ''}`;
  });
}

describe('reminderPlan (defaults)', () => {
  it('reminds at half time, one working day before, on the deadline, then daily while overdue and escalates', () => {
    // Monday 2 March 2026 10:00 Tirane (UTC+1), due Thursday 5 March 10:00.
    expect(
      planOf({
        kind: 'NEEDS_ASSESSMENT',
        createdAt: '2026-03-02T09:00:00.000Z',
        dueAt: '2026-03-05T09:00:00.000Z',
      }),
    ).toEqual([
      '2026-03-03 22:00 assignee before', // half the time left (quiet hours are the sender's concern)
      '2026-03-04 10:00 assignee before', // one working day before
      '2026-03-05 10:00 assignee due',
      '2026-03-06 08:00 assignee overdue +1',
      '2026-03-06 08:00 focal-point escalation +1',
      '2026-03-09 08:00 assignee overdue +2', // over the weekend
      '2026-03-09 08:00 coordinator escalation +2',
      '2026-03-10 08:00 assignee overdue +3',
      '2026-03-11 08:00 assignee overdue +4',
      '2026-03-12 08:00 assignee overdue +5',
    ]);
  });

  it('counts working days across a weekend and a public holiday', () => {
    // Due Friday 13 March 10:00; Monday 16 March a holiday (as if), Tuesday the first working day.
    const calendar = { timeZone: 'Europe/Tirane', holidays: new Set(['2026-03-16', '2026-03-12']) };
    const plan = planOf(
      { kind: 'PLAN_ITEM', createdAt: '2026-03-02T09:00:00.000Z', dueAt: '2026-03-13T09:00:00.000Z' },
      calendar,
    );
    expect(plan).toContain('2026-03-11 10:00 assignee before'); // Thursday 12 is a holiday: Wednesday
    expect(plan).toContain('2026-03-17 08:00 assignee overdue +1');
    expect(plan).toContain('2026-03-17 08:00 focal-point escalation +1');
    expect(plan).toContain('2026-03-18 08:00 coordinator escalation +2');
  });

  it("skips Albania's real public holidays, as a synth passes them (date-holidays)", () => {
    // Monday 30 November and Tuesday 8 December 2026 are holidays (Independence Day observed;
    // Youth Day): due Friday 27 November 10:00, the first working day after is Tuesday 1 December.
    const calendar = { timeZone: 'Europe/Tirane', holidays: new Set(publicHolidays('AL', 2026, 1)) };
    expect(calendar.holidays.has('2026-11-30')).toBe(true);
    const plan = planOf(
      { kind: 'PLAN_ITEM', createdAt: '2026-11-16T09:00:00.000Z', dueAt: '2026-11-27T09:00:00.000Z' },
      calendar,
    );
    expect(plan).toContain('2026-12-01 08:00 assignee overdue +1');
    expect(plan).toContain('2026-12-01 08:00 focal-point escalation +1');
  });

  it('gives the offer reminders before its expiry only (the workflow moves on at expiry)', () => {
    expect(
      planOf({ kind: 'OFFER', createdAt: '2026-03-02T09:00:00.000Z', dueAt: '2026-03-03T09:00:00.000Z' }),
    ).toEqual(['2026-03-02 22:00 assignee before', '2026-03-03 08:00 assignee before']);
  });

  it('drops steps before the task was created (a short deadline)', () => {
    // Created Wednesday 10:00, due Thursday 09:00: one working day before is before creation.
    const plan = planOf({
      kind: 'PLAN_ITEM',
      createdAt: '2026-03-04T09:00:00.000Z',
      dueAt: '2026-03-05T08:00:00.000Z',
    });
    expect(plan.slice(0, 2)).toEqual(['2026-03-04 21:30 assignee before', '2026-03-05 09:00 assignee due']);
  });

  it('keeps its times across the change to summer time (wall clock in the group zone)', () => {
    // Clocks go forward on Sunday 29 March 2026 in Tirane; due Tuesday 31 March 10:00 (UTC+2).
    const plan = planOf({
      kind: 'PLAN_ITEM',
      createdAt: '2026-03-25T09:00:00.000Z',
      dueAt: '2026-03-31T08:00:00.000Z',
    });
    expect(plan).toContain('2026-03-30 10:00 assignee before');
    expect(plan).toContain('2026-04-01 08:00 assignee overdue +1');
  });
});

describe('reminder configuration', () => {
  it('applies per-kind overrides over the defaults', () => {
    const config = reminderConfigSchema.parse({
      kinds: { FOLLOW_UP: { before: [{ workingDaysBefore: 2 }], escalation: [] } },
    });
    const s = scheduleFor(config, 'FOLLOW_UP');
    expect(s.before).toEqual([{ workingDaysBefore: 2 }]);
    expect(s.escalation).toEqual([]);
    expect(s.overdue).toEqual(DEFAULT_REMINDERS.overdue);
    // Naming one kind keeps the offer's own default (before its expiry only).
    expect(scheduleFor(config, 'OFFER').escalation).toEqual([]);
  });

  it('refuses a bad schedule, naming the field', () => {
    const r = reminderConfigSchema.safeParse({
      quietHours: { from: '25:00' },
      before: [{ fractionLeft: 1.5 }],
    });
    expect(r.success).toBe(false);
    const paths = r.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['quietHours.from']));
    expect(paths?.some((p) => p?.startsWith('before.0'))).toBe(true);
  });

  it('round-trips through JSON (the functions read it from an environment variable), defaults left out', () => {
    expect(reminderConfigSchema.parse(JSON.parse(JSON.stringify(DEFAULT_REMINDERS)))).toEqual(
      DEFAULT_REMINDERS,
    );
    expect(compactReminders(DEFAULT_REMINDERS)).toEqual({});
    const custom = reminderConfigSchema.parse({ sesPerSecond: 2, kinds: { FOLLOW_UP: { escalation: [] } } });
    expect(compactReminders(custom)).toEqual({ sesPerSecond: 2, kinds: { FOLLOW_UP: { escalation: [] } } });
    expect(reminderConfigSchema.parse(JSON.parse(JSON.stringify(compactReminders(custom))))).toEqual(custom);
  });
});

describe('stepsDue and nextStepAfter', () => {
  const plan = reminderPlan(
    { kind: 'NEEDS_ASSESSMENT', createdAt: '2026-03-02T09:00:00.000Z', dueAt: '2026-03-05T09:00:00.000Z' },
    DEFAULT_REMINDERS,
    TIRANE,
  );

  it('tells each audience once, of the latest step passed, after a late run', () => {
    // Monday 9 March 12:00: everything up to the coordinator's escalation has passed.
    const now = new Date('2026-03-09T11:00:00.000Z');
    const due = stepsDue(plan, 0, now).map(
      (i) => `${plan[i]?.audience} ${plan[i]?.kind} +${plan[i]?.overdueDays ?? 0}`,
    );
    expect(due).toEqual(['focal-point escalation +1', 'assignee overdue +2', 'coordinator escalation +2']);
    expect(plan[nextStepAfter(plan, now) ?? -1]?.overdueDays).toBe(3);
  });

  it('is empty before the first step, and the plan ends after the last', () => {
    expect(stepsDue(plan, 0, new Date('2026-03-02T10:00:00.000Z'))).toEqual([]);
    expect(nextStepAfter(plan, new Date('2026-04-01T00:00:00.000Z'))).toBeUndefined();
  });

  it("gives a new task its first step after now, or none when the plan's time has passed", () => {
    const task = {
      kind: 'PLAN_ITEM' as const,
      createdAt: '2026-03-02T09:00:00.000Z',
      dueAt: '2026-03-05T09:00:00.000Z',
    };
    expect(firstReminder(task, DEFAULT_REMINDERS, TIRANE, new Date(task.createdAt))).toEqual({
      reminderStep: 0,
      reminderAt: '2026-03-03T21:00:00.000Z',
    });
    expect(
      firstReminder(task, DEFAULT_REMINDERS, TIRANE, new Date('2026-06-01T00:00:00.000Z')),
    ).toBeUndefined();
  });
});

describe('quietUntil', () => {
  const quiet = DEFAULT_REMINDERS.quietHours;

  it('holds a reminder from 20:00 to 08:00 in the recipient zone', () => {
    expect(quietUntil(new Date('2026-03-03T21:00:00.000Z'), 'Europe/Tirane', quiet)?.toISOString()).toBe(
      '2026-03-04T07:00:00.000Z',
    );
    expect(quietUntil(new Date('2026-03-04T05:00:00.000Z'), 'Europe/Tirane', quiet)?.toISOString()).toBe(
      '2026-03-04T07:00:00.000Z',
    );
    expect(quietUntil(new Date('2026-03-04T12:00:00.000Z'), 'Europe/Tirane', quiet)).toBeUndefined();
    // 12:00 UTC is 07:00 in New York: quiet there, until 08:00 local (13:00 UTC).
    expect(quietUntil(new Date('2026-03-04T12:00:00.000Z'), 'America/New_York', quiet)?.toISOString()).toBe(
      '2026-03-04T13:00:00.000Z',
    );
  });

  it('handles a window that does not wrap midnight, and none', () => {
    expect(
      quietUntil(new Date('2026-03-04T12:30:00.000Z'), 'UTC', { from: '12:00', to: '13:00' })?.toISOString(),
    ).toBe('2026-03-04T13:00:00.000Z');
    expect(
      quietUntil(new Date('2026-03-04T12:30:00.000Z'), 'UTC', { from: '00:00', to: '00:00' }),
    ).toBeUndefined();
  });
});

describe('subtractWorkingDays', () => {
  it('steps back over weekends and holidays', () => {
    expect(subtractWorkingDays('2026-03-09', 1, new Set())).toBe('2026-03-06');
    expect(subtractWorkingDays('2026-03-09', 2, new Set(['2026-03-06']))).toBe('2026-03-04');
  });
});
