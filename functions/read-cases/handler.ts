import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { type OrganisationDirectory, resolveCaller } from '../../shared/auth/caller';
import { storeFromEnv } from '../../shared/aws/adapters';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { NotFoundError } from '../../shared/errors';
import { json, jsonRoute } from '../../shared/http/handler';
import { caseTimeline, getCase, listCases, type ReadCasesDeps } from './read-cases';

export interface ReadCasesRouteDeps extends ReadCasesDeps {
  readonly directory: OrganisationDirectory;
}

/** GET /cases, GET /cases/{caseId}, GET /cases/{caseId}/timeline, wired to the given adapters. */
export function readCasesRoute(deps: ReadCasesRouteDeps) {
  return jsonRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(async (event) => {
    const caller = await resolveCaller(deps.directory, event.requestContext.authorizer?.jwt?.claims);
    const params = event.pathParameters ?? {};
    switch (event.routeKey) {
      case 'GET /cases':
        return json(200, await listCases(deps, caller, event.queryStringParameters));
      case 'GET /cases/{caseId}':
        return json(200, await getCase(deps, caller, params));
      case 'GET /cases/{caseId}/timeline':
        return json(200, await caseTimeline(deps, caller, params));
      default:
        throw new NotFoundError('no such route');
    }
  });
}

const store = storeFromEnv();
export const handler = readCasesRoute({ store, directory: new DirectoryCache(store) });
