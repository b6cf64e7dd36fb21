/**
 * EventBridge / EventBridge Scheduler schedule expressions, computed in UTC:
 *
 * - `rate(1 minute)`, `rate(N minutes)`, `rate(1 hour)`, `rate(N hours)`, `rate(1 day)`,
 *   `rate(N days)` (singular for 1, plural above, as AWS requires). Locally a rate fires on
 *   the multiples of its period since the Unix epoch (`rate(1 minute)` at every :00 second,
 *   `rate(1 day)` at 00:00 UTC), so a restart neither drifts nor skips.
 * - `cron(minutes hours day-of-month month day-of-week year)`, AWS's six fields: `*`, `?`,
 *   values, ranges `a-b`, lists `a,b`, steps `*\/n`, `a/n`, `a-b/n`, month names JAN-DEC,
 *   day names SUN-SAT (1 = Sunday), `L` (last day of the month; in day-of-week Saturday),
 *   `LW`, `nW` (nearest weekday), `nL` (last weekday n of the month) and `n#k` (k-th weekday n).
 *   Exactly one of day-of-month and day-of-week must be `?`.
 *
 * Anything else (including one-time `at(...)`) is rejected with an error naming it.
 */

export class ScheduleExpressionError extends Error {
  constructor(expression: string, message: string) {
    super(`schedule expression "${expression}": ${message}`);
    this.name = 'ScheduleExpressionError';
  }
}

export interface ParsedSchedule {
  readonly expression: string;
  readonly kind: 'rate' | 'cron';
  /** The first time strictly after `after` the schedule fires (UTC). */
  nextFireTime(after: Date): Date;
}

const MINUTE_MS = 60_000;
const UNIT_MS: Readonly<Record<string, number>> = {
  minute: MINUTE_MS,
  hour: 60 * MINUTE_MS,
  day: 24 * 60 * MINUTE_MS,
};

export function parseScheduleExpression(expression: string): ParsedSchedule {
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) return parseRate(expression, (rate[1] as string).trim());
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return parseCron(expression, (cron[1] as string).trim());
  if (/^at\(/.test(expression)) {
    throw new ScheduleExpressionError(expression, 'one-time at(...) schedules are not supported locally');
  }
  throw new ScheduleExpressionError(expression, 'expected rate(...) or cron(...)');
}

/** Shorthand: the next fire time of `expression` after `after`. */
export function nextFireTime(expression: string, after: Date): Date {
  return parseScheduleExpression(expression).nextFireTime(after);
}

function parseRate(expression: string, body: string): ParsedSchedule {
  const match = /^(\d+)\s+(minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!match)
    throw new ScheduleExpressionError(expression, 'expected rate(<number> <minute(s)|hour(s)|day(s)>)');
  const value = Number(match[1]);
  const unit = match[2] as string;
  const plural = unit.endsWith('s');
  if (value < 1) throw new ScheduleExpressionError(expression, 'the rate must be a positive whole number');
  if (value === 1 && plural) throw new ScheduleExpressionError(expression, `use "1 ${unit.slice(0, -1)}"`);
  if (value > 1 && !plural) throw new ScheduleExpressionError(expression, `use "${value} ${unit}s"`);
  const period = value * (UNIT_MS[plural ? unit.slice(0, -1) : unit] as number);
  return {
    expression,
    kind: 'rate',
    nextFireTime(after) {
      return new Date((Math.floor(after.getTime() / period) + 1) * period);
    },
  };
}

// --- cron ------------------------------------------------------------------------------

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS = {
  minutes: { label: 'minutes', min: 0, max: 59 },
  hours: { label: 'hours', min: 0, max: 23 },
  dayOfMonth: { label: 'day-of-month', min: 1, max: 31 },
  month: { label: 'month', min: 1, max: 12, names: MONTHS },
  dayOfWeek: { label: 'day-of-week', min: 1, max: 7, names: WEEKDAYS },
  year: { label: 'year', min: MIN_YEAR, max: MAX_YEAR },
} satisfies Record<string, FieldSpec>;

/** A day test inside a given month: (year, month 1-12, day 1-31) → fires that day? */
type DayTest = (year: number, month: number, day: number) => boolean;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** AWS numbering: 1 = Sunday … 7 = Saturday. */
function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function parseCron(expression: string, body: string): ParsedSchedule {
  const parts = body.split(/\s+/);
  if (parts.length !== 6) {
    throw new ScheduleExpressionError(
      expression,
      `expected 6 fields (minutes hours day-of-month month day-of-week year), found ${parts.length}`,
    );
  }
  const [min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  const fail = (message: string) => new ScheduleExpressionError(expression, message);
  if ((dom === '?') === (dow === '?')) {
    throw fail('exactly one of day-of-month and day-of-week must be "?"');
  }
  const minutes = [...parseSet(min, FIELDS.minutes, fail)].sort((a, b) => a - b);
  const hours = [...parseSet(hour, FIELDS.hours, fail)].sort((a, b) => a - b);
  const months = parseSet(month, FIELDS.month, fail);
  const years = parseSet(year, FIELDS.year, fail);
  const dayTest = dom === '?' ? parseDayOfWeek(dow, fail) : parseDayOfMonth(dom, fail);

  return {
    expression,
    kind: 'cron',
    nextFireTime(after) {
      // Cron fires on whole minutes: start at the first whole minute strictly after `after`.
      const start = new Date((Math.floor(after.getTime() / MINUTE_MS) + 1) * MINUTE_MS);
      let y = start.getUTCFullYear();
      let m = start.getUTCMonth() + 1;
      let d = start.getUTCDate();
      let fromMinute = start.getUTCHours() * 60 + start.getUTCMinutes();
      while (y <= MAX_YEAR) {
        if (!years.has(y)) {
          [y, m, d, fromMinute] = [y + 1, 1, 1, 0];
          continue;
        }
        if (!months.has(m)) {
          [y, m, d, fromMinute] = m === 12 ? [y + 1, 1, 1, 0] : [y, m + 1, 1, 0];
          continue;
        }
        if (dayTest(y, m, d)) {
          for (const h of hours) {
            for (const mm of minutes) {
              if (h * 60 + mm >= fromMinute) return new Date(Date.UTC(y, m - 1, d, h, mm));
            }
          }
        }
        fromMinute = 0;
        if (d < daysInMonth(y, m)) d += 1;
        else [y, m, d] = m === 12 ? [y + 1, 1, 1] : [y, m + 1, 1];
      }
      throw new ScheduleExpressionError(expression, `never fires after ${after.toISOString()}`);
    },
  };
}

function parseNumber(text: string, field: FieldSpec, fail: (message: string) => Error): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + field.min : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < field.min || value > field.max) {
    throw fail(`${field.label}: "${text}" is not a value from ${field.min} to ${field.max}`);
  }
  return value;
}

/** `*`, values, ranges, lists and steps → the set of values. */
function parseSet(text: string, field: FieldSpec, fail: (message: string) => Error): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined || range === undefined || range === '')
      throw fail(`${field.label}: bad item "${item}"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw fail(`${field.label}: bad step "${item}"`);
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (range === '*') {
      [low, high] = [field.min, field.max];
    } else if (range.includes('-')) {
      const [a, b, rest] = range.split('-');
      if (a === undefined || b === undefined || rest !== undefined)
        throw fail(`${field.label}: bad range "${item}"`);
      [low, high] = [parseNumber(a, field, fail), parseNumber(b, field, fail)];
      if (low > high) throw fail(`${field.label}: range "${range}" runs backwards`);
    } else {
      low = parseNumber(range, field, fail);
      high = stepText === undefined ? low : field.max;
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return values;
}

function parseDayOfMonth(text: string, fail: (message: string) => Error): DayTest {
  const field = FIELDS.dayOfMonth;
  if (text === 'L') return (y, m, d) => d === daysInMonth(y, m);
  if (text === 'LW') {
    return (y, m, d) => d === nearestWeekday(y, m, daysInMonth(y, m));
  }
  const w = /^(\d+)W$/.exec(text);
  if (w) {
    const target = parseNumber(w[1] as string, field, fail);
    return (y, m, d) => target <= daysInMonth(y, m) && d === nearestWeekday(y, m, target);
  }
  if (/[LW#]/i.test(text)) throw fail(`day-of-month: "${text}" is not supported`);
  const days = parseSet(text, field, fail);
  return (_y, _m, d) => days.has(d);
}

/** The weekday (Mon-Fri) nearest to `day` within the same month. */
function nearestWeekday(year: number, month: number, day: number): number {
  const wd = weekday(year, month, day);
  if (wd === 7) return day === 1 ? day + 2 : day - 1; // Saturday
  if (wd === 1) return day === daysInMonth(year, month) ? day - 2 : day + 1; // Sunday
  return day;
}

function parseDayOfWeek(text: string, fail: (message: string) => Error): DayTest {
  const field = FIELDS.dayOfWeek;
  if (text === 'L') return (y, m, d) => weekday(y, m, d) === 7;
  const last = /^(\w+)L$/.exec(text);
  if (last) {
    const target = parseNumber(last[1] as string, field, fail);
    return (y, m, d) => weekday(y, m, d) === target && d + 7 > daysInMonth(y, m);
  }
  const nth = /^(\w+)#(\d)$/.exec(text);
  if (nth) {
    const target = parseNumber(nth[1] as string, field, fail);
    const k = Number(nth[2]);
    if (k < 1 || k > 5) throw fail(`day-of-week: "${text}": the occurrence must be 1 to 5`);
    return (y, m, d) => weekday(y, m, d) === target && Math.ceil(d / 7) === k;
  }
  if (
    /[LW#]/i.test(text.replace(/[A-Z]{3}/gi, (name) => (WEEKDAYS.includes(name.toUpperCase()) ? '' : name)))
  ) {
    throw fail(`day-of-week: "${text}" is not supported`);
  }
  const days = parseSet(text, field, fail);
  return (y, m, d) => days.has(weekday(y, m, d));
}
