/**
 * Which failures are the caller's to retry: overload and timeouts of the services below us,
 * told apart by what AWS SDK v3 errors carry (`name`, `$retryable`, `$metadata`, `$fault`,
 * a Node `code`), with no knowledge of the domain. The lists follow the SDK's own retry
 * classification (@smithy/core `service-error-classification`): an error that reaches the
 * edge under one of these names has already used up the client's retries.
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

const THROTTLING_NAMES: ReadonlySet<string> = new Set([
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
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

/**
 * Connections refused or dropped. `ENOTFOUND` is left out on purpose: a host name that does not
 * resolve is a configuration fault, and a 500 brings it to light.
 */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

const SERVER_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/** Per-item reasons of a cancelled DynamoDB transaction that mean "busy", not "refused". */
const BUSY_CANCELLATION_CODES: ReadonlySet<string> = new Set([
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'TransactionConflict',
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: { readonly throttling?: unknown };
  readonly $metadata?: { readonly httpStatusCode?: unknown };
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
  const status = error.$metadata?.httpStatusCode;
  if (THROTTLING_NAMES.has(name) || status === 429 || error.$retryable?.throttling === true)
    return 'throttled';
  if (name === 'TransactionCanceledException' && busyCancellation(error.CancellationReasons))
    return 'throttled';
  if (TIMEOUT_NAMES.has(name) || TIMEOUT_CODES.has(code)) return 'timeout';
  if (NETWORK_CODES.has(code)) return 'unavailable';
  // A service's own failure (5xx) or an error the service model marks retryable.
  if (error.$retryable !== undefined) return 'unavailable';
  if (typeof status === 'number' && SERVER_STATUSES.has(status)) return 'unavailable';
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
