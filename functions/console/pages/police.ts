import type { ConsoleRoute } from '../../../shared/console/app';
import type { ConsoleDeps } from '../deps';

/** The police pages (issue 11): being written. */
export function policeRoutes(_deps: ConsoleDeps): ConsoleRoute[] {
  return [];
}
