import { type ConsoleEdgeDeps, type ConsoleRoute, consoleEdge } from '../../shared/console/app';
import type { ConsoleDeps } from './deps';
import { auditRoutes } from './pages/audit';
import { authRoutes } from './pages/auth';
import { casesRoutes } from './pages/cases';
import { coordinatorRoutes } from './pages/coordinator';
import { councilRoutes } from './pages/council';
import { directoryRoutes } from './pages/directory';
import { policeRoutes } from './pages/police';
import { statsRoutes } from './pages/stats';
import { taskRoutes } from './pages/tasks';

/** Every page of the console, by the group of people it is for. */
export function consoleRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    ...authRoutes(deps),
    ...policeRoutes(deps),
    ...casesRoutes(deps),
    ...auditRoutes(deps),
    ...taskRoutes(deps),
    ...coordinatorRoutes(deps),
    ...councilRoutes(deps),
    ...statsRoutes(deps),
    ...directoryRoutes(deps),
  ];
}

/** The console over its deps: what the handler wires to AWS, and tests to fakes or DynamoDB Local. */
export function consoleApp(deps: ConsoleDeps, edge: Pick<ConsoleEdgeDeps, 'oauthOrigin' | 'https'>) {
  return consoleEdge(
    {
      sessions: deps.sessions,
      audit: deps.audit,
      directory: deps.directory,
      now: deps.now,
      timeZone: deps.timeZone,
      ...edge,
    },
    consoleRoutes(deps),
  );
}
