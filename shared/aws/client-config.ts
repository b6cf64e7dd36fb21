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
