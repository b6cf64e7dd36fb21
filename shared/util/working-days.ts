/**
 * Working days: Monday to Friday, less the deployment's public holidays. All dates are
 * calendar dates (YYYY-MM-DD) in the deployment's time zone; turning them into instants is
 * `instantAt` / `endOfDay` in `./time`.
 */
import { addCalendarDays, dayOfWeek } from './time';

/** Public holidays as local calendar dates (YYYY-MM-DD). */
export type Holidays = ReadonlySet<string>;

/** True when `date` is neither a Saturday, a Sunday nor a public holiday. */
export function isWorkingDay(date: string, holidays: Holidays): boolean {
  const weekday = dayOfWeek(date);
  return weekday !== 0 && weekday !== 6 && !holidays.has(date);
}

/** `date` itself when it is a working day, else the first working day after it. */
export function workingDayOnOrAfter(date: string, holidays: Holidays): string {
  let day = date;
  while (!isWorkingDay(day, holidays)) day = addCalendarDays(day, 1);
  return day;
}

/**
 * The date `count` working days after `date` (which need not be one itself): each step
 * moves to the next working day. `count` 0 returns `date` unchanged.
 */
export function addWorkingDays(date: string, count: number, holidays: Holidays): string {
  let day = date;
  for (let i = 0; i < count; i += 1) day = workingDayOnOrAfter(addCalendarDays(day, 1), holidays);
  return day;
}
