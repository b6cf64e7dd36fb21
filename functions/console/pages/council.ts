import type { ConsoleRoute } from '../../../shared/console/app';
import type { ConsoleDeps } from '../deps';

/** The council pages (issue 11): being written. */
export function councilRoutes(_deps: ConsoleDeps): ConsoleRoute[] {
  return [];
}
