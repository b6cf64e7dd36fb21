import { type ConsoleRoute, type MemberContext, memberRoute, page } from '../../../shared/console/app';
import { esc, facts, link, selectField, table, tag } from '../../../shared/console/html';
import { COMMON, formatDateTime, formatDay, type Lang, type Messages } from '../../../shared/console/i18n';
import { VOCABULARY } from '../../../shared/console/vocabulary';
import { AGE_GROUPS, GENDERS, NEEDS, RISK_LEVELS } from '../../../shared/domain/codes';
import {
  CASE_STATUSES,
  type CaseStatus,
  type CaseView,
  type PERSON_FIELD_NAMES,
} from '../../../shared/domain/referral';
import { TASK_KINDS, type TaskKind } from '../../../shared/domain/task-kinds';
import {
  caseTimeline,
  getCase,
  listCases,
  type OfferEntry,
  type TimelineEvent,
} from '../../read-cases/read-cases';
import type { ConsoleDeps } from '../deps';

/**
 * The case pages every role that reads cases shares (docs/access.md): the list of the cases
 * the caller may see, and one case as getCase and caseTimeline give it to that role — never
 * more. Also the words of a case (statuses, the profile, the timeline) the police pages use.
 */

export const CASE_WORDS = {
  en: {
    profileFields: {
      ageGroup: 'age group',
      gender: 'gender',
      nationality: 'nationality',
      language: 'language',
      needs: 'needs',
      riskLevel: 'risk level',
    } satisfies Record<(typeof PERSON_FIELD_NAMES)[number], string>,
    reference: 'Reference',
    region: 'Region',
    referredOn: 'Referred on',
    statusHead: 'Status',
    interviewDate: 'Date of the interview',
    referredBy: 'Referred by',
    offeredTo: 'Offered to',
    acceptedBy: 'Accepted by',
    updatedAt: 'Last change',
    profile: 'The person (profile only)',
    ageGroup: 'Age group',
    gender: 'Gender',
    nationality: 'Nationality',
    language: 'Language',
    needsHead: 'Needs',
    riskLevel: 'Risk level',
    offers: 'Offers to NGOs',
    offersCaption: 'Each offer of the case, oldest first',
    offerNgo: 'NGO',
    offeredAt: 'Offered',
    outcome: 'Answer',
    answeredAt: 'Answered',
    declineReason: 'Reason given',
    noOffers: 'The case has not been offered to an NGO yet.',
    timeline: 'Timeline',
    noEvents: 'Nothing to show on the timeline yet.',
    auditTrail: 'Who read or changed this case (audit trail)',
    caseTitle: (ref: string) => `Case ${ref}`,
    created: (ref: string) =>
      `The referral is sent. Its reference number is ${ref}. Use this number, never the person’s name, when you speak or write about the case.`,
    casesTitle: 'Cases',
    casesLead: 'The cases you may see, oldest first.',
    casesCaption: 'Cases',
    noCases: 'There are no cases to show.',
    filterStatus: 'Status',
    allStatuses: 'All statuses',
    filter: 'Show',
    nextPage: 'Next page',
    firstPage: 'Back to the first page',
    statusNow: (s: string) => `Status: ${s}.`,
    by: (who: string) => `By ${who}.`,
    changed: (fields: string) => `Changed: ${fields}.`,
    moved: (from: string, to: string) => `From ${from} to ${to}.`,
    why: (reason: string) => `Reason: ${reason}.`,
    cycle: (n: number) => `Period of assistance ${n}.`,
    system: 'Bashkë (automatically)',
    viaLink: 'the emailed link',
    reasons: {
      capacity: 'no capacity',
      'specialised-service': 'a specialised service is needed',
      'conflict-of-interest': 'conflict of interest',
      'person-request': 'the person asked',
      'new-needs': 'new needs',
      'safety-concern': 'a safety concern',
      other: 'other',
    } as Readonly<Record<string, string>>,
  },
  sq: {
    profileFields: {
      ageGroup: 'grupmosha',
      gender: 'gjinia',
      nationality: 'shtetësia',
      language: 'gjuha',
      needs: 'nevojat',
      riskLevel: 'niveli i rrezikut',
    } satisfies Record<(typeof PERSON_FIELD_NAMES)[number], string>,
    reference: 'Numri i referencës',
    region: 'Rajoni',
    referredOn: 'Referuar më',
    statusHead: 'Statusi',
    interviewDate: 'Data e intervistës',
    referredBy: 'Referuar nga',
    offeredTo: 'I ofruar',
    acceptedBy: 'Pranuar nga',
    updatedAt: 'Ndryshimi i fundit',
    profile: 'Personi (vetëm profili)',
    ageGroup: 'Grupmosha',
    gender: 'Gjinia',
    nationality: 'Shtetësia',
    language: 'Gjuha',
    needsHead: 'Nevojat',
    riskLevel: 'Niveli i rrezikut',
    offers: 'Ofertat për OJF-të',
    offersCaption: 'Çdo ofertë e rastit, nga më e vjetra',
    offerNgo: 'OJF',
    offeredAt: 'Ofruar më',
    outcome: 'Përgjigja',
    answeredAt: 'Përgjigjur më',
    declineReason: 'Arsyeja e dhënë',
    noOffers: 'Rasti nuk i është ofruar ende asnjë OJF-je.',
    timeline: 'Kronologjia',
    auditTrail: 'Kush e ka lexuar ose ndryshuar këtë rast (gjurma e auditimit)',
    noEvents: 'Ende asgjë për të treguar në kronologji.',
    caseTitle: (ref: string) => `Rasti ${ref}`,
    created: (ref: string) =>
      `Referimi u dërgua. Numri i referencës është ${ref}. Përdorni këtë numër, kurrë emrin e personit, kur flisni ose shkruani për rastin.`,
    casesTitle: 'Rastet',
    casesLead: 'Rastet që mund të shihni, nga më i vjetri.',
    casesCaption: 'Rastet',
    noCases: 'Nuk ka raste për të treguar.',
    filterStatus: 'Statusi',
    allStatuses: 'Të gjitha statuset',
    filter: 'Shfaq',
    nextPage: 'Faqja tjetër',
    firstPage: 'Kthehu në faqen e parë',
    statusNow: (s: string) => `Statusi: ${s}.`,
    by: (who: string) => `Nga ${who}.`,
    changed: (fields: string) => `U ndryshua: ${fields}.`,
    moved: (from: string, to: string) => `Nga ${from} te ${to}.`,
    why: (reason: string) => `Arsyeja: ${reason}.`,
    cycle: (n: number) => `Periudha e asistencës ${n}.`,
    system: 'Bashkë (automatikisht)',
    viaLink: 'lidhja në email',
    reasons: {
      capacity: 'pa kapacitet',
      'specialised-service': 'nevojitet një shërbim i specializuar',
      'conflict-of-interest': 'konflikt interesi',
      'person-request': 'me kërkesë të personit',
      'new-needs': 'nevoja të reja',
      'safety-concern': 'shqetësim për sigurinë',
      other: 'tjetër',
    } as Readonly<Record<string, string>>,
  },
} satisfies Messages<unknown>;

/** What a timeline event was, in plain words: fixed types, then a task's kind and what befell it. */
const EVENT_WORDS = {
  en: {
    types: {
      REFERRED: 'Referred by the police',
      OFFERED: 'Offered to an NGO',
      OFFER_ACCEPTED: 'The NGO accepted the offer',
      OFFER_DECLINED: 'The NGO declined the offer',
      OFFER_TIMED_OUT: 'The offer got no answer in time',
      ACCEPTED: 'Accepted by an NGO',
      UNASSIGNED: 'No NGO left to offer it to: waiting for the coordinator',
      ASSIGNED: 'Assigned to an NGO by the coordinator',
      WITHDRAWN: 'Withdrawn',
      TRANSFERRED: 'Transferred to another NGO',
      REOPENED: 'Reopened',
      PROFILE_CORRECTED: 'Profile corrected',
      TASK_ESCALATED_UNREACHABLE: 'A task’s email could not be delivered: the coordinator was told',
      EMAIL_QUEUED: 'Email queued',
      EMAIL_SENT: 'Email sent',
      EMAIL_DELIVERED: 'Email delivered',
      EMAIL_BOUNCED: 'Email could not be delivered',
      EMAIL_COMPLAINT: 'Email marked as unwanted',
      EMAIL_REJECTED: 'Email refused',
    } as Readonly<Record<string, string>>,
    kinds: {
      OFFER: 'Offer',
      CHILD_PROTECTION: 'Child protection',
      NEEDS_ASSESSMENT: 'Needs assessment',
      REFLECTION_REVIEW: 'Review of the reflection period',
      ASSISTANCE_PLAN: 'Assistance plan',
      PLAN_ITEM: 'Plan item',
      PLAN_REVIEW: 'Plan review',
      FOLLOW_UP: 'Follow-up check-in',
      CLOSURE_PROPOSAL: 'Closure proposal',
      CLOSURE_CONFIRMATION: 'Closure confirmation',
      MINUTES: 'Minutes',
      ACTION_ITEM: 'Action item',
      PREVENTION: 'Prevention work',
    } satisfies Record<TaskKind, string>,
    happened: {
      OPENED: 'task opened',
      DONE: 'done',
      DECLINED: 'declined',
      TIMED_OUT: 'not done in time',
      CANCELLED: 'cancelled',
      CLOSED: 'closed',
      DUE_MOVED: 'deadline moved',
      OVERDUE: 'overdue',
    } as Readonly<Record<string, string>>,
    other: 'Other event',
    statusChanged: 'Status changed',
  },
  sq: {
    types: {
      REFERRED: 'Referuar nga policia',
      OFFERED: 'I ofruar një OJF-je',
      OFFER_ACCEPTED: 'OJF-ja e pranoi ofertën',
      OFFER_DECLINED: 'OJF-ja e refuzoi ofertën',
      OFFER_TIMED_OUT: 'Oferta nuk mori përgjigje në kohë',
      ACCEPTED: 'Pranuar nga një OJF',
      UNASSIGNED: 'Nuk mbeti asnjë OJF për ta ofruar: pret koordinatorin',
      ASSIGNED: 'Caktuar te një OJF nga koordinatori',
      WITHDRAWN: 'Tërhequr',
      TRANSFERRED: 'Transferuar te një OJF tjetër',
      REOPENED: 'Rihapur',
      PROFILE_CORRECTED: 'Profili u korrigjua',
      TASK_ESCALATED_UNREACHABLE: 'Email-i i një detyre nuk u dorëzua dot: koordinatori u njoftua',
      EMAIL_QUEUED: 'Email-i në radhë',
      EMAIL_SENT: 'Email-i u dërgua',
      EMAIL_DELIVERED: 'Email-i u dorëzua',
      EMAIL_BOUNCED: 'Email-i nuk u dorëzua dot',
      EMAIL_COMPLAINT: 'Email-i u shënua si i padëshiruar',
      EMAIL_REJECTED: 'Email-i u refuzua',
    } as Readonly<Record<string, string>>,
    kinds: {
      OFFER: 'Oferta',
      CHILD_PROTECTION: 'Mbrojtja e fëmijës',
      NEEDS_ASSESSMENT: 'Vlerësimi i nevojave',
      REFLECTION_REVIEW: 'Rishikimi i periudhës së reflektimit',
      ASSISTANCE_PLAN: 'Plani i asistencës',
      PLAN_ITEM: 'Veprim i planit',
      PLAN_REVIEW: 'Rishikimi i planit',
      FOLLOW_UP: 'Kontrolli pasues',
      CLOSURE_PROPOSAL: 'Propozimi i mbylljes',
      CLOSURE_CONFIRMATION: 'Konfirmimi i mbylljes',
      MINUTES: 'Procesverbali',
      ACTION_ITEM: 'Detyrë nga mbledhja',
      PREVENTION: 'Punë parandaluese',
    } satisfies Record<TaskKind, string>,
    happened: {
      OPENED: 'detyra u hap',
      DONE: 'u krye',
      DECLINED: 'u refuzua',
      TIMED_OUT: 'nuk u krye në kohë',
      CANCELLED: 'u anulua',
      CLOSED: 'u mbyll',
      DUE_MOVED: 'afati u zhvendos',
      OVERDUE: 'me vonesë',
    } as Readonly<Record<string, string>>,
    other: 'Ngjarje tjetër',
    statusChanged: 'Statusi ndryshoi',
  },
} satisfies Messages<unknown>;

/** An event type in words: `NEEDS_ASSESSMENT_DONE` → "Needs assessment: done". */
export function eventWords(lang: Lang, type: string, kind?: TaskKind): string {
  const w = EVENT_WORDS[lang];
  const fixed = w.types[type];
  if (fixed) return fixed;
  const taskKind =
    kind && type.startsWith(`${kind}_`)
      ? kind
      : [...TASK_KINDS].sort((a, b) => b.length - a.length).find((k) => type.startsWith(`${k}_`));
  if (taskKind) {
    const happened = w.happened[type.slice(taskKind.length + 1)];
    if (happened) return `${w.kinds[taskKind]}: ${happened}`;
  }
  return w.other;
}

const STATUS_TONE: Readonly<Record<CaseStatus, '' | 'warn' | 'bad' | 'ok'>> = {
  REFERRED: '',
  OFFERED: '',
  ACCEPTED: 'ok',
  ASSESSED: 'ok',
  IN_ASSISTANCE: 'ok',
  FOLLOW_UP: 'ok',
  CLOSED: '',
  UNASSIGNED: 'warn',
  WITHDRAWN: '',
  CLOSED_REFERRED: '',
};

/** A case status as a tag with words (never the code alone). */
export function statusTag(lang: Lang, status: CaseStatus): string {
  return tag(VOCABULARY[lang].caseStatuses[status], STATUS_TONE[status]);
}

/** A calendar day (`2026-11-30`) in the reader's words: it is a day, not an instant, so no zone moves it. */
export function calendarDay(date: string, lang: Lang): string {
  return formatDay(`${date}T12:00:00.000Z`, lang, 'UTC');
}

/** Organisation names for display (names are the directory's, no case data); the id when unknown. */
export async function orgNames(
  deps: Pick<ConsoleDeps, 'directory'>,
  ids: Iterable<string | undefined>,
): Promise<Map<string, string>> {
  const unique = [...new Set([...ids].filter((id): id is string => !!id))];
  const orgs = await Promise.all(unique.map((id) => deps.directory.getOrganisation(id)));
  return new Map(unique.map((id, i) => [id, orgs[i]?.name ?? id]));
}

/** Region names for display, by id; the id when the store has no such region. */
export async function regionNames(
  deps: Pick<ConsoleDeps, 'store'>,
  ids: Iterable<string>,
): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  const regions = await Promise.all(unique.map((id) => deps.store.getRegion(id)));
  return new Map(unique.map((id, i) => [id, regions[i]?.name ?? id]));
}

export function countryName(lang: Lang, code: string): string {
  try {
    return new Intl.DisplayNames([lang], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function languageName(lang: Lang, code: string): string {
  try {
    return new Intl.DisplayNames([lang], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** Query string of a list page: only what we put there (a status we know, the list's own cursor). */
function listHref(path: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

const knownStatus = (raw: string | undefined): CaseStatus | undefined =>
  (CASE_STATUSES as readonly string[]).includes(raw ?? '') ? (raw as CaseStatus) : undefined;

/**
 * A list of cases through listCases (what the caller may see, oldest first), with a status
 * filter and the cursor's "next page" link. Used by the police's referrals and everyone's cases.
 */
export async function caseListPage(
  deps: ConsoleDeps,
  ctx: MemberContext,
  o: { readonly path: string; readonly lead: string; readonly caption: string },
): Promise<string> {
  const t = CASE_WORDS[ctx.lang];
  const status = knownStatus(ctx.req.query.status);
  const cursor = ctx.req.query.cursor || undefined;
  const list = await listCases(deps.cases, ctx.caller, {
    ...(status ? { status } : {}),
    ...(cursor ? { cursor } : {}),
  });
  const regions = await regionNames(
    deps,
    list.items.map((c) => c.region),
  );
  const rows = list.items.map((c) => [
    link(`/console/cases/${encodeURIComponent(c.caseId)}`, c.reference),
    esc(regions.get(c.region) ?? c.region),
    `<time datetime="${esc(c.createdAt)}">${esc(formatDay(c.createdAt, ctx.lang, ctx.timeZone))}</time>`,
    statusTag(ctx.lang, c.status),
  ]);
  const filter = [
    `<form method="get" action="${esc(o.path)}" class="inline">`,
    selectField({
      id: 'status',
      name: 'status',
      label: t.filterStatus,
      value: status ?? '',
      choices: [
        { value: '', label: t.allStatuses },
        ...CASE_STATUSES.map((s) => ({ value: s, label: VOCABULARY[ctx.lang].caseStatuses[s] })),
      ],
    }),
    `<button type="submit">${esc(t.filter)}</button></form>`,
  ].join('');
  const pages = [
    list.nextCursor
      ? `<a href="${esc(listHref(o.path, { status, cursor: list.nextCursor }))}" rel="next">${esc(t.nextPage)}</a>`
      : '',
    cursor ? link(listHref(o.path, { status }), t.firstPage) : '',
  ].filter(Boolean);
  return [
    `<p class="lead">${esc(o.lead)}</p>`,
    filter,
    table({
      caption: o.caption,
      head: [t.reference, t.region, t.referredOn, t.statusHead],
      rows,
      empty: t.noCases,
    }),
    pages.length ? `<ul class="plain">${pages.map((p) => `<li>${p}</li>`).join('')}</ul>` : '',
  ].join('');
}

function who(
  lang: Lang,
  actor: TimelineEvent['actor'],
  names: ReadonlyMap<string, string>,
): string | undefined {
  const t = CASE_WORDS[lang];
  const org = actor.orgId ? names.get(actor.orgId) : undefined;
  if (actor.role === 'system') return t.system;
  if (actor.role === 'link' || actor.role === 'action-link') return org ? `${org} (${t.viaLink})` : t.viaLink;
  const role = (VOCABULARY[lang].roles as Record<string, string>)[actor.role];
  if (!role) return org;
  return org ? `${role}, ${org}` : role;
}

function timelineHtml(
  ctx: MemberContext,
  events: readonly TimelineEvent[],
  names: ReadonlyMap<string, string>,
): string {
  const t = CASE_WORDS[ctx.lang];
  if (events.length === 0) return `<p class="muted">${esc(t.noEvents)}</p>`;
  const items = events.map((e) => {
    const by = who(ctx.lang, e.actor, names);
    const parts = [
      e.status ? t.statusNow(VOCABULARY[ctx.lang].caseStatuses[e.status]) : '',
      e.fields?.length ? t.changed(e.fields.map((f) => t.profileFields[f]).join(', ')) : '',
      e.fromOrgId && e.toOrgId
        ? t.moved(names.get(e.fromOrgId) ?? e.fromOrgId, names.get(e.toOrgId) ?? e.toOrgId)
        : '',
      e.reason ? t.why(t.reasons[e.reason] ?? e.reason) : '',
      e.cycle && e.cycle > 1 ? t.cycle(e.cycle) : '',
      by ? t.by(by) : '',
    ].filter(Boolean);
    return [
      '<li>',
      `<time datetime="${esc(e.at)}">${esc(formatDateTime(e.at, ctx.lang, ctx.timeZone))}</time>`,
      `<strong>${esc(eventWords(ctx.lang, e.type, e.kind))}</strong>`,
      parts.length ? ` ${esc(parts.join(' '))}` : '',
      '</li>',
    ].join('');
  });
  return `<ol class="timeline">${items.join('')}</ol>`;
}

type CaseOf = CaseView & { readonly offers?: readonly OfferEntry[] };

function offersHtml(ctx: MemberContext, offers: readonly OfferEntry[], names: ReadonlyMap<string, string>) {
  const t = CASE_WORDS[ctx.lang];
  const when = (at: string | undefined) =>
    at ? `<time datetime="${esc(at)}">${esc(formatDateTime(at, ctx.lang, ctx.timeZone))}</time>` : '';
  return [
    `<h2>${esc(t.offers)}</h2>`,
    table({
      caption: t.offersCaption,
      head: [t.offerNgo, t.offeredAt, t.outcome, t.answeredAt, t.declineReason],
      rows: offers.map((o) => [
        esc(names.get(o.orgId) ?? o.orgId),
        when(o.offeredAt),
        esc(VOCABULARY[ctx.lang].offerOutcomes[o.outcome]),
        when(o.answeredAt),
        esc(o.reason ?? ''),
      ]),
      empty: t.noOffers,
    }),
  ].join('');
}

/** One case as the caller's role may read it: facts, profile, (coordinators) offers, timeline. */
async function casePage(deps: ConsoleDeps, ctx: MemberContext) {
  const params = { caseId: ctx.req.params.caseId };
  const [view, timeline] = (await Promise.all([
    getCase(deps.cases, ctx.caller, params),
    caseTimeline(deps.cases, ctx.caller, params),
  ])) as [CaseOf, { items: TimelineEvent[] }];
  const t = CASE_WORDS[ctx.lang];
  const v = VOCABULARY[ctx.lang];
  const c = COMMON[ctx.lang];
  const names = await orgNames(deps, [
    view.referringOrgId,
    view.offeredOrgId,
    view.acceptedOrgId,
    ...(view.offers ?? []).map((o) => o.orgId),
    ...timeline.items.flatMap((e) => [e.actor.orgId, e.fromOrgId, e.toOrgId]),
  ]);
  const regions = await regionNames(deps, [view.region]);
  const org = (id: string | undefined) => (id ? (names.get(id) ?? id) : c.none);
  const p = view.person;
  const created =
    ctx.req.query.created === '1' && ctx.caller.role === 'police'
      ? `<div class="notice" role="status"><p>${esc(t.created(view.reference))}</p></div>`
      : '';
  const body = [
    created,
    `<p class="lead">${statusTag(ctx.lang, view.status)}</p>`,
    facts([
      [t.reference, view.reference],
      [t.statusHead, v.caseStatuses[view.status]],
      [t.region, regions.get(view.region) ?? view.region],
      [t.interviewDate, calendarDay(view.interviewDate, ctx.lang)],
      [t.referredBy, org(view.referringOrgId)],
      [t.referredOn, formatDateTime(view.createdAt, ctx.lang, ctx.timeZone)],
      ...(view.offeredOrgId ? [[t.offeredTo, org(view.offeredOrgId)] as const] : []),
      ...(view.acceptedOrgId ? [[t.acceptedBy, org(view.acceptedOrgId)] as const] : []),
      [t.updatedAt, formatDateTime(view.updatedAt, ctx.lang, ctx.timeZone)],
    ]),
    `<h2>${esc(t.profile)}</h2>`,
    // A code the page has no word for (a profile stored by another version) shows as stored.
    facts([
      [t.ageGroup, v.ageGroups[p.ageGroup] ?? p.ageGroup],
      [t.gender, v.genders[p.gender] ?? p.gender],
      [t.nationality, countryName(ctx.lang, p.nationality)],
      [t.language, languageName(ctx.lang, p.language)],
      [t.needsHead, p.needs.map((n) => v.needs[n] ?? n).join(', ')],
      [t.riskLevel, v.riskLevels[p.riskLevel] ?? p.riskLevel],
    ]),
    view.offers ? offersHtml(ctx, view.offers, names) : '',
    `<h2>${esc(t.timeline)}</h2>`,
    timelineHtml(ctx, timeline.items, names),
    ctx.caller.role === 'coordinator'
      ? `<p>${link(`/console/cases/${encodeURIComponent(view.caseId)}/audit`, t.auditTrail)}</p>`
      : '',
  ].join('');
  return page(t.caseTitle(view.reference), body);
}

/** The roles getCase and listCases serve (CASE_READERS); the edge refuses every other with 403. */
const READERS = ['police', 'ngo', 'coordinator'] as const;

export function casesRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    memberRoute('GET', '/console/cases', READERS, async (ctx) => {
      const t = CASE_WORDS[ctx.lang];
      return page(
        t.casesTitle,
        await caseListPage(deps, ctx, {
          path: '/console/cases',
          lead: t.casesLead,
          caption: t.casesCaption,
        }),
      );
    }),
    memberRoute('GET', '/console/cases/{caseId}', READERS, (ctx) => casePage(deps, ctx)),
  ];
}

/** The choices of the profile's closed lists, in the page's language (the referral form's). */
export function profileChoices(lang: Lang) {
  const w = VOCABULARY[lang];
  return {
    ageGroups: AGE_GROUPS.map((v) => ({ value: v, label: w.ageGroups[v] })),
    genders: GENDERS.map((v) => ({ value: v, label: w.genders[v] })),
    risks: RISK_LEVELS.map((v) => ({ value: v, label: w.riskLevels[v] })),
    needs: NEEDS.map((v) => ({ value: v, label: w.needs[v] })),
  };
}
