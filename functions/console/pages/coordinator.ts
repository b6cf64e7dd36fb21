import type { MemberCaller } from '../../../shared/auth/caller';
import {
  type ConsoleRoute,
  type MemberContext,
  memberRoute,
  page,
  redirect,
} from '../../../shared/console/app';
import {
  choiceGroup,
  errorSummary,
  esc,
  facts,
  link,
  postForm,
  table,
  tag,
} from '../../../shared/console/html';
import { COMMON, formatDateTime, formatDay, type Lang, type Messages } from '../../../shared/console/i18n';
import { VOCABULARY } from '../../../shared/console/vocabulary';
import { CASE_STATUSES, type CaseStatus, type CaseView } from '../../../shared/domain/referral';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/errors';
import type { StatsReport } from '../../../shared/stats/stats';
import { calendarDate } from '../../../shared/util/time';
import { assignCase } from '../../case-commands/case-commands';
import { caseTimeline, getCase, listCases, type OfferEntry } from '../../read-cases/read-cases';
import { getStats } from '../../stats-api/stats-api';
import type { ConsoleDeps } from '../deps';
import { allOrganisations } from './directory';
import { cellText, monthNames, overdueTable, type RegionNames, regionNames, STATS_WORDS } from './stats';

const T = {
  en: {
    dashboard: 'Dashboard',
    lead: (regions: string) => `The cases and the group’s work in your region (${regions}).`,
    byStatus: 'Cases by status',
    cut: (n: number) =>
      `Only the first ${n} cases were counted: there are more. The statistics page has the full figures of each year.`,
    unassignedTitle: 'Cases waiting for assignment',
    unassignedLead: 'No NGO was left to offer these cases to. Choose the NGO that takes each one.',
    unassignedCaption: 'Cases waiting for an NGO',
    noUnassigned: 'No case is waiting for assignment.',
    reference: 'Case',
    region: 'Region',
    referredOn: 'Referred on',
    waitingSince: 'Last changed',
    action: 'Action',
    assign: (ref: string) => `Assign ${ref}`,
    assignShort: 'Assign',
    overdueTitle: 'Overdue tasks per organisation',
    overdueLead:
      'Open tasks past their deadline, as the statistics count them (small numbers shown as “<5”).',
    overdueCaption: 'Organisations with overdue tasks',
    noOverdue: 'No organisation of your region has an overdue task.',
    figuresTitle: 'This month and last year',
    figuresRegion: (region: string) => `Referrals and acceptance, ${region}`,
    referralsIn: (when: string) => `Referrals in ${when}`,
    yearSoFar: (y: number) => `Referrals so far in ${y}`,
    median: (y: number) => `Median days to acceptance, ${y}`,
    more: 'Other pages',
    links: {
      stats: 'Statistics: every figure, with charts and a download',
      cases: 'All cases of the region',
      tasks: 'Your organisation’s tasks',
      meetings: 'Meetings of the cooperation group',
      directory: 'Directory of organisations and contacts',
    },
    assigned: (ref: string) =>
      `Case ${ref} was assigned. Its first offer goes to the NGO you chose; you will see its answer on the case.`,
    openCase: 'Open the case',
    assignTitle: (ref: string) => `Assign case ${ref}`,
    assignLead:
      'No NGO took this case, or none was left to offer it to. Choose the NGO of the region that takes it: the offer goes to it at once, with its usual deadline.',
    caseFacts: 'The case',
    status: 'Status',
    ageGroup: 'Age group',
    gender: 'Gender',
    language: 'Language',
    needs: 'Needs',
    risk: 'Risk level',
    offersTitle: 'Offers so far',
    offersCaption: 'Offers of this case, oldest first',
    noOffers: 'The case was not offered to any NGO yet.',
    ngo: 'NGO',
    offeredAt: 'Offered',
    outcome: 'Answer',
    choose: 'Which NGO takes the case?',
    chooseHint: 'The active NGOs of the case’s region.',
    childProtection: 'child protection',
    openOffers: (n: number, cap: number) => `open offers ${n} of ${cap}`,
    offeredBefore: 'offered before',
    noNgos: 'There is no active NGO in this region. Add one to the directory first.',
    submit: 'Assign the case',
    cancel: 'Back to the dashboard',
    errorMissing: 'Choose the NGO that takes the case.',
    errorUnknown: 'Choose one of the NGOs listed here: only an active NGO of the case’s region can take it.',
    notUnassignedTitle: 'This case is not waiting for assignment',
    notUnassigned: (ref: string, status: string) =>
      `Case ${ref} is no longer waiting for an NGO: its status is now “${status}”. Nothing was changed.`,
  },
  sq: {
    dashboard: 'Paneli',
    lead: (regions: string) => `Rastet dhe puna e grupit në rajonin tuaj (${regions}).`,
    byStatus: 'Rastet sipas statusit',
    cut: (n: number) =>
      `U numëruan vetëm ${n} rastet e para: ka të tjera. Faqja e statistikave ka shifrat e plota të çdo viti.`,
    unassignedTitle: 'Raste në pritje të caktimit',
    unassignedLead:
      "Nuk mbeti asnjë OJF për t'ua ofruar këto raste. Zgjidhni OJF-në që e merr secilin prej tyre.",
    unassignedCaption: 'Raste që presin një OJF',
    noUnassigned: 'Asnjë rast nuk pret caktimin.',
    reference: 'Rasti',
    region: 'Rajoni',
    referredOn: 'Referuar më',
    waitingSince: 'Ndryshuar së fundi',
    action: 'Veprimi',
    assign: (ref: string) => `Caktoni ${ref}`,
    assignShort: 'Caktoni',
    overdueTitle: 'Detyrat me vonesë sipas organizatës',
    overdueLead:
      'Detyrat e hapura që kanë kaluar afatin, ashtu si i numërojnë statistikat (numrat e vegjël shfaqen si “<5”).',
    overdueCaption: 'Organizatat me detyra me vonesë',
    noOverdue: 'Asnjë organizatë e rajonit tuaj nuk ka detyra me vonesë.',
    figuresTitle: 'Ky muaj dhe viti i kaluar',
    figuresRegion: (region: string) => `Referimet dhe pranimi, ${region}`,
    referralsIn: (when: string) => `Referimet në ${when}`,
    yearSoFar: (y: number) => `Referimet deri tani në ${y}`,
    median: (y: number) => `Mediana e ditëve deri te pranimi, ${y}`,
    more: 'Faqe të tjera',
    links: {
      stats: 'Statistikat: të gjitha shifrat, me grafikë dhe shkarkim',
      cases: 'Të gjitha rastet e rajonit',
      tasks: 'Detyrat e organizatës suaj',
      meetings: 'Mbledhjet e grupit të bashkëpunimit',
      directory: 'Drejtoria e organizatave dhe kontakteve',
    },
    assigned: (ref: string) =>
      `Rasti ${ref} u caktua. Oferta e parë shkon te OJF-ja që zgjodhët; përgjigjen e saj do ta shihni te rasti.`,
    openCase: 'Hapni rastin',
    assignTitle: (ref: string) => `Caktoni rastin ${ref}`,
    assignLead:
      "Asnjë OJF nuk e mori këtë rast, ose nuk mbeti asnjë për t'ia ofruar. Zgjidhni OJF-në e rajonit që e merr: oferta i shkon menjëherë, me afatin e zakonshëm.",
    caseFacts: 'Rasti',
    status: 'Statusi',
    ageGroup: 'Grupmosha',
    gender: 'Gjinia',
    language: 'Gjuha',
    needs: 'Nevojat',
    risk: 'Niveli i rrezikut',
    offersTitle: 'Ofertat deri tani',
    offersCaption: 'Ofertat e këtij rasti, nga më e vjetra',
    noOffers: 'Rasti nuk i është ofruar ende asnjë OJF-je.',
    ngo: 'OJF',
    offeredAt: 'Ofruar më',
    outcome: 'Përgjigja',
    choose: 'Cila OJF e merr rastin?',
    chooseHint: 'OJF-të aktive të rajonit të rastit.',
    childProtection: 'mbrojtje e fëmijëve',
    openOffers: (n: number, cap: number) => `oferta të hapura ${n} nga ${cap}`,
    offeredBefore: 'i është ofruar më parë',
    noNgos: 'Nuk ka asnjë OJF aktive në këtë rajon. Shtoni një në drejtori më parë.',
    submit: 'Caktoni rastin',
    cancel: 'Kthehu te paneli',
    errorMissing: 'Zgjidhni OJF-në që e merr rastin.',
    errorUnknown:
      'Zgjidhni një nga OJF-të e listuara këtu: vetëm një OJF aktive e rajonit të rastit mund ta marrë.',
    notUnassignedTitle: 'Ky rast nuk pret caktimin',
    notUnassigned: (ref: string, status: string) =>
      `Rasti ${ref} nuk pret më një OJF: statusi i tij tani është “${status}”. Asgjë nuk u ndryshua.`,
  },
} satisfies Messages<unknown>;

/** Cases read per page of the region's list, and pages read for one dashboard at most. */
const CASE_PAGE = '100';
const MAX_CASE_PAGES = 20;

/** The cases of the caller's regions the caller may read (listCases), up to the bound. */
async function regionCases(deps: ConsoleDeps, caller: MemberCaller) {
  const items: CaseView[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_CASE_PAGES; i++) {
    const page = await listCases(deps.cases, caller, { limit: CASE_PAGE, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return { items, cut: false };
  }
  return { items, cut: true };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The notice after an assignment, when the case named was indeed assigned (never trusting the query). */
async function assignedNotice(deps: ConsoleDeps, ctx: MemberContext): Promise<string> {
  const caseId = ctx.req.query.assigned;
  if (!caseId || !UUID.test(caseId)) return '';
  try {
    const item = await getCase(deps.cases, ctx.caller, { caseId });
    const { items } = await caseTimeline(deps.cases, ctx.caller, { caseId });
    if (item.status === 'UNASSIGNED' || !items.some((e) => e.type === 'ASSIGNED')) return '';
    const t = T[ctx.lang];
    return `<div class="notice" role="status"><p>${esc(t.assigned(item.reference))}</p><p>${link(`/console/cases/${item.caseId}`, t.openCase)}</p></div>`;
  } catch (error) {
    if (error instanceof NotFoundError) return '';
    throw error;
  }
}

function figureCards(report: StatsReport, ctx: MemberContext, timeZone: string, name: RegionNames): string {
  const t = T[ctx.lang];
  const month = Number(calendarDate(ctx.now, timeZone).slice(5, 7)) - 1;
  const monthName = monthNames(ctx.lang)[month] ?? '';
  const card = (n: string, label: string) => `<li><span class="n">${esc(n)}</span>${esc(label)}</li>`;
  return report.regions
    .map((region) => {
      const ref = (y: number) => report.referrals.find((r) => r.region === region && r.year === y);
      const acc = (y: number) => report.acceptance.find((r) => r.region === region && r.year === y);
      const cur = ref(report.year);
      const prev = ref(report.previousYear);
      return [
        `<h3>${esc(t.figuresRegion(name(region)))}</h3><ul class="cards">`,
        card(cellText(cur?.months[month] ?? 0, ctx.lang), t.referralsIn(`${monthName} ${report.year}`)),
        card(
          cellText(prev?.months[month] ?? 0, ctx.lang),
          t.referralsIn(`${monthName} ${report.previousYear}`),
        ),
        card(cellText(cur?.total ?? 0, ctx.lang), t.yearSoFar(report.year)),
        card(cellText(prev?.total ?? 0, ctx.lang), t.referralsIn(String(report.previousYear))),
        card(cellText(acc(report.year)?.medianDays ?? null, ctx.lang), t.median(report.year)),
        card(cellText(acc(report.previousYear)?.medianDays ?? null, ctx.lang), t.median(report.previousYear)),
        '</ul>',
      ].join('');
    })
    .join('');
}

async function dashboard(deps: ConsoleDeps, ctx: MemberContext) {
  const t = T[ctx.lang];
  const [{ items, cut }, { report }, notice, name] = await Promise.all([
    regionCases(deps, ctx.caller),
    getStats(deps.stats, ctx.caller, {}),
    assignedNotice(deps, ctx),
    regionNames(deps, ctx.caller.regions),
  ]);
  const counts = new Map<CaseStatus, number>();
  for (const c of items) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  const cards = CASE_STATUSES.map(
    (s) =>
      `<li><span class="n">${counts.get(s) ?? 0}</span>${esc(VOCABULARY[ctx.lang].caseStatuses[s])}</li>`,
  ).join('');
  const unassigned = items.filter((c) => c.status === 'UNASSIGNED');
  const overdue = report.overdue.filter((o) => o.total !== 0);
  const links = t.links;
  const body = [
    notice,
    `<p class="lead">${esc(t.lead([...ctx.caller.regions].sort().map(name).join(', ')))}</p>`,
    `<h2>${esc(t.byStatus)}</h2>`,
    `<ul class="cards">${cards}</ul>`,
    cut ? `<p class="notice">${esc(t.cut(items.length))}</p>` : '',
    `<h2>${esc(t.unassignedTitle)}</h2>`,
    unassigned.length ? `<p>${esc(t.unassignedLead)}</p>` : '',
    table({
      caption: t.unassignedCaption,
      head: [t.reference, t.region, t.referredOn, t.waitingSince, t.action],
      rows: unassigned.map((c) => [
        link(`/console/cases/${c.caseId}`, c.reference),
        esc(name(c.region)),
        esc(formatDay(c.createdAt, ctx.lang, ctx.timeZone)),
        esc(formatDateTime(c.updatedAt, ctx.lang, ctx.timeZone)),
        `<a class="button" href="/console/cases/${esc(c.caseId)}/assign" aria-label="${esc(t.assign(c.reference))}">${esc(t.assignShort)}</a>`,
      ]),
      empty: t.noUnassigned,
    }),
    `<h2>${esc(t.overdueTitle)}</h2>`,
    `<p>${esc(t.overdueLead)}</p>`,
    overdue.length
      ? overdueTable({ ...report, overdue }, ctx.lang, t.overdueCaption)
      : `<p class="muted">${esc(t.noOverdue)}</p>`,
    `<h2>${esc(t.figuresTitle)}</h2>`,
    figureCards(report, ctx, deps.timeZone, name),
    `<p class="hint">${esc(STATS_WORDS[ctx.lang].suppressedNote)}</p>`,
    `<h2>${esc(t.more)}</h2>`,
    '<ul class="plain">',
    ...(
      [
        ['/console/stats', links.stats],
        ['/console/cases', links.cases],
        ['/console/tasks', links.tasks],
        ['/console/meetings', links.meetings],
        ['/console/directory', links.directory],
      ] as const
    ).map(([href, text]) => `<li>${link(href, text)}</li>`),
    '</ul>',
  ].join('');
  return page(t.dashboard, body);
}

type CoordinatorCase = Awaited<ReturnType<typeof getCase>> & { offers: OfferEntry[] };

async function coordinatorCase(deps: ConsoleDeps, ctx: MemberContext): Promise<CoordinatorCase> {
  const item = await getCase(deps.cases, ctx.caller, { caseId: ctx.req.params.caseId });
  return { offers: [], ...item } as CoordinatorCase;
}

function notUnassignedPage(lang: Lang, item: CaseView) {
  const t = T[lang];
  return page(
    t.notUnassignedTitle,
    `<p>${esc(t.notUnassigned(item.reference, VOCABULARY[lang].caseStatuses[item.status]))}</p>` +
      `<ul class="plain"><li>${link(`/console/cases/${item.caseId}`, t.openCase)}</li>` +
      `<li>${link('/console/dashboard', t.cancel)}</li></ul>`,
    409,
  );
}

async function assignForm(
  deps: ConsoleDeps,
  ctx: MemberContext,
  item: CoordinatorCase,
  error?: string,
  status = 200,
) {
  const t = T[ctx.lang];
  const lang = ctx.lang;
  if (item.status !== 'UNASSIGNED') return notUnassignedPage(lang, item);
  const [{ items: ngos }, region] = await Promise.all([
    allOrganisations(deps, ctx.caller, { region: item.region, kind: 'ngo' }),
    regionNames(deps, [item.region]),
  ]);
  const names = new Map(ngos.map((o) => [o.orgId, o.name]));
  const offeredBefore = new Set(item.offers.map((o) => o.orgId));
  const orgName = (n: string) => esc(names.get(n) ?? n);
  const choices = ngos.map((o) => ({
    value: o.orgId,
    label: [
      o.name,
      o.services.map((s) => VOCABULARY[lang].needs[s]).join(', '),
      o.childProtection ? t.childProtection : '',
      t.openOffers(o.openOffers, o.capacity),
      offeredBefore.has(o.orgId) ? t.offeredBefore : '',
    ]
      .filter(Boolean)
      .join(' · '),
  }));
  const p = item.person;
  const body = [
    error ? errorSummary(COMMON[lang].errorSummary, [{ href: '#orgId-0', text: error }]) : '',
    `<p class="lead">${esc(t.assignLead)}</p>`,
    `<h2>${esc(t.caseFacts)}</h2>`,
    facts([
      [t.reference, item.reference],
      [t.region, region(item.region)],
      [t.status, VOCABULARY[lang].caseStatuses[item.status]],
      [t.referredOn, formatDay(item.createdAt, lang, ctx.timeZone)],
      [t.ageGroup, VOCABULARY[lang].ageGroups[p.ageGroup]],
      [t.gender, VOCABULARY[lang].genders[p.gender]],
      [t.language, p.language],
      [t.needs, p.needs.map((n) => VOCABULARY[lang].needs[n]).join(', ')],
      [t.risk, VOCABULARY[lang].riskLevels[p.riskLevel]],
    ]),
    `<h2>${esc(t.offersTitle)}</h2>`,
    table({
      caption: t.offersCaption,
      head: [t.ngo, t.offeredAt, t.outcome],
      rows: item.offers.map((o) => [
        orgName(o.orgId),
        esc(formatDateTime(o.offeredAt, lang, ctx.timeZone)),
        tag(
          VOCABULARY[lang].offerOutcomes[o.outcome],
          o.outcome === 'accepted' ? 'ok' : o.outcome === 'open' ? '' : 'warn',
        ),
      ]),
      empty: t.noOffers,
    }),
    ngos.length
      ? postForm(
          `/console/cases/${item.caseId}/assign`,
          ctx.csrf,
          choiceGroup({
            id: 'orgId',
            name: 'orgId',
            type: 'radio',
            legend: t.choose,
            hint: t.chooseHint,
            choices,
            ...(error ? { error } : {}),
          }) +
            `<div class="actions"><button type="submit">${esc(t.submit)}</button>${link('/console/dashboard', t.cancel)}</div>`,
        )
      : `<p class="notice">${esc(t.noNgos)}</p><p>${link('/console/dashboard', t.cancel)}</p>`,
  ].join('');
  return page(t.assignTitle(item.reference), body, status);
}

/** The coordinator pages (issue 11): the dashboard and the assignment of an UNASSIGNED case. */
export function coordinatorRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    memberRoute('GET', '/console/dashboard', ['coordinator'], (ctx) => dashboard(deps, ctx)),
    memberRoute('GET', '/console/cases/{caseId}/assign', ['coordinator'], async (ctx) =>
      assignForm(deps, ctx, await coordinatorCase(deps, ctx)),
    ),
    memberRoute('POST', '/console/cases/{caseId}/assign', ['coordinator'], async (ctx) => {
      const t = T[ctx.lang];
      const orgId = ctx.req.form.get('orgId');
      try {
        const item = await assignCase(deps.commands, ctx.caller, { caseId: ctx.req.params.caseId }, () =>
          orgId === null || orgId === '' ? {} : { orgId },
        );
        return redirect(`/console/dashboard?assigned=${encodeURIComponent(item.caseId)}`);
      } catch (error) {
        if (error instanceof ValidationError) {
          const missing = orgId === null || orgId === '';
          return assignForm(
            deps,
            ctx,
            await coordinatorCase(deps, ctx),
            missing ? t.errorMissing : t.errorUnknown,
            400,
          );
        }
        if (error instanceof ConflictError && error.code === 'not_unassigned') {
          return notUnassignedPage(ctx.lang, await coordinatorCase(deps, ctx));
        }
        throw error;
      }
    }),
  ];
}
