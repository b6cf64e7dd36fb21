import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { AuditLog } from '../../shared/audit/audit';
import { resolveCaller } from '../../shared/auth/caller';
import { auditLogFromEnv, storeFromEnv } from '../../shared/aws/adapters';
import { sdkClientConfig } from '../../shared/aws/client-config';
import { SfnTaskCallback } from '../../shared/aws/task-callback';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { NotFoundError } from '../../shared/errors';
import { jsonBody } from '../../shared/http/body';
import { json, jsonRoute } from '../../shared/http/handler';
import { taskClockFromEnv } from '../../shared/tasks/task-context';
import { getTask, listTasks, moveDeadline, submitCompletion, type TasksApiDeps } from './tasks-api';

/** GET /tasks, GET /tasks/{taskId}, POST /tasks/{taskId}/completion and /deadline, wired to the given adapters. */
export function tasksApiRoute(deps: TasksApiDeps, audit: AuditLog) {
  return jsonRoute<APIGatewayProxyEventV2WithJWTAuthorizer>(async (event) => {
    const caller = await resolveCaller(deps.directory, event.requestContext.authorizer?.jwt?.claims);
    const params = event.pathParameters ?? {};
    switch (event.routeKey) {
      case 'GET /tasks':
        return json(200, await listTasks(deps, caller, event.queryStringParameters));
      case 'GET /tasks/{taskId}':
        return json(200, await getTask(deps, caller, params));
      case 'POST /tasks/{taskId}/completion':
        return json(200, await submitCompletion(deps, caller, params, () => jsonBody(event)));
      case 'POST /tasks/{taskId}/deadline':
        return json(200, await moveDeadline(deps, caller, params, () => jsonBody(event)));
      default:
        throw new NotFoundError('no such route');
    }
  }, audit);
}

const store = storeFromEnv();
export const handler = tasksApiRoute(
  {
    ...taskClockFromEnv(),
    store,
    directory: new DirectoryCache(store),
    callback: new SfnTaskCallback(new SFNClient(sdkClientConfig())),
  },
  auditLogFromEnv(),
);
