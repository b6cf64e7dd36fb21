import {
  type CalendarInviteInput,
  calendarInvite,
  InvalidInviteError,
  invitePart,
} from '../../shared/email/invite';
import { HeaderInjectionError } from '../../shared/email/mailer';
import { instantAt, wallClock } from '../../shared/util/time';
import { parseIcs } from '../support/raw-mail';

const TIRANE = 'Europe/Tirane';
const HOUR = 3_600_000;

/** The instant a Tirana wall clock shows `time` (HH:MM) on `date`. */
function tirane(date: string, time: string): Date {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return instantAt(date, h * HOUR + m * 60_000, TIRANE);
}

function invite(overrides: Partial<CalendarInviteInput> = {}): CalendarInviteInput {
  return {
    method: 'REQUEST',
    uid: 'meeting-7f3a@bashke.example.org',
    sequence: 0,
    dtstamp: new Date('2027-03-01T09:15:00Z'),
    start: tirane('2027-03-29', '10:00'),
    end: tirane('2027-03-29', '11:30'),
    summary: 'Takimi i grupit të bashkëpunimit, Korçë',
    description: 'Rendi i ditës: rastet e reja.',
    location: 'Bashkia Korçë, salla 2',
    url: 'https://meet.example.org/korce-grupi',
    organizer: { name: 'Arta Hoxha', email: 'arta.hoxha@korce.example.gov.al' },
    attendees: [
      { name: 'Besnik Çela', email: 'besnik@vatra.example.org' },
      { name: 'Drita Ëmeri', email: 'drita@tjeter-vizion.example.org' },
    ],
    ...overrides,
  };
}

describe('calendarInvite', () => {
  it('writes a REQUEST that ical.js reads back: METHOD, UID, SEQUENCE, DTSTAMP, ORGANIZER, ATTENDEEs', () => {
    const ics = calendarInvite(invite());
    const event = parseIcs(ics);

    expect(event).toMatchObject({
      method: 'REQUEST',
      uid: 'meeting-7f3a@bashke.example.org',
      sequence: 0,
      status: 'CONFIRMED',
      dtstamp: new Date('2027-03-01T09:15:00Z'),
      summary: 'Takimi i grupit të bashkëpunimit, Korçë',
      description: 'Rendi i ditës: rastet e reja.',
      location: 'Bashkia Korçë, salla 2',
      url: 'https://meet.example.org/korce-grupi',
      organizer: { email: 'arta.hoxha@korce.example.gov.al', name: 'Arta Hoxha' },
    });
    expect(event.attendees).toEqual([
      {
        email: 'besnik@vatra.example.org',
        name: 'Besnik Çela',
        role: 'REQ-PARTICIPANT',
        partstat: 'NEEDS-ACTION',
        rsvp: 'TRUE',
      },
      {
        email: 'drita@tjeter-vizion.example.org',
        name: 'Drita Ëmeri',
        role: 'REQ-PARTICIPANT',
        partstat: 'NEEDS-ACTION',
        rsvp: 'TRUE',
      },
    ]);
    // One calendar, one event, CRLF line ends, as RFC 5545 asks.
    expect(ics.match(/^BEGIN:VEVENT\r$/gm)).toHaveLength(1);
    expect(ics).toMatch(/^METHOD:REQUEST\r$/m);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/\n/);
  });

  it('writes times in UTC, with no TZID and so no VTIMEZONE to get wrong', () => {
    const ics = calendarInvite(invite());
    expect(ics).toMatch(/^DTSTART:20270329T080000Z\r$/m);
    expect(ics).toMatch(/^DTEND:20270329T093000Z\r$/m);
    expect(ics).toMatch(/^DTSTAMP:20270301T091500Z\r$/m);
    expect(ics).not.toMatch(/TZID|VTIMEZONE/);
  });

  it.each([
    // Spring: clocks go forward on Sunday 2027-03-28 (CET +01:00 → CEST +02:00).
    ['the Friday before the spring change', '2027-03-26', '2027-03-26T09:00:00Z'],
    ['the Monday after the spring change', '2027-03-29', '2027-03-29T08:00:00Z'],
    // Autumn: clocks go back on Sunday 2027-10-31 (CEST → CET).
    ['the Friday before the autumn change', '2027-10-29', '2027-10-29T08:00:00Z'],
    ['the Monday after the autumn change', '2027-11-01', '2027-11-01T09:00:00Z'],
  ])('lands a 10:00 Tirana meeting on %s at the right instant', (_, date, utc) => {
    const event = parseIcs(
      calendarInvite(invite({ start: tirane(date, '10:00'), end: tirane(date, '11:00') })),
    );

    expect(event.start.toISOString()).toBe(new Date(utc).toISOString());
    expect(event.startText).toMatch(/Z$/);
    expect(event.end.getTime() - event.start.getTime()).toBe(HOUR);
    // Read back in the group's zone, it is 10:00 local, whichever side of the change.
    expect(wallClock(event.start, TIRANE)).toEqual({ date, msOfDay: 10 * HOUR });
  });

  it('moves a meeting as an update: the same UID, a higher SEQUENCE, the new time', () => {
    const first = parseIcs(calendarInvite(invite()));
    const moved = parseIcs(
      calendarInvite(
        invite({
          sequence: 1,
          dtstamp: new Date('2027-03-10T12:00:00Z'),
          start: tirane('2027-03-30', '14:00'),
          end: tirane('2027-03-30', '15:00'),
        }),
      ),
    );

    expect(moved.method).toBe('REQUEST');
    expect(moved.uid).toBe(first.uid);
    expect(moved.sequence).toBeGreaterThan(first.sequence);
    expect(moved.start.toISOString()).toBe('2027-03-30T12:00:00.000Z');
  });

  it('cancels with METHOD:CANCEL and STATUS:CANCELLED, keeping the UID, for the attendees it names', () => {
    const ics = calendarInvite(
      invite({
        method: 'CANCEL',
        sequence: 2,
        attendees: [{ name: 'Besnik Çela', email: 'besnik@vatra.example.org' }],
      }),
    );
    const event = parseIcs(ics);

    expect(event).toMatchObject({
      method: 'CANCEL',
      status: 'CANCELLED',
      uid: 'meeting-7f3a@bashke.example.org',
      sequence: 2,
      organizer: { email: 'arta.hoxha@korce.example.gov.al' },
    });
    expect(event.attendees.map((a) => a.email)).toEqual(['besnik@vatra.example.org']);
    // No answer is asked of a cancellation.
    expect(event.attendees[0]?.rsvp).toBe('FALSE');
    expect(invitePart(invite({ method: 'CANCEL' }))).toMatchObject({ method: 'CANCEL' });
  });

  it('escapes commas, semicolons, backslashes and line breaks, folds long Albanian text, and ical.js reads it intact', () => {
    const summary = 'Takim; rishikim, "urgjent" \\ Korçë';
    const description = [
      'Përshëndetje, të gjithëve; ju ftojmë në takimin e radhës të grupit të bashkëpunimit për rastet e trafikimit në qarkun e Korçës.',
      'Çështjet: vlerësimi i nevojave, strehimi, ndihma ligjore; çdo organizatë sjell të dhënat e veta, pa emra.',
      'Përgjigjuni këtu: https://api.bashke.example.org/meetings/answer?token=abc,def;ghi',
    ].join('\n');
    const ics = calendarInvite(
      invite({
        summary,
        description,
        location: 'Rr. "Fan Noli", nr. 5; kati 2',
        organizer: { name: 'Arta "Ari" Hoxha; koordinatore', email: 'arta.hoxha@korce.example.gov.al' },
      }),
    );

    // Folded by the library: no line over 75 octets, continuation lines start with a space.
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(ics).toMatch(/\r\n /);
    expect(ics).toContain('SUMMARY:Takim\\; rishikim\\, "urgjent" \\\\ Korçë');
    expect(Buffer.from(ics, 'utf8').toString('utf8')).toBe(ics); // no character split by folding

    const event = parseIcs(ics);
    expect(event.summary).toBe(summary);
    expect(event.description).toBe(description);
    expect(event.location).toBe('Rr. "Fan Noli", nr. 5; kati 2');
    expect(event.organizer.name).toBe('Arta "Ari" Hoxha; koordinatore');
  });

  it.each([
    ['a negative sequence', { sequence: -1 }],
    ['a fractional sequence', { sequence: 1.5 }],
    ['an end before the start', { end: tirane('2027-03-29', '09:00') }],
    ['an end equal to the start', { end: tirane('2027-03-29', '10:00') }],
    ['an invalid date', { dtstamp: new Date(Number.NaN) }],
    ['no attendee', { attendees: [] }],
    ['an empty uid', { uid: ' ' }],
    ['a video link that is not http(s)', { url: 'javascript:alert(1)' }],
  ])('refuses %s', (_, overrides) => {
    expect(() => calendarInvite(invite(overrides))).toThrow(InvalidInviteError);
  });

  it.each([
    ['the uid', { uid: 'meeting-1\r\nATTENDEE:mailto:x@example.org' }],
    ['an attendee address', { attendees: [{ name: 'X', email: 'x@example.org\r\nATTENDEE:y@example.org' }] }],
    ['the organizer address', { organizer: { name: 'X', email: 'x@example.org\n' } }],
  ])('refuses control characters in %s', (_, overrides) => {
    expect(() => calendarInvite(invite(overrides))).toThrow(HeaderInjectionError);
  });

  it('keeps a line break in a name inside its parameter (RFC 6868), adding no property', () => {
    const ics = calendarInvite(
      invite({
        attendees: [{ name: 'Besnik\r\nATTENDEE:mailto:evil@example.org', email: 'b@vatra.example.org' }],
      }),
    );
    const event = parseIcs(ics);
    expect(event.attendees.map((a) => a.email)).toEqual(['b@vatra.example.org']);
    expect(ics).not.toMatch(/^ATTENDEE:mailto:evil/m);
  });
});
