import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import { callerFromClaims, requireRole } from '../../shared/auth/caller';
import { SfnWorkflowStarter } from '../../shared/aws/workflow-starter';
import { DynamoStore } from '../../shared/data/dynamo-store';
import { headerValue, jsonBody } from '../../shared/http/body';
import { json, jsonRoute } from '../../shared/http/handler';
import { ENV, nonEmpty, parseEnv, timeZoneName } from '../../shared/util/env';
import { createReferral } from './create-referral';

const env = parseEnv(
  z.object({
    [ENV.TABLE_NAME]: nonEmpty,
    [ENV.STATE_MACHINE_ARN]: nonEmpty,
    [ENV.TIME_ZONE]: timeZoneName,
    [ENV.INTERVIEW_MAX_AGE_DAYS]: z.coerce.number().int().min(1).max(3650),
  }),
);
const deps = {
  store: new DynamoStore(new DynamoDBClient({}), env.TABLE_NAME),
  workflow: new SfnWorkflowStarter(new SFNClient({}), env.STATE_MACHINE_ARN),
  now: () => new Date(),
  timeZone: env.TIME_ZONE,
  interviewMaxAgeDays: env.INTERVIEW_MAX_AGE_DAYS,
};

/** POST /referrals (police). */
export const handler = jsonRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(async (event) => {
  const caller = callerFromClaims(event.requestContext.authorizer?.jwt?.claims);
  // The role first: a caller who may not refer learns nothing about the body rules.
  requireRole(caller, 'police');
  const body = jsonBody(event);
  const result = await createReferral(deps, {
    caller,
    idempotencyKey: headerValue(event, 'idempotency-key'),
    body,
  });
  return json(201, result);
});
