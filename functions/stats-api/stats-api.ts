import * as z from 'zod';
import { coversRegion, type MemberCaller, requireRole } from '../../shared/auth/caller';
import type { TaskRecord } from '../../shared/data/records';
import type { Page, PageArgs, Store } from '../../shared/data/store';
import type { Role } from '../../shared/domain/codes';
import { slug } from '../../shared/domain/referral';
import { ForbiddenError, ValidationError } from '../../shared/errors';
import { parseQuery } from '../../shared/http/page';
import { computeStats, type StatsReport } from '../../shared/stats/stats';
import { calendarYear, startOfDay } from '../../shared/util/time';

export interface StatsApiDeps {
  readonly store: Pick<Store, 'listCases' | 'listErasedCases' | 'listOrgTasks' | 'listOrganisations'>;
  readonly now: () => Date;
  /** The group's zone: months and years are its calendar's. */
  readonly timeZone: string;
  /** Items per query. @default STATS_PAGE_LIMIT */
  readonly pageLimit?: number;
  /** Items read from one list before giving up. @default STATS_READ_MAX */
  readonly maxItems?: number;
}

/**
 * Who reads the statistics (docs/access.md, "Statistics"): coordinators and council members,
 * for their organisation's regions. The figures are anonymous, but they are the group's
 * report, not operations data: admins, police, NGO and local-government staff get 403.
 */
export const STATS_ROLES: readonly Role[] = ['coordinator', 'council'];

/** The first year a report may ask for. */
export const STATS_FIRST_YEAR = 2000;
/** Items per query. */
export const STATS_PAGE_LIMIT = 250;
/** At most this many items are read from one list (decades of a region's referrals). */
export const STATS_READ_MAX = 50_000;

export const statsQuerySchema = z.strictObject({
  /** The year reported on, against the one before; the current year on the group's calendar when absent. */
  year: z
    .string()
    .regex(/^\d{4}$/)
    .transform(Number)
    .optional(),
  /** One region of the caller's organisation; all of them when absent. */
  region: slug.optional(),
  format: z.enum(['json', 'csv']).default('json'),
});
export type StatsQuery = z.infer<typeof statsQuerySchema>;

/** A list is longer than a report reads: it fails rather than show partial counts. */
export class StatsTooLargeError extends Error {
  override readonly name = 'StatsTooLargeError';
  constructor() {
    super('a list is longer than the statistics read');
  }
}

/**
 * GET /stats: the report for the caller's regions (or the one asked for). A region the
 * caller's organisation does not work in is a 403 (as `POST /meetings` for another region):
 * region ids are no secret, so a 404 would hide nothing.
 */
export async function getStats(
  deps: StatsApiDeps,
  caller: MemberCaller,
  query: unknown,
): Promise<{ readonly report: StatsReport; readonly format: StatsQuery['format'] }> {
  requireRole(caller, ...STATS_ROLES);
  const q = parseQuery(statsQuerySchema, query);
  const now = deps.now();
  const thisYear = calendarYear(now, deps.timeZone);
  const year = q.year ?? thisYear;
  if (year > thisYear) throw new ValidationError([{ path: '/query/year', code: 'too_big' }]);
  if (year < STATS_FIRST_YEAR) throw new ValidationError([{ path: '/query/year', code: 'too_small' }]);
  if (q.region !== undefined && !coversRegion(caller, q.region)) {
    throw new ForbiddenError('the organisation does not work in this region');
  }
  const regions = q.region === undefined ? [...caller.regions] : [q.region];
  // Referrals of the two years only: a key range on the region's list, in the group's zone.
  const createdFrom = startOfDay(`${year - 1}-01-01`, deps.timeZone).toISOString();
  const createdBefore = startOfDay(`${year + 1}-01-01`, deps.timeZone).toISOString();
  const limit = deps.pageLimit ?? STATS_PAGE_LIMIT;
  const max = deps.maxItems ?? STATS_READ_MAX;
  const nowIso = now.toISOString();
  // Erased cases count as they did: the retention run kept their figures (shared/data/erased.ts).
  const [cases, erased, organisations] = await Promise.all([
    Promise.all(
      regions.map((region) =>
        readAll(
          (start) => deps.store.listCases(region, { limit, createdFrom, createdBefore, ...start }),
          max,
        ),
      ),
    ),
    Promise.all(
      regions.map((region) =>
        readAll(
          (start) => deps.store.listErasedCases(region, { limit, createdFrom, createdBefore, ...start }),
          max,
        ),
      ),
    ),
    deps.store.listOrganisations(),
  ]);
  const orgs = organisations.filter((o) => o.regions.some((r) => regions.includes(r)));
  const openTasks = await Promise.all(
    orgs.map((o) =>
      readAll<TaskRecord>(
        (start) => deps.store.listOrgTasks(o.orgId, true, { limit, dueBefore: nowIso, ...start }),
        max,
      ),
    ),
  );
  const report = computeStats({
    year,
    regions,
    timeZone: deps.timeZone,
    now,
    cases: [...cases.flat(), ...erased.flat()],
    organisations: orgs,
    openTasks: openTasks.flat(),
  });
  return { report, format: q.format };
}

/** Every page of a list; fails once more than `max` items were read. */
async function readAll<T>(
  read: (start: Pick<PageArgs, 'start'>) => Promise<Page<T>>,
  max: number,
): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await read(start ? { start } : {});
    items.push(...page.items);
    if (items.length > max) throw new StatsTooLargeError();
    start = page.next;
  } while (start);
  return items;
}
