import { nextFireTime, parseScheduleExpression } from '../../local/engine/assembly/schedule-expression';

const next = (expression: string, after: string) => nextFireTime(expression, new Date(after)).toISOString();

describe('rate expressions', () => {
  it('fires on the whole minute after', () => {
    expect(next('rate(1 minute)', '2026-03-10T12:00:30.000Z')).toBe('2026-03-10T12:01:00.000Z');
    expect(next('rate(1 minute)', '2026-03-10T12:01:00.000Z')).toBe('2026-03-10T12:02:00.000Z');
  });

  it('aligns N minutes, hours and days to the epoch (UTC)', () => {
    expect(next('rate(5 minutes)', '2026-03-10T12:03:00.000Z')).toBe('2026-03-10T12:05:00.000Z');
    expect(next('rate(2 hours)', '2026-03-10T13:59:59.000Z')).toBe('2026-03-10T14:00:00.000Z');
    expect(next('rate(1 hour)', '2026-03-10T13:00:00.000Z')).toBe('2026-03-10T14:00:00.000Z');
    expect(next('rate(1 day)', '2026-03-10T23:00:00.000Z')).toBe('2026-03-11T00:00:00.000Z');
    expect(next('rate(3 days)', '2026-03-10T00:00:00.000Z').endsWith('T00:00:00.000Z')).toBe(true);
  });

  it('is a rate', () => {
    expect(parseScheduleExpression('rate(10 minutes)').kind).toBe('rate');
  });

  it.each([
    ['rate(1 minutes)', /use "1 minute"/],
    ['rate(2 minute)', /use "2 minutes"/],
    ['rate(0 minutes)', /positive/],
    ['rate(5 seconds)', /expected rate/],
    ['rate(minute)', /expected rate/],
  ])('rejects %s', (expression, message) => {
    expect(() => parseScheduleExpression(expression)).toThrow(message);
  });
});

describe('cron expressions', () => {
  it('fires at a fixed time every day', () => {
    expect(next('cron(30 2 * * ? *)', '2026-03-10T01:00:00.000Z')).toBe('2026-03-10T02:30:00.000Z');
    expect(next('cron(30 2 * * ? *)', '2026-03-10T02:30:00.000Z')).toBe('2026-03-11T02:30:00.000Z');
    expect(next('cron(30 2 * * ? *)', '2026-12-31T03:00:00.000Z')).toBe('2027-01-01T02:30:00.000Z');
  });

  it('takes steps, ranges and lists', () => {
    expect(next('cron(0/15 * * * ? *)', '2026-03-10T12:16:00.000Z')).toBe('2026-03-10T12:30:00.000Z');
    expect(next('cron(*/20 8-9 * * ? *)', '2026-03-10T09:41:00.000Z')).toBe('2026-03-11T08:00:00.000Z');
    expect(next('cron(0 6,18 * * ? *)', '2026-03-10T07:00:00.000Z')).toBe('2026-03-10T18:00:00.000Z');
    expect(next('cron(0 0 1 JAN,JUL ? *)', '2026-03-10T00:00:00.000Z')).toBe('2026-07-01T00:00:00.000Z');
  });

  it('counts weekdays from 1 = Sunday, with names', () => {
    // 2026-03-14 is a Saturday.
    expect(next('cron(0 9 ? * MON-FRI *)', '2026-03-14T10:00:00.000Z')).toBe('2026-03-16T09:00:00.000Z');
    expect(next('cron(0 9 ? * 1 *)', '2026-03-14T10:00:00.000Z')).toBe('2026-03-15T09:00:00.000Z');
  });

  it('knows L, W, nL and #', () => {
    expect(next('cron(0 12 L * ? *)', '2028-02-01T00:00:00.000Z')).toBe('2028-02-29T12:00:00.000Z');
    // 2026-08-15 is a Saturday: the nearest weekday is Friday the 14th.
    expect(next('cron(0 8 15W * ? *)', '2026-08-01T00:00:00.000Z')).toBe('2026-08-14T08:00:00.000Z');
    // Last weekday of May 2026 (the 31st is a Sunday): Friday the 29th.
    expect(next('cron(0 8 LW * ? *)', '2026-05-01T00:00:00.000Z')).toBe('2026-05-29T08:00:00.000Z');
    // Third Friday of March 2026; last Friday of March 2026.
    expect(next('cron(0 10 ? * 6#3 *)', '2026-03-01T00:00:00.000Z')).toBe('2026-03-20T10:00:00.000Z');
    expect(next('cron(0 10 ? * FRIL *)', '2026-03-01T00:00:00.000Z')).toBe('2026-03-27T10:00:00.000Z');
  });

  it('honours the year and says when it never fires again', () => {
    expect(next('cron(0 0 1 1 ? 2030)', '2026-03-10T00:00:00.000Z')).toBe('2030-01-01T00:00:00.000Z');
    expect(() => next('cron(0 0 1 1 ? 2030)', '2030-06-01T00:00:00.000Z')).toThrow(/never fires/);
  });

  it('computes in UTC whatever the process zone', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      expect(next('cron(0 0 * * ? *)', '2026-03-10T12:00:00.000Z')).toBe('2026-03-11T00:00:00.000Z');
    } finally {
      process.env.TZ = zone;
    }
  });

  it.each([
    ['cron(0 12 * * ?)', /6 fields/],
    ['cron(0 12 * * * *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 12 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(60 12 * * ? *)', /minutes: "60"/],
    ['cron(0 12 * FOO ? *)', /month: "FOO"/],
    ['cron(0 12 ? * 2-1 *)', /runs backwards/],
    ['cron(0 12 ? * 6#9 *)', /occurrence/],
    ['at(2026-03-10T12:00:00)', /one-time/],
    ['every day', /expected rate\(...\) or cron\(...\)/],
  ])('rejects %s with a clear error', (expression, message) => {
    expect(() => parseScheduleExpression(expression)).toThrow(message);
    expect(() => parseScheduleExpression(expression)).toThrow(expression);
  });
});
