import type { ConsoleRoute } from '../../../shared/console/app';
import type { ConsoleDeps } from '../deps';

/** The tasks pages (issue 11): being written. */
export function taskRoutes(_deps: ConsoleDeps): ConsoleRoute[] {
  return [];
}
