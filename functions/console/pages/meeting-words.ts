import type { MemberCaller } from '../../../shared/auth/caller';
import type { MemberContext } from '../../../shared/console/app';
import { errorSummary, tag } from '../../../shared/console/html';
import { COMMON, formatDateTime, formatDay, type Lang, type Messages } from '../../../shared/console/i18n';
import { isActive } from '../../../shared/domain/active';
import { MEETING_ROLES } from '../../../shared/domain/meetings';
import { isReachable } from '../../../shared/domain/recipients';
import type { MeetingView } from '../../../shared/meetings/meetings';
import { listOrganisations } from '../../directory-api/directory-api';
import type { ConsoleDeps } from '../deps';

/**
 * The meeting pages' words in English and Albanian, and the small helpers both council.ts
 * (the list, a meeting, its calendar file) and meeting-forms.ts (the coordinator's forms) use:
 * paths, times, statuses, form values, field errors and the region's organisations.
 */

const EN = {
  listTitle: 'Meetings',
  listLead: 'Meetings of the cooperation group you are invited to or coordinate.',
  regionIs: (r: string) => `Region: ${r}`,
  otherRegions: 'Other regions',
  newMeeting: 'New meeting',
  upcoming: 'Upcoming meetings',
  past: 'Past meetings',
  noUpcoming: 'No upcoming meetings.',
  noPast: 'No past meetings in the last year.',
  colWhen: 'When',
  colTitle: 'Meeting',
  colWhere: 'Place',
  colStatus: 'Status',
  video: 'Video link',
  status: {
    scheduled: 'Scheduled',
    cancelled: 'Cancelled',
    minutes: 'Minutes recorded',
    awaiting: 'Ended: minutes to come',
  },
  when: 'When',
  yourClock: (zone: string) => `Times are shown on your clock (${zone}).`,
  place: 'Place',
  videoLink: 'Video link',
  organizer: 'Organised by',
  statusLabel: 'Status',
  series: (n: number) => `Occurrence ${n + 1} of a recurring series`,
  created: 'The meeting is set. The invitations are sent to everyone invited.',
  cancelledNotice: 'The meeting is cancelled. Every invitee has been sent the cancellation.',
  minutesNotice: 'The minutes are recorded. Each action item is sent to its organisation.',
  download: 'Download the invitation for your calendar (.ics)',
  downloadCancel: 'Download the cancellation for your calendar (.ics)',
  agenda: 'Agenda',
  noAgenda: 'No agenda items.',
  review: 'Tasks not acted on, for review',
  reviewCaption: 'Tasks not done in time or not possible, per organisation (no case is named)',
  reviewNone: 'No organisation has overdue or impossible tasks to review.',
  colOrg: 'Organisation',
  colKind: 'Task',
  colNotDone: 'Not done',
  colNotPossible: 'Not possible',
  colReasons: 'Reasons given',
  moreReasons: (n: number) => `and ${n} more`,
  carried: 'Action items carried over',
  carriedCaption: 'Open action items from earlier meetings',
  carriedNone: 'No open action items from earlier meetings.',
  colItem: 'Action item',
  colFrom: 'From the meeting',
  colDue: 'Due',
  overdue: 'Overdue',
  invitees: 'Invitees',
  inviteesCaption: 'People invited',
  colName: 'Name',
  colAnswer: 'Answer',
  noAnswer: 'No answer yet',
  answers: { accepted: 'Accepted', tentative: 'Maybe', declined: 'Declined' },
  minutes: 'Minutes',
  summary: 'Summary',
  decisions: 'Decisions',
  noDecisions: 'No decisions were recorded.',
  actionLine: (what: string, who: string, by: string) => `${what} — ${who}, by ${by}`,
  recordedAt: (at: string) => `Recorded on ${at}.`,
  ownItems: 'See your action items',
  recordMinutes: 'Record the minutes',
  minutesLater: 'The minutes can be recorded once the meeting has ended.',
  cancelHeading: 'Cancel the meeting',
  cancelText:
    'Every invitee gets a cancellation for their calendar. The reminders stop. This cannot be undone.',
  cancelSeries: 'Also cancel every later meeting of this series',
  cancelButton: 'Cancel the meeting',
  history: 'History',
  historyNone: 'Nothing recorded yet.',
  events: {
    MEETING_CREATED: 'Set',
    MEETING_CHANGED: 'Changed',
    MEETING_MOVED: 'Moved',
    MEETING_CANCELLED: 'Cancelled',
    RSVP: 'Answered',
    MINUTES_OPENED: 'Minutes task opened',
  } as Record<string, string>,
  by: (role: string, org: string) => `by ${role}${org ? `, ${org}` : ''}`,
  fieldsChanged: (f: string) => `Fields: ${f}`,
  // the new meeting form
  newTitle: 'New meeting',
  newLead: 'Set a meeting of the cooperation group. Every invitee is sent an invitation for their calendar.',
  privacy:
    "Write about the group's work only: the title, place and agenda go into emails and calendars, so never name or describe a person referred.",
  title: 'Title',
  agendaField: 'Agenda',
  agendaHint: 'One item per line.',
  placeField: 'Place (optional)',
  placeHint: 'For example: Prefecture of Korça, meeting room 2.',
  videoField: 'Video link (optional)',
  videoHint: 'A link that starts with https://. Give a place, a video link or both.',
  startDate: 'Date',
  dateHint: (zone: string) => `For example 2027-01-15. Times are in the group's zone (${zone}).`,
  startTime: 'Start time',
  endTime: 'End time',
  timeHint: 'For example 10:00.',
  endDate: 'End date (optional)',
  endDateHint: 'Only if the meeting ends on another day.',
  orgs: 'Organisations to invite',
  orgsHint: "Each organisation's council and cluster members are invited.",
  noOrgs: 'No organisation of the region has a council or cluster member.',
  emails: 'Other people to invite (optional)',
  emailsHint: 'Email addresses of contacts in the directory, one per line.',
  recurrence: 'Does the meeting repeat?',
  once: 'No, only once',
  weekly: 'Every week',
  monthly: 'Every month',
  intervalField: 'Repeat every … weeks or months (optional)',
  intervalHint: 'A number from 1 to 12; 1 when empty. The first three meetings are set now.',
  create: 'Set the meeting and send the invitations',
  back: 'Back to the meetings',
  // the minutes form
  minutesTitle: (t: string) => `Minutes: ${t}`,
  minutesLead:
    "Record what the group discussed and decided. The minutes are shown to every member in the console; they are never emailed. Write about the group's work only, nothing about a person.",
  summaryField: 'Summary of the meeting',
  decisionsField: 'Decisions (optional)',
  decisionsHint: 'One decision per line. Number 1 is the first line.',
  actionsHeading: 'Action items (optional)',
  actionsHint: 'Leave a row empty if it is not needed. Each action item becomes a task for its organisation.',
  actionRow: (n: number) => `Action item ${n}`,
  actionWhat: 'What is to be done',
  actionKind: 'Kind',
  kinds: { ACTION_ITEM: 'Action item', PREVENTION: 'Prevention work' },
  actionOrg: 'Organisation',
  chooseOrg: 'Choose an organisation',
  actionDue: 'Due date (optional)',
  actionDueHint: 'For example 2027-02-15. When empty: 30 days, or 60 for prevention work.',
  actionDecision: 'For decision',
  decisionN: (n: number) => `Decision ${n}`,
  saveMinutes: 'Record the minutes',
  minutesDone: 'The minutes of this meeting are recorded already.',
  minutesCancelled: 'This meeting was cancelled: it has no minutes.',
  openMeeting: 'Open the meeting',
  // errors in words
  errors: {
    start_in_the_past: 'The meeting must start in the future.',
    start_too_far_ahead: 'A meeting can be set at most two years ahead.',
    end_before_start: 'The meeting must end after it starts.',
    end_too_long: 'A meeting can last at most 12 hours.',
    date: 'Enter a date like 2027-01-15.',
    time: 'Enter a time like 10:00.',
    videoUrl: 'Enter a link that starts with https://.',
    plain: 'Use plain text, without < or > signs.',
    org_unknown: 'One of these organisations does not work in the region.',
    org_no_members: 'One of these organisations has no council or cluster member who can be invited.',
    invite_none: 'Choose at least one organisation, or name a contact below.',
    email_unknown: 'One of these addresses is not a contact in the directory.',
    interval: 'Enter a whole number from 1 to 12.',
    summary: 'Enter a summary of the meeting, in plain text, up to 5,000 characters.',
    decisions: 'Each decision is plain text, up to 1,000 characters; at most 30 decisions.',
    actionTitle: 'Enter what is to be done, in plain text, up to 200 characters.',
    actionOrg: 'Choose the organisation, of this region, that is to do it.',
    actionDue: 'Enter a date after today, like 2027-02-15.',
    actionDecision: 'There is no decision with this number: write the decision on that line above.',
    form: 'The form could not be read. Check the fields and send it again.',
  },
};
type Words = typeof EN;

const SQ: Words = {
  listTitle: 'Mbledhjet',
  listLead: 'Mbledhjet e grupit të bashkëpunimit ku jeni i ftuar ose që koordinoni.',
  regionIs: (r: string) => `Rajoni: ${r}`,
  otherRegions: 'Rajone të tjera',
  newMeeting: 'Mbledhje e re',
  upcoming: 'Mbledhjet e ardhshme',
  past: 'Mbledhjet e kaluara',
  noUpcoming: 'Nuk ka mbledhje të ardhshme.',
  noPast: 'Nuk ka mbledhje të kaluara gjatë vitit të fundit.',
  colWhen: 'Kur',
  colTitle: 'Mbledhja',
  colWhere: 'Vendi',
  colStatus: 'Gjendja',
  video: 'Lidhja e videos',
  status: {
    scheduled: 'E planifikuar',
    cancelled: 'E anulluar',
    minutes: 'Procesverbali u regjistrua',
    awaiting: 'Përfundoi: pritet procesverbali',
  },
  when: 'Kur',
  yourClock: (zone: string) => `Oraret tregohen sipas orës suaj (${zone}).`,
  place: 'Vendi',
  videoLink: 'Lidhja e videos',
  organizer: 'Organizuar nga',
  statusLabel: 'Gjendja',
  series: (n: number) => `Mbledhja e ${n + 1}-të e një serie që përsëritet`,
  created: 'Mbledhja u caktua. Ftesat u dërguan te të gjithë të ftuarit.',
  cancelledNotice: 'Mbledhja u anullua. Çdo i ftuar mori njoftimin e anullimit.',
  minutesNotice: 'Procesverbali u regjistrua. Çdo detyrë i dërgohet organizatës së saj.',
  download: 'Shkarkoni ftesën për kalendarin tuaj (.ics)',
  downloadCancel: 'Shkarkoni anullimin për kalendarin tuaj (.ics)',
  agenda: 'Rendi i ditës',
  noAgenda: 'Nuk ka pika në rendin e ditës.',
  review: 'Detyra të pakryera, për shqyrtim',
  reviewCaption: 'Detyra të pakryera në kohë ose të pamundura, për organizatë (pa emëruar asnjë rast)',
  reviewNone: 'Asnjë organizatë nuk ka detyra me vonesë ose të pamundura për shqyrtim.',
  colOrg: 'Organizata',
  colKind: 'Detyra',
  colNotDone: 'Të pakryera',
  colNotPossible: 'Të pamundura',
  colReasons: 'Arsyet e dhëna',
  moreReasons: (n: number) => `dhe ${n} të tjera`,
  carried: 'Detyra të mbartura',
  carriedCaption: 'Detyra ende të hapura nga mbledhjet e mëparshme',
  carriedNone: 'Nuk ka detyra të hapura nga mbledhjet e mëparshme.',
  colItem: 'Detyra',
  colFrom: 'Nga mbledhja',
  colDue: 'Afati',
  overdue: 'Me vonesë',
  invitees: 'Të ftuarit',
  inviteesCaption: 'Personat e ftuar',
  colName: 'Emri',
  colAnswer: 'Përgjigja',
  noAnswer: 'Ende pa përgjigje',
  answers: { accepted: 'Pranoi', tentative: 'Ndoshta', declined: 'Refuzoi' },
  minutes: 'Procesverbali',
  summary: 'Përmbledhja',
  decisions: 'Vendimet',
  noDecisions: 'Nuk u regjistrua asnjë vendim.',
  actionLine: (what: string, who: string, by: string) => `${what} — ${who}, afati ${by}`,
  recordedAt: (at: string) => `Regjistruar më ${at}.`,
  ownItems: 'Shikoni detyrat tuaja',
  recordMinutes: 'Regjistroni procesverbalin',
  minutesLater: 'Procesverbali mund të regjistrohet pasi të përfundojë mbledhja.',
  cancelHeading: 'Anulloni mbledhjen',
  cancelText: 'Çdo i ftuar merr një anullim për kalendarin e vet. Kujtesat ndalen. Kjo nuk mund të zhbëhet.',
  cancelSeries: 'Anulloni edhe të gjitha mbledhjet e mëvonshme të kësaj serie',
  cancelButton: 'Anulloni mbledhjen',
  history: 'Historiku',
  historyNone: 'Ende asgjë e regjistruar.',
  events: {
    MEETING_CREATED: 'U caktua',
    MEETING_CHANGED: 'U ndryshua',
    MEETING_MOVED: 'U zhvendos',
    MEETING_CANCELLED: 'U anullua',
    RSVP: 'U përgjigj',
    MINUTES_OPENED: 'U hap detyra e procesverbalit',
  },
  by: (role: string, org: string) => `nga ${role}${org ? `, ${org}` : ''}`,
  fieldsChanged: (f: string) => `Fushat: ${f}`,
  newTitle: 'Mbledhje e re',
  newLead:
    'Caktoni një mbledhje të grupit të bashkëpunimit. Çdo i ftuar merr një ftesë për kalendarin e vet.',
  privacy:
    'Shkruani vetëm për punën e grupit: titulli, vendi dhe rendi i ditës shkojnë në email dhe në kalendarë, prandaj mos emëroni dhe mos përshkruani kurrë një person të referuar.',
  title: 'Titulli',
  agendaField: 'Rendi i ditës',
  agendaHint: 'Një pikë për rresht.',
  placeField: 'Vendi (sipas dëshirës)',
  placeHint: 'Për shembull: Prefektura e Korçës, salla e mbledhjeve 2.',
  videoField: 'Lidhja e videos (sipas dëshirës)',
  videoHint: 'Një lidhje që fillon me https://. Jepni një vend, një lidhje videoje ose të dyja.',
  startDate: 'Data',
  dateHint: (zone: string) => `Për shembull 2027-01-15. Oraret janë sipas zonës së grupit (${zone}).`,
  startTime: 'Ora e fillimit',
  endTime: 'Ora e mbarimit',
  timeHint: 'Për shembull 10:00.',
  endDate: 'Data e mbarimit (sipas dëshirës)',
  endDateHint: 'Vetëm nëse mbledhja mbaron në një ditë tjetër.',
  orgs: 'Organizatat që ftohen',
  orgsHint: 'Ftohen anëtarët e këshillit dhe të klasterit të çdo organizate.',
  noOrgs: 'Asnjë organizatë e rajonit nuk ka anëtar të këshillit ose të klasterit.',
  emails: 'Persona të tjerë që ftohen (sipas dëshirës)',
  emailsHint: 'Adresat e email-it të kontakteve në drejtori, një për rresht.',
  recurrence: 'A përsëritet mbledhja?',
  once: 'Jo, vetëm një herë',
  weekly: 'Çdo javë',
  monthly: 'Çdo muaj',
  intervalField: 'Përsëritet çdo … javë ose muaj (sipas dëshirës)',
  intervalHint: 'Një numër nga 1 deri në 12; 1 kur lihet bosh. Tre mbledhjet e para caktohen tani.',
  create: 'Caktoni mbledhjen dhe dërgoni ftesat',
  back: 'Kthehu te mbledhjet',
  minutesTitle: (t: string) => `Procesverbali: ${t}`,
  minutesLead:
    'Regjistroni çfarë diskutoi dhe vendosi grupi. Procesverbali u tregohet të gjithë anëtarëve në konsolë; nuk dërgohet kurrë me email. Shkruani vetëm për punën e grupit, asgjë për një person.',
  summaryField: 'Përmbledhja e mbledhjes',
  decisionsField: 'Vendimet (sipas dëshirës)',
  decisionsHint: 'Një vendim për rresht. Numri 1 është rreshti i parë.',
  actionsHeading: 'Detyrat (sipas dëshirës)',
  actionsHint: 'Lini bosh një rresht që nuk nevojitet. Çdo detyrë i caktohet organizatës së saj.',
  actionRow: (n: number) => `Detyra ${n}`,
  actionWhat: 'Çfarë duhet bërë',
  actionKind: 'Lloji',
  kinds: { ACTION_ITEM: 'Detyrë nga mbledhja', PREVENTION: 'Punë parandaluese' },
  actionOrg: 'Organizata',
  chooseOrg: 'Zgjidhni një organizatë',
  actionDue: 'Afati (sipas dëshirës)',
  actionDueHint: 'Për shembull 2027-02-15. Kur lihet bosh: 30 ditë, ose 60 për punë parandaluese.',
  actionDecision: 'Për vendimin',
  decisionN: (n: number) => `Vendimi ${n}`,
  saveMinutes: 'Regjistroni procesverbalin',
  minutesDone: 'Procesverbali i kësaj mbledhjeje është regjistruar tashmë.',
  minutesCancelled: 'Kjo mbledhje u anullua: nuk ka procesverbal.',
  openMeeting: 'Hapni mbledhjen',
  errors: {
    start_in_the_past: 'Mbledhja duhet të fillojë në të ardhmen.',
    start_too_far_ahead: 'Një mbledhje mund të caktohet deri në dy vjet përpara.',
    end_before_start: 'Mbledhja duhet të mbarojë pasi fillon.',
    end_too_long: 'Një mbledhje mund të zgjasë deri në 12 orë.',
    date: 'Shkruani një datë si 2027-01-15.',
    time: 'Shkruani një orë si 10:00.',
    videoUrl: 'Shkruani një lidhje që fillon me https://.',
    plain: 'Përdorni tekst të thjeshtë, pa shenjat < ose >.',
    org_unknown: 'Një nga këto organizata nuk punon në rajon.',
    org_no_members: 'Një nga këto organizata nuk ka anëtar të këshillit ose të klasterit që mund të ftohet.',
    invite_none: 'Zgjidhni të paktën një organizatë, ose shkruani një kontakt më poshtë.',
    email_unknown: 'Një nga këto adresa nuk është kontakt në drejtori.',
    interval: 'Shkruani një numër të plotë nga 1 deri në 12.',
    summary: 'Shkruani një përmbledhje të mbledhjes, me tekst të thjeshtë, deri në 5 000 shkronja.',
    decisions: 'Çdo vendim është tekst i thjeshtë, deri në 1 000 shkronja; jo më shumë se 30 vendime.',
    actionTitle: 'Shkruani çfarë duhet bërë, me tekst të thjeshtë, deri në 200 shkronja.',
    actionOrg: 'Zgjidhni organizatën e këtij rajoni që do ta kryejë.',
    actionDue: 'Shkruani një datë pas sotme, si 2027-02-15.',
    actionDecision: 'Nuk ka vendim me këtë numër: shkruajeni vendimin në atë rresht më sipër.',
    form: 'Formulari nuk mund të lexohej. Kontrolloni fushat dhe dërgojeni përsëri.',
  },
};

export const T: Messages<Words> = { en: EN, sq: SQ };

/** The actors of a meeting's history in words: a role, the system or an answer link. */
export const ROLE_WORDS: Messages<Record<string, string>> = {
  en: {
    coordinator: 'a coordinator',
    council: 'a council member',
    police: 'the police',
    ngo: 'an NGO',
    localgov: 'local government',
    admin: 'an administrator',
    system: 'the system',
    link: 'an answer link',
  },
  sq: {
    coordinator: 'një koordinator',
    council: 'një anëtar i këshillit',
    police: 'policia',
    ngo: 'një OJF',
    localgov: 'pushteti vendor',
    admin: 'një administrator',
    system: 'sistemi',
    link: 'një lidhje përgjigjeje',
  },
};

// --- small helpers ----------------------------------------------------------------------------

export const meetingPath = (id: string) => `/console/meetings/${encodeURIComponent(id)}`;

/** Start–end on the reader's clock: the end's time only when it falls on the same day. */
export function whenText(view: Pick<MeetingView, 'start' | 'end'>, lang: Lang, timeZone: string): string {
  const start = formatDateTime(view.start, lang, timeZone);
  const sameDay = formatDay(view.start, lang, timeZone) === formatDay(view.end, lang, timeZone);
  const end = sameDay
    ? new Intl.DateTimeFormat(lang === 'sq' ? 'sq-AL' : 'en-GB', {
        timeZone,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(new Date(view.end))
    : formatDateTime(view.end, lang, timeZone);
  return `${start} – ${end}`;
}

type StatusKey = keyof Words['status'];

export function statusOf(view: MeetingView, now: Date): StatusKey {
  if (view.status === 'CANCELLED') return 'cancelled';
  if (view.minutes) return 'minutes';
  if (Date.parse(view.end) <= now.getTime()) return 'awaiting';
  return 'scheduled';
}

export function statusTag(lang: Lang, key: StatusKey): string {
  const tone = ({ scheduled: '', cancelled: 'bad', minutes: 'ok', awaiting: 'warn' } as const)[key];
  return tag(T[lang].status[key], tone);
}

/** Lines of a textarea: trimmed, empty ones dropped. */
export const lines = (raw: string | null): string[] =>
  (raw ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** A form value trimmed; undefined when empty (so the schema says "required", not "too short"). */
export function value(form: URLSearchParams, name: string): string | undefined {
  const v = form.get(name)?.trim();
  return v ? v : undefined;
}

/** A calendar day as typed: `2027-01-15`, or `15.01.2027` as it is written in Albania. */
export function normaliseDate(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const dmy = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(raw);
  if (dmy) return `${dmy[3]}-${(dmy[2] as string).padStart(2, '0')}-${(dmy[1] as string).padStart(2, '0')}`;
  return raw;
}

/** A time as typed: `10:00`, `9:30` or `9.30`. */
export function normaliseTime(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const hm = /^(\d{1,2})[:.](\d{2})$/.exec(raw);
  return hm ? `${(hm[1] as string).padStart(2, '0')}:${hm[2]}` : raw;
}

export const isDate = (v: string | undefined) => v !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(v);
export const isTime = (v: string | undefined) => v !== undefined && /^\d{2}:\d{2}$/.test(v);

/** A field's error: the words beside it, and the summary's link to it. */
export interface FieldError {
  readonly field: string;
  readonly text: string;
}

export function summaryOf(
  lang: Lang,
  errors: ReadonlyMap<string, string>,
  anchor: (field: string) => string,
) {
  return errorSummary(
    COMMON[lang].errorSummary,
    [...errors].map(([field, text]) => ({ href: `#${anchor(field)}`, text })),
  );
}

export function firstPerField(list: readonly FieldError[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of list) if (!out.has(e.field)) out.set(e.field, e.text);
  return out;
}

export interface OrgChoice {
  readonly orgId: string;
  readonly name: string;
  /** It has a council or cluster member the invitation can go to. */
  readonly invitable: boolean;
}

/** The region's active organisations, by name, through the directory's use case (coordinators). */
export async function regionOrgs(
  deps: ConsoleDeps,
  caller: MemberCaller,
  region: string,
): Promise<OrgChoice[]> {
  const out: OrgChoice[] = [];
  let cursor: string | undefined;
  do {
    const pageOf = await listOrganisations(deps.directoryAdmin, caller, {
      region,
      limit: '100',
      ...(cursor ? { cursor } : {}),
    });
    for (const org of pageOf.items)
      out.push({
        orgId: org.orgId,
        name: org.name,
        invitable: org.contacts.some(
          (c) =>
            isActive(c) &&
            isReachable(c) &&
            c.roles.some((r) => (MEETING_ROLES as readonly string[]).includes(r)),
        ),
      });
    cursor = pageOf.nextCursor;
  } while (cursor);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Organisation names for display, from the directory the edge reads callers from. */
export async function orgNames(deps: ConsoleDeps, ids: Iterable<string>): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  const orgs = await Promise.all(unique.map((id) => deps.directory.getOrganisation(id)));
  return new Map(unique.map((id, i) => [id, orgs[i]?.name ?? id]));
}

/** The region a page is about: `?region=` when it is one of the caller's, else their first. */
export function regionOf(ctx: MemberContext): string {
  const asked = ctx.req.query.region;
  return asked && ctx.caller.regions.includes(asked) ? asked : (ctx.caller.regions[0] ?? '');
}
