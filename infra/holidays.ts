/**
 * Public holidays, computed at synth with date-holidays (a dev dependency: no function
 * bundles it; functions receive the dates in `HOLIDAYS`).
 */
import Holidays from 'date-holidays';

/** Years of holidays a synth generates, from the deployment's current year. */
export const HOLIDAY_YEARS = 6;

/** The ISO 3166-1 alpha-2 codes date-holidays knows (AL for Albania). */
export function holidayCountries(): string[] {
  return Object.keys(new Holidays().getCountries());
}

/**
 * The public holidays of `country` in `years` calendar years from `fromYear`, as sorted local
 * dates (YYYY-MM-DD), each once. Type `public` only (not bank holidays or observances);
 * substitute days the library reports for a holiday on a weekend are included.
 */
export function publicHolidays(country: string, fromYear: number, years: number): string[] {
  if (!holidayCountries().includes(country))
    throw new Error(`date-holidays does not know country ${country}`);
  if (!Number.isInteger(fromYear) || !Number.isInteger(years) || years < 0)
    throw new Error(`bad holiday range: ${fromYear} + ${years} years`);
  const calendar = new Holidays(country);
  const dates = new Set<string>();
  for (let year = fromYear; year < fromYear + years; year += 1) {
    for (const holiday of calendar.getHolidays(year)) {
      // `date` is the local date and time, sometimes with an offset suffix ("2026-03-20 00:00:00 -0600").
      if (holiday.type === 'public') dates.add(holiday.date.slice(0, 10));
    }
  }
  return [...dates].sort();
}
