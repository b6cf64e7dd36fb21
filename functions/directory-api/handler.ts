import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { type AuditLog, noteSubject } from '../../shared/audit/audit';
import { resolveCaller } from '../../shared/auth/caller';
import { auditLogFromEnv, directoryStoreFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { NotFoundError } from '../../shared/errors';
import { jsonBody } from '../../shared/http/body';
import { json, jsonRoute } from '../../shared/http/handler';
import {
  changeOrganisation,
  createOrganisation,
  type DirectoryApiDeps,
  deactivateOrganisation,
  getOrganisation,
  listOrganisations,
  organisationHistory,
} from './directory-api';

/** The /directory/organisations routes, wired to the given adapters. */
export function directoryApiRoute(deps: DirectoryApiDeps, audit: AuditLog) {
  return jsonRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(async (event) => {
    // Every route here reads or changes the directory; the use case names the organisation.
    noteSubject({ directory: true });
    const caller = await resolveCaller(deps.directory, event.requestContext.authorizer?.jwt?.claims);
    const params = event.pathParameters ?? {};
    switch (event.routeKey) {
      case 'GET /directory/organisations':
        return json(200, await listOrganisations(deps, caller, event.queryStringParameters));
      case 'POST /directory/organisations':
        return json(201, await createOrganisation(deps, caller, () => jsonBody(event)));
      case 'GET /directory/organisations/{orgId}':
        return json(200, await getOrganisation(deps, caller, params));
      case 'PATCH /directory/organisations/{orgId}':
        return json(200, await changeOrganisation(deps, caller, params, () => jsonBody(event)));
      case 'POST /directory/organisations/{orgId}/deactivation':
        return json(200, await deactivateOrganisation(deps, caller, params));
      case 'GET /directory/organisations/{orgId}/history':
        return json(200, await organisationHistory(deps, caller, params));
      default:
        throw new NotFoundError('no such route');
    }
  }, audit);
}

export const handler = directoryApiRoute(
  {
    directoryStore: directoryStoreFromEnv(),
    directory: new DirectoryCache(storeFromEnv()),
    now: () => new Date(),
  },
  auditLogFromEnv(),
);
