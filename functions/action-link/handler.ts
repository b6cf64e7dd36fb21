import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod';
import { auditedRequest } from '../../shared/audit/edge';
import { auditLogFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { sdkClientConfig } from '../../shared/aws/client-config';
import { SfnTaskCallback } from '../../shared/aws/task-callback';
import { formBody } from '../../shared/http/body';
import { ROUTE_PLUGIN } from '../../shared/http/handler';
import { RETRY_AFTER_SECONDS, transientFailure } from '../../shared/http/transient';
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
const audit = auditLogFromEnv();

/** A plain-text failure page: 503 with Retry-After when the same link may work in a moment. */
function failurePage(requestId: string, retryAfterSeconds?: number): APIGatewayProxyStructuredResultV2 {
  const busy = retryAfterSeconds !== undefined;
  return {
    statusCode: busy ? 503 : 500,
    headers: {
      ...PAGE_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      ...(busy ? { 'Retry-After': String(retryAfterSeconds) } : {}),
    },
    body: busy
      ? `The service is busy. Please try the link again in a moment. (Request ${requestId})`
      : `Something went wrong. Please try again later. (Request ${requestId})`,
  };
}

function mapFailure(error: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  const transient = transientFailure(error);
  logger.error('action link failed', {
    error: error instanceof Error ? error.name : 'unknown',
    status: transient ? 503 : 500,
  });
  return failurePage(requestId, transient?.retryAfterSeconds);
}

/** The link's page (GET, HEAD) or its answer (POST). */
async function respond(
  event: APIGatewayProxyEventV2,
  requestId: string,
): Promise<APIGatewayProxyStructuredResultV2> {
  const token = event.pathParameters?.token ?? '';
  const method = event.requestContext.http.method.toUpperCase();
  const opts = { requestId, timeZone: env.TIME_ZONE, head: method === 'HEAD' };
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
}

/**
 * GET|HEAD|POST /actions/{token} (a task's link) and /rsvp/{token} (an invitation's answer
 * link): public HTML routes. The token is a path segment, so it is never logged; the access
 * log and the audit record hold the route key only. Overload and timeouts answer 503 with
 * Retry-After (the same link works once the service has caught up); anything else 500. Each
 * request is audited: the link's holder, acting for the task's organisation, and the task.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(
  ROUTE_PLUGIN,
)
  .use(httpErrorHandler({ logger: false }))
  .use({
    // What escapes the audited answer below: middy's early timeout.
    onError: async (request) => {
      request.response = mapFailure(request.error, request.context.awsRequestId);
    },
  })
  .handler((event, context) =>
    auditedRequest(
      {
        audit,
        channel: 'link',
        action: event.routeKey,
        requestId: context.awsRequestId,
        read: event.requestContext.http.method.toUpperCase() !== 'POST',
        unavailable: () => failurePage(context.awsRequestId, RETRY_AFTER_SECONDS.unavailable),
      },
      () => respond(event, context.awsRequestId).catch((error) => mapFailure(error, context.awsRequestId)),
    ),
  );
