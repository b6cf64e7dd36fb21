import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import { callerFromClaims } from '../../shared/auth/caller';
import { DynamoStore } from '../../shared/data/dynamo-store';
import { json, jsonRoute } from '../../shared/http/handler';
import { ENV, nonEmpty, parseEnv } from '../../shared/util/env';
import { getCase } from './get-case';

const env = parseEnv(z.object({ [ENV.TABLE_NAME]: nonEmpty }));
const deps = { store: new DynamoStore(new DynamoDBClient({}), env.TABLE_NAME) };

/** GET /cases/{caseId}. */
export const handler = jsonRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(async (event) => {
  const caller = callerFromClaims(event.requestContext.authorizer?.jwt?.claims);
  return json(200, await getCase(deps, caller, event.pathParameters ?? {}));
});
