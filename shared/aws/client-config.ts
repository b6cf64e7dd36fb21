import { StandardRetryStrategy } from '@smithy/core/retry';

/**
 * Options for every SDK client a function makes. Without them a request to a stalled endpoint
 * waits as long as the socket allows, longer than the function's timeout, and the caller gets
 * Lambda's timeout instead of our 503. With them each attempt fails as a `TimeoutError` within a
 * few seconds, the client retries it (three attempts in all, the SDK's standard strategy), and
 * what still fails reaches the edge as a classified timeout. middy's early timeout
 * (shared/http/handler.ts) stays the backstop for several slow calls in a row.
 */
export const CONNECTION_TIMEOUT_MS = 1_000;
/** Per attempt, request sent to response read. DynamoDB answers in milliseconds; seconds mean trouble. */
export const REQUEST_TIMEOUT_MS = 3_000;

export function sdkClientConfig() {
  return {
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      // The handler only logs a warning on requestTimeout unless told to fail the request.
      throwOnRequestTimeout: true,
    },
  };
}

/**
 * Sends per message, the first included. The SES client's retries: the SDK's standard strategy
 * (@smithy/core/retry `StandardRetryStrategy`) retries throttling (`Throttling`, HTTP 429),
 * service errors (HTTP 500, 502, 503, 504), timeouts (`TimeoutError`) and refused or reset
 * connections (`ECONNREFUSED`, `ECONNRESET`, `EPIPE`, `ETIMEDOUT`, `ENOTFOUND`, ...) with
 * exponential backoff and full jitter: before retry n (1, 2, ...) it waits
 * `random() * min(base * 2^n, 20 s)`. What is still failing after the last attempt goes to the
 * outbox (shared/email/outbox.ts), so a few quick attempts are enough here.
 */
export const MAIL_MAX_ATTEMPTS = 3;
/**
 * The backoff base for service errors, timeouts and connection errors. Throttling uses the
 * SDK's own throttling base instead (1 s in this SDK): SES's sending rate is per second.
 */
export const MAIL_RETRY_BASE_DELAY_MS = 100;

/** `sdkClientConfig` with the mail retries above, for the SES client. */
export function sesClientConfig() {
  const { maxAttempts: _, ...rest } = sdkClientConfig();
  return {
    ...rest,
    retryStrategy: new StandardRetryStrategy({
      maxAttempts: MAIL_MAX_ATTEMPTS,
      baseDelay: MAIL_RETRY_BASE_DELAY_MS,
    }),
  };
}
