/**
 * The cooperation group's anonymous statistics (DOMAIN.md, "Statistics"; issue 11): referrals
 * per region and month, time from referral to an NGO's acceptance, overdue tasks per
 * organisation and kind, a year against the year before. Pure: the records in, the report out.
 *
 * Anonymous: the report holds counts, medians, region ids and organisations, never a case id,
 * a reference or anything of a person. Small numbers are suppressed (docs/stats.md):
 *
 * - a count of 1 to 4 is `"<5"`; 0 is shown (an empty cell reveals no one);
 * - a median over fewer than 5 cases is `"<5"` (none over 0 cases: `null`);
 * - a row's total is shown only when it tells nothing about its suppressed cells that `"<5"` did
 *   not already say; otherwise it is `"withheld"` (see `rowTotal`). There are no column totals
 *   (across regions, across organisations), so a cell is in exactly one sum that is published.
 */

import * as z from 'zod';
import type { CaseRecord, OrgRecord, TaskRecord } from '../data/records';
import { TASK_KINDS, type TaskKind } from '../domain/task-kinds';
import { calendarDate } from '../util/time';

/** Counts below this (and above 0) are not shown, nor medians over fewer cases. */
export const SUPPRESSION_THRESHOLD = 5;
/** What a suppressed count or median shows. */
export const SUPPRESSED = '<5';
/** What a total shows when it would let a suppressed cell be worked out. */
export const WITHHELD = 'withheld';

/** A published count: the number, or `"<5"` for 1 to 4. */
export const countCellSchema = z.union([z.number().int().min(0), z.literal(SUPPRESSED)]);
export type CountCell = z.infer<typeof countCellSchema>;
/**
 * A published total: the number, or `"withheld"` when it would reveal a suppressed cell. Never
 * `"<5"`: a shown total is 0 or at least 5 (see `rowTotal`).
 */
export const totalCellSchema = z.union([z.number().int().min(0), z.literal(WITHHELD)]);
export type TotalCell = z.infer<typeof totalCellSchema>;
/** A median in days (one decimal), `"<5"` over fewer than 5 cases, `null` over none. */
export const medianCellSchema = z.union([z.number().min(0), z.literal(SUPPRESSED), z.null()]);
export type MedianCell = z.infer<typeof medianCellSchema>;

const regionYear = { region: z.string(), year: z.number().int() };

export const referralRowSchema = z.strictObject({
  ...regionYear,
  /** January to December, in the group's time zone. */
  months: z.array(countCellSchema).length(12),
  total: totalCellSchema,
});
export type ReferralRow = z.infer<typeof referralRowSchema>;

export const acceptanceRowSchema = z.strictObject({
  ...regionYear,
  /** Cases referred that year and accepted by an NGO in their first cycle. */
  accepted: countCellSchema,
  /** Median days from referral to acceptance over those cases. */
  medianDays: medianCellSchema,
});
export type AcceptanceRow = z.infer<typeof acceptanceRowSchema>;

export const overdueRowSchema = z.strictObject({
  orgId: z.string(),
  orgName: z.string(),
  /** Open tasks past their due instant, per kind (every kind, 0 included). */
  kinds: z.strictObject(
    Object.fromEntries(TASK_KINDS.map((k) => [k, countCellSchema])) as Record<
      TaskKind,
      typeof countCellSchema
    >,
  ),
  total: totalCellSchema,
});
export type OverdueRow = z.infer<typeof overdueRowSchema>;

export const statsReportSchema = z.strictObject({
  year: z.number().int(),
  previousYear: z.number().int(),
  /** The zone months and years are counted in. */
  timeZone: z.string(),
  regions: z.array(z.string()),
  /** When the report was made: the instant overdue tasks were counted at. */
  generatedAt: z.iso.datetime(),
  /** Per region, the year then the previous year. */
  referrals: z.array(referralRowSchema),
  acceptance: z.array(acceptanceRowSchema),
  /** The regions' organisations now, by name: overdue is a count of today, not of a year. */
  overdue: z.array(overdueRowSchema),
});
export type StatsReport = z.infer<typeof statsReportSchema>;

/** A count as published: 1 to 4 become `"<5"`. */
export function suppress(count: number): CountCell {
  return count > 0 && count < SUPPRESSION_THRESHOLD ? SUPPRESSED : count;
}

/**
 * The published total of a row of counts. Subtracting the shown cells from a shown total
 * leaves `hidden`, the sum of the k suppressed cells, each 1 to 4. One suppressed cell is then
 * known exactly; two with a hidden sum of 2 are both 1, with 8 both 4; and a sum of 3 over two
 * cells says each is 1 or 2. Each cell still could be any of 1–4 exactly when
 * `k + 3 <= hidden <= 4k - 3` (the others can make up the rest whatever it is): only then is the
 * total shown, otherwise it is `"withheld"`. Without suppressed cells the total is shown (it
 * is 0 or at least 5, as its cells are). A withheld total costs a row its sum, never a cell;
 * the alternative, no totals at all, would cost every row's year-over-year figure.
 */
export function rowTotal(counts: readonly number[]): TotalCell {
  const total = counts.reduce((a, b) => a + b, 0);
  const hiddenCells = counts.filter((c) => suppress(c) === SUPPRESSED);
  const k = hiddenCells.length;
  if (k === 0) return total;
  const hidden = hiddenCells.reduce((a, b) => a + b, 0);
  return k + 3 <= hidden && hidden <= 4 * k - 3 ? total : WITHHELD;
}

/** The median of `values`, one decimal; suppressed below the threshold, `null` for none. */
export function medianCell(values: readonly number[]): MedianCell {
  if (values.length === 0) return null;
  if (values.length < SUPPRESSION_THRESHOLD) return SUPPRESSED;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return Math.round(median * 10) / 10;
}

export interface StatsInput {
  readonly year: number;
  /** The regions reported on, each a row; cases of other regions are ignored. */
  readonly regions: readonly string[];
  readonly timeZone: string;
  readonly now: Date;
  readonly cases: readonly Pick<CaseRecord, 'region' | 'createdAt' | 'acceptedAt' | 'cycle'>[];
  /** The regions' organisations (others are ignored). */
  readonly organisations: readonly Pick<OrgRecord, 'orgId' | 'name' | 'regions'>[];
  /** Their open tasks; only those past their due instant at `now` count. */
  readonly openTasks: readonly Pick<TaskRecord, 'orgId' | 'kind' | 'status' | 'dueAt'>[];
}

const DAY_MS = 86_400_000;

/**
 * The report for `year` and the year before. A case counts in the month and year of its
 * referral (`createdAt`) on the group's calendar. Time to acceptance is measured on cases
 * referred that year, from `createdAt` to `acceptedAt`, in days; a case transferred or
 * reopened since (cycle 2 on) is left out, as its `acceptedAt` is its latest NGO's, not the
 * first acceptance.
 */
export function computeStats(input: StatsInput): StatsReport {
  const years = [input.year, input.year - 1];
  const regions = [...new Set(input.regions)].sort();
  const monthly = new Map<string, number[]>();
  const waits = new Map<string, number[]>();
  const key = (region: string, year: number) => `${region}\u0000${year}`;
  for (const region of regions)
    for (const year of years) {
      monthly.set(key(region, year), new Array<number>(12).fill(0));
      waits.set(key(region, year), []);
    }
  for (const c of input.cases) {
    const date = calendarDate(new Date(c.createdAt), input.timeZone);
    const k = key(c.region, Number(date.slice(0, 4)));
    const months = monthly.get(k);
    if (!months) continue;
    const m = Number(date.slice(5, 7)) - 1;
    months[m] = (months[m] ?? 0) + 1;
    if (c.acceptedAt !== undefined && (c.cycle ?? 1) === 1) {
      const days = (Date.parse(c.acceptedAt) - Date.parse(c.createdAt)) / DAY_MS;
      if (days >= 0) waits.get(k)?.push(days);
    }
  }
  const referrals: ReferralRow[] = [];
  const acceptance: AcceptanceRow[] = [];
  for (const region of regions)
    for (const year of years) {
      const months = monthly.get(key(region, year)) ?? [];
      const w = waits.get(key(region, year)) ?? [];
      referrals.push({ region, year, months: months.map(suppress), total: rowTotal(months) });
      acceptance.push({ region, year, accepted: suppress(w.length), medianDays: medianCell(w) });
    }
  return {
    year: input.year,
    previousYear: input.year - 1,
    timeZone: input.timeZone,
    regions,
    generatedAt: input.now.toISOString(),
    referrals,
    acceptance,
    overdue: overdueRows(input, regions),
  };
}

function overdueRows(input: StatsInput, regions: readonly string[]): OverdueRow[] {
  const now = input.now.toISOString();
  const orgs = input.organisations.filter((o) => o.regions.some((r) => regions.includes(r)));
  const counts = new Map(orgs.map((o) => [o.orgId, new Map<TaskKind, number>()]));
  for (const t of input.openTasks) {
    // Open and past its due instant (a task due exactly now is not overdue yet), as on the agenda.
    if (t.status !== 'OPEN' || !(t.dueAt < now)) continue;
    const byKind = counts.get(t.orgId);
    byKind?.set(t.kind, (byKind.get(t.kind) ?? 0) + 1);
  }
  const collator = new Intl.Collator('sq');
  return [...orgs]
    .sort((a, b) => collator.compare(a.name, b.name) || a.orgId.localeCompare(b.orgId))
    .map((o) => {
      const byKind = counts.get(o.orgId) ?? new Map<TaskKind, number>();
      const values = TASK_KINDS.map((k) => byKind.get(k) ?? 0);
      return {
        orgId: o.orgId,
        orgName: o.name,
        kinds: Object.fromEntries(TASK_KINDS.map((k, i) => [k, suppress(values[i] ?? 0)])) as Record<
          TaskKind,
          CountCell
        >,
        total: rowTotal(values),
      };
    });
}

/** The CSV columns, one table in long form: a row per published figure. */
export const STATS_CSV_COLUMNS = [
  'measure',
  'region',
  'year',
  'month',
  'orgId',
  'orgName',
  'kind',
  'value',
] as const;

/**
 * A cell as CSV text (RFC 4180). Text a spreadsheet would read as a formula (starting with
 * `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`; the figures are numbers
 * and ids, but organisation names are typed by people. Quoted when it holds a quote, a comma
 * or a line break.
 */
export function csvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The report as CSV: a header row, then one row per figure; CRLF line ends. */
export function statsCsv(report: StatsReport): string {
  const rows: (string | number | null)[][] = [[...STATS_CSV_COLUMNS]];
  for (const r of report.referrals) {
    r.months.forEach((v, i) => {
      rows.push(['referrals', r.region, r.year, i + 1, null, null, null, v]);
    });
    rows.push(['referrals', r.region, r.year, 'total', null, null, null, r.total]);
  }
  for (const a of report.acceptance) {
    rows.push(['accepted', a.region, a.year, null, null, null, null, a.accepted]);
    rows.push(['median_days_to_acceptance', a.region, a.year, null, null, null, null, a.medianDays]);
  }
  for (const o of report.overdue) {
    for (const kind of TASK_KINDS)
      rows.push(['overdue_tasks', null, null, null, o.orgId, o.orgName, kind, o.kinds[kind]]);
    rows.push(['overdue_tasks', null, null, null, o.orgId, o.orgName, 'total', o.total]);
  }
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
