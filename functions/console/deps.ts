import type { AuditLog } from '../../shared/audit/audit';
import type { OrganisationDirectory } from '../../shared/auth/caller';
import type { OAuthClient } from '../../shared/console/oauth';
import type { Sessions } from '../../shared/console/session';
import type { MeetingStore } from '../../shared/data/meeting-store';
import type { CaseCommandsRouteDeps } from '../case-commands/handler';
import type { CreateReferralDeps } from '../create-referral/create-referral';
import type { DirectoryApiDeps } from '../directory-api/directory-api';
import type { MeetingsRouteDeps } from '../meetings-api/handler';
import type { AuditTrailDeps } from '../read-cases/audit-trail';
import type { ReadCasesDeps } from '../read-cases/read-cases';
import type { StatsApiDeps } from '../stats-api/stats-api';
import type { TasksApiDeps } from '../tasks-api/tasks-api';

/**
 * What the console's pages work with: each group of pages gets the deps of the use cases it
 * calls — the same use cases, with the same adapters, as the JSON routes'. A page never calls
 * the API over HTTP.
 */
export interface ConsoleDeps {
  readonly sessions: Sessions;
  /** Every signed-in request's audit records (shared/audit/edge.ts). */
  readonly audit: AuditLog;
  readonly oauth: Pick<OAuthClient, 'config' | 'redeem'>;
  readonly directory: OrganisationDirectory;
  readonly store: MeetingStore;
  readonly now: () => Date;
  /** The group's zone. */
  readonly timeZone: string;
  readonly referrals: CreateReferralDeps;
  /** The case pages; a case's audit trail for coordinators. */
  readonly cases: ReadCasesDeps & AuditTrailDeps;
  readonly tasks: TasksApiDeps;
  readonly commands: CaseCommandsRouteDeps;
  readonly meetings: MeetingsRouteDeps;
  readonly stats: StatsApiDeps;
  readonly directoryAdmin: DirectoryApiDeps;
}
