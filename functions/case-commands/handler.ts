import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import type { AuditLog } from '../../shared/audit/audit';
import { type OrganisationDirectory, resolveCaller } from '../../shared/auth/caller';
import { auditLogFromEnv, mailerFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { sdkClientConfig } from '../../shared/aws/client-config';
import { SfnTaskCallback } from '../../shared/aws/task-callback';
import { SfnWorkflowStarter } from '../../shared/aws/workflow-starter';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { NotFoundError } from '../../shared/errors';
import { jsonBody } from '../../shared/http/body';
import { type JsonRouteOptions, json, jsonRoute } from '../../shared/http/handler';
import { taskClockFromEnv } from '../../shared/tasks/task-context';
import { ENV, nonEmpty, parseEnv } from '../../shared/util/env';
import { EmfMetrics } from '../../shared/util/metrics';
import { assignCase, submitClosure, submitPlan, withdrawCase } from './case-commands';
import { type CaseCycleDeps, reopenCase, transferCase } from './case-cycles';
import { correctProfile, type ProfileCorrectionDeps } from './profile-correction';

export type CaseCommandsRouteDeps = CaseCycleDeps &
  ProfileCorrectionDeps & {
    readonly directory: OrganisationDirectory;
  };

const COMMANDS = {
  'POST /cases/{caseId}/assignment': assignCase,
  'POST /cases/{caseId}/plan': submitPlan,
  'POST /cases/{caseId}/withdrawal': withdrawCase,
  'POST /cases/{caseId}/closure': submitClosure,
  'POST /cases/{caseId}/profile-correction': correctProfile,
  'POST /cases/{caseId}/transfer': transferCase,
  'POST /cases/{caseId}/reopening': reopenCase,
} as const;

/**
 * The case commands (assignment, plan, withdrawal, closure, profile correction, transfer,
 * reopening), wired to the given adapters.
 */
export function caseCommandsRoute(
  deps: CaseCommandsRouteDeps,
  audit: AuditLog,
  options: JsonRouteOptions = {},
) {
  return jsonRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(
    async (event) => {
      const caller = await resolveCaller(deps.directory, event.requestContext.authorizer?.jwt?.claims);
      const command = Object.hasOwn(COMMANDS, event.routeKey)
        ? COMMANDS[event.routeKey as keyof typeof COMMANDS]
        : undefined;
      if (!command) throw new NotFoundError('no such route');
      // An empty body is an empty object (a withdrawal needs none); the body is read only once
      // the caller may act on the case.
      const body = () => (event.body ? jsonBody(event) : {});
      return json(200, await command(deps, caller, event.pathParameters ?? {}, body));
    },
    audit,
    options,
  );
}

const env = parseEnv(
  z.object({
    [ENV.STATE_MACHINE_ARN]: nonEmpty,
    [ENV.ACTION_BASE_URL]: z.url({ protocol: /^https?$/ }),
  }),
);
const store = storeFromEnv();
const sfn = new SFNClient(sdkClientConfig());
// The house EMF writer, as every HTTP function's (shared/util/metrics.ts): `EmailsSent`.
const metrics = new EmfMetrics();
export const handler = caseCommandsRoute(
  {
    ...taskClockFromEnv(),
    store,
    directory: new DirectoryCache(store),
    callback: new SfnTaskCallback(sfn),
    workflow: new SfnWorkflowStarter(sfn, env.STATE_MACHINE_ARN),
    mailer: mailerFromEnv(store, metrics),
    actionBaseUrl: env.ACTION_BASE_URL,
  },
  auditLogFromEnv(),
  { metrics },
);
