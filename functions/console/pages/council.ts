import type { MemberCaller } from '../../../shared/auth/caller';
import {
  type ConsoleResult,
  type ConsoleRoute,
  type MemberContext,
  memberRoute,
  page,
  redirect,
} from '../../../shared/console/app';
import {
  type Choice,
  choiceGroup,
  errorSummary,
  esc,
  issueWords,
  link,
  postForm,
  selectField,
  table,
  tag,
  textArea,
  textField,
} from '../../../shared/console/html';
import { COMMON, formatDateTime, formatDay, type Lang, type Messages } from '../../../shared/console/i18n';
import { isActive } from '../../../shared/domain/active';
import type { Role } from '../../../shared/domain/codes';
import { dueAt } from '../../../shared/domain/deadlines';
import { localToInstant, MEETING_ROLES, timeIssues } from '../../../shared/domain/meetings';
import { isReachable } from '../../../shared/domain/recipients';
import { calendarInvite } from '../../../shared/email/invite';
import { meetingUid } from '../../../shared/email/meeting-emails';
import { TASK_TITLES } from '../../../shared/email/templates';
import { type FieldIssue, ValidationError } from '../../../shared/errors';
import {
  cancelMeeting,
  createMeeting,
  getMeeting,
  listMeetings,
  type MeetingDetail,
  type MeetingView,
  recordMinutes,
} from '../../../shared/meetings/meetings';
import { listOrganisations } from '../../directory-api/directory-api';
import type { ConsoleDeps } from '../deps';

/**
 * The cooperation group's meetings (docs/meetings.md), for the region's coordinators and the
 * council members a meeting invites: the list, a meeting with its agenda, review and minutes,
 * its calendar file, and the coordinator's forms (a new meeting, the cancellation, the
 * minutes). Every read and write goes through the meetings use cases, which decide who sees
 * what: a member not invited gets 404 as from the API, answers are the coordinator's only.
 */

const READERS: readonly Role[] = ['coordinator', 'council'];
const COORDINATORS: readonly Role[] = ['coordinator'];

/** Action-item rows the minutes form offers (no script: a fixed number; empty rows are ignored). */
export const ACTION_ROWS = 5;
/** Decisions an action-item row may name by number. */
const DECISION_CHOICES = 10;

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

const T: Messages<Words> = { en: EN, sq: SQ };

// --- small helpers ----------------------------------------------------------------------------

const meetingPath = (id: string) => `/console/meetings/${encodeURIComponent(id)}`;

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

function statusOf(view: MeetingView, now: Date): StatusKey {
  if (view.status === 'CANCELLED') return 'cancelled';
  if (view.minutes) return 'minutes';
  if (Date.parse(view.end) <= now.getTime()) return 'awaiting';
  return 'scheduled';
}

function statusTag(lang: Lang, key: StatusKey): string {
  const tone = ({ scheduled: '', cancelled: 'bad', minutes: 'ok', awaiting: 'warn' } as const)[key];
  return tag(T[lang].status[key], tone);
}

/** Lines of a textarea: trimmed, empty ones dropped. */
const lines = (raw: string | null): string[] =>
  (raw ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** A form value trimmed; undefined when empty (so the schema says "required", not "too short"). */
function value(form: URLSearchParams, name: string): string | undefined {
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

const isDate = (v: string | undefined) => v !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(v);
const isTime = (v: string | undefined) => v !== undefined && /^\d{2}:\d{2}$/.test(v);

/** A field's error: the words beside it, and the summary's link to it. */
interface FieldError {
  readonly field: string;
  readonly text: string;
}

function summaryOf(lang: Lang, errors: ReadonlyMap<string, string>, anchor: (field: string) => string) {
  return errorSummary(
    COMMON[lang].errorSummary,
    [...errors].map(([field, text]) => ({ href: `#${anchor(field)}`, text })),
  );
}

function firstPerField(list: readonly FieldError[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of list) if (!out.has(e.field)) out.set(e.field, e.text);
  return out;
}

interface OrgChoice {
  readonly orgId: string;
  readonly name: string;
  /** It has a council or cluster member the invitation can go to. */
  readonly invitable: boolean;
}

/** The region's active organisations, by name, through the directory's use case (coordinators). */
async function regionOrgs(deps: ConsoleDeps, caller: MemberCaller, region: string): Promise<OrgChoice[]> {
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
async function orgNames(deps: ConsoleDeps, ids: Iterable<string>): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  const orgs = await Promise.all(unique.map((id) => deps.directory.getOrganisation(id)));
  return new Map(unique.map((id, i) => [id, orgs[i]?.name ?? id]));
}

/** The region a page is about: `?region=` when it is one of the caller's, else their first. */
function regionOf(ctx: MemberContext): string {
  const asked = ctx.req.query.region;
  return asked && ctx.caller.regions.includes(asked) ? asked : (ctx.caller.regions[0] ?? '');
}

// --- the list ---------------------------------------------------------------------------------

/** How far back the list looks for past meetings. */
const PAST_DAYS = 366;
/** At most this many pages of 100 meetings are read for one list. */
const LIST_PAGES = 5;

async function listPage(deps: ConsoleDeps, ctx: MemberContext): Promise<ConsoleResult> {
  const t = T[ctx.lang];
  const region = regionOf(ctx);
  const from = new Date(ctx.now.getTime() - PAST_DAYS * 86_400_000).toISOString();
  const all: MeetingView[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const got = await listMeetings(deps.meetings, ctx.caller, {
      region,
      from,
      limit: '100',
      ...(cursor ? { cursor } : {}),
    });
    all.push(...got.items);
    cursor = got.nextCursor;
    pages += 1;
  } while (cursor && pages < LIST_PAGES);
  const now = ctx.now.getTime();
  const upcoming = all.filter((m) => Date.parse(m.end) > now);
  const past = all.filter((m) => Date.parse(m.end) <= now).reverse();
  const row = (m: MeetingView) => [
    esc(whenText(m, ctx.lang, ctx.timeZone)),
    link(meetingPath(m.meetingId), m.title),
    [m.place ? esc(m.place) : '', m.videoUrl ? link(m.videoUrl, t.video) : ''].filter(Boolean).join('<br>') ||
      esc('—'),
    statusTag(ctx.lang, statusOf(m, ctx.now)),
  ];
  const head = [t.colWhen, t.colTitle, t.colWhere, t.colStatus];
  const others = ctx.caller.regions.filter((r) => r !== region);
  const body = [
    `<p class="lead">${esc(t.listLead)}</p>`,
    ctx.caller.regions.length > 1 ? `<p>${esc(t.regionIs(region))}</p>` : '',
    others.length
      ? `<p>${esc(t.otherRegions)}: ${others.map((r) => link(`/console/meetings?region=${encodeURIComponent(r)}`, r)).join(', ')}</p>`
      : '',
    ctx.caller.role === 'coordinator'
      ? `<p><a class="button" href="/console/meetings/new?region=${esc(encodeURIComponent(region))}">${esc(t.newMeeting)}</a></p>`
      : '',
    `<h2>${esc(t.upcoming)}</h2>`,
    table({ caption: t.upcoming, head, rows: upcoming.map(row), empty: t.noUpcoming }),
    `<h2>${esc(t.past)}</h2>`,
    table({ caption: t.past, head, rows: past.map(row), empty: t.noPast }),
  ];
  return page(t.listTitle, body.join(''));
}

// --- one meeting ------------------------------------------------------------------------------

/** The due day of an action item: the day given, else its kind's deadline from the recording. */
function actionDue(
  deps: ConsoleDeps,
  action: { kind: 'ACTION_ITEM' | 'PREVENTION'; dueDate?: string | undefined },
  recordedAt: string,
  lang: Lang,
): string {
  if (action.dueDate) return formatDay(`${action.dueDate}T12:00:00Z`, lang, 'UTC');
  const clock = deps.meetings.complete;
  const due = dueAt(clock.deadlines[action.kind], new Date(recordedAt), clock.calendar);
  return formatDay(due, lang, clock.calendar.timeZone);
}

async function meetingPage(deps: ConsoleDeps, ctx: MemberContext): Promise<ConsoleResult> {
  const t = T[ctx.lang];
  const m: MeetingDetail = await getMeeting(deps.meetings, ctx.caller, ctx.req.params);
  const coordinator = ctx.caller.role === 'coordinator';
  const status = statusOf(m, ctx.now);
  const actions = m.minutes?.decisions.flatMap((d) => d.actions) ?? [];
  const names = await orgNames(deps, [
    ...m.attendees.map((a) => a.orgId),
    ...actions.flatMap((a) => (a.orgId ? [a.orgId] : [])),
    ...m.history.flatMap((e) => (e.actor.orgId ? [e.actor.orgId] : [])),
  ]);
  const orgName = (id: string) => names.get(id) ?? id;
  const notice = { created: t.created, cancelled: t.cancelledNotice, minutes: t.minutesNotice }[
    ctx.req.query.done as 'created' | 'cancelled' | 'minutes'
  ];
  const factRows: [string, string][] = [
    [t.when, esc(whenText(m, ctx.lang, ctx.timeZone))],
    ...(m.place ? [[t.place, esc(m.place)] as [string, string]] : []),
    ...(m.videoUrl ? [[t.videoLink, link(m.videoUrl, m.videoUrl)] as [string, string]] : []),
    [t.organizer, esc(`${m.organizer.name}, ${orgName(m.organizer.orgId)}`)],
    [t.statusLabel, statusTag(ctx.lang, status)],
  ];
  const out: string[] = [
    notice ? `<div class="notice" role="status"><p>${esc(notice)}</p></div>` : '',
    `<dl class="facts">${factRows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`,
    `<p class="hint">${esc(t.yourClock(ctx.timeZone))}</p>`,
    m.seriesId !== undefined ? `<p class="muted">${esc(t.series(m.occurrence ?? 0))}</p>` : '',
    `<p>${link(`${meetingPath(m.meetingId)}/invite.ics`, m.status === 'CANCELLED' ? t.downloadCancel : t.download)}</p>`,
  ];

  out.push(`<h2>${esc(t.agenda)}</h2>`);
  out.push(
    m.agenda.length
      ? `<ol>${m.agenda.map((a) => `<li>${esc(a)}</li>`).join('')}</ol>`
      : `<p class="muted">${esc(t.noAgenda)}</p>`,
  );

  out.push(`<h2>${esc(t.review)}</h2>`);
  out.push(
    table({
      caption: t.reviewCaption,
      head: [t.colOrg, t.colKind, t.colNotDone, t.colNotPossible, t.colReasons],
      num: [2, 3],
      rows: m.review.map((r) => [
        esc(r.orgName),
        esc(TASK_TITLES[ctx.lang][r.kind]),
        esc(String(r.notDone)),
        esc(String(r.notPossible)),
        r.reasons.length
          ? `<ul class="plain">${r.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}${
              r.moreReasons ? `<li class="muted">${esc(t.moreReasons(r.moreReasons))}</li>` : ''
            }</ul>`
          : esc('—'),
      ]),
      empty: t.reviewNone,
    }),
  );

  out.push(`<h2>${esc(t.carried)}</h2>`);
  out.push(
    table({
      caption: t.carriedCaption,
      head: [t.colItem, t.colOrg, t.colFrom, t.colDue],
      rows: m.carriedOver.map((c) => [
        esc(c.title),
        esc(c.orgName),
        link(meetingPath(c.fromMeetingId), c.fromMeeting),
        `${esc(formatDay(c.dueAt, ctx.lang, ctx.timeZone))}${c.overdue ? ` ${tag(t.overdue, 'bad')}` : ''}`,
      ]),
      empty: t.carriedNone,
    }),
  );

  if (m.minutes) {
    const minutes = m.minutes;
    const mine = (a: { orgId?: string | undefined; email?: string | undefined }) =>
      a.orgId === ctx.caller.orgId ||
      (a.email !== undefined && a.email.toLowerCase() === ctx.caller.email?.toLowerCase());
    out.push(`<h2>${esc(t.minutes)}</h2>`);
    out.push(`<h3>${esc(t.summary)}</h3>`);
    out.push(
      minutes.summary
        .split(/\r?\n/)
        .filter((p) => p.trim())
        .map((p) => `<p>${esc(p)}</p>`)
        .join(''),
    );
    out.push(`<h3>${esc(t.decisions)}</h3>`);
    out.push(
      minutes.decisions.length
        ? `<ol>${minutes.decisions
            .map(
              (d) =>
                `<li><p>${esc(d.text)}</p>${
                  d.actions.length
                    ? `<ul>${d.actions
                        .map(
                          (a) =>
                            `<li>${esc(
                              t.actionLine(
                                a.title,
                                a.orgId ? orgName(a.orgId) : (a.email ?? '—'),
                                actionDue(deps, a, minutes.recordedAt, ctx.lang),
                              ),
                            )}${a.kind === 'PREVENTION' ? ` ${tag(t.kinds.PREVENTION)}` : ''}</li>`,
                        )
                        .join('')}</ul>`
                    : ''
                }</li>`,
            )
            .join('')}</ol>`
        : `<p class="muted">${esc(t.noDecisions)}</p>`,
    );
    out.push(
      `<p class="muted">${esc(t.recordedAt(formatDateTime(minutes.recordedAt, ctx.lang, ctx.timeZone)))}</p>`,
    );
    if (ctx.caller.role === 'council' && actions.some(mine))
      out.push(`<p>${link('/console/action-items', t.ownItems)}</p>`);
  }

  out.push(`<h2>${esc(t.invitees)}</h2>`);
  out.push(
    table({
      caption: t.inviteesCaption,
      head: coordinator ? [t.colName, t.colOrg, t.colAnswer] : [t.colName, t.colOrg],
      rows: m.attendees.map((a) => [
        esc(a.name),
        esc(orgName(a.orgId)),
        ...(coordinator
          ? [
              a.answer
                ? tag(
                    t.answers[a.answer],
                    a.answer === 'accepted' ? 'ok' : a.answer === 'declined' ? 'bad' : 'warn',
                  )
                : `<span class="muted">${esc(t.noAnswer)}</span>`,
            ]
          : []),
      ]),
      empty: '—',
    }),
  );

  if (coordinator) {
    if (m.status === 'SCHEDULED' && !m.minutes && Date.parse(m.end) <= ctx.now.getTime() && m.minutesTaskId)
      out.push(
        `<p><a class="button" href="${esc(`${meetingPath(m.meetingId)}/minutes`)}">${esc(t.recordMinutes)}</a></p>`,
      );
    else if (m.status === 'SCHEDULED' && !m.minutes && Date.parse(m.end) > ctx.now.getTime())
      out.push(`<p class="muted">${esc(t.minutesLater)}</p>`);
    if (m.status === 'SCHEDULED' && Date.parse(m.start) > ctx.now.getTime()) {
      out.push(`<h2>${esc(t.cancelHeading)}</h2>`);
      out.push(
        postForm(
          `${meetingPath(m.meetingId)}/cancellation`,
          ctx.csrf,
          [
            `<p>${esc(t.cancelText)}</p>`,
            `<input type="hidden" name="version" value="${esc(String(m.version))}">`,
            m.seriesId !== undefined
              ? `<p class="choice"><input type="checkbox" id="series" name="series" value="true"> <label for="series">${esc(t.cancelSeries)}</label></p>`
              : '',
            `<button type="submit">${esc(t.cancelButton)}</button>`,
          ].join(''),
        ),
      );
    }
    out.push(`<h2>${esc(t.history)}</h2>`);
    out.push(
      m.history.length
        ? `<ol class="timeline">${m.history
            .map((e) => {
              const role =
                e.actor.role in ROLE_WORDS[ctx.lang] ? ROLE_WORDS[ctx.lang][e.actor.role] : e.actor.role;
              return `<li><time datetime="${esc(e.at)}">${esc(formatDateTime(e.at, ctx.lang, ctx.timeZone))}</time>${esc(
                `${t.events[e.type] ?? e.type} ${t.by(role ?? '', e.actor.orgId ? orgName(e.actor.orgId) : '')}`,
              )}${e.fields?.length ? `<br><span class="muted">${esc(t.fieldsChanged(e.fields.join(', ')))}</span>` : ''}</li>`;
            })
            .join('')}</ol>`
        : `<p class="muted">${esc(t.historyNone)}</p>`,
    );
  }
  out.push(`<p>${link('/console/meetings', t.back)}</p>`);
  return page(m.title, out.join(''));
}

/** The actors of a meeting's history in words: a role, the system or an answer link. */
const ROLE_WORDS: Messages<Record<string, string>> = {
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

/**
 * The meeting as a calendar file, built by the invitation emails' own calendarInvite with the
 * same UID, SEQUENCE, times, text and people as the invitation (shared/email/meeting-emails.ts),
 * without the answer links: those are single-use and only in each invitee's mail. A cancelled
 * meeting downloads as its CANCEL.
 */
async function inviteFile(deps: ConsoleDeps, ctx: MemberContext): Promise<ConsoleResult> {
  const m = await getMeeting(deps.meetings, ctx.caller, ctx.req.params);
  const method = m.status === 'CANCELLED' ? 'CANCEL' : 'REQUEST';
  const me = m.attendees.filter((a) => a.email.toLowerCase() === ctx.caller.email?.toLowerCase());
  // The downloading member first when invited; everyone on the invitation, as the mail names them.
  const attendees = [...me, ...m.attendees.filter((a) => !me.includes(a))];
  const ics = calendarInvite({
    method,
    uid: meetingUid(m.meetingId, deps.meetings.uidDomain),
    sequence: m.sequence,
    dtstamp: ctx.now,
    start: new Date(m.start),
    end: new Date(m.end),
    summary: m.title,
    description: m.agenda.map((a) => `- ${a}`).join('\n') || m.title,
    ...(m.place ? { location: m.place } : {}),
    ...(m.videoUrl ? { url: m.videoUrl } : {}),
    organizer: { name: m.organizer.name, email: m.organizer.email },
    attendees: attendees.map((a) => ({ name: a.name, email: a.email })),
  });
  return {
    kind: 'file',
    contentType: `text/calendar; charset=utf-8; method=${method}`,
    filename: 'invite.ics',
    body: ics,
  };
}

// --- a new meeting ----------------------------------------------------------------------------

const MEETING_FIELDS = [
  'title',
  'agenda',
  'place',
  'videoUrl',
  'start-date',
  'start-time',
  'end-date',
  'end-time',
  'orgs',
  'emails',
  'recurrence',
  'interval',
] as const;
type MeetingField = (typeof MEETING_FIELDS)[number];

/** The body `createMeeting` takes, built from the form exactly: empty fields are left out. */
export function meetingBody(form: URLSearchParams, region: string): Record<string, unknown> {
  const startDate = normaliseDate(value(form, 'start-date'));
  const startTime = normaliseTime(value(form, 'start-time'));
  const endDate = normaliseDate(value(form, 'end-date')) ?? startDate;
  const endTime = normaliseTime(value(form, 'end-time'));
  const frequency = form.get('recurrence');
  const interval = value(form, 'interval');
  const title = value(form, 'title');
  const place = value(form, 'place');
  const videoUrl = value(form, 'videoUrl');
  return {
    region,
    ...(title !== undefined ? { title } : {}),
    agenda: lines(form.get('agenda')),
    ...(place !== undefined ? { place } : {}),
    ...(videoUrl !== undefined ? { videoUrl } : {}),
    ...(startDate && startTime ? { start: `${startDate}T${startTime}` } : {}),
    ...(endDate && endTime ? { end: `${endDate}T${endTime}` } : {}),
    invite: {
      orgIds: form.getAll('orgId').filter(Boolean),
      emails: (form.get('emails') ?? '').split(/[\s,;]+/).filter(Boolean),
    },
    ...(frequency === 'weekly' || frequency === 'monthly'
      ? {
          recurrence: {
            frequency,
            ...(interval !== undefined
              ? { interval: /^\d+$/.test(interval) ? Number(interval) : interval }
              : {}),
          },
        }
      : {}),
  };
}

/** Each issue of `createMeeting` beside the field the form has for it. */
export function meetingErrors(
  lang: Lang,
  issues: readonly FieldIssue[],
  form: URLSearchParams,
): Map<string, string> {
  const e = T[lang].errors;
  const out: FieldError[] = [];
  const startDate = normaliseDate(value(form, 'start-date'));
  const startTime = normaliseTime(value(form, 'start-time'));
  const endDate = normaliseDate(value(form, 'end-date'));
  const endTime = normaliseTime(value(form, 'end-time'));
  for (const issue of issues) {
    const [head, sub] = issue.path.replace(/^\//, '').split('/');
    switch (head) {
      case 'title':
      case 'agenda':
      case 'place':
        out.push({ field: head, text: issue.code === 'custom' ? e.plain : issueWords(lang, issue.code) });
        break;
      case 'videoUrl':
        out.push({ field: 'videoUrl', text: e.videoUrl });
        break;
      case 'start':
        if (!isDate(startDate))
          out.push({ field: 'start-date', text: startDate ? e.date : issueWords(lang, 'required') });
        else if (!isTime(startTime))
          out.push({ field: 'start-time', text: startTime ? e.time : issueWords(lang, 'required') });
        else if (issue.code === 'in_the_past') out.push({ field: 'start-date', text: e.start_in_the_past });
        else if (issue.code === 'too_far_ahead')
          out.push({ field: 'start-date', text: e.start_too_far_ahead });
        else out.push({ field: 'start-date', text: e.date });
        break;
      case 'end':
        if (endDate !== undefined && !isDate(endDate)) out.push({ field: 'end-date', text: e.date });
        else if (!isTime(endTime))
          out.push({ field: 'end-time', text: endTime ? e.time : issueWords(lang, 'required') });
        else if (issue.code === 'too_long') out.push({ field: 'end-time', text: e.end_too_long });
        else if (isDate(startDate) || endDate !== undefined)
          out.push({ field: endDate !== undefined ? 'end-date' : 'end-time', text: e.end_before_start });
        break;
      case 'invite':
        if (sub === 'emails') out.push({ field: 'emails', text: e.email_unknown });
        else if (sub === 'orgIds')
          out.push({ field: 'orgs', text: issue.code === 'no_members' ? e.org_no_members : e.org_unknown });
        else out.push({ field: 'orgs', text: e.invite_none });
        break;
      case 'recurrence':
        out.push({ field: sub === 'interval' ? 'interval' : 'recurrence', text: e.interval });
        break;
      default:
        out.push({ field: 'title', text: e.form });
    }
  }
  return firstPerField(out);
}

const anchorOf = (field: string) =>
  field === 'orgs' || field === 'recurrence' ? `${field}-0` : field === 'emails' ? 'emails' : field;

function meetingForm(
  ctx: MemberContext,
  zone: string,
  region: string,
  orgs: readonly OrgChoice[],
  form: URLSearchParams,
  errors: ReadonlyMap<string, string> = new Map(),
): string {
  const t = T[ctx.lang];
  const err = (f: MeetingField) => {
    const text = errors.get(f);
    return text ? { error: text } : {};
  };
  const v = (name: string) => form.get(name) ?? '';
  const invitable = orgs.filter((o) => o.invitable);
  const choices: Choice[] = invitable.map((o) => ({ value: o.orgId, label: o.name }));
  const body = [
    `<p class="lead">${esc(t.newLead)}</p>`,
    `<div class="notice"><p>${esc(t.privacy)}</p></div>`,
    `<input type="hidden" name="region" value="${esc(region)}">`,
    textField({
      id: 'title',
      name: 'title',
      label: t.title,
      value: v('title'),
      attrs: 'maxlength="200"',
      ...err('title'),
    }),
    textArea({
      id: 'agenda',
      name: 'agenda',
      label: t.agendaField,
      hint: t.agendaHint,
      value: v('agenda'),
      ...err('agenda'),
    }),
    textField({
      id: 'place',
      name: 'place',
      label: t.placeField,
      hint: t.placeHint,
      value: v('place'),
      ...err('place'),
    }),
    textField({
      id: 'videoUrl',
      name: 'videoUrl',
      type: 'url',
      label: t.videoField,
      hint: t.videoHint,
      value: v('videoUrl'),
      attrs: 'spellcheck="false"',
      ...err('videoUrl'),
    }),
    textField({
      id: 'start-date',
      name: 'start-date',
      type: 'date',
      label: t.startDate,
      hint: t.dateHint(zone),
      value: v('start-date'),
      ...err('start-date'),
    }),
    textField({
      id: 'start-time',
      name: 'start-time',
      type: 'time',
      label: t.startTime,
      hint: t.timeHint,
      value: v('start-time'),
      ...err('start-time'),
    }),
    textField({
      id: 'end-time',
      name: 'end-time',
      type: 'time',
      label: t.endTime,
      hint: t.timeHint,
      value: v('end-time'),
      ...err('end-time'),
    }),
    textField({
      id: 'end-date',
      name: 'end-date',
      type: 'date',
      label: t.endDate,
      hint: t.endDateHint,
      value: v('end-date'),
      ...err('end-date'),
    }),
    choices.length
      ? choiceGroup({
          id: 'orgs',
          name: 'orgId',
          type: 'checkbox',
          legend: t.orgs,
          hint: t.orgsHint,
          choices,
          checked: form.getAll('orgId'),
          ...err('orgs'),
        })
      : `<p class="muted" id="orgs-0">${esc(t.noOrgs)}</p>`,
    textArea({
      id: 'emails',
      name: 'emails',
      label: t.emails,
      hint: t.emailsHint,
      value: v('emails'),
      attrs: 'spellcheck="false"',
      ...err('emails'),
    }),
    choiceGroup({
      id: 'recurrence',
      name: 'recurrence',
      type: 'radio',
      legend: t.recurrence,
      choices: [
        { value: 'none', label: t.once },
        { value: 'weekly', label: t.weekly },
        { value: 'monthly', label: t.monthly },
      ],
      checked: [form.get('recurrence') ?? 'none'],
      ...err('recurrence'),
    }),
    textField({
      id: 'interval',
      name: 'interval',
      type: 'number',
      label: t.intervalField,
      hint: t.intervalHint,
      value: v('interval'),
      attrs: 'min="1" max="12" inputmode="numeric"',
      ...err('interval'),
    }),
    `<div class="actions"><button type="submit">${esc(t.create)}</button> ${link('/console/meetings', t.back)}</div>`,
  ].join('');
  return summaryOf(ctx.lang, errors, anchorOf) + postForm('/console/meetings/new', ctx.csrf, body);
}

/**
 * The time rules the use case checks after its schema (`timeIssues`, and the schema's own
 * start-before-end, which zod runs only once every field is valid): when the schema refused
 * other fields, these are found here with the same domain functions, so the form shows every
 * problem at once instead of one round after another. Nothing is written either way.
 */
function laterTimeIssues(
  deps: ConsoleDeps,
  ctx: MemberContext,
  issues: readonly FieldIssue[],
  form: URLSearchParams,
  region: string,
): FieldIssue[] {
  if (issues.some((i) => i.path === '/start' || i.path === '/end')) return [];
  const body = meetingBody(form, region);
  const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
  if (typeof body.start !== 'string' || typeof body.end !== 'string') return [];
  if (!local.test(body.start) || !local.test(body.end)) return [];
  try {
    const start = localToInstant(body.start, deps.meetings.timeZone);
    const end = localToInstant(body.end, deps.meetings.timeZone);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return [];
    return timeIssues(start, end, ctx.now);
  } catch {
    // Not a calendar time (30 February): the schema's issue is there already.
    return [];
  }
}

async function newMeeting(deps: ConsoleDeps, ctx: MemberContext): Promise<ConsoleResult> {
  const t = T[ctx.lang];
  const posted = ctx.req.method === 'POST';
  const asked = posted ? (ctx.req.form.get('region') ?? '') : regionOf(ctx);
  // A region not the coordinator's is left to the use case (403), as from the API.
  const region = asked || (ctx.caller.regions[0] ?? '');
  const orgs = ctx.caller.regions.includes(region) ? await regionOrgs(deps, ctx.caller, region) : [];
  if (!posted)
    return page(t.newTitle, meetingForm(ctx, deps.meetings.timeZone, region, orgs, new URLSearchParams()));
  const form = ctx.req.form;
  try {
    const made = await createMeeting(deps.meetings, ctx.caller, meetingBody(form, region));
    const first = made[0];
    return redirect(first ? `${meetingPath(first.meetingId)}?done=created` : '/console/meetings');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const errors = meetingErrors(
      ctx.lang,
      [...error.issues, ...laterTimeIssues(deps, ctx, error.issues, form, region)],
      form,
    );
    return page(t.newTitle, meetingForm(ctx, deps.meetings.timeZone, region, orgs, form, errors), 400);
  }
}

// --- the cancellation -------------------------------------------------------------------------

async function cancel(deps: ConsoleDeps, ctx: MemberContext): Promise<ConsoleResult> {
  const version = ctx.req.form.get('version') ?? '';
  await cancelMeeting(deps.meetings, ctx.caller, ctx.req.params, {
    version: /^\d+$/.test(version) ? Number(version) : version,
    ...(ctx.req.form.get('series') === 'true' ? { series: true } : {}),
  });
  return redirect(`${meetingPath(ctx.req.params.meetingId as string)}?done=cancelled`);
}

// --- the minutes ------------------------------------------------------------------------------

interface MinutesBody {
  readonly body: {
    summary?: string;
    decisions: { text: string; actions: Record<string, string>[] }[];
  };
  /** Where each action went: `[decision][action]` → the form's row. */
  readonly rows: Map<string, number>;
  /** What the form itself refuses (an action row naming a decision that is not there). */
  readonly errors: FieldError[];
}

/** The body `recordMinutes` takes (minutesSchema), from the form exactly; empty rows left out. */
export function minutesBody(form: URLSearchParams): MinutesBody {
  const summary = value(form, 'summary');
  const decisions = lines(form.get('decisions')).map((text) => ({
    text,
    actions: [] as Record<string, string>[],
  }));
  const rows = new Map<string, number>();
  const errors: FieldError[] = [];
  for (let i = 0; i < ACTION_ROWS; i++) {
    const title = value(form, `action-${i}-title`);
    const orgId = value(form, `action-${i}-org`);
    const due = normaliseDate(value(form, `action-${i}-due`));
    if (title === undefined && orgId === undefined && due === undefined) continue;
    const kind = form.get(`action-${i}-kind`) ?? 'ACTION_ITEM';
    const n = Number(form.get(`action-${i}-decision`) ?? '1') - 1;
    const decision = decisions[n];
    if (!Number.isInteger(n) || !decision) {
      errors.push({ field: `action-${i}-decision`, text: '' });
      continue;
    }
    rows.set(`${n}/${decision.actions.length}`, i);
    decision.actions.push({
      kind,
      ...(title !== undefined ? { title } : {}),
      ...(orgId !== undefined ? { orgId } : {}),
      ...(due !== undefined ? { dueDate: due } : {}),
    });
  }
  return { body: { ...(summary !== undefined ? { summary } : {}), decisions }, rows, errors };
}

/** Each issue of `recordMinutes` beside its field: action items by the row they came from. */
export function minutesErrors(
  lang: Lang,
  issues: readonly FieldIssue[],
  rows: ReadonlyMap<string, number>,
  own: readonly FieldError[] = [],
): Map<string, string> {
  const e = T[lang].errors;
  const out: FieldError[] = own.map((o) => ({ field: o.field, text: o.text || e.actionDecision }));
  for (const issue of issues) {
    const parts = issue.path.replace(/^\//, '').split('/');
    if (parts[0] === 'decisions' && parts[2] === 'actions' && parts[3] !== undefined) {
      const row = rows.get(`${parts[1]}/${parts[3]}`);
      if (row === undefined) {
        out.push({ field: 'decisions', text: e.decisions });
        continue;
      }
      const f = parts[4];
      if (f === 'orgId' || f === 'email') out.push({ field: `action-${row}-org`, text: e.actionOrg });
      else if (f === 'dueDate') out.push({ field: `action-${row}-due`, text: e.actionDue });
      else if (f === 'kind')
        out.push({ field: `action-${row}-kind`, text: issueWords(lang, 'invalid_value') });
      else out.push({ field: `action-${row}-title`, text: e.actionTitle });
    } else if (parts[0] === 'decisions') out.push({ field: 'decisions', text: e.decisions });
    else out.push({ field: 'summary', text: e.summary });
  }
  return firstPerField(out);
}

function minutesForm(
  ctx: MemberContext,
  m: MeetingView,
  orgs: readonly OrgChoice[],
  form: URLSearchParams,
  errors: ReadonlyMap<string, string> = new Map(),
): string {
  const t = T[ctx.lang];
  const err = (f: string) => {
    const text = errors.get(f);
    return text ? { error: text } : {};
  };
  const v = (name: string) => form.get(name) ?? '';
  const orgChoices: Choice[] = [
    { value: '', label: t.chooseOrg },
    ...orgs.map((o) => ({ value: o.orgId, label: o.name })),
  ];
  const decisionChoices: Choice[] = Array.from({ length: DECISION_CHOICES }, (_, i) => ({
    value: String(i + 1),
    label: t.decisionN(i + 1),
  }));
  const rows = Array.from({ length: ACTION_ROWS }, (_, i) => {
    const p = `action-${i}`;
    return [
      `<fieldset><legend>${esc(t.actionRow(i + 1))}</legend>`,
      textField({
        id: `${p}-title`,
        name: `${p}-title`,
        label: t.actionWhat,
        value: v(`${p}-title`),
        attrs: 'maxlength="200"',
        ...err(`${p}-title`),
      }),
      selectField({
        id: `${p}-kind`,
        name: `${p}-kind`,
        label: t.actionKind,
        value: v(`${p}-kind`) || 'ACTION_ITEM',
        choices: [
          { value: 'ACTION_ITEM', label: t.kinds.ACTION_ITEM },
          { value: 'PREVENTION', label: t.kinds.PREVENTION },
        ],
        ...err(`${p}-kind`),
      }),
      selectField({
        id: `${p}-org`,
        name: `${p}-org`,
        label: t.actionOrg,
        value: v(`${p}-org`),
        choices: orgChoices,
        ...err(`${p}-org`),
      }),
      textField({
        id: `${p}-due`,
        name: `${p}-due`,
        type: 'date',
        label: t.actionDue,
        hint: t.actionDueHint,
        value: v(`${p}-due`),
        ...err(`${p}-due`),
      }),
      selectField({
        id: `${p}-decision`,
        name: `${p}-decision`,
        label: t.actionDecision,
        value: v(`${p}-decision`) || '1',
        choices: decisionChoices,
        ...err(`${p}-decision`),
      }),
      '</fieldset>',
    ].join('');
  });
  const body = [
    `<p class="lead">${esc(t.minutesLead)}</p>`,
    `<p>${esc(whenText(m, ctx.lang, ctx.timeZone))}</p>`,
    textArea({
      id: 'summary',
      name: 'summary',
      label: t.summaryField,
      value: v('summary'),
      attrs: 'rows="8"',
      ...err('summary'),
    }),
    textArea({
      id: 'decisions',
      name: 'decisions',
      label: t.decisionsField,
      hint: t.decisionsHint,
      value: v('decisions'),
      attrs: 'rows="6"',
      ...err('decisions'),
    }),
    `<h2>${esc(t.actionsHeading)}</h2><p class="hint">${esc(t.actionsHint)}</p>`,
    ...rows,
    `<div class="actions"><button type="submit">${esc(t.saveMinutes)}</button> ${link(meetingPath(m.meetingId), t.openMeeting)}</div>`,
  ].join('');
  return (
    summaryOf(ctx.lang, errors, (f) => f) + postForm(`${meetingPath(m.meetingId)}/minutes`, ctx.csrf, body)
  );
}

async function minutesPage(deps: ConsoleDeps, ctx: MemberContext): Promise<ConsoleResult> {
  const t = T[ctx.lang];
  const m = await getMeeting(deps.meetings, ctx.caller, ctx.req.params);
  const title = t.minutesTitle(m.title);
  const back = `<p>${link(meetingPath(m.meetingId), t.openMeeting)}</p>`;
  if (m.status === 'CANCELLED') return page(title, `<p>${esc(t.minutesCancelled)}</p>${back}`, 409);
  if (m.minutes) return page(title, `<p>${esc(t.minutesDone)}</p>${back}`, 409);
  if (!m.minutesTaskId) return page(title, `<p>${esc(t.minutesLater)}</p>${back}`, 409);
  const orgs = await regionOrgs(deps, ctx.caller, m.region);
  if (ctx.req.method === 'GET') return page(title, minutesForm(ctx, m, orgs, new URLSearchParams()));
  const form = ctx.req.form;
  const built = minutesBody(form);
  if (built.errors.length) {
    // Nothing is sent that the form could not map: a dropped row would be minutes without it.
    return page(
      title,
      minutesForm(ctx, m, orgs, form, minutesErrors(ctx.lang, [], built.rows, built.errors)),
      400,
    );
  }
  try {
    await recordMinutes(deps.meetings, ctx.caller, ctx.req.params, built.body);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return page(
      title,
      minutesForm(ctx, m, orgs, form, minutesErrors(ctx.lang, error.issues, built.rows)),
      400,
    );
  }
  return redirect(`${meetingPath(m.meetingId)}?done=minutes`);
}

// --- the routes -------------------------------------------------------------------------------

/** The council pages: the group's meetings, for coordinators and council members. */
export function councilRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    memberRoute('GET', '/console/meetings', READERS, (ctx) => listPage(deps, ctx)),
    // Before `{meetingId}`: the first route whose path matches is taken.
    memberRoute('GET', '/console/meetings/new', COORDINATORS, (ctx) => newMeeting(deps, ctx)),
    memberRoute('POST', '/console/meetings/new', COORDINATORS, (ctx) => newMeeting(deps, ctx)),
    memberRoute('GET', '/console/meetings/{meetingId}', READERS, (ctx) => meetingPage(deps, ctx)),
    memberRoute('GET', '/console/meetings/{meetingId}/invite.ics', READERS, (ctx) => inviteFile(deps, ctx)),
    memberRoute('POST', '/console/meetings/{meetingId}/cancellation', COORDINATORS, (ctx) =>
      cancel(deps, ctx),
    ),
    memberRoute('GET', '/console/meetings/{meetingId}/minutes', COORDINATORS, (ctx) =>
      minutesPage(deps, ctx),
    ),
    memberRoute('POST', '/console/meetings/{meetingId}/minutes', COORDINATORS, (ctx) =>
      minutesPage(deps, ctx),
    ),
  ];
}
