import type { ConsoleRoute } from '../../../shared/console/app';
import type { ConsoleDeps } from '../deps';

/** The coordinator pages (issue 11): being written. */
export function coordinatorRoutes(_deps: ConsoleDeps): ConsoleRoute[] {
  return [];
}
