/**
 * The local runtime's one clock: real time plus a forward-only offset, so a demo or a test
 * can jump ahead (`npm run clock -- advance 25h`) and see reminders, expiries and timers
 * fire without waiting. Everything that tells time reads it:
 *
 * - the Lambda workers, through a Date shim fed by a shared buffer (lambda/worker-pool.ts);
 * - the token issuer, the gateway's JWT checks and `npm run token` (`readClockOffset`);
 * - the schedule runner and the Step Functions control plane, which re-arm on `onAdvance`.
 *
 * The offset is kept in `<dataDir>/clock.json` (written atomically), so it survives a
 * restart: time never runs backwards for the data the stack already wrote. `--reset`
 * (wiping the data folder) is the only way back to real time.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';

export const CLOCK_FILE_NAME = 'clock.json';

/**
 * The largest offset the clock takes (about 100 years): far beyond any demo, and far inside
 * what `Date` can represent.
 */
export const MAX_OFFSET_MS = 100 * 365 * 24 * 3600 * 1000;

export function clockFilePath(dataDir: string): string {
  return path.join(dataDir, CLOCK_FILE_NAME);
}

const clockFileSchema = z.object({
  /** Milliseconds added to real time; whole, 0 or more. */
  offsetMs: z.number().int().min(0).max(MAX_OFFSET_MS),
  /** ISO instant (real time) of the last advance; informative only. */
  updatedAt: z.string().optional(),
});

export class ClockError extends Error {
  override readonly name = 'ClockError';
}

/** What a listener is told after the clock moved. */
export interface ClockAdvance {
  /** How far the clock moved, in ms. */
  readonly byMs: number;
  /** The offset after the move. */
  readonly offsetMs: number;
  /** The clock's time right after the move. */
  readonly now: Date;
}

/** May return a promise: `advance` waits for it (e.g. the schedules it made fire). */
export type ClockListener = (advance: ClockAdvance) => void | Promise<void>;

/** The part of the clock that readers need (what other components should depend on). */
export interface ClockView {
  now(): Date;
  nowMs(): number;
  readonly offsetMs: number;
  onAdvance(listener: ClockListener): () => void;
}

export interface RuntimeClockOptions {
  /** Real time source; tests inject one. @default Date.now */
  readonly realNow?: () => number;
}

/**
 * The offset stored in `dataDir`, 0 when there is none. For other processes (e.g.
 * `npm run token`) that need the running stack's time. Throws a ClockError naming the file
 * when it is unreadable or invalid.
 */
export function readClockOffset(dataDir: string): number {
  const file = clockFilePath(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ClockError(`${file} is not JSON; delete it to return to real time`);
  }
  const parsed = clockFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ClockError(
      `${file} is invalid (offsetMs must be a whole number of milliseconds from 0 to ${MAX_OFFSET_MS}); ` +
        'delete it to return to real time',
    );
  }
  return parsed.data.offsetMs;
}

function writeClockFile(dataDir: string, offsetMs: number, realNow: number): void {
  mkdirSync(dataDir, { recursive: true });
  const file = clockFilePath(dataDir);
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  const body = { offsetMs, updatedAt: new Date(realNow).toISOString() };
  try {
    writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** Thrown by `advance` when listeners failed; the clock has moved (and was saved) anyway. */
export class ClockListenerError extends AggregateError {
  override readonly name = 'ClockListenerError';
}

export class RuntimeClock implements ClockView {
  private offset: number;
  private readonly realNow: () => number;
  private readonly listeners = new Set<ClockListener>();

  /**
   * A clock on `dataDir` (persisted) or, without one, in memory only (tests).
   * Prefer `RuntimeClock.open`.
   */
  constructor(
    private readonly dataDir: string | undefined,
    offsetMs = 0,
    options: RuntimeClockOptions = {},
  ) {
    if (!Number.isInteger(offsetMs) || offsetMs < 0 || offsetMs > MAX_OFFSET_MS) {
      throw new ClockError(`the clock offset must be a whole number of ms from 0 to ${MAX_OFFSET_MS}`);
    }
    this.offset = offsetMs;
    this.realNow = options.realNow ?? Date.now;
  }

  /** The clock persisted in `<dataDir>/clock.json` (real time until the first advance). */
  static open(dataDir: string, options: RuntimeClockOptions = {}): RuntimeClock {
    return new RuntimeClock(dataDir, readClockOffset(dataDir), options);
  }

  get offsetMs(): number {
    return this.offset;
  }

  nowMs(): number {
    return this.realNow() + this.offset;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /**
   * Moves the clock forward by `ms` (a whole number, 0 or more), saves the new offset, then
   * calls every listener and waits for the promises they return. The move itself happens
   * synchronously, before the first listener runs. Rejects with a ClockError (and changes
   * nothing) for a negative, fractional or non-finite `ms` or one that would pass
   * MAX_OFFSET_MS; with a ClockListenerError when listeners failed (the clock has moved).
   */
  async advance(ms: number): Promise<Date> {
    const event = this.move(ms);
    const failures: unknown[] = [];
    const pending: Promise<void>[] = [];
    for (const listener of [...this.listeners]) {
      try {
        const result = listener(event);
        if (result instanceof Promise)
          pending.push(result.catch((error: unknown) => void failures.push(error)));
      } catch (error) {
        failures.push(error);
      }
    }
    await Promise.all(pending);
    if (failures.length > 0) {
      const detail = failures.map((f) => (f instanceof Error ? f.message : String(f))).join('; ');
      throw new ClockListenerError(
        failures,
        `the clock moved to ${event.now.toISOString()}, but ${failures.length} listener(s) failed: ${detail}`,
      );
    }
    return this.now();
  }

  /** Calls `listener` after every advance; returns the function that unsubscribes it. */
  onAdvance(listener: ClockListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private move(ms: number): ClockAdvance {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) {
      throw new ClockError('the clock advances by a finite number of milliseconds');
    }
    if (ms < 0) throw new ClockError('the clock only moves forward: the amount must not be negative');
    if (!Number.isInteger(ms)) throw new ClockError('the clock advances by a whole number of milliseconds');
    const next = this.offset + ms;
    if (next > MAX_OFFSET_MS) {
      throw new ClockError(
        `the clock cannot run more than ${formatDuration(MAX_OFFSET_MS)} ahead of real time ` +
          `(it is ${formatDuration(this.offset)} ahead)`,
      );
    }
    if (this.dataDir !== undefined) writeClockFile(this.dataDir, next, this.realNow());
    this.offset = next;
    return { byMs: ms, offsetMs: next, now: this.now() };
  }
}

// --- durations -------------------------------------------------------------------------

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const UNIT_ORDER = ['w', 'd', 'h', 'm', 's', 'ms'];

export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/**
 * A duration such as `25h`, `30m`, `2d`, `90s`, `1d12h`, `1w`, `500ms` → milliseconds.
 * Whole numbers with units w, d, h, m, s, ms, each at most once, largest first; no sign,
 * no spaces. Throws a DurationError saying what is accepted.
 */
export function parseDuration(text: string): number {
  const input = typeof text === 'string' ? text.trim() : '';
  const hint = 'expected whole numbers with units, largest first, like 25h, 30m, 2d, 90s or 1d12h';
  if (input === '') throw new DurationError(`empty duration: ${hint}`);
  const tokens = [...input.matchAll(/(\d+)(ms|w|d|h|m|s)/gy)];
  if (tokens.map((t) => t[0]).join('') !== input) {
    throw new DurationError(`"${input}" is not a duration: ${hint}`);
  }
  let total = 0;
  let lastRank = -1;
  for (const [, digits, unit] of tokens) {
    const rank = UNIT_ORDER.indexOf(unit as string);
    if (rank <= lastRank) throw new DurationError(`"${input}" is not a duration: ${hint}`);
    lastRank = rank;
    total += Number(digits) * (UNIT_MS[unit as string] as number);
  }
  if (!Number.isSafeInteger(total)) throw new DurationError(`"${input}" is too long`);
  return total;
}

/** Milliseconds → `1d1h`, `25m`, `0s` (the form parseDuration reads; ms only when needed). */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit] as number;
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out === '' ? '0s' : out;
}
