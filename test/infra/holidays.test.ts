import { deadlineEnvironment, parseDeploymentConfig } from '../../infra/config';
import { HOLIDAY_YEARS, holidayCountries, publicHolidays } from '../../infra/holidays';
import { calendarDate, calendarYear } from '../../shared/util/time';
import { cdkJsonContext } from '../support/infra-synth';

/** What a synth of cdk.json's deployment today puts in every function's deadline variables. */
const config = parseDeploymentConfig(cdkJsonContext().bashke);
const synthEnv = () => deadlineEnvironment(config, new Date());

describe('publicHolidays', () => {
  it("lists Albania's public holidays of a year, substitutes included, sorted and once each", () => {
    const dates = publicHolidays('AL', 2026, 1);
    expect(dates).toEqual(expect.arrayContaining(['2026-01-01', '2026-03-14', '2026-11-28', '2026-11-30']));
    // 30 November 2026 substitutes for both 28 and 29 November: listed once.
    expect(dates.filter((d) => d === '2026-11-30')).toHaveLength(1);
    expect([...dates].sort()).toEqual(dates);
    // Observances and bank holidays are working days.
    expect(dates).not.toContain('2026-03-07');
    expect(dates).not.toContain('2026-12-24');
  });

  it('covers exactly the years asked for', () => {
    const years = new Set(publicHolidays('AL', 2026, 3).map((d) => d.slice(0, 4)));
    expect([...years]).toEqual(['2026', '2027', '2028']);
  });

  it('refuses a country date-holidays does not know', () => {
    expect(holidayCountries()).toContain('AL');
    expect(() => publicHolidays('XX', 2026, 1)).toThrow(/XX/);
  });
});

describe('the HOLIDAYS a synth passes to functions', () => {
  it('covers at least two years ahead of today, every year with its moveable holidays', () => {
    const now = new Date();
    const dates = synthEnv().HOLIDAYS.split(',');
    const twoYearsAhead = new Date(now);
    twoYearsAhead.setUTCFullYear(now.getUTCFullYear() + 2);
    const last = dates.at(-1) ?? '';
    const needed = calendarDate(twoYearsAhead, config.timeZone);
    expect(last >= needed ? 'covered' : `last holiday ${last}, needed through ${needed}`).toBe('covered');
    const thisYear = calendarYear(now, config.timeZone);
    for (let year = thisYear; year <= thisYear + 2; year += 1) {
      // Ten fixed-date holidays plus Easter Mondays and Bajrams: a year with fewer lost some.
      expect(dates.filter((d) => d.startsWith(`${year}-`)).length).toBeGreaterThanOrEqual(12);
    }
    expect(HOLIDAY_YEARS).toBeGreaterThanOrEqual(3);
  });

  it('leaves most of the 4 KB Lambda environment to the other variables', () => {
    const bytes = Object.entries(synthEnv()).reduce(
      (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value),
      0,
    );
    // About 1.7 KB for six years of Albanian holidays and the default deadlines.
    expect(bytes).toBeLessThan(2048);
  });

  it('holds the deadlines with the offer from offerDeadlineHours', () => {
    const deadlines = JSON.parse(synthEnv().DEADLINES);
    expect(deadlines.OFFER).toEqual({ amount: config.offerDeadlineHours, unit: 'hours' });
    expect(deadlines.NEEDS_ASSESSMENT).toEqual({ amount: 3, unit: 'working-days' });
  });
});
