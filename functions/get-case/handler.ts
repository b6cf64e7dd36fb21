import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import { type OrganisationDirectory, resolveCaller } from '../../shared/auth/caller';
import { sdkClientConfig } from '../../shared/aws/client-config';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { DynamoStore } from '../../shared/data/dynamo-store';
import { json, jsonRoute } from '../../shared/http/handler';
import { ENV, nonEmpty, parseEnv } from '../../shared/util/env';
import { type GetCaseDeps, getCase } from './get-case';

export interface GetCaseRouteDeps extends GetCaseDeps {
  readonly directory: OrganisationDirectory;
}

/** GET /cases/{caseId}, wired to the given adapters (tests pass fakes). */
export function getCaseRoute(deps: GetCaseRouteDeps) {
  return jsonRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(async (event) => {
    const caller = await resolveCaller(deps.directory, event.requestContext.authorizer?.jwt?.claims);
    return json(200, await getCase(deps, caller, event.pathParameters ?? {}));
  });
}

const env = parseEnv(z.object({ [ENV.TABLE_NAME]: nonEmpty }));
const store = new DynamoStore(new DynamoDBClient(sdkClientConfig()), env.TABLE_NAME);
export const handler = getCaseRoute({ store, directory: new DirectoryCache(store) });
