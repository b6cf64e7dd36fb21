import ical, {
  ICalAttendeeRole,
  ICalAttendeeStatus,
  ICalAttendeeType,
  ICalCalendarMethod,
  ICalEventStatus,
} from 'ical-generator';
import { assertHeaderSafe, type MailCalendar } from './mailer';

/** A person on an invite: the name is free text (escaped by the library), the address is not. */
export interface InvitePerson {
  readonly name: string;
  readonly email: string;
}

/**
 * One meeting as an iTIP message (RFC 5546) for its attendees' calendars.
 *
 * Times are instants, written in UTC (`DTSTART:20270329T080000Z`): what ical-generator
 * recommends, read the same by Outlook, Gmail and Apple Calendar, each showing them in the
 * reader's own zone. No `TZID`, so no `VTIMEZONE` to get right: the meeting is one occurrence,
 * and the only zone arithmetic is the caller's wall time → instant, done with the group's zone
 * (`instantAt` in shared/util/time.ts), which is where daylight saving is handled.
 */
export interface CalendarInviteInput {
  /** `REQUEST`: a new or changed meeting; `CANCEL`: the meeting is off, or off for these attendees. */
  readonly method: 'REQUEST' | 'CANCEL';
  /** One stable id per meeting, e.g. `meeting-<id>@<domain>`: an update or a cancel keeps it. */
  readonly uid: string;
  /** Raised on every change attendees must see (a move, a cancel); 0 for the first invite. */
  readonly sequence: number;
  /** When this version of the invite was made. */
  readonly dtstamp: Date;
  readonly start: Date;
  readonly end: Date;
  readonly summary: string;
  /** Free text; the attendee's answer links (accept / decline / tentative) belong here too. */
  readonly description?: string;
  readonly location?: string;
  /** The video link, written as the event's `URL`. */
  readonly url?: string;
  /** The coordinator: their real mailbox, which calendar clients reply to. */
  readonly organizer: InvitePerson;
  /**
   * Everyone invited (`REQUEST`), or those the message cancels for (`CANCEL`: everyone when the
   * meeting is off, only the removed invitee when one is taken off). Each is written as a
   * required participant asked to answer: `ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE`.
   */
  readonly attendees: readonly InvitePerson[];
}

export class InvalidInviteError extends Error {
  override readonly name = 'InvalidInviteError';
}

/**
 * The `.ics` text (`VCALENDAR` with `METHOD` and one `VEVENT`) of an invite, built by
 * ical-generator: it escapes text (`,` `;` `\` and line breaks), encodes parameter values
 * (RFC 6868) and folds lines at 75 octets without splitting a UTF-8 character. `CANCEL` carries
 * `STATUS:CANCELLED`, `REQUEST` `STATUS:CONFIRMED`.
 *
 * Refuses (InvalidInviteError, naming no value) a negative or fractional sequence, an invalid
 * date, an end not after the start, no attendee, or a `url` that is not http(s); refuses
 * (HeaderInjectionError) control characters in the uid and in addresses, which are identifiers.
 */
export function calendarInvite(input: CalendarInviteInput): string {
  validate(input);
  const calendar = ical({
    prodId: { company: 'Bashke', product: 'Meetings', language: 'EN' },
    method: input.method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
  });
  calendar.createEvent({
    id: input.uid,
    sequence: input.sequence,
    stamp: input.dtstamp,
    start: input.start,
    end: input.end,
    summary: input.summary,
    status: input.method === 'CANCEL' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    organizer: { name: input.organizer.name, email: input.organizer.email },
    attendees: input.attendees.map((a) => ({
      name: a.name,
      email: a.email,
      role: ICalAttendeeRole.REQ,
      status: ICalAttendeeStatus.NEEDSACTION,
      type: ICalAttendeeType.INDIVIDUAL,
      // A cancellation asks for no answer (RFC 5546 §3.2.5): RSVP only on a request.
      rsvp: input.method === 'REQUEST',
    })),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.location !== undefined ? { location: input.location } : {}),
    ...(input.url !== undefined ? { url: input.url } : {}),
  });
  // RFC 5545 ends every content line with CRLF, the last one too; the library leaves it off.
  const ics = calendar.toString();
  return ics.endsWith('\r\n') ? ics : `${ics}\r\n`;
}

/** The invite as a message's calendar part: the `.ics` with the `method=` its MIME type must carry. */
export function invitePart(input: CalendarInviteInput): MailCalendar {
  return { method: input.method, ics: calendarInvite(input) };
}

function validate(input: CalendarInviteInput): void {
  assertHeaderSafe(input.uid);
  if (input.uid.trim() === '') throw new InvalidInviteError('the invite has no uid');
  for (const person of [input.organizer, ...input.attendees]) assertHeaderSafe(person.email);
  if (!Number.isSafeInteger(input.sequence) || input.sequence < 0)
    throw new InvalidInviteError('the sequence must be a whole number, 0 or more');
  for (const date of [input.dtstamp, input.start, input.end])
    if (Number.isNaN(date.getTime())) throw new InvalidInviteError('the invite has an invalid date');
  if (input.end.getTime() <= input.start.getTime())
    throw new InvalidInviteError('the meeting must end after it starts');
  if (input.attendees.length === 0) throw new InvalidInviteError('the invite has no attendee');
  if (input.url !== undefined && !/^https?:$/.test(URL.parse(input.url)?.protocol ?? ''))
    throw new InvalidInviteError('the video link must be an http(s) URL');
}
