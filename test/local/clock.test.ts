import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type ClockAdvance,
  ClockError,
  ClockListenerError,
  clockFilePath,
  DurationError,
  formatDuration,
  MAX_OFFSET_MS,
  parseDuration,
  RuntimeClock,
  readClockOffset,
} from '../../local/engine/clock/runtime-clock';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'bashke-clock-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('parseDuration', () => {
  it.each([
    ['25h', 25 * H],
    ['30m', 30 * M],
    ['2d', 2 * D],
    ['90s', 90 * S],
    ['1d12h', 36 * H],
    ['1w2d3h4m5s6ms', 7 * D + 2 * D + 3 * H + 4 * M + 5 * S + 6],
    ['500ms', 500],
    ['0s', 0],
    [' 25h ', 25 * H],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '25', 'h', '-1h', '1.5h', '1h 30m', '30m1h', '1h1h', '1y', 'soon', '25H'])(
    'refuses %j with a clear error',
    (text) => {
      expect(() => parseDuration(text)).toThrow(DurationError);
      expect(() => parseDuration(text)).toThrow(/like 25h, 30m, 2d, 90s or 1d12h/);
    },
  );

  it('formats durations the way it reads them', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(25 * H)).toBe('1d1h');
    expect(formatDuration(36 * H + 30 * M + 5 * S + 7)).toBe('1d12h30m5s7ms');
    for (const ms of [90 * S, 25 * H, 3 * D + 1]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe('RuntimeClock', () => {
  it('runs on real time until advanced, and keeps the offset in clock.json across opens', async () => {
    const dir = tempDir();
    let real = Date.parse('2026-03-29T10:00:00Z');
    const clock = RuntimeClock.open(dir, { realNow: () => real });
    expect(clock.offsetMs).toBe(0);
    expect(clock.now().toISOString()).toBe('2026-03-29T10:00:00.000Z');
    expect(readClockOffset(dir)).toBe(0); // no file yet: real time

    const moved = await clock.advance(25 * H);
    expect(moved.toISOString()).toBe('2026-03-30T11:00:00.000Z');
    expect(clock.offsetMs).toBe(25 * H);
    real += 5 * S;
    expect(clock.nowMs()).toBe(Date.parse('2026-03-30T11:00:05Z'));

    expect(readClockOffset(dir)).toBe(25 * H);
    expect(JSON.parse(readFileSync(clockFilePath(dir), 'utf8'))).toMatchObject({ offsetMs: 25 * H });
    expect(statSync(clockFilePath(dir)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['clock.json']); // written atomically: no temporary left

    const reopened = RuntimeClock.open(dir, { realNow: () => real });
    expect(reopened.offsetMs).toBe(25 * H);
    await reopened.advance(30 * M);
    expect(RuntimeClock.open(dir).offsetMs).toBe(25 * H + 30 * M);
    expect(Math.abs(RuntimeClock.open(dir).nowMs() - (Date.now() + 25 * H + 30 * M))).toBeLessThan(1000);
  });

  it.each([
    [-1, /only moves forward/],
    [Number.NaN, /finite number/],
    [Number.POSITIVE_INFINITY, /finite number/],
    [1.5, /whole number/],
    [MAX_OFFSET_MS + 1, /cannot run more than/],
  ])('refuses to advance by %p and changes nothing', async (ms, message) => {
    const dir = tempDir();
    const clock = RuntimeClock.open(dir);
    const heard: ClockAdvance[] = [];
    clock.onAdvance((a) => void heard.push(a));
    await expect(clock.advance(ms)).rejects.toThrow(ClockError);
    await expect(clock.advance(ms)).rejects.toThrow(message);
    expect(clock.offsetMs).toBe(0);
    expect(heard).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('tells its listeners, waits for their promises and reports their failures after moving', async () => {
    const clock = new RuntimeClock(undefined, 0, { realNow: () => 0 });
    const heard: string[] = [];
    const off = clock.onAdvance((a) => void heard.push(`sync ${a.byMs} ${a.offsetMs} ${a.now.getTime()}`));
    let finished = false;
    clock.onAdvance(async () => {
      await new Promise((r) => setTimeout(r, 20));
      finished = true;
    });
    await clock.advance(H);
    expect(heard).toEqual([`sync ${H} ${H} ${H}`]);
    expect(finished).toBe(true);

    off();
    clock.onAdvance(() => {
      throw new Error('schedules broke');
    });
    clock.onAdvance(async () => {
      throw new Error('timers broke');
    });
    const failed = clock.advance(M);
    await expect(failed).rejects.toThrow(ClockListenerError);
    await expect(failed).rejects.toThrow(/moved to .*2 listener\(s\) failed: schedules broke; timers broke/);
    expect(clock.offsetMs).toBe(H + M); // moved anyway
    expect(heard).toHaveLength(1); // unsubscribed
  });

  it('refuses an unreadable clock.json clearly, naming the file', () => {
    const dir = tempDir();
    writeFileSync(clockFilePath(dir), 'nonsense');
    expect(() => RuntimeClock.open(dir)).toThrow(/clock\.json is not JSON; delete it to return to real time/);
    writeFileSync(clockFilePath(dir), '{"offsetMs": -5}');
    expect(() => readClockOffset(dir)).toThrow(ClockError);
    expect(() => readClockOffset(dir)).toThrow(/clock\.json is invalid/);
  });
});
