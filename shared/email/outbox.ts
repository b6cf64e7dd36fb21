import { randomUUID } from 'node:crypto';
import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { DueItem, OutboxDueItem } from '../data/records';
import { HeaderInjectionError, type Mailer, type OutgoingEmail, type SendResult } from './mailer';

/**
 * The outbox: a message the mail service would not take after the client's retries waits on
 * the due-time index (an `OUTBOX` item, due at its next attempt) instead of failing the step
 * that sent it. The one-minute dispatcher claims due items, calls `retryOutbox` for each, and
 * deletes or re-puts the item by its answer.
 */

/** The narrow store port the outbox needs: `DynamoStore.putDue` (false: an item with that key exists). */
export interface OutboxStore {
  putDue(item: DueItem): Promise<boolean>;
}

/** First wait before an outbox attempt: about one sweep of the dispatcher. */
export const OUTBOX_BASE_DELAY_MS = 60_000;
/** The longest wait between two outbox attempts. */
export const OUTBOX_MAX_DELAY_MS = 30 * 60_000;
/** A message queued longer than this is stale: the outbox alarm's threshold. */
export const OUTBOX_STALE_AFTER_MS = 15 * 60_000;

export interface OutboxBackoff {
  /** @default OUTBOX_BASE_DELAY_MS */
  readonly baseDelayMs?: number;
  /** @default OUTBOX_MAX_DELAY_MS */
  readonly maxDelayMs?: number;
  /** In [0, 1); tests pin it. @default Math.random */
  readonly random?: () => number;
}

/**
 * The wait before the attempt after `attempt` attempts were made: exponential backoff with
 * full jitter, `random() * min(max, base * 2^(attempt - 1))`, never below `base` (an item due
 * sooner would only wait for the next sweep anyway) and never above `max`.
 */
export function outboxDelayMs(attempt: number, backoff: OutboxBackoff = {}): number {
  const base = backoff.baseDelayMs ?? OUTBOX_BASE_DELAY_MS;
  const max = backoff.maxDelayMs ?? OUTBOX_MAX_DELAY_MS;
  const random = backoff.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.min(max, Math.max(base, Math.floor(random() * ceiling)));
}

/** How long a queued message has waited since it was first queued, in milliseconds. */
export function outboxAge(item: Pick<OutboxDueItem, 'queuedAt'>, now: Date): number {
  return Math.max(0, now.getTime() - Date.parse(item.queuedAt));
}

/**
 * True for failures worth another try later: throttling (SES's sending rate or daily quota),
 * service errors (HTTP 5xx), timeouts and network errors (refused, reset, unreachable), by the
 * SDK's own classification. Everything else is permanent: `MessageRejected`, an unverified
 * sender, an invalid address or parameter, a header with CR/LF, and errors we do not know.
 */
export function isTransientMailError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof HeaderInjectionError) return false;
  // The SDK's classifiers read `name`, `code`, `$metadata`, `$retryable` and `cause` defensively.
  const e = error as Parameters<typeof isTransientError>[0];
  return isThrottlingError(e) || isTransientError(e) || (e.$metadata?.httpStatusCode ?? 0) >= 500;
}

export class OutboxConflictError extends Error {
  override readonly name = 'OutboxConflictError';
}

export interface OutboxMailerOptions extends OutboxBackoff {
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** The outbox id of a message about to be queued. @default randomUUID */
  readonly newRef?: () => string;
}

/**
 * Decorates a mailer (the SES one): a send that fails transiently after the inner mailer's
 * retries is kept in the outbox and answers `{ status: 'queued', outboxRef }`; a permanent
 * failure is thrown as before. If the store is down too, the send's error is thrown: the
 * step fails and is retried by its workflow, as it was before the outbox.
 */
export class OutboxMailer implements Mailer {
  constructor(
    private readonly inner: Mailer,
    private readonly store: OutboxStore,
    private readonly options: OutboxMailerOptions = {},
  ) {}

  async send(email: OutgoingEmail): Promise<SendResult> {
    try {
      return await this.inner.send(email);
    } catch (error) {
      if (!isTransientMailError(error)) throw error;
      const now = (this.options.now ?? (() => new Date()))();
      const item: OutboxDueItem = {
        type: 'OUTBOX',
        dueAt: new Date(now.getTime() + outboxDelayMs(1, this.options)).toISOString(),
        ref: (this.options.newRef ?? randomUUID)(),
        attempt: 1,
        queuedAt: now.toISOString(),
        email,
      };
      let queued: boolean;
      try {
        queued = await this.store.putDue(item);
      } catch {
        throw error;
      }
      if (!queued) throw new OutboxConflictError('an outbox item with this ref exists');
      return { status: 'queued', outboxRef: item.ref };
    }
  }
}

export interface RetryOutboxDeps {
  /** The mailer to try with: the SES one itself, not an `OutboxMailer` (that would queue again). */
  readonly mailer: Mailer;
}

export interface RetryOutboxOptions extends OutboxBackoff {
  /** @default OUTBOX_STALE_AFTER_MS */
  readonly staleAfterMs?: number;
}

/**
 * How one outbox attempt ended, for the dispatcher:
 * - `sent`: the mail service took it (`messageId`); delete the item.
 * - `again`: a transient failure; delete the item and put `next` (attempt + 1, due later, unclaimed).
 * - `stale-again`: as `again`, and the message has waited longer than the stale threshold
 *   since it was first queued: count it for the alarm.
 * - `rejected`: a permanent failure (`error` is the error's name, never its message); delete
 *   the item, count it: it will never go.
 */
export type RetryOutboxResult =
  | { readonly result: 'sent'; readonly messageId: string }
  | { readonly result: 'again' | 'stale-again'; readonly next: OutboxDueItem; readonly ageMs: number }
  | { readonly result: 'rejected'; readonly error: string; readonly ageMs: number };

/**
 * One attempt at a due outbox item (the dispatcher has claimed it). The next attempt's time is
 * `now + outboxDelayMs(attempt + 1)`: exponential with full jitter, capped at `maxDelayMs`.
 */
export async function retryOutbox(
  deps: RetryOutboxDeps,
  item: OutboxDueItem,
  now: Date,
  options: RetryOutboxOptions = {},
): Promise<RetryOutboxResult> {
  const ageMs = outboxAge(item, now);
  try {
    const sent = await deps.mailer.send(item.email);
    if (sent.status === 'sent') return { result: 'sent', messageId: sent.messageId };
    // A mailer that queued it itself holds it under another ref now: this item is done.
    return { result: 'sent', messageId: '' };
  } catch (error) {
    if (!isTransientMailError(error)) {
      return { result: 'rejected', error: error instanceof Error ? error.name : 'Error', ageMs };
    }
    const attempt = item.attempt + 1;
    const { claimedUntil: _, ...rest } = item;
    const next: OutboxDueItem = {
      ...rest,
      attempt,
      dueAt: new Date(now.getTime() + outboxDelayMs(attempt, options)).toISOString(),
    };
    const stale = ageMs > (options.staleAfterMs ?? OUTBOX_STALE_AFTER_MS);
    return { result: stale ? 'stale-again' : 'again', next, ageMs };
  }
}
