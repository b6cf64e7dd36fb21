import type { Json, JsonObject } from './definition';
import { StatesRuntimeError } from './engine';

/**
 * When a Wait state ends, from the handler's arguments (see `rewriteWait` in definition.ts:
 * `seconds` or `timestamp`, resolved by the engine, and `path`, the SecondsPath or
 * TimestampPath as written). A value AWS refuses fails the execution with `States.Runtime`
 * and AWS's cause text, which names the state and the event id of its entry.
 */

/** ISO-8601 extended offset date-time: AWS refuses a timestamp without a zone (`Z` or `±hh:mm`). */
const OFFSET_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The cause prefix AWS gives a run-time error of a state. */
export function stateErrorPrefix(state: string, enteredEventId: number): string {
  return `An error occurred while executing the state '${state}' (entered at the event id #${enteredEventId}).`;
}

function shown(value: Json | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/** Epoch milliseconds the wait ends at; throws `States.Runtime` as AWS fails it. */
export function waitDueAt(state: string, args: JsonObject, nowMs: number, enteredEventId: number): number {
  const fail = (why: string): never => {
    throw new StatesRuntimeError(`${stateErrorPrefix(state, enteredEventId)} ${why}`);
  };
  const path = typeof args.path === 'string' ? args.path : undefined;
  if ('seconds' in args) {
    const s = args.seconds;
    const where = path === undefined ? '' : `: ${path} == ${shown(s)}`;
    if (typeof s !== 'number' || !Number.isInteger(s)) {
      return fail(`The SecondsPath parameter cannot be parsed as a long value${where}`);
    }
    if (s < 0) return fail(`The SecondsPath parameter references a negative value${where}`);
    return nowMs + s * 1000;
  }
  const t = args.timestamp;
  const dueAt = typeof t === 'string' && OFFSET_DATE_TIME.test(t) ? Date.parse(t) : Number.NaN;
  if (Number.isNaN(dueAt)) {
    const field = path === undefined ? 'Timestamp field' : 'TimestampPath parameter';
    const where = path === undefined ? '' : `: ${path} == ${shown(t)}`;
    return fail(
      `The ${field} does not reference a valid ISO-8601 extended offset date-time format string${where}`,
    );
  }
  return dueAt;
}

/** The id of the last entry event of `state` in `history` (0 if none). */
export function enteredEventId(
  history: ReadonlyArray<{ id: number; stateEnteredEventDetails?: { name?: string } }>,
  state: string,
): number {
  for (let i = history.length - 1; i >= 0; i--) {
    const event = history[i];
    if (event?.stateEnteredEventDetails?.name === state) return event.id;
  }
  return 0;
}
