import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import type { AuditLog } from '../../shared/audit/audit';
import {
  type OrganisationDirectory,
  requireReferralRegion,
  requireRole,
  resolveCaller,
} from '../../shared/auth/caller';
import { auditLogFromEnv } from '../../shared/aws/adapters';
import { sdkClientConfig } from '../../shared/aws/client-config';
import { SfnWorkflowStarter } from '../../shared/aws/workflow-starter';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { DynamoStore } from '../../shared/data/dynamo-store';
import type { Store } from '../../shared/data/store';
import { headerValue, jsonBody } from '../../shared/http/body';
import { json, jsonRoute } from '../../shared/http/handler';
import { ENV, nonEmpty, parseEnv, timeZoneName } from '../../shared/util/env';
import { EmfMetrics, type FlushableMetrics } from '../../shared/util/metrics';
import { type CreateReferralDeps, createReferral } from './create-referral';

export interface CreateReferralRouteDeps extends CreateReferralDeps {
  /** Who the caller is, and the referral's region and organisations: the container's directory cache. */
  readonly directory: OrganisationDirectory & Pick<Store, 'getRegion'>;
  /** The route's metrics, flushed after every request. @default none */
  readonly metrics?: FlushableMetrics;
}

/**
 * POST /referrals (police), wired to the given adapters (tests pass fakes). Its metrics are
 * the house EMF writer, not Powertools': this is the request path (shared/util/metrics.ts).
 */
export function createReferralRoute(deps: CreateReferralRouteDeps, audit: AuditLog) {
  return jsonRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(
    async (event) => {
      const caller = await resolveCaller(deps.directory, event.requestContext.authorizer?.jwt?.claims);
      // The role first: a caller who may not refer learns nothing about the body rules.
      requireRole(caller, 'police');
      const body = jsonBody(event);
      requireReferralRegion(caller, body);
      const result = await createReferral(deps, {
        caller,
        idempotencyKey: headerValue(event, 'idempotency-key'),
        body,
      });
      return json(201, result);
    },
    audit,
    deps.metrics ? { metrics: deps.metrics } : {},
  );
}

const env = parseEnv(
  z.object({
    [ENV.TABLE_NAME]: nonEmpty,
    [ENV.STATE_MACHINE_ARN]: nonEmpty,
    [ENV.TIME_ZONE]: timeZoneName,
    [ENV.INTERVIEW_MAX_AGE_DAYS]: z.coerce.number().int().min(1).max(3650),
  }),
);
const store = new DynamoStore(new DynamoDBClient(sdkClientConfig()), env.TABLE_NAME);
export const handler = createReferralRoute(
  {
    store,
    directory: new DirectoryCache(store),
    workflow: new SfnWorkflowStarter(new SFNClient(sdkClientConfig()), env.STATE_MACHINE_ARN),
    now: () => new Date(),
    timeZone: env.TIME_ZONE,
    interviewMaxAgeDays: env.INTERVIEW_MAX_AGE_DAYS,
    metrics: new EmfMetrics(),
  },
  auditLogFromEnv(),
);
