import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { problemResponse } from './problem';

/**
 * Turns any error into problem+json before middy's httpErrorHandler sees it (that one
 * stays registered, with `logger: false`, as the last resort). Logs only the error's
 * class name and the status: messages and causes may hold input.
 */
export function problemDetails<E extends APIGatewayProxyEventV2>(
  log: (fields: { error: string; status: number }) => void,
): middy.MiddlewareObj<E, APIGatewayProxyStructuredResultV2, Error, Context> {
  return {
    onError: async (request) => {
      const response = problemResponse(request.error, request.context.awsRequestId);
      const status =
        typeof response === 'object' && response.statusCode !== undefined ? response.statusCode : 500;
      log({ error: request.error?.name ?? 'unknown', status });
      request.response = response;
    },
  };
}
