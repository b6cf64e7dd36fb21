/**
 * Time helpers. Instants are ISO-8601 UTC strings; calendar dates are computed in the
 * deployment's time zone through Intl, never through the process's local zone.
 */

/**
 * One formatter per zone and shape: building an Intl.DateTimeFormat costs about a millisecond
 * (its zone data is loaded each time), formatting with one a few microseconds.
 */
function cachedFormat(
  cache: Map<string, Intl.DateTimeFormat>,
  timeZone: string,
  make: () => Intl.DateTimeFormat,
): Intl.DateTimeFormat {
  let format = cache.get(timeZone);
  if (!format) {
    format = make();
    cache.set(timeZone, format);
  }
  return format;
}

const calendarFormats = new Map<string, Intl.DateTimeFormat>();

/** Today's calendar date (YYYY-MM-DD) in `timeZone`. */
export function calendarDate(instant: Date, timeZone: string): string {
  const parts = cachedFormat(
    calendarFormats,
    timeZone,
    () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
  ).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The calendar year of `instant` in `timeZone`. */
export function calendarYear(instant: Date, timeZone: string): number {
  return Number(calendarDate(instant, timeZone).slice(0, 4));
}

/** Whole days from calendar date `a` to calendar date `b` (both YYYY-MM-DD). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** True when `value` is a real calendar date in YYYY-MM-DD form (rejects 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

const instantFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant for a human: date and time in `timeZone` with its UTC offset, e.g.
 * `2026-12-01 14:30 (UTC+01:00)`. Same text in every language: digits are unambiguous.
 */
export function formatInstant(instant: Date, timeZone: string): string {
  const parts = cachedFormat(
    instantFormats,
    timeZone,
    () =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'longOffset',
      }),
  ).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const offset = get('timeZoneName').replace(/^GMT$/, 'GMT+00:00').replace('GMT', 'UTC');
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} (${offset})`;
}

export function addHours(instant: Date, hours: number): Date {
  return new Date(instant.getTime() + hours * 3_600_000);
}

const DAY_MS = 86_400_000;

/** The calendar date `days` after `date` (YYYY-MM-DD; negative goes back). */
export function addCalendarDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The calendar date `months` after `date`, the day clamped to the target month's length:
 * 2026-01-31 + 1 month is 2026-02-28, 2028-01-31 + 1 month is 2028-02-29.
 */
export function addCalendarMonths(date: string, months: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = index - targetYear * 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  return new Date(Date.UTC(targetYear, targetMonth, Math.min(day, lastDay))).toISOString().slice(0, 10);
}

/** Day of the week of a calendar date: 0 is Sunday, 6 is Saturday. */
export function dayOfWeek(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

/** Milliseconds the wall clock in `timeZone` is ahead of UTC at `instant`. */
function offsetAt(instantMs: number, timeZone: string): number {
  const format = cachedFormat(
    wallClockFormats,
    timeZone,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        hourCycle: 'h23',
        era: 'short',
      }),
  );
  const parts = format.formatToParts(new Date(instantMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const era = parts.find((p) => p.type === 'era')?.value;
  const year = era === 'BC' || era === 'B' ? 1 - get('year') : get('year');
  const wall = Date.UTC(year, get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const wholeSecond = instantMs - (((instantMs % 1000) + 1000) % 1000);
  return wall - wholeSecond;
}

/** A local wall-clock reading: the calendar date and the milliseconds since its midnight. */
export interface WallClock {
  readonly date: string;
  readonly msOfDay: number;
}

/** The date and time of day `instant` shows on a wall clock in `timeZone`. */
export function wallClock(instant: Date, timeZone: string): WallClock {
  const local = instant.getTime() + offsetAt(instant.getTime(), timeZone);
  const msOfDay = ((local % DAY_MS) + DAY_MS) % DAY_MS;
  return { date: new Date(local - msOfDay).toISOString().slice(0, 10), msOfDay };
}

/**
 * The instant a wall clock in `timeZone` shows `date` at `msOfDay`. Resolved like Temporal's
 * `disambiguation: 'compatible'`: a time repeated when clocks go back is the earlier of the
 * two instants; a time skipped when clocks go forward is read with the offset from before
 * the change, so it lands as far after the change as it was after the skipped hour's start
 * (02:30 on a 02:00 → 03:00 night is 03:30).
 */
export function instantAt(date: string, msOfDay: number, timeZone: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`) + msOfDay;
  // Zones change offset at most once within a day either side of any wall-clock time.
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const fits = [before, after].map((o) => wall - o).filter((t) => offsetAt(t, timeZone) === wall - t);
  if (fits.length > 0) return new Date(Math.min(...fits));
  return new Date(wall - before);
}

/** The first instant of `date` in `timeZone` (midnight, or the end of a skipped midnight). */
export function startOfDay(date: string, timeZone: string): Date {
  return instantAt(date, 0, timeZone);
}

/** The last millisecond of `date` in `timeZone` (23:59:59.999 local). */
export function endOfDay(date: string, timeZone: string): Date {
  return new Date(startOfDay(addCalendarDays(date, 1), timeZone).getTime() - 1);
}
