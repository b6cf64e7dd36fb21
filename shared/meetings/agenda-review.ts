/**
 * The part of a meeting's agenda where the cooperation group reviews who did not act
 * (DOMAIN.md, "The cooperation group"; issue 10): per organisation of the region and task
 * kind, how many tasks are overdue ("not done") and how many their owner closed as "not
 * possible", with the owners' reasons. Every council member reads the agenda, so a row is
 * counts, codes and reasons only: no case, case reference, task id or person.
 *
 * Privacy: a reason is free text an NGO's or a department's staff typed when closing a task.
 * It is shown on the agenda through the API only (to members signed in), never in an email,
 * a calendar invite, a log or workflow data (SECURITY.md, "Free text ... stays in the
 * table"). Case references and ids typed into it are blanked here; names cannot be found by
 * a pattern, which is why the reason never leaves the API (docs/meetings.md).
 */

import * as z from 'zod';
import type { OrgRecord, TaskRecord } from '../data/records';
import type { Page, PageArgs, Store } from '../data/store';
import { TASK_KINDS, type TaskKind } from '../domain/task-kinds';

/** The result word of a task its owner closed as not possible (plan items; meeting action items later). */
export const NOT_POSSIBLE = 'not-possible';
/** Reasons shown per row; `moreReasons` counts the rest. */
export const AGENDA_REASONS_MAX = 5;
/** Characters of one reason shown (longer ones end in `…`). */
export const AGENDA_REASON_CHARS = 200;
/** Without a previous meeting, "not possible" counts what was closed in this many days. */
export const AGENDA_SINCE_DAYS = 90;
/** Tasks read per query. */
export const AGENDA_PAGE_LIMIT = 100;
/** At most this many tasks are read from one of an organisation's lists (see `readAll`). */
export const AGENDA_TASKS_MAX = 10_000;

/** One line of the review: an organisation, a task kind and what it did not do. */
export interface AgendaReviewRow {
  readonly orgId: string;
  readonly orgName: string;
  readonly kind: TaskKind;
  /** Open tasks past their due instant. */
  readonly notDone: number;
  /** Tasks closed as not possible since the previous meeting. */
  readonly notPossible: number;
  /** The owners' reasons for "not possible": newest first, de-duplicated, at most AGENDA_REASONS_MAX. */
  readonly reasons: readonly string[];
  /** Distinct reasons not shown. */
  readonly moreReasons: number;
}

/** `AgendaReviewRow` as a schema: the API's contract (docs/openapi.json), checked against the rows the code makes. */
export const agendaReviewRowSchema = z.strictObject({
  orgId: z.string(),
  orgName: z.string(),
  kind: z.enum(TASK_KINDS),
  notDone: z.number().int().min(0),
  notPossible: z.number().int().min(0),
  reasons: z.array(z.string()).max(AGENDA_REASONS_MAX),
  moreReasons: z.number().int().min(0),
});

export interface AgendaReviewDeps {
  readonly store: Pick<Store, 'listOrgTasks' | 'listOrganisations'>;
  readonly now: () => Date;
  /** Tasks per query. @default AGENDA_PAGE_LIMIT */
  readonly pageLimit?: number;
  /** Tasks read from one list of one organisation before giving up. @default AGENDA_TASKS_MAX */
  readonly maxTasks?: number;
}

export interface AgendaReviewArgs {
  readonly region: string;
  /** ISO instant of the previous meeting; AGENDA_SINCE_DAYS before now when absent. */
  readonly since?: string;
}

/** Which tasks count: the region's organisations, "not possible" after `since`, overdue at `now`. */
export interface AgendaReviewWindow {
  readonly region: string;
  /** ISO instant (as `toISOString` writes it). */
  readonly since: string;
  /** ISO instant (as `toISOString` writes it). */
  readonly now: string;
}

/** An organisation's task list is longer than the agenda reads (see `readAll`). */
export class AgendaReviewTooLargeError extends Error {
  constructor() {
    super("an organisation's task list is longer than the agenda review reads");
    this.name = 'AgendaReviewTooLargeError';
  }
}

/**
 * Reads the region's organisations and their tasks, and counts them (`countAgendaReview`).
 *
 * Overdue tasks come from each organisation's open list with `dueBefore: now`: sorted by due
 * instant, it reads only the overdue ones. "Not possible" comes from the closed list, which is
 * sorted by due instant, not by completion, and the store offers no lower bound on it; none
 * would be right anyway: a task can stay open and overdue for any length of time before its
 * owner closes it as not possible (the very task the group wants to see), so its due instant
 * says nothing about when it was closed. So the whole closed list is read, a page at a time,
 * keeping only what counts. At this domain's scale (hundreds of cases a year per region, a few
 * tasks each) an organisation closes hundreds of tasks a year: a few queries per meeting.
 * `maxTasks` (10 000 by default, decades of that) bounds the read; past it the review fails
 * rather than show partial counts. A completion-ordered index would make the read
 * proportional to the period instead, if the lists ever grow that long.
 */
export async function agendaReview(
  deps: AgendaReviewDeps,
  args: AgendaReviewArgs,
): Promise<AgendaReviewRow[]> {
  const nowDate = deps.now();
  const now = nowDate.toISOString();
  const since = args.since === undefined ? daysBefore(nowDate, AGENDA_SINCE_DAYS) : instant(args.since);
  const window: AgendaReviewWindow = { region: args.region, since, now };
  const orgs = (await deps.store.listOrganisations()).filter((o) => o.regions.includes(args.region));
  const limit = deps.pageLimit ?? AGENDA_PAGE_LIMIT;
  const max = deps.maxTasks ?? AGENDA_TASKS_MAX;
  const lists = await Promise.all(
    orgs.map(async (org) => {
      const [overdue, closed] = await Promise.all([
        readAll(
          (start) => deps.store.listOrgTasks(org.orgId, true, { limit, dueBefore: now, ...start }),
          (t) => isOverdue(t, now),
          max,
        ),
        readAll(
          (start) => deps.store.listOrgTasks(org.orgId, false, { limit, ...start }),
          (t) => isNotPossible(t, window),
          max,
        ),
      ]);
      return { overdue, closed };
    }),
  );
  return countAgendaReview(
    orgs,
    lists.flatMap((l) => l.overdue),
    lists.flatMap((l) => l.closed),
    window,
  );
}

/**
 * The review from task lists, without reading anything. Only tasks of the region's
 * organisations count: open ones past their due instant at `now` ("not done"), and ones
 * closed with the result `not-possible` after `since` ("not possible"); any other task in the
 * lists is ignored, so callers may pass unfiltered lists. Rows only where something counts,
 * sorted by organisation name (Albanian collation), then kind in lifecycle order (TASK_KINDS).
 */
export function countAgendaReview(
  orgs: readonly Pick<OrgRecord, 'orgId' | 'name' | 'regions'>[],
  openOverdue: readonly TaskRecord[],
  closedNotPossible: readonly TaskRecord[],
  window: AgendaReviewWindow,
): AgendaReviewRow[] {
  const inRegion = new Map(orgs.filter((o) => o.regions.includes(window.region)).map((o) => [o.orgId, o]));
  const tallies = new Map<string, { orgId: string; kind: TaskKind; notDone: number; closed: TaskRecord[] }>();
  const tally = (t: TaskRecord) => {
    const key = `${t.orgId}\u0000${t.kind}`;
    let found = tallies.get(key);
    if (!found) {
      found = { orgId: t.orgId, kind: t.kind, notDone: 0, closed: [] };
      tallies.set(key, found);
    }
    return found;
  };
  for (const t of openOverdue) {
    if (inRegion.has(t.orgId) && isOverdue(t, window.now)) tally(t).notDone++;
  }
  for (const t of closedNotPossible) {
    if (inRegion.has(t.orgId) && isNotPossible(t, window)) tally(t).closed.push(t);
  }

  const collator = new Intl.Collator('sq');
  return [...tallies.values()]
    .map((r): AgendaReviewRow => {
      const org = inRegion.get(r.orgId);
      const reasons = distinctReasons(r.closed);
      return {
        orgId: r.orgId,
        orgName: org?.name ?? r.orgId,
        kind: r.kind,
        notDone: r.notDone,
        notPossible: r.closed.length,
        reasons: reasons.slice(0, AGENDA_REASONS_MAX),
        moreReasons: Math.max(0, reasons.length - AGENDA_REASONS_MAX),
      };
    })
    .sort(
      (a, b) =>
        collator.compare(a.orgName, b.orgName) ||
        a.orgId.localeCompare(b.orgId) ||
        TASK_KINDS.indexOf(a.kind) - TASK_KINDS.indexOf(b.kind),
    );
}

/** Open and past its due instant (a task due exactly now is not overdue yet). */
function isOverdue(t: TaskRecord, now: string): boolean {
  return t.status === 'OPEN' && t.dueAt < now;
}

function isNotPossible(t: TaskRecord, window: AgendaReviewWindow): boolean {
  return (
    t.status !== 'OPEN' &&
    t.result === NOT_POSSIBLE &&
    t.completedAt !== undefined &&
    t.completedAt > window.since &&
    t.completedAt <= window.now
  );
}

/** A case reference (`KOR-2026-0042`) or an id (UUID) typed into a reason. */
const CASE_POINTER =
  /\b[A-Z]{2,5}-\d{4}-\d{4,}\b|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
/** Control and format characters (the stored reason has none; older data might). */
const UNSAFE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/**
 * The reasons of the closed tasks, newest first: cleaned (see `cleanReason`), empty ones
 * dropped, each once (compared without regard to case).
 */
function distinctReasons(closed: readonly TaskRecord[]): string[] {
  const newestFirst = [...closed].sort((a, b) => (b.completedAt ?? '').localeCompare(a.completedAt ?? ''));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of newestFirst) {
    const reason = cleanReason(t.note ?? '');
    const key = reason.toLocaleLowerCase('sq');
    if (reason === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(reason);
  }
  return out;
}

/**
 * One line of at most AGENDA_REASON_CHARS characters (code points, so no pair is split):
 * whitespace runs as one space, case references and ids as `[…]`.
 */
export function cleanReason(note: string): string {
  const text = note
    .toWellFormed()
    .replace(UNSAFE, ' ')
    .replace(CASE_POINTER, '[…]')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...text];
  return chars.length <= AGENDA_REASON_CHARS ? text : `${chars.slice(0, AGENDA_REASON_CHARS - 1).join('')}…`;
}

/**
 * Every page of a list, keeping the tasks `keep` accepts; fails once more than `max` tasks
 * were read (a bounded read, see `agendaReview`).
 */
async function readAll(
  read: (start: Pick<PageArgs, 'start'>) => Promise<Page<TaskRecord>>,
  keep: (t: TaskRecord) => boolean,
  max: number,
): Promise<TaskRecord[]> {
  const kept: TaskRecord[] = [];
  let seen = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await read(start ? { start } : {});
    seen += page.items.length;
    if (seen > max) throw new AgendaReviewTooLargeError();
    kept.push(...page.items.filter(keep));
    start = page.next;
  } while (start);
  return kept;
}

function instant(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError('since is not an instant');
  return new Date(ms).toISOString();
}

function daysBefore(now: Date, days: number): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString();
}
