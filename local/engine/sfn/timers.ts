/**
 * The control plane's one scheduler. Every deadline it owns (callback TimeoutSeconds, Wait
 * states, execution TimeoutSeconds, the engine slices) is an absolute instant read from the
 * injected clock, never a duration handed to the engine: the engine's own timers fire at
 * once past 2^31-1 ms (~24.8 days) and a restart would lose them.
 *
 * Node's setTimeout has the same 2^31-1 ms ceiling, so a far timer is armed in steps: each
 * wake-up re-reads the clock and either fires or arms the next step. `refresh()` re-arms
 * every timer from its due time; call it when the clock jumps (a clock offset, a restart
 * that loaded persisted timers).
 */

/** Longest delay Node's setTimeout honours. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export type TimerId = number;

interface Entry {
  readonly dueAt: number;
  readonly fn: () => void;
  handle?: NodeJS.Timeout;
}

export interface TimersOptions {
  /** The clock every due time is measured against. @default () => new Date() */
  readonly now?: () => Date;
  /** Called when a timer's callback throws (the error never escapes). @default console.error */
  readonly onError?: (error: unknown) => void;
}

export class Timers {
  private readonly now: () => Date;
  private readonly onError: (error: unknown) => void;
  private readonly entries = new Map<TimerId, Entry>();
  private nextId = 1;
  private disposed = false;

  constructor(options: TimersOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.onError =
      options.onError ?? ((error) => console.error('local step functions: a timer callback failed', error));
  }

  /** Runs `fn` once the clock reaches `dueAt` (at once, asynchronously, if it already has). */
  schedule(dueAt: Date, fn: () => void): TimerId {
    if (this.disposed) throw new Error('the timers were disposed');
    const due = dueAt.getTime();
    if (Number.isNaN(due)) throw new Error('a timer needs a valid due time');
    const id = this.nextId++;
    const entry: Entry = { dueAt: due, fn };
    this.entries.set(id, entry);
    this.arm(id, entry);
    return id;
  }

  /** Cancels a timer; unknown or fired ids are ignored. */
  cancel(id: TimerId | undefined): void {
    if (id === undefined) return;
    const entry = this.entries.get(id);
    if (!entry) return;
    clearTimeout(entry.handle);
    this.entries.delete(id);
  }

  /** Re-arms every pending timer from its due time and the clock as it reads now. */
  refresh(): void {
    for (const [id, entry] of this.entries) {
      clearTimeout(entry.handle);
      this.arm(id, entry);
    }
  }

  /** The pending timers, soonest first (what a persistence layer would save). */
  pending(): Array<{ readonly id: TimerId; readonly dueAt: Date }> {
    return [...this.entries]
      .map(([id, e]) => ({ id, dueAt: new Date(e.dueAt) }))
      .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  }

  /** Cancels everything; later `schedule` calls throw. */
  dispose(): void {
    this.disposed = true;
    for (const entry of this.entries.values()) clearTimeout(entry.handle);
    this.entries.clear();
  }

  private arm(id: TimerId, entry: Entry): void {
    const delay = Math.max(0, entry.dueAt - this.now().getTime());
    entry.handle = setTimeout(() => this.wake(id, entry), Math.min(delay, MAX_TIMER_DELAY_MS));
  }

  private wake(id: TimerId, entry: Entry): void {
    if (this.entries.get(id) !== entry) return;
    if (entry.dueAt > this.now().getTime()) {
      this.arm(id, entry);
      return;
    }
    this.entries.delete(id);
    try {
      entry.fn();
    } catch (error) {
      this.onError(error);
    }
  }
}
