import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import * as z from 'zod';
import { storeFromEnv } from '../../shared/aws/adapters';
import { sdkClientConfig } from '../../shared/aws/client-config';
import { SfnTaskCallback } from '../../shared/aws/task-callback';
import { formBody } from '../../shared/http/body';
import { ROUTE_PLUGIN } from '../../shared/http/handler';
import { transientFailure } from '../../shared/http/transient';
import { taskClockFromEnv } from '../../shared/tasks/task-context';
import { ENV, parseEnv, timeZoneName } from '../../shared/util/env';
import { logger } from '../../shared/util/logger';
import { submitAction, viewAction } from './action-link';
import { PAGE_HEADERS, renderOutcome, renderRsvp } from './pages';
import { submitRsvp, viewRsvp } from './rsvp';

const env = parseEnv(z.object({ [ENV.TIME_ZONE]: timeZoneName }));
const deps = {
  ...taskClockFromEnv(),
  store: storeFromEnv(),
  callback: new SfnTaskCallback(new SFNClient(sdkClientConfig())),
};

/**
 * GET|HEAD|POST /actions/{token} (a task's link) and /rsvp/{token} (an invitation's answer
 * link): public HTML routes. The token is a path segment, so it
 * is never logged; the access log holds the route key only. Overload and timeouts answer 503
 * with Retry-After (the same link works once the service has caught up); anything else 500.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context>(ROUTE_PLUGIN)
  .use(httpErrorHandler({ logger: false }))
  .use({
    onError: async (request) => {
      const transient = transientFailure(request.error);
      const statusCode = transient ? 503 : 500;
      logger.error('action link failed', { error: request.error?.name ?? 'unknown', status: statusCode });
      request.response = {
        statusCode,
        headers: {
          ...PAGE_HEADERS,
          'Content-Type': 'text/plain; charset=utf-8',
          ...(transient ? { 'Retry-After': String(transient.retryAfterSeconds) } : {}),
        },
        body: transient
          ? `The service is busy. Please try the link again in a moment. (Request ${request.context.awsRequestId})`
          : `Something went wrong. Please try again later. (Request ${request.context.awsRequestId})`,
      };
    },
  })
  .handler(async (event, context) => {
    const token = event.pathParameters?.token ?? '';
    const method = event.requestContext.http.method.toUpperCase();
    const opts = { requestId: context.awsRequestId, timeZone: env.TIME_ZONE, head: method === 'HEAD' };
    const rsvp = event.routeKey.includes('/rsvp/');
    if (method !== 'POST') {
      return rsvp
        ? renderRsvp(await viewRsvp(deps, token, event.queryStringParameters?.answer), opts)
        : renderOutcome(await viewAction(deps, token), opts);
    }
    let form: URLSearchParams | undefined;
    try {
      form = formBody(event);
    } catch {
      form = undefined; // wrong type or too large: answered like an incomplete form, nothing used
    }
    return rsvp
      ? renderRsvp(await submitRsvp(deps, token, form), opts)
      : renderOutcome(await submitAction(deps, token, form), opts);
  });
