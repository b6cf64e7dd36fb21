import * as z from 'zod';
import { addCalendarDays, addCalendarMonths, instantAt, wallClock } from '../util/time';
import { safeText } from './directory';
import { slug } from './referral';
import type { MeetingReminderConfig } from './reminders';

/**
 * The cooperation group's meetings (DOMAIN.md: the council and the cluster groups). A meeting
 * is scheduled in the group's time zone, invites organisations (all their council and
 * cluster contacts) or named contacts, and is mailed as a calendar invite (docs/meetings.md).
 */

export const MEETING_STATUSES = ['SCHEDULED', 'CANCELLED'] as const;
export type MeetingStatus = (typeof MEETING_STATUSES)[number];

export const RSVP_ANSWERS = ['accepted', 'declined', 'tentative'] as const;
export type RsvpAnswer = (typeof RSVP_ANSWERS)[number];

/** The contact roles an invited organisation's invitations go to. */
export const MEETING_ROLES = ['council-member', 'cluster-member'] as const;

/** Text on an invite every member reads: no control characters and no markup. */
const plainText = (max: number) =>
  safeText(max).refine((v) => !/[<>]/.test(v), { message: 'markup is not allowed' });

/** A local wall-clock time in the group's zone, to the minute: `2027-03-29T10:00`. */
const localTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, { message: 'a local time like 2027-03-29T10:00' })
  .refine((v) => !Number.isNaN(Date.parse(`${v}:00Z`)) && new Date(`${v}:00Z`).toISOString().startsWith(v), {
    message: 'not a calendar time',
  });

const invitees = z
  .strictObject({
    orgIds: z.array(slug).max(50).default([]),
    emails: z.array(z.email()).max(100).default([]),
  })
  .refine((i) => i.orgIds.length + i.emails.length > 0, {
    message: 'invite at least one organisation or contact',
  })
  .refine((i) => new Set(i.orgIds).size === i.orgIds.length, {
    message: 'organisations repeat',
    path: ['orgIds'],
  })
  .refine((i) => new Set(i.emails.map((e) => e.toLowerCase())).size === i.emails.length, {
    message: 'contacts repeat',
    path: ['emails'],
  });

const meetingFields = {
  title: plainText(200),
  agenda: z.array(plainText(500)).max(30).default([]),
  place: plainText(200).optional(),
  videoUrl: z
    .url({ protocol: /^https$/ })
    .max(500)
    .optional(),
  start: localTime,
  end: localTime,
  invite: invitees,
};

export const RECURRENCE_FREQUENCIES = ['weekly', 'monthly'] as const;

export const recurrenceSchema = z.strictObject({
  frequency: z.enum(RECURRENCE_FREQUENCIES),
  /** Every this many weeks or months. */
  interval: z.number().int().min(1).max(12).default(1),
});
export type Recurrence = z.infer<typeof recurrenceSchema>;

const startBeforeEnd = (m: { start?: string; end?: string }) =>
  m.start === undefined || m.end === undefined || m.start < m.end;

export const createMeetingSchema = z
  .strictObject({
    region: slug,
    ...meetingFields,
    recurrence: recurrenceSchema.optional(),
  })
  .refine(startBeforeEnd, { message: 'the meeting must end after it starts', path: ['end'] });
export type CreateMeetingRequest = z.output<typeof createMeetingSchema>;

/** A change: any field but the region and the series; `version` as read (optimistic concurrency). */
export const changeMeetingSchema = z
  .strictObject({
    version: z.number().int().min(1),
    title: meetingFields.title.optional(),
    agenda: z.array(plainText(500)).max(30).optional(),
    place: plainText(200).nullable().optional(),
    videoUrl: meetingFields.videoUrl.nullable(),
    start: localTime.optional(),
    end: localTime.optional(),
    invite: invitees.optional(),
  })
  .refine((m) => Object.keys(m).length > 1, { message: 'nothing to change' });
export type ChangeMeetingRequest = z.output<typeof changeMeetingSchema>;

export const cancelMeetingSchema = z.strictObject({
  version: z.number().int().min(1),
  /** Also cancel every later occurrence of the meeting's series (and create no more). */
  series: z.boolean().default(false),
});

/** The longest a meeting may last, and how far ahead one may be set. */
export const MEETING_MAX_HOURS = 12;
export const MEETING_MAX_DAYS_AHEAD = 2 * 366;

/** How many occurrences of a series exist ahead of time. */
export const SERIES_AHEAD = 3;

/** The instant a local wall-clock time (`2027-03-29T10:00`) shows in `timeZone`. */
export function localToInstant(local: string, timeZone: string): Date {
  const [date, time] = local.split('T') as [string, string];
  const ms = Number(time.slice(0, 2)) * 3_600_000 + Number(time.slice(3, 5)) * 60_000;
  return instantAt(date, ms, timeZone);
}

/** The local wall-clock time (`2027-03-29T10:00`) of `instant` in `timeZone`. */
export function instantToLocal(instant: Date, timeZone: string): string {
  const wall = wallClock(instant, timeZone);
  const h = Math.floor(wall.msOfDay / 3_600_000);
  const m = Math.floor((wall.msOfDay % 3_600_000) / 60_000);
  return `${wall.date}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/**
 * The local start of occurrence `n` (0 the first) of a series: the same wall-clock time every
 * `interval` weeks or months, so a monthly meeting at 10:00 stays at 10:00 across the
 * daylight-saving change. A month without the day (the 31st) takes its last day.
 */
export function occurrenceStart(firstLocal: string, recurrence: Recurrence, n: number): string {
  const [date, time] = firstLocal.split('T') as [string, string];
  const next =
    recurrence.frequency === 'weekly'
      ? addCalendarDays(date, 7 * recurrence.interval * n)
      : addCalendarMonths(date, recurrence.interval * n);
  return `${next}T${time}`;
}

/** Problems with a meeting's times that the schema cannot see (they depend on now and the zone). */
export function timeIssues(
  start: Date,
  end: Date,
  now: Date,
): { readonly path: string; readonly code: string }[] {
  const issues: { path: string; code: string }[] = [];
  if (start.getTime() <= now.getTime()) issues.push({ path: '/start', code: 'in_the_past' });
  if (start.getTime() > now.getTime() + MEETING_MAX_DAYS_AHEAD * 86_400_000)
    issues.push({ path: '/start', code: 'too_far_ahead' });
  if (end.getTime() <= start.getTime()) issues.push({ path: '/end', code: 'before_start' });
  else if (end.getTime() - start.getTime() > MEETING_MAX_HOURS * 3_600_000)
    issues.push({ path: '/end', code: 'too_long' });
  return issues;
}

/**
 * The steps of a meeting's one item on the due-time index, in order: each reminder before
 * the start, then the end (the minutes task opens; a series gets its next occurrence).
 * Reminders already past when the meeting is set (a meeting two days away has no 7-day
 * one) are left out.
 */
export interface MeetingStep {
  readonly kind: 'reminder' | 'end';
  readonly at: Date;
  /** For a reminder: its place among the configured ones. */
  readonly index: number;
}

export function meetingSteps(config: MeetingReminderConfig, start: Date, end: Date): MeetingStep[] {
  return [
    ...config.hoursBefore.map((h, index) => ({
      kind: 'reminder' as const,
      at: new Date(start.getTime() - h * 3_600_000),
      index,
    })),
    { kind: 'end' as const, at: end, index: config.hoursBefore.length },
  ];
}

/**
 * The step to put on the index after step `after` (-1: none yet): the next reminder still
 * ahead of `now`, else the end, which is never skipped (a late sweep takes it late). Undefined
 * once the end is done.
 */
export function nextMeetingStep(
  config: MeetingReminderConfig,
  start: Date,
  end: Date,
  now: Date,
  after = -1,
): MeetingStep | undefined {
  const later = meetingSteps(config, start, end).filter((s) => s.index > after);
  return later.find((s) => s.kind === 'end' || s.at.getTime() > now.getTime());
}
