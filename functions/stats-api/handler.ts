import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import type { AuditLog } from '../../shared/audit/audit';
import { type OrganisationDirectory, resolveCaller } from '../../shared/auth/caller';
import { auditLogFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { NotFoundError } from '../../shared/errors';
import { csv, json, jsonRoute } from '../../shared/http/handler';
import { statsCsv } from '../../shared/stats/stats';
import { ENV, parseEnv, timeZoneName } from '../../shared/util/env';
import { getStats, type StatsApiDeps } from './stats-api';

export interface StatsRouteDeps extends StatsApiDeps {
  readonly directory: OrganisationDirectory;
}

/** GET /stats (JSON, or CSV with `format=csv`), wired to the given adapters. */
export function statsRoute(deps: StatsRouteDeps, audit: AuditLog) {
  return jsonRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(async (event) => {
    const caller = await resolveCaller(deps.directory, event.requestContext.authorizer?.jwt?.claims);
    if (event.routeKey !== 'GET /stats') throw new NotFoundError('no such route');
    const { report, format } = await getStats(deps, caller, event.queryStringParameters);
    return format === 'csv'
      ? csv(200, statsCsv(report), `bashke-stats-${report.year}.csv`)
      : json(200, report);
  }, audit);
}

const { TIME_ZONE } = parseEnv(z.object({ [ENV.TIME_ZONE]: timeZoneName }));
const store = storeFromEnv();
export const handler = statsRoute(
  {
    store,
    directory: new DirectoryCache(store),
    now: () => new Date(),
    timeZone: TIME_ZONE,
  },
  auditLogFromEnv(),
);
