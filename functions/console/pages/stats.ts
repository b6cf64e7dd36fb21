import { type ConsoleRoute, type MemberContext, memberRoute, page } from '../../../shared/console/app';
import { errorSummary, errorsByField, esc, selectField, table } from '../../../shared/console/html';
import { COMMON, type Lang, type Messages } from '../../../shared/console/i18n';
import { TASK_KINDS, type TaskKind } from '../../../shared/domain/task-kinds';
import { ValidationError } from '../../../shared/errors';
import {
  type CountCell,
  type MedianCell,
  type OverdueRow,
  type StatsReport,
  SUPPRESSED,
  statsCsv,
  type TotalCell,
  WITHHELD,
} from '../../../shared/stats/stats';
import { calendarYear } from '../../../shared/util/time';
import { getStats, STATS_FIRST_YEAR, STATS_ROLES } from '../../stats-api/stats-api';
import type { ConsoleDeps } from '../deps';

/**
 * The statistics pages (issue 11; docs/stats.md): the figures of `GET /stats` — the same use
 * case, the same suppression — as tables with a bar chart beside each, and the CSV download.
 * Coordinators and council members, for their organisation's regions; never a case.
 *
 * A chart is an inline SVG (`role="img"`, a title and a description); the table next to it
 * is its accessible equivalent. A suppressed figure draws no bar (its height would tell the
 * number): the bar's place carries the text `<5`.
 */

/** Short names of the task kinds, for column heads (the email titles are whole sentences). */
export const KIND_WORDS = {
  en: {
    OFFER: 'Offer',
    CHILD_PROTECTION: 'Child protection',
    NEEDS_ASSESSMENT: 'Needs assessment',
    REFLECTION_REVIEW: 'Reflection review',
    ASSISTANCE_PLAN: 'Assistance plan',
    PLAN_ITEM: 'Plan item',
    PLAN_REVIEW: 'Plan review',
    FOLLOW_UP: 'Follow-up',
    CLOSURE_PROPOSAL: 'Closure proposal',
    CLOSURE_CONFIRMATION: 'Closure confirmation',
    MINUTES: 'Minutes',
    ACTION_ITEM: 'Action item',
    PREVENTION: 'Prevention work',
  },
  sq: {
    OFFER: 'Ofertë',
    CHILD_PROTECTION: 'Mbrojtja e fëmijës',
    NEEDS_ASSESSMENT: 'Vlerësimi i nevojave',
    REFLECTION_REVIEW: 'Rishikimi i reflektimit',
    ASSISTANCE_PLAN: 'Plani i asistencës',
    PLAN_ITEM: 'Veprim i planit',
    PLAN_REVIEW: 'Rishikimi i planit',
    FOLLOW_UP: 'Kontroll pasues',
    CLOSURE_PROPOSAL: 'Propozim për mbyllje',
    CLOSURE_CONFIRMATION: 'Konfirmim i mbylljes',
    MINUTES: 'Procesverbali',
    ACTION_ITEM: 'Detyrë nga mbledhja',
    PREVENTION: 'Punë parandaluese',
  },
} satisfies Messages<Record<TaskKind, string>>;

export const STATS_WORDS = {
  en: {
    title: 'Statistics',
    lead: 'The cooperation group’s anonymous figures: counts and medians only, never a case or a person.',
    filters: 'Choose the year',
    year: 'Year',
    yearHint: 'Shown against the year before.',
    region: 'Region',
    allRegions: 'All your regions',
    show: 'Show',
    download: (y: number) => `Download the figures of ${y} and ${y - 1} (CSV)`,
    running: (y: number) =>
      `${y} is not over: its figures are working figures for the group’s members and change as referrals come in.`,
    referralsTitle: 'Referrals per month',
    referralsCaption: (region: string) => `Referrals per month, ${region}`,
    referralsChart: (region: string, y: number, p: number) =>
      `Bar chart: referrals per month in ${region}, ${y} against ${p}.`,
    month: 'Month',
    total: 'Year total',
    compareTitle: 'Compared with the previous year',
    compareCaption: (region: string, y: number, p: number) => `${region}: ${y} compared with ${p}`,
    figure: 'Figure',
    change: 'Change',
    referralsTotal: 'Referrals in the year',
    accepted: 'Accepted by an NGO (first offer round)',
    medianDays: 'Median days from referral to acceptance',
    acceptanceTitle: 'Time from referral to acceptance',
    acceptanceCaption: 'Referrals accepted by an NGO and the median days it took',
    acceptanceChart: (y: number, p: number) =>
      `Bar chart: median days from referral to acceptance per region, ${y} against ${p}.`,
    overdueTitle: 'Overdue tasks per organisation',
    overdueLead: (at: string) =>
      `Open tasks past their deadline now (${at}), across all of each organisation’s work: a count of today, not of a year.`,
    overdueCaption: 'Overdue tasks per organisation and kind of task',
    overdueChart: 'Bar chart: overdue tasks of each organisation that has any, per kind of task.',
    organisation: 'Organisation',
    overdueTotal: 'All overdue tasks',
    noOverdue: 'No organisation of your regions has an overdue task.',
    empty: 'No figures.',
    days: (d: string) => `${d} days`,
    suppressedNote:
      '“<5” stands for 1 to 4: small numbers are not shown, so that no one can be recognised. “withheld”: the total would let a hidden number be worked out.',
    withheld: 'withheld',
    noMedian: 'none',
  },
  sq: {
    title: 'Statistikat',
    lead: 'Shifrat anonime të grupit të bashkëpunimit: vetëm numërime dhe mediana, asnjëherë një rast apo një person.',
    filters: 'Zgjidhni vitin',
    year: 'Viti',
    yearHint: 'Krahasohet me vitin e mëparshëm.',
    region: 'Rajoni',
    allRegions: 'Të gjitha rajonet tuaja',
    show: 'Shfaq',
    download: (y: number) => `Shkarkoni shifrat e ${y} dhe ${y - 1} (CSV)`,
    running: (y: number) =>
      `Viti ${y} nuk ka mbaruar: shifrat e tij janë shifra pune për anëtarët e grupit dhe ndryshojnë me ardhjen e referimeve.`,
    referralsTitle: 'Referimet sipas muajit',
    referralsCaption: (region: string) => `Referimet sipas muajit, ${region}`,
    referralsChart: (region: string, y: number, p: number) =>
      `Grafik me shtylla: referimet sipas muajit në ${region}, ${y} krahasuar me ${p}.`,
    month: 'Muaji',
    total: 'Gjithsej në vit',
    compareTitle: 'Krahasuar me vitin e mëparshëm',
    compareCaption: (region: string, y: number, p: number) => `${region}: ${y} krahasuar me ${p}`,
    figure: 'Shifra',
    change: 'Ndryshimi',
    referralsTotal: 'Referimet në vit',
    accepted: 'Pranuar nga një OJF (raundi i parë i ofertave)',
    medianDays: 'Mediana e ditëve nga referimi te pranimi',
    acceptanceTitle: 'Koha nga referimi te pranimi',
    acceptanceCaption: 'Referimet e pranuara nga një OJF dhe mediana e ditëve që u deshën',
    acceptanceChart: (y: number, p: number) =>
      `Grafik me shtylla: mediana e ditëve nga referimi te pranimi sipas rajonit, ${y} krahasuar me ${p}.`,
    overdueTitle: 'Detyrat me vonesë sipas organizatës',
    overdueLead: (at: string) =>
      `Detyrat e hapura që kanë kaluar afatin tani (${at}), në gjithë punën e çdo organizate: një numërim i sotëm, jo i një viti.`,
    overdueCaption: 'Detyrat me vonesë sipas organizatës dhe llojit të detyrës',
    overdueChart:
      'Grafik me shtylla: detyrat me vonesë të çdo organizate që ka të tilla, sipas llojit të detyrës.',
    organisation: 'Organizata',
    overdueTotal: 'Të gjitha detyrat me vonesë',
    noOverdue: 'Asnjë organizatë e rajoneve tuaja nuk ka detyra me vonesë.',
    empty: 'Nuk ka shifra.',
    days: (d: string) => `${d} ditë`,
    suppressedNote:
      '“<5” do të thotë nga 1 deri në 4: numrat e vegjël nuk tregohen, që askush të mos njihet. “nuk publikohet”: totali do të lejonte të nxirrej një numër i fshehur.',
    withheld: 'nuk publikohet',
    noMedian: 'asnjë',
  },
} satisfies Messages<unknown>;

const locale = (lang: Lang) => (lang === 'sq' ? 'sq-AL' : 'en-GB');

/** Region names by id, as the directory holds them (an id it does not know shows as itself). */
export type RegionNames = (regionId: string) => string;

export async function regionNames(deps: ConsoleDeps, regions: readonly string[]): Promise<RegionNames> {
  const found = await Promise.all(regions.map((r) => deps.directoryAdmin.directoryStore.getRegion(r)));
  const names = new Map(found.flatMap((r) => (r ? [[r.regionId, r.name] as const] : [])));
  return (id) => names.get(id) ?? id;
}

/** A published number in the page's language (`0,5` in Albanian). */
export function formatNumber(n: number, lang: Lang): string {
  return new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 1 }).format(n);
}

/** A count, total or median as published: the number, `<5`, withheld, or none. */
export function cellText(cell: CountCell | TotalCell | MedianCell, lang: Lang): string {
  if (cell === null) return STATS_WORDS[lang].noMedian;
  if (cell === SUPPRESSED) return SUPPRESSED;
  if (cell === WITHHELD) return STATS_WORDS[lang].withheld;
  return formatNumber(cell, lang);
}

/** The month names of the page's language, January first. */
export function monthNames(lang: Lang, style: 'long' | 'short' = 'long'): string[] {
  const f = new Intl.DateTimeFormat(locale(lang), { month: style, timeZone: 'UTC' });
  return Array.from({ length: 12 }, (_, i) => f.format(new Date(Date.UTC(2000, i, 1))));
}

/** The shown difference of two published numbers; none when either is not a number. */
function change(a: CountCell | TotalCell | MedianCell, b: CountCell | TotalCell | MedianCell, lang: Lang) {
  if (typeof a !== 'number' || typeof b !== 'number') return '—';
  const d = Math.round((a - b) * 10) / 10;
  return d > 0 ? `+${formatNumber(d, lang)}` : d < 0 ? `−${formatNumber(-d, lang)}` : '0';
}

export interface Bar {
  readonly cell: CountCell | TotalCell | MedianCell;
  /** `a`: the year reported on; `b`: the year before (stylesheet fills). */
  readonly series: 'a' | 'b';
  /** Words for the bar's own tooltip (`May 2027`). */
  readonly name: string;
}

/**
 * A vertical bar chart: groups of bars (a month, a region) with a legend. Bars are `<rect>`s
 * with width and height attributes; a figure that is not a number draws no bar, only its text.
 */
export function barChart(o: {
  readonly id: string;
  readonly title: string;
  readonly desc: string;
  readonly groups: readonly { readonly label: string; readonly bars: readonly Bar[] }[];
  readonly legend: readonly { readonly series: 'a' | 'b'; readonly label: string }[];
  readonly lang: Lang;
  /** Room per bar: enough for its value's text. @default 22 */
  readonly barWidth?: number;
}): string {
  const perGroup = Math.max(1, ...o.groups.map((g) => g.bars.length));
  const barW = o.barWidth ?? 22;
  const groupW = perGroup * barW + 14;
  const left = 8;
  const top = 40;
  const plotH = 150;
  const width = Math.max(left * 2 + o.groups.length * groupW, left * 2 + o.legend.length * 110);
  const height = top + plotH + 34;
  const max = Math.max(
    1,
    ...o.groups.flatMap((g) => g.bars.map((b) => (typeof b.cell === 'number' ? b.cell : 0))),
  );
  const parts: string[] = [];
  o.legend.forEach((l, i) => {
    const x = left + i * 110;
    parts.push(
      `<rect class="${l.series}" x="${x}" y="6" width="14" height="14"></rect>`,
      `<text x="${x + 20}" y="18">${esc(l.label)}</text>`,
    );
  });
  o.groups.forEach((g, gi) => {
    const gx = left + gi * groupW + 7;
    g.bars.forEach((b, bi) => {
      const x = gx + bi * barW;
      const value = typeof b.cell === 'number' ? b.cell : 0;
      const h = round1((value / max) * plotH);
      const y = round1(top + plotH - h);
      if (typeof b.cell === 'number' && h > 0) {
        parts.push(
          `<rect class="${b.series}" x="${x}" y="${y}" width="${barW - 3}" height="${h}">` +
            `<title>${esc(`${b.name}: ${cellText(b.cell, o.lang)}`)}</title></rect>`,
        );
      }
      parts.push(
        `<text x="${x + (barW - 3) / 2}" y="${y - 4}" text-anchor="middle">${esc(cellText(b.cell, o.lang))}</text>`,
      );
    });
    parts.push(
      `<text x="${gx + (g.bars.length * barW) / 2}" y="${top + plotH + 18}" text-anchor="middle">${esc(g.label)}</text>`,
    );
  });
  parts.push(
    `<line x1="${left}" y1="${top + plotH}" x2="${width - left}" y2="${top + plotH}" stroke="#1b1b1b"></line>`,
  );
  return svg(o.id, o.title, o.desc, width, height, parts);
}

/**
 * A horizontal bar chart: one bar per row, its label on the left; a heading row (an
 * organisation above its kinds of task) has a label and no bar.
 */
export function rowChart(o: {
  readonly id: string;
  readonly title: string;
  readonly desc: string;
  readonly rows: readonly (
    | { readonly heading: string }
    | { readonly label: string; readonly name: string; readonly cell: CountCell | TotalCell }
  )[];
  readonly lang: Lang;
}): string {
  const labelW = 220;
  const plotW = 320;
  const rowH = 26;
  const width = labelW + plotW + 90;
  const height = o.rows.length * rowH + 10;
  const max = Math.max(1, ...o.rows.map((r) => ('cell' in r && typeof r.cell === 'number' ? r.cell : 0)));
  const clip = (text: string, n: number) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
  const parts = o.rows.flatMap((r, i) => {
    const y = 5 + i * rowH;
    if ('heading' in r)
      return [`<text x="0" y="${y + 18}" font-weight="700">${esc(clip(r.heading, 90))}</text>`];
    const w = typeof r.cell === 'number' ? round1((r.cell / max) * plotW) : 0;
    return [
      `<text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${esc(clip(r.label, 32))}</text>`,
      w > 0
        ? `<rect class="a" x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 8}">` +
          `<title>${esc(`${r.name}: ${cellText(r.cell, o.lang)}`)}</title></rect>`
        : '',
      `<text x="${round1(labelW + w + 6)}" y="${y + 16}">${esc(cellText(r.cell, o.lang))}</text>`,
    ];
  });
  return svg(o.id, o.title, o.desc, width, height, parts);
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function svg(id: string, title: string, desc: string, width: number, height: number, parts: string[]) {
  return [
    `<svg class="chart" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-title">${esc(title)}</title>`,
    `<desc id="${id}-desc">${esc(desc)}</desc>`,
    ...parts,
    '</svg>',
  ].join('');
}

/** The kinds with an overdue task in some row (the other columns would be all zeros). */
export function overdueKinds(rows: readonly OverdueRow[]): TaskKind[] {
  return TASK_KINDS.filter((k) => rows.some((r) => r.kinds[k] !== 0));
}

/** The overdue table: an organisation per row, a column per kind with overdue tasks, the total. */
export function overdueTable(report: StatsReport, lang: Lang, caption: string): string {
  const t = STATS_WORDS[lang];
  const kinds = overdueKinds(report.overdue);
  return table({
    caption,
    head: [t.organisation, ...kinds.map((k) => KIND_WORDS[lang][k]), t.overdueTotal],
    rows: report.overdue.map((o) => [
      esc(o.orgName),
      ...kinds.map((k) => esc(cellText(o.kinds[k], lang))),
      esc(cellText(o.total, lang)),
    ]),
    num: kinds.map((_, i) => i + 1).concat(kinds.length + 1),
    empty: t.empty,
  });
}

/** The query the use case reads, from the page's: only its own keys, an empty field as absent. */
function statsQuery(query: MemberContext['req']['query']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['year', 'region'] as const) {
    const v = query[key];
    if (v !== undefined && v !== '') out[key] = v;
  }
  return out;
}

function filterForm(
  ctx: MemberContext,
  values: Record<string, string>,
  errors: Map<string, string>,
  name: RegionNames,
) {
  const t = STATS_WORDS[ctx.lang];
  const thisYear = calendarYear(ctx.now, ctx.timeZone);
  const years = Array.from({ length: thisYear - STATS_FIRST_YEAR + 1 }, (_, i) => String(thisYear - i));
  const year = values.year ?? String(thisYear);
  const regions = [...ctx.caller.regions].sort();
  return [
    '<form method="get" action="/console/stats" novalidate>',
    `<h2>${esc(t.filters)}</h2>`,
    selectField({
      id: 'year',
      name: 'year',
      label: t.year,
      hint: t.yearHint,
      value: year,
      // A year typed into the address bar that is not offered still shows, with its error.
      choices: (years.includes(year) ? years : [year, ...years]).map((y) => ({ value: y, label: y })),
      ...(errors.has('year') ? { error: errors.get('year') as string } : {}),
    }),
    regions.length > 1 || errors.has('region')
      ? selectField({
          id: 'region',
          name: 'region',
          label: t.region,
          value: values.region ?? '',
          choices: [
            { value: '', label: t.allRegions },
            ...regions.map((r) => ({ value: r, label: name(r) })),
          ],
          ...(errors.has('region') ? { error: errors.get('region') as string } : {}),
        })
      : '',
    `<button type="submit">${esc(t.show)}</button>`,
    '</form>',
  ].join('');
}

function referralsSection(report: StatsReport, lang: Lang, name: RegionNames): string {
  const t = STATS_WORDS[lang];
  const months = monthNames(lang);
  const short = monthNames(lang, 'short');
  const out = [`<h2>${esc(t.referralsTitle)}</h2>`];
  for (const region of report.regions) {
    const cur = report.referrals.find((r) => r.region === region && r.year === report.year);
    const prev = report.referrals.find((r) => r.region === region && r.year === report.previousYear);
    if (!cur || !prev) continue;
    out.push(
      `<h3>${esc(name(region))}</h3>`,
      barChart({
        id: `referrals-${region}`,
        title: t.referralsCaption(name(region)),
        desc: t.referralsChart(name(region), report.year, report.previousYear),
        lang,
        legend: [
          { series: 'a', label: String(report.year) },
          { series: 'b', label: String(report.previousYear) },
        ],
        groups: months.map((m, i) => ({
          label: short[i] ?? m,
          bars: [
            { series: 'a', cell: cur.months[i] ?? 0, name: `${m} ${report.year}` },
            { series: 'b', cell: prev.months[i] ?? 0, name: `${m} ${report.previousYear}` },
          ],
        })),
      }),
      table({
        caption: t.referralsCaption(name(region)),
        head: [t.month, String(report.year), String(report.previousYear)],
        rows: [
          ...months.map((m, i) => [
            esc(m),
            esc(cellText(cur.months[i] ?? 0, lang)),
            esc(cellText(prev.months[i] ?? 0, lang)),
          ]),
          [
            `<strong>${esc(t.total)}</strong>`,
            esc(cellText(cur.total, lang)),
            esc(cellText(prev.total, lang)),
          ],
        ],
        num: [1, 2],
        empty: t.empty,
      }),
    );
  }
  return out.join('');
}

function compareSection(report: StatsReport, lang: Lang, name: RegionNames): string {
  const t = STATS_WORDS[lang];
  const out = [`<h2>${esc(t.compareTitle)}</h2>`];
  for (const region of report.regions) {
    const ref = (y: number) => report.referrals.find((r) => r.region === region && r.year === y);
    const acc = (y: number) => report.acceptance.find((r) => r.region === region && r.year === y);
    const [r1, r0, a1, a0] = [
      ref(report.year),
      ref(report.previousYear),
      acc(report.year),
      acc(report.previousYear),
    ];
    if (!r1 || !r0 || !a1 || !a0) continue;
    const row = (
      label: string,
      x: CountCell | TotalCell | MedianCell,
      y: CountCell | TotalCell | MedianCell,
    ) => [esc(label), esc(cellText(x, lang)), esc(cellText(y, lang)), esc(change(x, y, lang))];
    out.push(
      table({
        caption: t.compareCaption(name(region), report.year, report.previousYear),
        head: [t.figure, String(report.year), String(report.previousYear), t.change],
        rows: [
          row(t.referralsTotal, r1.total, r0.total),
          row(t.accepted, a1.accepted, a0.accepted),
          row(t.medianDays, a1.medianDays, a0.medianDays),
        ],
        num: [1, 2, 3],
        empty: t.empty,
      }),
    );
  }
  return out.join('');
}

function acceptanceSection(report: StatsReport, lang: Lang, name: RegionNames): string {
  const t = STATS_WORDS[lang];
  const row = (region: string, year: number) =>
    report.acceptance.find((a) => a.region === region && a.year === year);
  return [
    `<h2>${esc(t.acceptanceTitle)}</h2>`,
    barChart({
      id: 'acceptance',
      barWidth: 48,
      title: t.acceptanceCaption,
      desc: t.acceptanceChart(report.year, report.previousYear),
      lang,
      legend: [
        { series: 'a', label: String(report.year) },
        { series: 'b', label: String(report.previousYear) },
      ],
      groups: report.regions.map((region) => ({
        label: name(region),
        bars: [
          {
            series: 'a',
            cell: row(region, report.year)?.medianDays ?? null,
            name: `${name(region)} ${report.year}`,
          },
          {
            series: 'b',
            cell: row(region, report.previousYear)?.medianDays ?? null,
            name: `${name(region)} ${report.previousYear}`,
          },
        ],
      })),
    }),
    table({
      caption: t.acceptanceCaption,
      head: [t.region, t.year, t.accepted, t.medianDays],
      rows: report.acceptance.map((a) => [
        esc(name(a.region)),
        esc(String(a.year)),
        esc(cellText(a.accepted, lang)),
        esc(cellText(a.medianDays, lang)),
      ]),
      num: [2, 3],
      empty: t.empty,
    }),
  ].join('');
}

function overdueSection(report: StatsReport, lang: Lang, generatedAt: string): string {
  const t = STATS_WORDS[lang];
  const withOverdue = report.overdue.filter((o) => o.total !== 0);
  return [
    `<h2>${esc(t.overdueTitle)}</h2>`,
    `<p>${esc(t.overdueLead(generatedAt))}</p>`,
    withOverdue.length
      ? rowChart({
          id: 'overdue',
          title: t.overdueCaption,
          desc: t.overdueChart,
          lang,
          // Each organisation's kinds with overdue tasks: a withheld total would leave a bare row.
          rows: withOverdue.flatMap((o) => [
            { heading: o.orgName },
            ...overdueKinds([o]).map((k) => ({
              label: KIND_WORDS[lang][k],
              name: `${o.orgName}, ${KIND_WORDS[lang][k]}`,
              cell: o.kinds[k],
            })),
          ]),
        })
      : `<p class="muted">${esc(t.noOverdue)}</p>`,
    overdueTable(report, lang, t.overdueCaption),
  ].join('');
}

function csvHref(values: Record<string, string>): string {
  const q = new URLSearchParams(values).toString();
  return `/console/stats.csv${q ? `?${q}` : ''}`;
}

export function statsRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    memberRoute('GET', '/console/stats', STATS_ROLES, async (ctx) => {
      const t = STATS_WORDS[ctx.lang];
      const values = statsQuery(ctx.req.query);
      const names = await regionNames(deps, ctx.caller.regions);
      let report: StatsReport;
      try {
        ({ report } = await getStats(deps.stats, ctx.caller, values));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const errors = errorsByField(
          ctx.lang,
          error.issues.map((i) => ({ ...i, path: i.path.replace(/^\/query/, '') })),
        );
        const summary = [...errors].map(([field, text]) => ({ href: `#${field}`, text }));
        const body = [
          errorSummary(COMMON[ctx.lang].errorSummary, summary),
          `<p class="lead">${esc(t.lead)}</p>`,
          filterForm(ctx, values, errors, names),
        ].join('');
        return page(t.title, body, 400);
      }
      const generatedAt = new Intl.DateTimeFormat(locale(ctx.lang), {
        timeZone: ctx.timeZone,
        dateStyle: 'medium',
        timeStyle: 'short',
      }).format(new Date(report.generatedAt));
      const year = { ...values, year: String(report.year) };
      const body = [
        `<p class="lead">${esc(t.lead)}</p>`,
        filterForm(ctx, values, new Map(), names),
        report.year === calendarYear(ctx.now, deps.timeZone)
          ? `<p class="notice">${esc(t.running(report.year))}</p>`
          : '',
        `<p><a class="button" href="${esc(csvHref(year))}" download>${esc(t.download(report.year))}</a></p>`,
        `<p class="hint">${esc(t.suppressedNote)}</p>`,
        compareSection(report, ctx.lang, names),
        referralsSection(report, ctx.lang, names),
        acceptanceSection(report, ctx.lang, names),
        overdueSection(report, ctx.lang, generatedAt),
      ].join('');
      return page(t.title, body);
    }),
    memberRoute('GET', '/console/stats.csv', STATS_ROLES, async (ctx) => {
      const { report } = await getStats(deps.stats, ctx.caller, statsQuery(ctx.req.query));
      return {
        kind: 'file',
        contentType: 'text/csv; charset=utf-8',
        filename: `bashke-stats-${report.year}.csv`,
        body: statsCsv(report),
      };
    }),
  ];
}
