import type { HistoryEventType } from '@aws-sdk/client-sfn';
import type { StateType } from './definition';

/**
 * The history events of Map and Parallel states that the engine has no event for, as AWS
 * writes them (inline Map; distributed Map is not emulated):
 *
 * - entry: `MapStateEntered`, `MapStateStarted` (`ParallelStateEntered`, `ParallelStateStarted`);
 * - each retry: `MapStateStarted` again (no failure event for an attempt that is retried);
 * - the last attempt failed: `MapStateFailed` (`ParallelStateFailed`), then `MapStateExited`
 *   only if a catcher took it;
 * - success: `MapStateSucceeded`, `MapStateExited`; a Parallel state only `ParallelStateExited`.
 */
type Compound = Extract<StateType, 'Map' | 'Parallel'>;

const STARTED: Record<Compound, HistoryEventType> = {
  Map: 'MapStateStarted',
  Parallel: 'ParallelStateStarted',
};
const FAILED: Record<Compound, HistoryEventType> = {
  Map: 'MapStateFailed',
  Parallel: 'ParallelStateFailed',
};

function isCompound(type: StateType): type is Compound {
  return type === 'Map' || type === 'Parallel';
}

export class CompoundStateEvents {
  /** Entries of a state (by name) whose failure a catcher took: their exit is no success. */
  private readonly caught = new Map<string, number>();

  /** After the state's entry event. */
  entered(type: StateType): HistoryEventType[] {
    return isCompound(type) ? [STARTED[type]] : [];
  }

  /** The engine retries the state. */
  retried(type: StateType): HistoryEventType[] {
    return isCompound(type) ? [STARTED[type]] : [];
  }

  /** An attempt failed; `willRetry`: a retrier matched. */
  failed(type: StateType, willRetry: boolean): HistoryEventType[] {
    return isCompound(type) && !willRetry ? [FAILED[type]] : [];
  }

  /** A catcher took the failure. */
  noteCaught(type: StateType, name: string): void {
    if (isCompound(type)) this.caught.set(name, (this.caught.get(name) ?? 0) + 1);
  }

  /** Before the state's exit event. */
  exiting(type: StateType, name: string): HistoryEventType[] {
    const caught = this.caught.get(name) ?? 0;
    if (caught > 0) {
      this.caught.set(name, caught - 1);
      return [];
    }
    return type === 'Map' ? ['MapStateSucceeded'] : [];
  }
}
