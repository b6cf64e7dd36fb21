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
 * - `at(yyyy-mm-ddThh:mm:ss)`, EventBridge Scheduler's one-time schedule: it fires once, at
 *   that wall-clock time in the schedule's time zone.
 *
 * Time zones (EventBridge Scheduler's `ScheduleExpressionTimezone`, an IANA name): a cron's
 * fields and an at()'s date are read as wall-clock time in that zone, as Scheduler does, with
 * its daylight-saving rules: a wall time that does not exist (the hour skipped in spring) is
 * skipped, and a wall time that occurs twice (the hour repeated in autumn) fires once, at its
 * first occurrence. A rate is a fixed period whatever the zone (Scheduler: "days" are 24 h).
 * EventBridge rules have no zone: UTC.
 *
 * Anything else is rejected with an error naming it.
 */

export class ScheduleExpressionError extends Error {
  constructor(expression: string, message: string) {
    super(`schedule expression "${expression}": ${message}`);
    this.name = 'ScheduleExpressionError';
  }
}

export interface ParsedSchedule {
  readonly expression: string;
  readonly kind: 'rate' | 'cron' | 'at';
  /** The IANA time zone the expression is read in. */
  readonly timeZone: string;
  /** For `at(...)`: the one instant it fires. */
  readonly at?: Date;
  /** The first time strictly after `after` the schedule fires (UTC). */
  nextFireTime(after: Date): Date;
}

const MINUTE_MS = 60_000;
const UNIT_MS: Readonly<Record<string, number>> = {
  minute: MINUTE_MS,
  hour: 60 * MINUTE_MS,
  day: 24 * 60 * MINUTE_MS,
};

export interface ScheduleExpressionOptions {
  /** IANA time zone (EventBridge Scheduler's ScheduleExpressionTimezone). @default 'UTC' */
  readonly timeZone?: string;
}

export function parseScheduleExpression(
  expression: string,
  options: ScheduleExpressionOptions = {},
): ParsedSchedule {
  const timeZone = options.timeZone ?? 'UTC';
  const zone = zoneOf(expression, timeZone);
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) return { ...parseRate(expression, (rate[1] as string).trim()), timeZone };
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) {
    const utc = parseCron(expression, (cron[1] as string).trim());
    return zone ? zonedCron(utc, zone, timeZone) : { ...utc, timeZone };
  }
  const once = /^at\((.*)\)$/.exec(expression);
  if (once) return parseAt(expression, (once[1] as string).trim(), zone, timeZone);
  throw new ScheduleExpressionError(expression, 'expected rate(...), cron(...) or at(...)');
}

/** Shorthand: the next fire time of `expression` after `after`. */
export function nextFireTime(expression: string, after: Date, options: ScheduleExpressionOptions = {}): Date {
  return parseScheduleExpression(expression, options).nextFireTime(after);
}

// --- time zones ------------------------------------------------------------------------

/** Wall-clock arithmetic in one IANA zone; undefined for UTC itself. */
interface Zone {
  /** The zone's wall-clock time at `instant`, as a UTC-dated ms value. */
  wall(instant: number): number;
  /** The first instant whose wall-clock time is `wall`; undefined when the wall time is skipped. */
  instant(wall: number): number | undefined;
  /** The instant for `wall`, a skipped wall time read with the offset before the change. */
  instantLenient(wall: number): number;
}

const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/UCT', 'UCT', 'Etc/Zulu', 'Zulu']);
const DAY_MS = 24 * 60 * MINUTE_MS;

function zoneOf(expression: string, timeZone: string): Zone | undefined {
  if (UTC_NAMES.has(timeZone)) return undefined;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new ScheduleExpressionError(expression, `"${timeZone}" is not an IANA time zone`);
  }
  const wall = (instant: number): number => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(instant))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const seconds = Math.floor(instant / 1000) * 1000;
    const ms = instant - seconds;
    return (
      Date.UTC(
        parts.year as number,
        (parts.month as number) - 1,
        parts.day as number,
        parts.hour as number,
        parts.minute as number,
        parts.second as number,
      ) + ms
    );
  };
  const offsetAt = (instant: number) => wall(instant) - instant;
  /** Instants for `wall` under the offsets in force a day and a half around it. */
  const candidates = (w: number): number[] => {
    const offsets = new Set([offsetAt(w - 1.5 * DAY_MS), offsetAt(w + 1.5 * DAY_MS)]);
    return [...offsets]
      .map((offset) => w - offset)
      .filter((t) => wall(t) === w)
      .sort((a, b) => a - b);
  };
  return {
    wall,
    instant: (w) => candidates(w)[0],
    instantLenient: (w) => candidates(w)[0] ?? w - offsetAt(w - 1.5 * DAY_MS),
  };
}

/** How far back to look for fire times in wall time: more than any zone's offset change. */
const ZONE_LOOKBACK_MS = 3 * 60 * MINUTE_MS;

/** A cron read in `zone`: its UTC fire times taken as wall-clock times there. */
function zonedCron(utc: ParsedSchedule, zone: Zone, timeZone: string): ParsedSchedule {
  return {
    expression: utc.expression,
    kind: 'cron',
    timeZone,
    nextFireTime(after) {
      const afterMs = after.getTime();
      // Start a little before `after` in wall time: around an autumn change wall time repeats,
      // so a wall time just before `after`'s may still lie ahead of it.
      let wall = new Date(zone.wall(afterMs) - ZONE_LOOKBACK_MS);
      for (;;) {
        wall = utc.nextFireTime(wall);
        const instant = zone.instant(wall.getTime());
        if (instant !== undefined && instant > afterMs) return new Date(instant);
      }
    },
  };
}

function parseAt(expression: string, body: string, zone: Zone | undefined, timeZone: string): ParsedSchedule {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!m) throw new ScheduleExpressionError(expression, 'expected at(yyyy-mm-ddThh:mm:ss)');
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(wall);
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    back.getUTCHours() !== h ||
    back.getUTCMinutes() !== mi ||
    back.getUTCSeconds() !== s
  ) {
    throw new ScheduleExpressionError(expression, 'not a valid date and time');
  }
  const at = new Date(zone ? zone.instantLenient(wall) : wall);
  return {
    expression,
    kind: 'at',
    timeZone,
    at,
    nextFireTime(after) {
      if (at.getTime() > after.getTime()) return at;
      throw new ScheduleExpressionError(expression, `never fires after ${after.toISOString()}`);
    },
  };
}

function parseRate(expression: string, body: string): Omit<ParsedSchedule, 'timeZone'> {
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
  const timeZone = 'UTC';
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
    timeZone,
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
