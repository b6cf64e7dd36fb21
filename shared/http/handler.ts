import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { AuditLog } from '../audit/audit';
import { auditedRequest } from '../audit/edge';
import { UnavailableError } from '../errors';
import { logger } from '../util/logger';
import { type FlushableMetrics, flushMetricsAfterEach } from '../util/metrics';
import { problemDetails } from './middleware';
import { problemResponse } from './problem';

/**
 * Time kept back from the function's timeout. middy gives up on the handler this long before
 * Lambda would cut the request off, so the caller gets a 503 problem with Retry-After instead
 * of API Gateway's bare 500 (or 503 with no body). A second leaves room to map the error and
 * serialize the answer on a busy container. The SDK clients' own timeouts
 * (shared/aws/client-config.ts) are shorter still, so one slow call fails on its own first.
 * A route's function therefore needs a timeout well above this (the house default is 10 s): at
 * one second or less every request would end as a 503.
 */
export const EARLY_TIMEOUT_MS = 1_000;

/**
 * What middy throws at its early timeout. Named like the SDK's timeouts, so the edge
 * classifies it the same way (shared/http/transient.ts): 503, never 500.
 */
export class DeadlineError extends Error {
  override readonly name = 'TimeoutError';
}

/** The middy options every route shares: an early timeout that ends as a 503. */
export const ROUTE_PLUGIN = {
  timeoutEarlyInMillis: EARLY_TIMEOUT_MS,
  timeoutEarlyResponse: (): never => {
    throw new DeadlineError('the request ran out of time');
  },
} as const;

/** Methods that only read: their answer waits for its audit record (shared/audit/edge.ts). */
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

export interface JsonRouteOptions {
  /**
   * The route's metrics (shared/util/metrics.ts `EmfMetrics`, made at module scope), flushed
   * after every request, also one that fails.
   * @default none: the route records no metrics
   */
  readonly metrics?: FlushableMetrics;
}

/**
 * The wiring every JSON route shares: problem+json for every error, and middy's
 * httpErrorHandler with its logger off as the last resort (its logger prints the error,
 * which may carry the raw body); the route's metrics flushed after each request. Every
 * request is audited under its route key: who (what `resolveCaller` found), what (what the
 * use case noted), the result (from the status).
 */
export function jsonRoute<E extends APIGatewayProxyEventV2>(
  handler: (event: E, context: Context) => Promise<APIGatewayProxyStructuredResultV2>,
  audit: AuditLog,
  options: JsonRouteOptions = {},
) {
  const route = middy<E, APIGatewayProxyStructuredResultV2, Error, Context>(ROUTE_PLUGIN);
  // First, so its `after` and `onError` run last: once the answer (or the problem) is made.
  if (options.metrics) route.use(flushMetricsAfterEach(options.metrics, logger));
  const wired = route
    .use(httpErrorHandler({ logger: false }))
    .use(problemDetails<E>((fields) => logger.warn('request failed', fields)))
    .handler(handler);
  return (event: E, context: Context): Promise<APIGatewayProxyStructuredResultV2> =>
    auditedRequest(
      {
        audit,
        channel: 'api',
        action: event.routeKey,
        requestId: context.awsRequestId,
        read: READ_METHODS.has(event.requestContext.http.method.toUpperCase()),
        unavailable: () =>
          problemResponse(new UnavailableError('the request could not be recorded'), context.awsRequestId),
      },
      () => wired(event, context),
    );
}

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
    body: JSON.stringify(body),
  };
}

/** A CSV download (`filename` is ours, never input): UTF-8, not cached. */
export function csv(statusCode: number, body: string, filename: string): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
    body,
  };
}
