import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { AuditLog } from '../../shared/audit/audit';
import { type OrganisationDirectory, resolveCaller } from '../../shared/auth/caller';
import {
  auditLogFromEnv,
  mailerFromEnv,
  meetingSettingsFromEnv,
  storeFromEnv,
} from '../../shared/aws/adapters';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { NotFoundError } from '../../shared/errors';
import { jsonBody } from '../../shared/http/body';
import { type JsonRouteOptions, json, jsonRoute } from '../../shared/http/handler';
import {
  cancelMeeting,
  changeMeeting,
  createMeeting,
  getMeeting,
  listMeetings,
  type MeetingDeps,
  recordMinutes,
} from '../../shared/meetings/meetings';
import type { CompleteTaskDeps } from '../../shared/tasks/complete-task';
import { taskClockFromEnv } from '../../shared/tasks/task-context';
import { EmfMetrics } from '../../shared/util/metrics';

export type MeetingsRouteDeps = MeetingDeps & {
  readonly complete: CompleteTaskDeps;
  readonly directory: OrganisationDirectory;
};

/** The meeting routes, wired to the given adapters. */
export function meetingsRoute(deps: MeetingsRouteDeps, audit: AuditLog, options: JsonRouteOptions = {}) {
  return jsonRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(
    async (event) => {
      const caller = await resolveCaller(deps.directory, event.requestContext.authorizer?.jwt?.claims);
      const params = event.pathParameters ?? {};
      const body = () => (event.body ? jsonBody(event) : {});
      switch (event.routeKey) {
        case 'POST /meetings':
          return json(201, { items: await createMeeting(deps, caller, body()) });
        case 'GET /meetings':
          return json(200, await listMeetings(deps, caller, event.queryStringParameters));
        case 'GET /meetings/{meetingId}':
          return json(200, await getMeeting(deps, caller, params));
        case 'PATCH /meetings/{meetingId}':
          return json(200, await changeMeeting(deps, caller, params, body()));
        case 'POST /meetings/{meetingId}/cancellation':
          return json(200, { items: await cancelMeeting(deps, caller, params, body()) });
        case 'POST /meetings/{meetingId}/minutes':
          return json(200, await recordMinutes(deps, caller, params, body()));
        default:
          throw new NotFoundError('no such route');
      }
    },
    audit,
    options,
  );
}

const clock = taskClockFromEnv();
const store = storeFromEnv();
// The house EMF writer, as every HTTP function's (shared/util/metrics.ts): `EmailsSent`.
const metrics = new EmfMetrics();
export const handler = meetingsRoute(
  {
    ...meetingSettingsFromEnv(clock),
    now: clock.now,
    store,
    mailer: mailerFromEnv(store, metrics),
    directory: new DirectoryCache(store),
    // A meeting's tasks have no workflow waiting on them: nothing is ever told.
    complete: { ...clock, store, callback: { succeed: async () => 'closed' } },
  },
  auditLogFromEnv(),
  { metrics },
);
