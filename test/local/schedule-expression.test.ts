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
    ['at(2026-02-30T12:00:00)', /not a valid date/],
    ['at(2026-03-10 12:00)', /at\(yyyy-mm-ddThh:mm:ss\)/],
    ['every day', /expected rate\(...\), cron\(...\) or at\(...\)/],
  ])('rejects %s with a clear error', (expression, message) => {
    expect(() => parseScheduleExpression(expression)).toThrow(message);
    expect(() => parseScheduleExpression(expression)).toThrow(expression);
  });
});

describe('schedule expressions in a time zone (EventBridge Scheduler)', () => {
  const tirane = { timeZone: 'Europe/Tirane' };
  const next = (expression: string, after: string, options = tirane) =>
    nextFireTime(expression, new Date(after), options).toISOString();

  it.each([
    // Tirane is UTC+1 in winter (CET) and UTC+2 in summer (CEST).
    ['winter', '2026-01-15T00:00:00Z', '2026-01-15T07:00:00.000Z'],
    ['summer', '2026-07-15T00:00:00Z', '2026-07-15T06:00:00.000Z'],
    ['the day clocks go forward (29 March 2026)', '2026-03-29T00:00:00Z', '2026-03-29T06:00:00.000Z'],
    ['the day before', '2026-03-28T00:00:00Z', '2026-03-28T07:00:00.000Z'],
    ['the day clocks go back (25 October 2026)', '2026-10-25T00:00:00Z', '2026-10-25T07:00:00.000Z'],
    ['the day before that', '2026-10-24T00:00:00Z', '2026-10-24T06:00:00.000Z'],
  ])('fires cron(0 8 * * ? *) at 08:00 Tirane time in %s', (_when, after, expected) => {
    expect(next('cron(0 8 * * ? *)', after)).toBe(expected);
  });

  it('skips a wall time that does not exist (02:30 on the spring change) and goes on the next day', () => {
    // 29 March 2026: 02:00 CET becomes 03:00 CEST in Tirane.
    expect(next('cron(30 2 * * ? *)', '2026-03-28T12:00:00Z')).toBe('2026-03-30T00:30:00.000Z');
  });

  it('fires a wall time that occurs twice (02:30 on the autumn change) once, at its first occurrence', () => {
    // 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens at 00:30Z and again at 01:30Z.
    expect(next('cron(30 2 * * ? *)', '2026-10-24T12:00:00Z')).toBe('2026-10-25T00:30:00.000Z');
    expect(next('cron(30 2 * * ? *)', '2026-10-25T00:30:00Z')).toBe('2026-10-26T01:30:00.000Z');
  });

  it('keeps every fire time of an hourly cron across the autumn change, in order', () => {
    const times: string[] = [];
    let after = new Date('2026-10-24T22:00:00Z');
    for (let i = 0; i < 5; i += 1) {
      after = nextFireTime('cron(0 * * * ? *)', after, tirane);
      times.push(after.toISOString());
    }
    // 01:00 CEST (23Z), 02:00 CEST (00Z), 02:00 CET again is the repeated hour: once only, then 03:00 CET.
    expect(times).toEqual([
      '2026-10-24T23:00:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T03:00:00.000Z',
      '2026-10-25T04:00:00.000Z',
    ]);
  });

  it('reads a rate as a fixed period whatever the zone', () => {
    expect(next('rate(1 hour)', '2026-03-29T00:30:00Z')).toBe('2026-03-29T01:00:00.000Z');
  });

  it('fires at() once, at its wall time in the zone (UTC by default)', () => {
    const once = parseScheduleExpression('at(2026-07-01T09:30:00)', tirane);
    expect(once.kind).toBe('at');
    expect(once.at?.toISOString()).toBe('2026-07-01T07:30:00.000Z');
    expect(once.nextFireTime(new Date('2026-06-01T00:00:00Z')).toISOString()).toBe(
      '2026-07-01T07:30:00.000Z',
    );
    expect(() => once.nextFireTime(new Date('2026-07-01T07:30:00Z'))).toThrow(/never fires/);
    expect(parseScheduleExpression('at(2026-07-01T09:30:00)').at?.toISOString()).toBe(
      '2026-07-01T09:30:00.000Z',
    );
  });

  it('rejects a zone that is not an IANA name', () => {
    expect(() => parseScheduleExpression('cron(0 8 * * ? *)', { timeZone: 'Mars/Olympus' })).toThrow(
      /"Mars\/Olympus" is not an IANA time zone/,
    );
  });
});
