import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod';
import {
  auditLogFromEnv,
  directoryStoreFromEnv,
  mailerFromEnv,
  meetingSettingsFromEnv,
  storeFromEnv,
} from '../../shared/aws/adapters';
import { sdkClientConfig } from '../../shared/aws/client-config';
import { SfnTaskCallback } from '../../shared/aws/task-callback';
import { SfnWorkflowStarter } from '../../shared/aws/workflow-starter';
import { issuerFromProviderUrl, OAuthClient } from '../../shared/console/oauth';
import { SessionStore } from '../../shared/console/session';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { ROUTE_PLUGIN } from '../../shared/http/handler';
import { taskClockFromEnv } from '../../shared/tasks/task-context';
import { ENV, nonEmpty, parseEnv, timeZoneName } from '../../shared/util/env';
import { logger } from '../../shared/util/logger';
import { EmfMetrics, flushMetricsAfterEach } from '../../shared/util/metrics';
import { consoleApp } from './console';

const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/$/, ''));
const env = parseEnv(
  z.object({
    [ENV.TABLE_NAME]: nonEmpty,
    [ENV.STATE_MACHINE_ARN]: nonEmpty,
    [ENV.ACTION_BASE_URL]: url,
    [ENV.TIME_ZONE]: timeZoneName,
    [ENV.INTERVIEW_MAX_AGE_DAYS]: z.coerce.number().int().min(1).max(3650),
    [ENV.CONSOLE_BASE_URL]: url,
    [ENV.OAUTH_BASE_URL]: url,
    [ENV.OAUTH_CLIENT_ID]: nonEmpty,
    [ENV.USER_POOL_PROVIDER_URL]: nonEmpty,
  }),
);

const clock = taskClockFromEnv();
const store = storeFromEnv();
const directory = new DirectoryCache(store);
const sfn = new SFNClient(sdkClientConfig());
const callback = new SfnTaskCallback(sfn);
const workflow = new SfnWorkflowStarter(sfn, env.STATE_MACHINE_ARN);
// The house EMF writer, as every HTTP function's (shared/util/metrics.ts): `Referrals` and
// `EmailsSent`, flushed after every request.
const metrics = new EmfMetrics();
const mailer = mailerFromEnv(store, metrics);
const audit = auditLogFromEnv();
const oauth = new OAuthClient({
  baseUrl: env.OAUTH_BASE_URL,
  clientId: env.OAUTH_CLIENT_ID,
  issuer: issuerFromProviderUrl(env.USER_POOL_PROVIDER_URL),
  redirectUri: `${env.CONSOLE_BASE_URL}/auth/callback`,
  logoutUri: `${env.CONSOLE_BASE_URL}/signed-out`,
});

const app = consoleApp(
  {
    sessions: new SessionStore(new DynamoDBClient(sdkClientConfig()), env.TABLE_NAME),
    audit,
    oauth,
    directory,
    store,
    now: () => new Date(),
    timeZone: env.TIME_ZONE,
    referrals: {
      store,
      directory,
      workflow,
      now: () => new Date(),
      timeZone: env.TIME_ZONE,
      interviewMaxAgeDays: env.INTERVIEW_MAX_AGE_DAYS,
      metrics,
    },
    cases: { store, auditTrail: audit },
    tasks: { ...clock, store, directory, callback },
    commands: { ...clock, store, directory, callback, workflow, mailer, actionBaseUrl: env.ACTION_BASE_URL },
    meetings: {
      ...meetingSettingsFromEnv(clock),
      now: clock.now,
      store,
      mailer,
      directory,
      // A meeting's tasks have no workflow waiting on them: nothing is ever told.
      complete: { ...clock, store, callback: { succeed: async () => 'closed' } },
    },
    stats: { store, now: () => new Date(), timeZone: env.TIME_ZONE },
    directoryAdmin: { directoryStore: directoryStoreFromEnv(), directory, now: () => new Date() },
  },
  { oauthOrigin: new URL(env.OAUTH_BASE_URL).origin, https: env.CONSOLE_BASE_URL.startsWith('https:') },
);

/**
 * Every `/console/…` route (public to API Gateway: the console checks its own session).
 * Errors are pages already (shared/console/app.ts); the last-resort handler stays for what
 * escapes, with its logger off.
 */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>(
  ROUTE_PLUGIN,
)
  .use(flushMetricsAfterEach(metrics, logger))
  .use(httpErrorHandler({ logger: false }))
  .use({
    onError: async (request) => {
      logger.error('console failed', { error: request.error?.name ?? 'unknown' });
    },
  })
  .handler((event, context) => app(event, context.awsRequestId));
