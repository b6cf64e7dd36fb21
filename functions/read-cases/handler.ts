import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { AuditLog } from '../../shared/audit/audit';
import { type OrganisationDirectory, resolveCaller } from '../../shared/auth/caller';
import { auditLogFromEnv, deliveryStoreFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { NotFoundError } from '../../shared/errors';
import { json, jsonRoute } from '../../shared/http/handler';
import { type AuditTrailDeps, caseAuditTrail } from './audit-trail';
import { type CaseExportDeps, exportCase } from './export';
import { caseTimeline, getCase, listCases, type ReadCasesDeps } from './read-cases';

export interface ReadCasesRouteDeps
  extends ReadCasesDeps,
    AuditTrailDeps,
    Omit<CaseExportDeps, 'store' | 'auditTrail'> {
  readonly store: ReadCasesDeps['store'] & AuditTrailDeps['store'] & CaseExportDeps['store'];
  readonly directory: OrganisationDirectory;
}

/**
 * GET /cases, GET /cases/{caseId}, its timeline and its audit trail, wired to the given
 * adapters. `audit` records every request; `deps.auditTrail` reads a case's records back.
 */
export function readCasesRoute(deps: ReadCasesRouteDeps, audit: AuditLog) {
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
      case 'GET /cases/{caseId}/audit':
        return json(200, await caseAuditTrail(deps, caller, params, event.queryStringParameters));
      case 'GET /cases/{caseId}/export': {
        const exported = await exportCase(deps, caller, params);
        const res = json(200, exported);
        // A download: the file name is ours (the case's reference), never input.
        return {
          ...res,
          headers: {
            ...res.headers,
            'Content-Disposition': `attachment; filename="case-${exported.case.reference}.json"`,
            'X-Content-Type-Options': 'nosniff',
          },
        };
      }
      default:
        throw new NotFoundError('no such route');
    }
  }, audit);
}

const store = storeFromEnv();
const audit = auditLogFromEnv();
export const handler = readCasesRoute(
  {
    store,
    directory: new DirectoryCache(store),
    auditTrail: audit,
    deliveries: deliveryStoreFromEnv(),
    now: () => new Date(),
  },
  audit,
);
