import type { MeetingAttendee, MeetingRecord } from '../data/records';
import type { RsvpAnswer } from '../domain/meetings';
import type { TaskKind } from '../domain/task-kinds';
import { formatInstant } from '../util/time';
import { invitePart } from './invite';
import type { OutgoingEmail } from './mailer';
import { type Body, compose, type ListItem, LOCALES, TASK_TITLES } from './templates';

/** One line of the agenda's review of who did not act: counts only, never a reason or a case. */
export interface ReviewCount {
  readonly orgName: string;
  readonly kind: TaskKind;
  readonly notDone: number;
  readonly notPossible: number;
}

/** An action item carried over from an earlier meeting, as the invite lists it. */
export interface CarriedItem {
  readonly title: string;
  readonly orgName: string;
  readonly dueAt: string;
}

export type MeetingMessage = 'invite' | 'update' | 'cancel' | 'removed' | 'reminder';

export interface MeetingEmailInput {
  readonly message: MeetingMessage;
  readonly meeting: MeetingRecord;
  readonly attendee: MeetingAttendee;
  /** Everyone on the invite (the calendar part names them all; a removal names only the one). */
  readonly attendees: readonly MeetingAttendee[];
  /** The attendee's own answer links, by answer (invites and updates). */
  readonly answerLinks?: Readonly<Record<RsvpAnswer, string>>;
  readonly review?: readonly ReviewCount[];
  readonly carried?: readonly CarriedItem[];
  /** The domain of the invite's UID (`meeting-<id>@<domain>`): the sender's. */
  readonly uidDomain: string;
  readonly now: Date;
}

/** The invite's stable UID: one per meeting, kept by every update and cancel. */
export const meetingUid = (meetingId: string, domain: string) => `meeting-${meetingId}@${domain}`;

/**
 * One attendee's message about a meeting, in their language, with the times on their clock.
 * Invitations, updates and cancellations carry the calendar part (`REQUEST`, or `CANCEL` with
 * `STATUS:CANCELLED`; a removed invitee's CANCEL names only them); reminders are plain mail.
 * Text from the coordinator (title, place, agenda) is their words about the group's work; the
 * review is counts. Nothing about a person referred can reach it.
 */
export function meetingEmail(input: MeetingEmailInput): OutgoingEmail {
  const { meeting, attendee } = input;
  const lang = attendee.language;
  const s = LOCALES[lang].meeting;
  const zone = attendee.timeZone ?? meeting.timeZone;
  const when = formatInstant(new Date(meeting.start), zone);
  const subject = {
    invite: s.inviteSubject,
    update: s.updateSubject,
    cancel: s.cancelSubject,
    removed: s.cancelSubject,
    reminder: s.reminderSubject,
  }[input.message](meeting.title, when);
  const opening = {
    invite: s.invited,
    update: s.updated,
    cancel: s.cancelled,
    removed: s.removed,
    reminder: s.reminder,
  }[input.message](meeting.title, when);
  const off = input.message === 'cancel' || input.message === 'removed';
  const paragraphs = [
    opening,
    ...(off || !meeting.place ? [] : [s.place(meeting.place)]),
    ...(off || meeting.agenda.length === 0
      ? []
      : [[s.agenda, ...meeting.agenda.map((a) => `- ${a}`)].join('\n')]),
    ...(off || !input.review?.length
      ? []
      : [
          [
            s.review,
            ...input.review.map(
              (r) => `- ${s.reviewLine(r.orgName, TASK_TITLES[lang][r.kind], r.notDone, r.notPossible)}`,
            ),
          ].join('\n'),
        ]),
    ...(off || !input.carried?.length
      ? []
      : [
          [
            s.carried,
            ...input.carried.map(
              (c) => `- ${s.carriedLine(c.title, c.orgName, formatInstant(new Date(c.dueAt), zone))}`,
            ),
          ].join('\n'),
        ]),
    ...(input.answerLinks && !off ? [s.answerPrompt] : []),
  ];
  const list: ListItem[] =
    input.answerLinks && !off
      ? (['accepted', 'tentative', 'declined'] as const).map((a) => ({
          text: s.answers[a],
          link: { href: (input.answerLinks as Record<RsvpAnswer, string>)[a], label: s.answers[a] },
        }))
      : [];
  const body: Body = {
    paragraphs,
    ...(list.length ? { list } : {}),
    ...(meeting.videoUrl && !off ? { link: { href: meeting.videoUrl, label: s.video } } : {}),
  };
  const email = compose(lang, [attendee.email], subject, body, { reason: 'meeting' }, { purpose: 'meeting' });
  if (input.message === 'reminder') return email;
  const method = off ? 'CANCEL' : 'REQUEST';
  const answerText = input.answerLinks
    ? `\n\n${s.answerPrompt}\n${(['accepted', 'tentative', 'declined'] as const)
        .map((a) => `${s.answers[a]}: ${(input.answerLinks as Record<RsvpAnswer, string>)[a]}`)
        .join('\n')}`
    : '';
  const calendar = invitePart({
    method,
    uid: meetingUid(meeting.meetingId, input.uidDomain),
    sequence: meeting.sequence,
    dtstamp: input.now,
    start: new Date(meeting.start),
    end: new Date(meeting.end),
    summary: meeting.title,
    description: `${meeting.agenda.map((a) => `- ${a}`).join('\n')}${answerText}`.trim() || meeting.title,
    ...(meeting.place ? { location: meeting.place } : {}),
    ...(meeting.videoUrl ? { url: meeting.videoUrl } : {}),
    organizer: { name: meeting.organizer.name, email: meeting.organizer.email },
    attendees: (input.message === 'removed' ? [attendee] : input.attendees).map((a) => ({
      name: a.name,
      email: a.email,
    })),
  });
  return { ...email, calendar };
}
