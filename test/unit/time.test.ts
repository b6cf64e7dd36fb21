import {
  addHours,
  calendarDate,
  calendarYear,
  daysBetween,
  formatInstant,
  isCalendarDate,
} from '../../shared/util/time';

const TIRANE = 'Europe/Tirane';
const at = (iso: string) => new Date(iso);

describe('the unit test environment', () => {
  it('runs in a time zone far from UTC, so local-zone mistakes fail', () => {
    expect(process.env.TZ).toBe('Pacific/Auckland');
    expect(at('2026-01-15T12:00:00Z').getTimezoneOffset()).toBe(-13 * 60);
  });
});

describe('calendarDate', () => {
  it.each([
    ['2026-01-15T22:59:59.999Z', '2026-01-15'],
    ['2026-01-15T23:00:00.000Z', '2026-01-16'],
    ['2026-07-15T21:59:59.999Z', '2026-07-15'],
    ['2026-07-15T22:00:00.000Z', '2026-07-16'],
    ['2026-12-31T22:59:59.999Z', '2026-12-31'],
    ['2026-12-31T23:00:00.000Z', '2027-01-01'],
  ])('gives %s the Tirana date %s', (instant, date) => {
    expect(calendarDate(at(instant), TIRANE)).toBe(date);
  });

  it('does not use the process time zone', () => {
    // 11:30 on the 16th in Auckland, still the 15th in Tirana.
    const instant = at('2026-01-15T22:30:00Z');

    expect(instant.getDate()).toBe(16);
    expect(calendarDate(instant, TIRANE)).toBe('2026-01-15');
  });

  it('follows the zone it is given', () => {
    const instant = at('2026-01-15T23:30:00Z');

    expect(calendarDate(instant, 'UTC')).toBe('2026-01-15');
    expect(calendarDate(instant, TIRANE)).toBe('2026-01-16');
    expect(calendarDate(instant, 'America/New_York')).toBe('2026-01-15');
  });

  it.each([
    ['2026-03-28T23:00:00Z', '2026-03-29'],
    ['2026-03-29T21:59:59Z', '2026-03-29'],
    ['2026-03-29T22:00:00Z', '2026-03-30'],
    ['2026-10-24T21:59:59Z', '2026-10-24'],
    ['2026-10-24T22:00:00Z', '2026-10-25'],
    ['2026-10-25T22:59:59Z', '2026-10-25'],
    ['2026-10-25T23:00:00Z', '2026-10-26'],
  ])('puts %s on %s around the DST changes', (instant, date) => {
    expect(calendarDate(at(instant), TIRANE)).toBe(date);
  });
});

describe('calendarYear', () => {
  it('gives the Tirana year on New Year\u2019s Eve in UTC', () => {
    expect(calendarYear(at('2026-12-31T23:30:00Z'), TIRANE)).toBe(2027);
    expect(calendarYear(at('2026-12-31T22:30:00Z'), TIRANE)).toBe(2026);
  });
});

describe('formatInstant', () => {
  it('shows +01:00 in winter', () => {
    expect(formatInstant(at('2026-12-01T13:30:00Z'), TIRANE)).toBe('2026-12-01 14:30 (UTC+01:00)');
  });

  it('shows +02:00 in summer', () => {
    expect(formatInstant(at('2026-07-01T12:30:00Z'), TIRANE)).toBe('2026-07-01 14:30 (UTC+02:00)');
  });

  it('shows the jump when summer time starts', () => {
    expect(formatInstant(at('2026-03-29T00:59:00Z'), TIRANE)).toBe('2026-03-29 01:59 (UTC+01:00)');
    expect(formatInstant(at('2026-03-29T01:00:00Z'), TIRANE)).toBe('2026-03-29 03:00 (UTC+02:00)');
  });

  it('tells the repeated hour apart by its offset when summer time ends', () => {
    const first = formatInstant(at('2026-10-25T00:30:00Z'), TIRANE);
    const second = formatInstant(at('2026-10-25T01:30:00Z'), TIRANE);

    expect(first).toBe('2026-10-25 02:30 (UTC+02:00)');
    expect(second).toBe('2026-10-25 02:30 (UTC+01:00)');
  });

  it('shows midnight as 00:00', () => {
    expect(formatInstant(at('2026-01-15T23:00:00Z'), TIRANE)).toBe('2026-01-16 00:00 (UTC+01:00)');
  });

  it.each([
    ['UTC', '2026-01-15 12:00 (UTC+00:00)'],
    ['Asia/Kolkata', '2026-01-15 17:30 (UTC+05:30)'],
    ['America/St_Johns', '2026-01-15 08:30 (UTC-03:30)'],
    ['Pacific/Auckland', '2026-01-16 01:00 (UTC+13:00)'],
  ])('shows the offset in %s', (zone, text) => {
    expect(formatInstant(at('2026-01-15T12:00:00Z'), zone)).toBe(text);
  });
});

describe('isCalendarDate', () => {
  it.each(['2026-01-01', '2026-12-31', '2028-02-29', '2000-02-29', '1999-12-31'])('accepts %p', (value) => {
    expect(isCalendarDate(value)).toBe(true);
  });

  it.each([
    '2026-02-29',
    '2026-02-30',
    '1900-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-00-01',
    '2026-01-00',
    '2026-1-01',
    '26-01-01',
    '2026/01/01',
    '2026-01-01T00:00:00Z',
    '2026-01-01 ',
    '',
    'not a date',
  ])('refuses %p', (value) => {
    expect(isCalendarDate(value)).toBe(false);
  });
});

describe('daysBetween', () => {
  it('counts whole days across the spring DST change', () => {
    expect(daysBetween('2026-03-28', '2026-03-30')).toBe(2);
  });

  it('counts whole days across the autumn DST change', () => {
    expect(daysBetween('2026-10-24', '2026-10-26')).toBe(2);
  });

  it('is negative backwards and zero for the same day', () => {
    expect(daysBetween('2026-03-10', '2026-03-01')).toBe(-9);
    expect(daysBetween('2026-03-10', '2026-03-10')).toBe(0);
  });

  it('counts a leap year', () => {
    expect(daysBetween('2028-01-01', '2029-01-01')).toBe(366);
  });
});

describe('addHours', () => {
  it('adds elapsed hours, so a 24-hour deadline across the DST change lands an hour later on the clock', () => {
    const start = at('2026-03-28T10:00:00Z');

    const deadline = addHours(start, 24);

    expect(deadline.toISOString()).toBe('2026-03-29T10:00:00.000Z');
    expect(formatInstant(start, TIRANE)).toBe('2026-03-28 11:00 (UTC+01:00)');
    expect(formatInstant(deadline, TIRANE)).toBe('2026-03-29 12:00 (UTC+02:00)');
  });
});
