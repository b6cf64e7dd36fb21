import { isThrottlingError, isTransientError } from '@smithy/core/retry';

/**
 * Which failures are the caller's to retry: overload and timeouts of the services below us.
 * The SDK's own classification decides (`@smithy/core/retry`, what its retry strategy uses),
 * so an error that reaches the edge as throttled or transient has already used up the
 * client's retries; this module only adds what the SDK does not call throttling but the
 * caller should treat as busy, and tells timeouts apart for `Retry-After`.
 */

/** Why the request may be retried; the edge answers 503 with Retry-After for each. */
export type TransientReason = 'throttled' | 'timeout' | 'unavailable';

export interface TransientFailure {
  readonly reason: TransientReason;
  /** The wait suggested in `Retry-After`. */
  readonly retryAfterSeconds: number;
}

/**
 * Throttling clears within a second or so; a timeout means the dependency was slow, so give it
 * a little longer; an unreachable dependency (a restarting endpoint) takes a few seconds.
 */
export const RETRY_AFTER_SECONDS: Readonly<Record<TransientReason, number>> = {
  throttled: 1,
  timeout: 2,
  unavailable: 5,
};

/** Busy by other names than the SDK's throttling codes. */
const BUSY_NAMES: ReadonlySet<string> = new Set([
  // DynamoDB: another transaction holds one of the items.
  'TransactionConflictException',
  // KMS under the table or the state machine's encryption.
  'KmsThrottlingException',
  // Step Functions: too many open executions in the account, overload by another name.
  'ExecutionLimitExceeded',
]);

/** The SDK's request and socket timeouts, and middy's early timeout (`@middy/core`), are all `TimeoutError`. */
const TIMEOUT_NAMES: ReadonlySet<string> = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/** Per-item reasons of a cancelled DynamoDB transaction that mean "busy", not "refused". */
const BUSY_CANCELLATION_CODES: ReadonlySet<string> = new Set([
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'TransactionConflict',
]);

/** `isTransientError` follows `cause` only up to depth 10. */
const NO_CAUSE_RECURSION = 11;

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly CancellationReasons?: unknown;
}

/**
 * A transaction cancelled only because items were busy (throttled or in another transaction).
 * One failed condition among the reasons makes it a real refusal, which the store maps itself.
 */
function busyCancellation(reasons: unknown): boolean {
  if (!Array.isArray(reasons)) return false;
  const codes = reasons.map((r) =>
    r !== null && typeof r === 'object' ? (r as { Code?: unknown }).Code : undefined,
  );
  return (
    codes.some((c) => typeof c === 'string' && BUSY_CANCELLATION_CODES.has(c)) &&
    codes.every(
      (c) => c === undefined || c === 'None' || (typeof c === 'string' && BUSY_CANCELLATION_CODES.has(c)),
    )
  );
}

function classify(error: SdkErrorShape): TransientReason | undefined {
  const name = typeof error.name === 'string' ? error.name : '';
  const code = typeof error.code === 'string' ? error.code : '';
  // The SDK's classifiers read these fields only; the cast is to their error type.
  const sdk = error as Parameters<typeof isThrottlingError>[0];
  if (isThrottlingError(sdk) || BUSY_NAMES.has(name)) return 'throttled';
  if (name === 'TransactionCanceledException' && busyCancellation(error.CancellationReasons))
    return 'throttled';
  if (TIMEOUT_NAMES.has(name) || TIMEOUT_CODES.has(code)) return 'timeout';
  // The SDK counts a host name that does not resolve as transient; here it is a configuration
  // fault, and a 500 brings it to light.
  if (code === 'ENOTFOUND') return undefined;
  // Refused or dropped connections, a service's own 5xx, an error the service model marks
  // retryable. Depth past the SDK's own limit: `transientFailure` follows the causes itself.
  if (isTransientError(sdk, NO_CAUSE_RECURSION)) return 'unavailable';
  return undefined;
}

/**
 * Classifies an error, following `cause` a few levels (a wrapper around an SDK timeout is
 * still a timeout). Undefined for everything else: a bug stays a 500.
 */
export function transientFailure(error: unknown): TransientFailure | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const reason = classify(current as SdkErrorShape);
    if (reason) return { reason, retryAfterSeconds: RETRY_AFTER_SECONDS[reason] };
    current = (current as SdkErrorShape).cause;
  }
  return undefined;
}
