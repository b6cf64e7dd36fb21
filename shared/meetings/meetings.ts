import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { coversRegion, type MemberCaller, requireRole } from '../auth/caller';
import type { MeetingData } from '../data/meeting-store';
import type {
  MeetingAttendee,
  MeetingDueItem,
  MeetingEvent,
  MeetingMailDueItem,
  MeetingRecord,
  OrgRecord,
  RsvpLinkRecord,
  SeriesRecord,
  TaskRecord,
} from '../data/records';
import type { Store } from '../data/store';
import { issueActionToken } from '../domain/action-token';
import { isActive } from '../domain/active';
import { ROLES } from '../domain/codes';
import {
  cancelMeetingSchema,
  changeMeetingSchema,
  createMeetingSchema,
  instantToLocal,
  localToInstant,
  MEETING_ROLES,
  MEETING_STATUSES,
  nextMeetingStep,
  occurrenceStart,
  RSVP_ANSWERS,
  type RsvpAnswer,
  SERIES_AHEAD,
  timeIssues,
} from '../domain/meetings';
import { isReachable } from '../domain/recipients';
import type { MeetingReminderConfig } from '../domain/reminders';
import type { Mailer } from '../email/mailer';
import {
  type CarriedItem,
  type MeetingMessage,
  meetingEmail,
  type ReviewCount,
} from '../email/meeting-emails';
import { ConflictError, type FieldIssue, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import { limitParam } from '../http/page';
import { fieldIssues } from '../http/zod-issues';
import { type CompleteTaskDeps, completeTask } from '../tasks/complete-task';
import { isCalendarDate } from '../util/time';
import { type AgendaReviewRow, agendaReview, agendaReviewRowSchema } from './agenda-review';
import { meetingReference } from './reference';

export interface MeetingDeps {
  readonly store: MeetingData & Pick<Store, 'listOrganisations' | 'listOrgTasks' | 'getTasks'>;
  readonly mailer: Mailer;
  readonly now: () => Date;
  /** The group's time zone: meetings are set in it. */
  readonly timeZone: string;
  readonly meetingReminders: MeetingReminderConfig;
  /** Public base URL of the API: the invitations' answer links. */
  readonly publicBaseUrl: string;
  /** The domain of invite UIDs (the sender's). */
  readonly uidDomain: string;
  /** How long a writer holds the messages it queued before the dispatcher may send them instead. */
  readonly claimSeconds: number;
  readonly newId?: () => string;
}

/** Invitation messages in flight at once: SES takes them fast; the outbox keeps what it refuses. */
const SENDS_IN_FLIGHT = 4;

/** How far back the agenda looks for the previous meeting and carried-over action items. */
const CARRY_DAYS = 366;

// --- who is invited ----------------------------------------------------------------------

/**
 * The people an invitation goes to: every reachable council or cluster member of each invited
 * organisation, and each named contact. Issues name the field (`/invite/orgIds/0`), never a
 * value: an organisation outside the region or without members, an address not in the
 * directory.
 */
export function resolveInvitees(
  orgs: readonly OrgRecord[],
  region: string,
  invite: { readonly orgIds: readonly string[]; readonly emails: readonly string[] },
): { attendees: MeetingAttendee[]; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const byEmail = new Map<string, MeetingAttendee>();
  const add = (org: OrgRecord, c: OrgRecord['contacts'][number]) => {
    const key = c.email.toLowerCase();
    if (!byEmail.has(key))
      byEmail.set(key, {
        email: c.email,
        name: c.name,
        orgId: org.orgId,
        language: c.language,
        ...(c.timeZone ? { timeZone: c.timeZone } : {}),
      });
  };
  invite.orgIds.forEach((orgId, i) => {
    const org = orgs.find((o) => o.orgId === orgId && o.regions.includes(region) && isActive(o));
    if (!org) {
      issues.push({ path: `/invite/orgIds/${i}`, code: 'unknown_reference' });
      return;
    }
    const members = org.contacts.filter(
      (c) =>
        isActive(c) &&
        isReachable(c) &&
        c.roles.some((r) => (MEETING_ROLES as readonly string[]).includes(r)),
    );
    if (members.length === 0) issues.push({ path: `/invite/orgIds/${i}`, code: 'no_members' });
    for (const c of members) add(org, c);
  });
  invite.emails.forEach((email, i) => {
    const e = email.toLowerCase();
    const org = orgs.find((o) => isActive(o) && o.contacts.some((c) => c.email.toLowerCase() === e));
    const contact = org?.contacts.find((c) => c.email.toLowerCase() === e);
    if (!org || !contact || !isActive(contact) || !isReachable(contact)) {
      issues.push({ path: `/invite/emails/${i}`, code: 'unknown_reference' });
      return;
    }
    add(org, contact);
  });
  return { attendees: [...byEmail.values()], issues };
}

/** The invite's ORGANIZER: the coordinator's own mailbox, found by the token's email in the directory. */
function organizerOf(caller: MemberCaller, orgs: readonly OrgRecord[]): MeetingRecord['organizer'] {
  const org = orgs.find((o) => o.orgId === caller.orgId);
  const email = caller.email?.toLowerCase();
  const own = org?.contacts.find((c) => c.email.toLowerCase() === email);
  const contact =
    own ?? org?.contacts.find((c) => c.roles.includes('coordinator') && isActive(c) && isReachable(c));
  if (!org || !contact) throw new ForbiddenError('the directory has no mailbox for this coordinator');
  return { name: contact.name, email: contact.email, orgId: org.orgId };
}

// --- views --------------------------------------------------------------------------------

export interface MeetingView {
  readonly meetingId: string;
  readonly region: string;
  readonly title: string;
  readonly agenda: readonly string[];
  readonly place?: string;
  readonly videoUrl?: string;
  readonly start: string;
  readonly end: string;
  /** The same times on the group's wall clock, as they were set (`2027-03-29T10:00`). */
  readonly startLocal: string;
  readonly endLocal: string;
  readonly timeZone: string;
  readonly status: MeetingRecord['status'];
  readonly sequence: number;
  readonly version: number;
  readonly seriesId?: string;
  readonly occurrence?: number;
  readonly invite: MeetingRecord['invite'];
  readonly organizer: MeetingRecord['organizer'];
  readonly attendees: readonly (MeetingAttendee & { readonly answer?: RsvpAnswer })[];
  readonly minutesTaskId?: string;
  readonly minutes?: MeetingRecord['minutes'];
}

export interface MeetingDetail extends MeetingView {
  /** Who did not act since the previous meeting: counts per organisation and kind, with reasons. */
  readonly review: readonly AgendaReviewRow[];
  /** Open action items of earlier meetings, with their history. */
  readonly carriedOver: readonly CarriedOverView[];
  readonly history: readonly MeetingEvent[];
}

export interface CarriedOverView {
  readonly taskId: string;
  readonly kind: TaskRecord['kind'];
  readonly title: string;
  readonly orgId: string;
  readonly orgName: string;
  readonly fromMeetingId: string;
  readonly fromMeeting: string;
  readonly createdAt: string;
  readonly dueAt: string;
  readonly overdue: boolean;
  readonly remindersSent: number;
  readonly escalatedAt?: string;
}

// --- the views as schemas: the API's contract (docs/openapi.json) ---------------------------
// The interfaces above stay the code's types; test/store/access-matrix.test.ts parses what the
// routes answer with these (strict at every level), and test/docs/openapi.test.ts checks that
// every value of a schema is a value of its interface.

const instant = z.iso.datetime();
/** `?from=` as an instant: ISO 8601 with Z or an offset. */
const fromInstant = z.iso.datetime({ offset: true });
/** A wall-clock time in the group's zone, to the minute (`2027-03-29T10:00`). */
const wallTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
const actorSchema = z.strictObject({
  role: z.enum([...ROLES, 'system', 'link']),
  orgId: z.string().optional(),
});

export const meetingAttendeeSchema = z.strictObject({
  email: z.string(),
  name: z.string(),
  orgId: z.string(),
  language: z.enum(['sq', 'en']),
  timeZone: z.string().optional(),
  /** The invitee's answer to the current invitation: shown to the region's coordinators only. */
  answer: z.enum(RSVP_ANSWERS).optional(),
});

export const recordedMinutesSchema = z.strictObject({
  summary: z.string(),
  decisions: z.array(
    z.strictObject({
      text: z.string(),
      actions: z.array(
        z.strictObject({
          kind: z.enum(['ACTION_ITEM', 'PREVENTION']),
          title: z.string(),
          orgId: z.string().optional(),
          email: z.string().optional(),
          dueDate: z.iso.date().optional(),
        }),
      ),
    }),
  ),
  recordedAt: instant,
});

export const meetingViewSchema = z.strictObject({
  meetingId: z.uuid(),
  region: z.string(),
  title: z.string(),
  agenda: z.array(z.string()),
  place: z.string().optional(),
  videoUrl: z.string().optional(),
  start: instant,
  end: instant,
  startLocal: wallTime,
  endLocal: wallTime,
  timeZone: z.string(),
  status: z.enum(MEETING_STATUSES),
  sequence: z.number().int().min(0),
  version: z.number().int().min(1),
  seriesId: z.uuid().optional(),
  occurrence: z.number().int().min(0).optional(),
  invite: z.strictObject({ orgIds: z.array(z.string()), emails: z.array(z.string()) }),
  organizer: z.strictObject({ name: z.string(), email: z.string(), orgId: z.string() }),
  attendees: z.array(meetingAttendeeSchema),
  minutesTaskId: z.uuid().optional(),
  minutes: recordedMinutesSchema.optional(),
});

export const carriedOverViewSchema = z.strictObject({
  taskId: z.uuid(),
  kind: z.enum(['ACTION_ITEM', 'PREVENTION']),
  title: z.string(),
  orgId: z.string(),
  orgName: z.string(),
  fromMeetingId: z.uuid(),
  fromMeeting: z.string(),
  createdAt: instant,
  dueAt: instant,
  overdue: z.boolean(),
  remindersSent: z.number().int().min(0),
  escalatedAt: instant.optional(),
});

export const meetingEventSchema = z.strictObject({
  meetingId: z.uuid(),
  at: instant,
  type: z.string(),
  actor: actorSchema,
  fields: z.array(z.string()).optional(),
  taskId: z.uuid().optional(),
  email: z.string().optional(),
  answer: z.enum(RSVP_ANSWERS).optional(),
});

export const meetingDetailSchema = meetingViewSchema.extend({
  review: z.array(agendaReviewRowSchema),
  carriedOver: z.array(carriedOverViewSchema),
  /** Coordinators of the region only; empty for everyone else. */
  history: z.array(meetingEventSchema),
});

/** `POST /meetings` (one, or a series' first occurrences) and a cancellation (one, or the rest of a series). */
export const meetingItemsSchema = z.strictObject({ items: z.array(meetingViewSchema) });

/** `GET /meetings`: a page by start; `nextCursor` only when there may be more. */
export const meetingListSchema = z.strictObject({
  items: z.array(meetingViewSchema),
  nextCursor: z.string().optional(),
});

export function toMeetingView(meeting: MeetingRecord, coordinator: boolean): MeetingView {
  const responses = meeting.responses ?? {};
  return {
    meetingId: meeting.meetingId,
    region: meeting.region,
    title: meeting.title,
    agenda: meeting.agenda,
    ...(meeting.place ? { place: meeting.place } : {}),
    ...(meeting.videoUrl ? { videoUrl: meeting.videoUrl } : {}),
    start: meeting.start,
    end: meeting.end,
    startLocal: instantToLocal(new Date(meeting.start), meeting.timeZone),
    endLocal: instantToLocal(new Date(meeting.end), meeting.timeZone),
    timeZone: meeting.timeZone,
    status: meeting.status,
    sequence: meeting.sequence,
    version: meeting.version,
    ...(meeting.seriesId ? { seriesId: meeting.seriesId, occurrence: meeting.occurrence ?? 0 } : {}),
    invite: meeting.invite,
    organizer: meeting.organizer,
    // The answers are the coordinator's to see.
    attendees: meeting.attendees.map((a) => {
      const answer = coordinator ? responses[a.email]?.answer : undefined;
      return answer ? { ...a, answer } : a;
    }),
    ...(meeting.minutesTaskId ? { minutesTaskId: meeting.minutesTaskId } : {}),
    ...(meeting.minutes ? { minutes: meeting.minutes } : {}),
  };
}

/**
 * Who may see a meeting: the coordinators of its region, and the members it invites (their
 * organisation was invited, or they were by name). Nobody else learns it exists (404).
 */
export function maySeeMeeting(caller: MemberCaller, meeting: MeetingRecord): boolean {
  if ((caller.role === 'coordinator' || caller.role === 'admin') && coversRegion(caller, meeting.region))
    return true;
  const email = caller.email?.toLowerCase();
  return (
    meeting.invite.orgIds.includes(caller.orgId) ||
    meeting.attendees.some(
      (a) => a.orgId === caller.orgId || (email !== undefined && a.email.toLowerCase() === email),
    )
  );
}

// --- mail ---------------------------------------------------------------------------------

async function eachBounded<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(SENDS_IN_FLIGHT, items.length) }, worker));
}

/** What the invitation lists besides the agenda: the review's counts and the carried-over items' titles. */
async function agendaExtras(
  deps: MeetingDeps,
  meeting: MeetingRecord,
  orgs: readonly OrgRecord[],
): Promise<{ review: ReviewCount[]; carried: CarriedItem[] }> {
  const detail = await agendaOf(deps, meeting, orgs);
  return {
    // Counts only in mail: the reasons are shown through the API alone (docs/meetings.md).
    review: detail.review.map((r) => ({
      orgName: r.orgName,
      kind: r.kind,
      notDone: r.notDone,
      notPossible: r.notPossible,
    })),
    carried: detail.carriedOver.map((c) => ({ title: c.title, orgName: c.orgName, dueAt: c.dueAt })),
  };
}

/**
 * Mails one message about a meeting to each of `to`, each in their language: invitations and
 * updates with their own answer links (stored first, hashed), cancellations with the CANCEL.
 */
export async function mailMeeting(
  deps: MeetingDeps,
  meeting: MeetingRecord,
  message: MeetingMessage,
  to: readonly MeetingAttendee[],
  orgs: readonly OrgRecord[],
  /** Told of each message the mail service took (to record it). */
  onSent?: (attendee: MeetingAttendee) => Promise<unknown>,
): Promise<void> {
  if (to.length === 0) return;
  const now = deps.now();
  const asks = message === 'invite' || message === 'update';
  const extras = asks || message === 'reminder' ? await agendaExtras(deps, meeting, orgs) : undefined;
  const tokens = new Map<string, string>();
  if (asks) {
    const links: RsvpLinkRecord[] = to.map((a) => {
      const issued = issueActionToken();
      tokens.set(a.email, issued.token);
      return {
        hash: issued.hash,
        meetingId: meeting.meetingId,
        email: a.email,
        sequence: meeting.sequence,
        expiresAt: meeting.end,
      };
    });
    await deps.store.putRsvpLinks(links);
  }
  const base = deps.publicBaseUrl.replace(/\/+$/, '');
  await eachBounded(to, async (attendee) => {
    const token = tokens.get(attendee.email);
    const answerLinks = token
      ? {
          accepted: `${base}/rsvp/${token}?answer=accepted`,
          tentative: `${base}/rsvp/${token}?answer=tentative`,
          declined: `${base}/rsvp/${token}?answer=declined`,
        }
      : undefined;
    await deps.mailer.send(
      meetingEmail({
        message,
        meeting,
        attendee,
        attendees: meeting.attendees,
        ...(answerLinks ? { answerLinks } : {}),
        ...(extras ?? {}),
        uidDomain: deps.uidDomain,
        now,
      }),
    );
    await onSent?.(attendee);
  });
}

/** A change's messages as a due item, held by the writer for `claimSeconds` (it sends them itself). */
export function heldMail(
  deps: Pick<MeetingDeps, 'claimSeconds'>,
  meeting: MeetingRecord,
  message: MeetingMailDueItem['message'],
  to: readonly MeetingAttendee[],
  now: Date,
): MeetingMailDueItem {
  return {
    type: 'MEETING_MAIL',
    dueAt: now.toISOString(),
    ref: `${meeting.meetingId}#${meeting.sequence}#${message}`,
    meetingId: meeting.meetingId,
    message,
    sequence: meeting.sequence,
    to: [...to],
    claimedUntil: new Date(now.getTime() + deps.claimSeconds * 1000).toISOString(),
  };
}

/**
 * Sends a held MEETING_MAIL item's messages to whoever does not have theirs yet, recording
 * each, then takes the item off the index. At least once: a crash between the mail service
 * taking a message and its record sends that one again.
 */
export async function deliverMeetingMail(
  deps: MeetingDeps,
  item: MeetingMailDueItem,
  claimedUntil: string,
  meeting: MeetingRecord,
  orgs: readonly OrgRecord[],
): Promise<void> {
  const sent = new Set([...(item.sentTo ?? [])].map((e) => e.toLowerCase()));
  const to = item.to.filter((a) => !sent.has(a.email.toLowerCase()));
  await mailMeeting(deps, meeting, item.message, to, orgs, (a) =>
    deps.store.recordSentTo(item, claimedUntil, [a.email]),
  );
  await deps.store.dropClaimedDue(item, claimedUntil);
}

// --- the agenda ---------------------------------------------------------------------------

/** The review of who did not act since the region's previous meeting, and what is carried over. */
async function agendaOf(
  deps: MeetingDeps,
  meeting: MeetingRecord,
  orgs: readonly OrgRecord[],
): Promise<{ review: AgendaReviewRow[]; carriedOver: CarriedOverView[] }> {
  const now = deps.now();
  const from = new Date(Date.parse(meeting.start) - CARRY_DAYS * 86_400_000).toISOString();
  const earlier: MeetingRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.store.listMeetings(meeting.region, {
      limit: 100,
      from,
      ...(start ? { start } : {}),
    });
    earlier.push(
      ...page.items.filter(
        (m) => m.start < meeting.start && m.meetingId !== meeting.meetingId && m.status === 'SCHEDULED',
      ),
    );
    start = page.next;
  } while (start);
  const previous = earlier.filter((m) => m.end <= now.toISOString()).at(-1);
  const review = await agendaReview(
    { store: deps.store, now: deps.now },
    { region: meeting.region, ...(previous ? { since: previous.start } : {}) },
  );
  const ids = earlier.flatMap((m) =>
    Object.entries(m.openTasks ?? {})
      .filter(([, kind]) => kind === 'ACTION_ITEM' || kind === 'PREVENTION')
      .map(([id]) => id),
  );
  const tasks = ids.length ? await deps.store.getTasks(ids) : new Map<string, TaskRecord>();
  const carriedOver: CarriedOverView[] = [];
  for (const m of earlier) {
    for (const id of Object.keys(m.openTasks ?? {})) {
      const t = tasks.get(id);
      if (t?.status !== 'OPEN' || (t.kind !== 'ACTION_ITEM' && t.kind !== 'PREVENTION')) continue;
      carriedOver.push({
        taskId: t.taskId,
        kind: t.kind,
        title: t.title ?? '',
        orgId: t.orgId,
        orgName: orgs.find((o) => o.orgId === t.orgId)?.name ?? t.orgId,
        fromMeetingId: m.meetingId,
        fromMeeting: meetingReference(m),
        createdAt: t.createdAt,
        dueAt: t.dueAt,
        overdue: Date.parse(t.dueAt) < now.getTime(),
        remindersSent: t.remindersSent ?? 0,
        ...(t.escalatedAt ? { escalatedAt: t.escalatedAt } : {}),
      });
    }
  }
  return { review, carriedOver };
}

// --- use cases ----------------------------------------------------------------------------

function parseBody<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(fieldIssues(parsed.error));
  return parsed.data;
}

function dueItemOf(
  meeting: Pick<MeetingRecord, 'meetingId'>,
  step: { index: number; at: Date },
): MeetingDueItem {
  return {
    type: 'MEETING',
    dueAt: step.at.toISOString(),
    ref: meeting.meetingId,
    meetingId: meeting.meetingId,
    step: step.index,
  };
}

/** The meeting with its next step on the due-time index (reminders, then the end). */
export function withStep(deps: Pick<MeetingDeps, 'meetingReminders'>, meeting: MeetingRecord, now: Date) {
  const step = nextMeetingStep(deps.meetingReminders, new Date(meeting.start), new Date(meeting.end), now);
  if (!step) return { meeting, due: undefined };
  const due = dueItemOf(meeting, step);
  return { meeting: { ...meeting, step: due.step, stepAt: due.dueAt }, due };
}

function actorOf(caller: MemberCaller) {
  return { role: caller.role, orgId: caller.orgId } as const;
}

/** One occurrence (or the single meeting) of a create: the record before its step is set. */
function occurrence(args: {
  meetingId: string;
  region: string;
  fields: {
    title: string;
    agenda: readonly string[];
    place?: string | undefined;
    videoUrl?: string | undefined;
  };
  start: Date;
  end: Date;
  timeZone: string;
  invite: MeetingRecord['invite'];
  attendees: readonly MeetingAttendee[];
  organizer: MeetingRecord['organizer'];
  actor: MeetingRecord['createdBy'];
  now: string;
  series?: { seriesId: string; occurrence: number };
}): MeetingRecord {
  return {
    meetingId: args.meetingId,
    region: args.region,
    title: args.fields.title,
    agenda: [...args.fields.agenda],
    ...(args.fields.place ? { place: args.fields.place } : {}),
    ...(args.fields.videoUrl ? { videoUrl: args.fields.videoUrl } : {}),
    start: args.start.toISOString(),
    end: args.end.toISOString(),
    timeZone: args.timeZone,
    invite: { orgIds: [...args.invite.orgIds], emails: [...args.invite.emails] },
    attendees: [...args.attendees],
    organizer: args.organizer,
    status: 'SCHEDULED',
    sequence: 0,
    version: 1,
    ...(args.series ? { seriesId: args.series.seriesId, occurrence: args.series.occurrence } : {}),
    responses: {},
    openTasks: {},
    createdBy: args.actor,
    createdAt: args.now,
    updatedAt: args.now,
  };
}

/**
 * POST /meetings: a coordinator sets a meeting (or a recurring series: its first
 * SERIES_AHEAD occurrences, each its own meeting with its own UID) and every invitee gets
 * the calendar invite. Bad input changes nothing and sends nothing.
 */
export async function createMeeting(
  deps: MeetingDeps,
  caller: MemberCaller,
  raw: unknown,
): Promise<MeetingView[]> {
  requireRole(caller, 'coordinator');
  const body = parseBody(createMeetingSchema, raw);
  if (!coversRegion(caller, body.region)) throw new ForbiddenError('the region is not yours');
  const now = deps.now();
  const start = localToInstant(body.start, deps.timeZone);
  const end = localToInstant(body.end, deps.timeZone);
  const orgs = await deps.store.listOrganisations();
  const invited = resolveInvitees(orgs, body.region, body.invite);
  const issues = [...timeIssues(start, end, now), ...invited.issues];
  if (issues.length) throw new ValidationError(issues);
  const organizer = organizerOf(caller, orgs);
  const newId = deps.newId ?? randomUUID;
  const at = now.toISOString();
  const actor = actorOf(caller);
  const seriesId = body.recurrence ? newId() : undefined;
  const count = body.recurrence ? SERIES_AHEAD : 1;
  const meetings = Array.from({ length: count }, (_, n) => {
    const s = body.recurrence
      ? localToInstant(occurrenceStart(body.start, body.recurrence, n), deps.timeZone)
      : start;
    const e = body.recurrence
      ? localToInstant(occurrenceStart(body.end, body.recurrence, n), deps.timeZone)
      : end;
    const record = occurrence({
      meetingId: newId(),
      region: body.region,
      fields: body,
      start: s,
      end: e,
      timeZone: deps.timeZone,
      invite: body.invite,
      attendees: invited.attendees,
      organizer,
      actor,
      now: at,
      ...(seriesId ? { series: { seriesId, occurrence: n } } : {}),
    });
    const { meeting, due } = withStep(deps, record, now);
    return {
      meeting,
      ...(due ? { due } : {}),
      event: { meetingId: meeting.meetingId, at, type: 'MEETING_CREATED', actor },
      mail: heldMail(deps, meeting, 'invite', meeting.attendees, now),
    };
  });
  const series: SeriesRecord | undefined =
    seriesId && body.recurrence
      ? {
          seriesId,
          region: body.region,
          recurrence: body.recurrence,
          firstStart: body.start,
          firstEnd: body.end,
          timeZone: deps.timeZone,
          made: count,
        }
      : undefined;
  if (!(await deps.store.createMeetings({ meetings, ...(series ? { series } : {}) })))
    throw new ConflictError('the meeting exists already', 'meeting_exists');
  for (const m of meetings)
    await deliverMeetingMail(deps, m.mail, m.mail.claimedUntil as string, m.meeting, orgs);
  return meetings.map((m) => toMeetingView(m.meeting, true));
}

async function visibleMeeting(
  deps: MeetingDeps,
  caller: MemberCaller,
  params: unknown,
): Promise<MeetingRecord> {
  const id = (params as { meetingId?: unknown } | undefined)?.meetingId;
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) throw new NotFoundError('no such meeting');
  const meeting = await deps.store.getMeeting(id);
  if (!meeting || !maySeeMeeting(caller, meeting)) throw new NotFoundError('no such meeting');
  return meeting;
}

/** A meeting a coordinator of its region changes: scheduled, not yet begun, at the version read. */
async function changeable(deps: MeetingDeps, caller: MemberCaller, params: unknown, version: number) {
  requireRole(caller, 'coordinator');
  const meeting = await visibleMeeting(deps, caller, params);
  if (meeting.status !== 'SCHEDULED')
    throw new ConflictError('the meeting is cancelled', 'meeting_cancelled');
  if (Date.parse(meeting.start) <= deps.now().getTime())
    throw new ConflictError('the meeting has begun', 'meeting_started');
  if (meeting.version !== version)
    throw new ConflictError('the meeting changed meanwhile; read it again', 'version_conflict');
  return meeting;
}

/** GET /meetings/{meetingId}: the meeting, its agenda's review and carried-over items, its history. */
export async function getMeeting(
  deps: MeetingDeps,
  caller: MemberCaller,
  params: unknown,
): Promise<MeetingDetail> {
  const meeting = await visibleMeeting(deps, caller, params);
  const orgs = await deps.store.listOrganisations();
  const [agenda, history] = await Promise.all([
    agendaOf(deps, meeting, orgs),
    caller.role === 'coordinator' ? deps.store.listMeetingEvents(meeting.meetingId) : Promise.resolve([]),
  ]);
  return { ...toMeetingView(meeting, caller.role === 'coordinator'), ...agenda, history };
}

/** GET /meetings: the region's meetings from `from` (default: today) on, those the caller may see. */
export async function listMeetings(
  deps: MeetingDeps,
  caller: MemberCaller,
  query: Record<string, string | undefined> | undefined,
): Promise<{ items: MeetingView[]; nextCursor?: string }> {
  const region = query?.region ?? caller.regions[0];
  if (!region || !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(region))
    throw new ValidationError([{ path: '/query/region', code: 'invalid' }]);
  const parsedLimit = limitParam.safeParse(query?.limit);
  if (!parsedLimit.success) throw new ValidationError([{ path: '/query/limit', code: 'invalid' }]);
  const limit = parsedLimit.data;
  // A date or an ISO instant, as documented: Date.parse would also take `2026-02-30` (2 March)
  // or `1` (the year 2001).
  const fromRaw = query?.from;
  if (fromRaw !== undefined && !isCalendarDate(fromRaw) && !fromInstant.safeParse(fromRaw).success)
    throw new ValidationError([{ path: '/query/from', code: 'invalid' }]);
  const from = fromRaw ? new Date(fromRaw).toISOString() : deps.now().toISOString().slice(0, 10);
  let start: Record<string, unknown> | undefined;
  if (query?.cursor !== undefined) {
    try {
      start = JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (start?.gsi1pk !== `MEETINGS#${region}`) throw new Error('another list');
    } catch {
      throw new ValidationError([{ path: '/query/cursor', code: 'invalid_cursor' }]);
    }
  }
  const page = await deps.store.listMeetings(region, { limit, from, ...(start ? { start } : {}) });
  const coordinator = caller.role === 'coordinator';
  return {
    items: page.items.filter((m) => maySeeMeeting(caller, m)).map((m) => toMeetingView(m, coordinator)),
    ...(page.next ? { nextCursor: Buffer.from(JSON.stringify(page.next)).toString('base64url') } : {}),
  };
}

/**
 * PATCH /meetings/{meetingId}: a change attendees see (every field is one): SEQUENCE goes up
 * and everyone still invited gets the update; whoever was taken off gets a CANCEL of their
 * own. A move also moves the reminders and asks everyone to answer again.
 */
export async function changeMeeting(
  deps: MeetingDeps,
  caller: MemberCaller,
  params: unknown,
  raw: unknown,
): Promise<MeetingView> {
  const body = parseBody(changeMeetingSchema, raw);
  const before = await changeable(deps, caller, params, body.version);
  const now = deps.now();
  const start = body.start ? localToInstant(body.start, deps.timeZone) : new Date(before.start);
  const end = body.end ? localToInstant(body.end, deps.timeZone) : new Date(before.end);
  const orgs = await deps.store.listOrganisations();
  const invite = body.invite ?? before.invite;
  const invited = body.invite
    ? resolveInvitees(orgs, before.region, invite)
    : { attendees: [...before.attendees], issues: [] };
  const moved = start.toISOString() !== before.start || end.toISOString() !== before.end;
  const issues = [...(moved ? timeIssues(start, end, now) : []), ...invited.issues];
  if (issues.length) throw new ValidationError(issues);
  const changed = Object.keys(body).filter((k) => k !== 'version');
  const { place: _p, videoUrl: _v, ...kept } = before;
  const place = body.place === undefined ? before.place : (body.place ?? undefined);
  const videoUrl = body.videoUrl === undefined ? before.videoUrl : (body.videoUrl ?? undefined);
  const at = now.toISOString();
  const record: MeetingRecord = {
    ...kept,
    ...(place ? { place } : {}),
    ...(videoUrl ? { videoUrl } : {}),
    title: body.title ?? before.title,
    agenda: body.agenda ?? before.agenda,
    start: start.toISOString(),
    end: end.toISOString(),
    invite: { orgIds: [...invite.orgIds], emails: [...invite.emails] },
    attendees: invited.attendees,
    sequence: before.sequence + 1,
    version: before.version + 1,
    // A new time asks for new answers.
    responses: moved ? {} : (before.responses ?? {}),
    updatedAt: at,
  };
  const { meeting, due } = moved ? withStep(deps, record, now) : { meeting: record, due: undefined };
  const oldDue =
    before.stepAt !== undefined && before.step !== undefined
      ? dueItemOf(before, { index: before.step, at: new Date(before.stepAt) })
      : undefined;
  const still = new Set(meeting.attendees.map((a) => a.email.toLowerCase()));
  const removed = before.attendees.filter((a) => !still.has(a.email.toLowerCase()));
  const mail = [
    heldMail(deps, meeting, 'update', meeting.attendees, now),
    ...(removed.length ? [heldMail(deps, meeting, 'removed', removed, now)] : []),
  ];
  const done = await deps.store.changeMeeting({
    meeting,
    expectVersion: before.version,
    ...(moved && oldDue ? { oldDue } : {}),
    ...(due ? { newDue: due } : {}),
    mail,
    event: {
      meetingId: meeting.meetingId,
      at,
      type: moved ? 'MEETING_MOVED' : 'MEETING_CHANGED',
      actor: actorOf(caller),
      fields: changed,
    },
  });
  if (!done) throw new ConflictError('the meeting changed meanwhile; read it again', 'version_conflict');
  for (const m of mail) await deliverMeetingMail(deps, m, m.claimedUntil as string, meeting, orgs);
  return toMeetingView(meeting, true);
}

/**
 * POST /meetings/{meetingId}/cancellation: the meeting is off; every invitee gets the CANCEL
 * (same UID, SEQUENCE up, STATUS:CANCELLED) and no more reminders. With `series: true` the
 * series makes no more occurrences and its later ones are cancelled too.
 */
export async function cancelMeeting(
  deps: MeetingDeps,
  caller: MemberCaller,
  params: unknown,
  raw: unknown,
): Promise<MeetingView[]> {
  const body = parseBody(cancelMeetingSchema, raw ?? {});
  const first = await changeable(deps, caller, params, body.version);
  if (body.series && !first.seriesId) throw new ValidationError([{ path: '/series', code: 'not_a_series' }]);
  const now = deps.now();
  const at = now.toISOString();
  const targets: MeetingRecord[] = [first];
  if (body.series && first.seriesId) {
    // False when it was cancelled before: the occurrences below are cancelled all the same.
    await deps.store.cancelSeries(first.seriesId, at);
    let start: Record<string, unknown> | undefined;
    do {
      const page = await deps.store.listMeetings(first.region, {
        limit: 100,
        from: first.start,
        ...(start ? { start } : {}),
      });
      targets.push(
        ...page.items.filter(
          (m) => m.seriesId === first.seriesId && m.meetingId !== first.meetingId && m.status === 'SCHEDULED',
        ),
      );
      start = page.next;
    } while (start);
  }
  const orgs = await deps.store.listOrganisations();
  const cancelled: MeetingRecord[] = [];
  for (const before of targets) {
    const { step: _s, stepAt: _a, ...rest } = before;
    const meeting: MeetingRecord = {
      ...rest,
      status: 'CANCELLED',
      sequence: before.sequence + 1,
      version: before.version + 1,
      cancelledAt: at,
      updatedAt: at,
    };
    const oldDue =
      before.stepAt !== undefined && before.step !== undefined
        ? dueItemOf(before, { index: before.step, at: new Date(before.stepAt) })
        : undefined;
    const mail = heldMail(deps, meeting, 'cancel', meeting.attendees, now);
    const done = await deps.store.changeMeeting({
      meeting,
      expectVersion: before.version,
      ...(oldDue ? { oldDue } : {}),
      event: { meetingId: meeting.meetingId, at, type: 'MEETING_CANCELLED', actor: actorOf(caller) },
      mail: [mail],
    });
    if (!done) {
      if (before === first)
        throw new ConflictError('the meeting changed meanwhile; read it again', 'version_conflict');
      continue;
    }
    cancelled.push(meeting);
    await deliverMeetingMail(deps, mail, mail.claimedUntil as string, meeting, orgs);
  }
  return cancelled.map((m) => toMeetingView(m, true));
}

/** The occurrence after `last` of a series, made when `last` ends (so SERIES_AHEAD stay ahead). */
export function nextOccurrence(
  deps: Pick<MeetingDeps, 'meetingReminders' | 'newId' | 'claimSeconds'>,
  series: SeriesRecord,
  template: MeetingRecord,
  now: Date,
): { meeting: MeetingRecord; due?: MeetingDueItem; mail: MeetingMailDueItem } {
  const n = series.made;
  const start = localToInstant(occurrenceStart(series.firstStart, series.recurrence, n), series.timeZone);
  const end = localToInstant(occurrenceStart(series.firstEnd, series.recurrence, n), series.timeZone);
  const at = now.toISOString();
  const record = occurrence({
    meetingId: (deps.newId ?? randomUUID)(),
    region: series.region,
    fields: template,
    start,
    end,
    timeZone: series.timeZone,
    invite: template.invite,
    attendees: template.attendees,
    organizer: template.organizer,
    actor: { role: 'system' },
    now: at,
    series: { seriesId: series.seriesId, occurrence: n },
  });
  const { meeting, due } = withStep(deps, record, now);
  return {
    meeting,
    ...(due ? { due } : {}),
    mail: heldMail(deps, meeting, 'invite', meeting.attendees, now),
  };
}

/**
 * POST /meetings/{meetingId}/minutes: the coordinator records the minutes. It does the
 * meeting's MINUTES task (the same single use as its emailed link: whichever comes first
 * wins); each decision's action items open with it, each emailed within a minute.
 */
export async function recordMinutes(
  deps: MeetingDeps & { readonly complete: CompleteTaskDeps },
  caller: MemberCaller,
  params: unknown,
  raw: unknown,
): Promise<MeetingView> {
  requireRole(caller, 'coordinator');
  const meeting = await visibleMeeting(deps, caller, params);
  const task = meeting.minutesTaskId ? await deps.complete.store.getTask(meeting.minutesTaskId) : undefined;
  if (!task) throw new ConflictError('the minutes are recorded after the meeting ends', 'meeting_not_ended');
  const result = await completeTask(deps.complete, { task, raw, actor: actorOf(caller) });
  if (result.kind === 'invalid') throw new ValidationError(result.issues);
  if (result.kind === 'gone') throw new ConflictError('the minutes were recorded already', 'task_closed');
  const after = await deps.store.getMeeting(meeting.meetingId);
  return toMeetingView(after ?? meeting, true);
}
