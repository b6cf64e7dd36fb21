import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { logger } from '../util/logger';
import { problemDetails } from './middleware';

/**
 * The wiring every JSON route shares: problem+json for every error, and middy's
 * httpErrorHandler with its logger off as the last resort (its logger prints the error,
 * which may carry the raw body).
 */
export function jsonRoute<E extends APIGatewayProxyEventV2>(
  handler: (event: E, context: Context) => Promise<APIGatewayProxyResultV2>,
) {
  return middy<E, APIGatewayProxyResultV2, Error, Context>()
    .use(httpErrorHandler({ logger: false }))
    .use(problemDetails<E>((fields) => logger.warn('request failed', fields)))
    .handler(handler);
}

export function json(statusCode: number, body: unknown): APIGatewayProxyResultV2 {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
    body: JSON.stringify(body),
  };
}
