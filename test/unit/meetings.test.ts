import type { MeetingRecord, OrgRecord } from '../../shared/data/records';
import {
  changeMeetingSchema,
  createMeetingSchema,
  instantToLocal,
  localToInstant,
  meetingSteps,
  nextMeetingStep,
  occurrenceStart,
  timeIssues,
} from '../../shared/domain/meetings';
import { minutesSchema } from '../../shared/domain/minutes';
import { DEFAULT_REMINDERS, reminderConfigSchema } from '../../shared/domain/reminders';
import { meetingEmail } from '../../shared/email/meeting-emails';
import { resolveInvitees } from '../../shared/meetings/meetings';
import { parseIcs } from '../support/raw-mail';

const ZONE = 'Europe/Tirane';

describe('meeting times in the group’s zone', () => {
  it('reads a wall-clock time across the daylight-saving changes of Europe/Tirane', () => {
    expect(localToInstant('2027-03-26T10:00', ZONE).toISOString()).toBe('2027-03-26T09:00:00.000Z');
    expect(localToInstant('2027-03-29T10:00', ZONE).toISOString()).toBe('2027-03-29T08:00:00.000Z');
    expect(localToInstant('2027-10-29T10:00', ZONE).toISOString()).toBe('2027-10-29T08:00:00.000Z');
    expect(localToInstant('2027-11-01T10:00', ZONE).toISOString()).toBe('2027-11-01T09:00:00.000Z');
    expect(instantToLocal(new Date('2027-03-29T08:00:00.000Z'), ZONE)).toBe('2027-03-29T10:00');
  });

  it('keeps a series at the same wall-clock time, weekly or monthly', () => {
    const monthly = { frequency: 'monthly' as const, interval: 1 };
    expect([0, 1, 2].map((n) => occurrenceStart('2027-02-26T10:00', monthly, n))).toEqual([
      '2027-02-26T10:00',
      '2027-03-26T10:00',
      '2027-04-26T10:00',
    ]);
    expect(occurrenceStart('2027-03-22T09:30', { frequency: 'weekly', interval: 2 }, 1)).toBe(
      '2027-04-05T09:30',
    );
  });

  it('refuses a start in the past, too far ahead, an end before the start and a meeting of more than 12 hours', () => {
    const now = new Date('2027-01-10T09:00:00.000Z');
    const at = (s: string) => new Date(s);
    expect(timeIssues(at('2027-01-09T09:00:00Z'), at('2027-01-09T10:00:00Z'), now)).toContainEqual({
      path: '/start',
      code: 'in_the_past',
    });
    expect(timeIssues(at('2030-01-09T09:00:00Z'), at('2030-01-09T10:00:00Z'), now)).toContainEqual({
      path: '/start',
      code: 'too_far_ahead',
    });
    expect(timeIssues(at('2027-01-12T09:00:00Z'), at('2027-01-12T09:00:00Z'), now)).toEqual([
      { path: '/end', code: 'before_start' },
    ]);
    expect(timeIssues(at('2027-01-12T09:00:00Z'), at('2027-01-12T22:00:00Z'), now)).toEqual([
      { path: '/end', code: 'too_long' },
    ]);
  });
});

describe('meeting requests', () => {
  const good = {
    region: 'korca',
    title: 'Këshilli',
    start: '2027-01-15T10:00',
    end: '2027-01-15T12:00',
    invite: { orgIds: ['police-korca'] },
  };
  const issues = (body: unknown) => {
    const parsed = createMeetingSchema.safeParse(body);
    return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('/'));
  };

  it('takes a meeting with defaults', () => {
    expect(createMeetingSchema.parse(good)).toMatchObject({
      agenda: [],
      invite: { orgIds: ['police-korca'], emails: [] },
    });
  });

  it.each([
    ['CR/LF in the title', { title: 'a\r\nBcc: x@example.org' }, 'title'],
    ['markup in the title', { title: '<b>x</b>' }, 'title'],
    ['markup in the agenda', { agenda: ['<img src=x onerror=alert(1)>'] }, 'agenda/0'],
    ['a zero-width character', { title: 'Këshilli\u200b' }, 'title'],
    ['an end before the start', { end: '2027-01-15T09:00' }, 'end'],
    ['a date that does not exist', { start: '2027-02-29T10:00', end: '2027-02-29T11:00' }, 'start'],
    ['seconds in a time', { start: '2027-01-15T10:00:00' }, 'start'],
    ['nobody invited', { invite: {} }, 'invite'],
    ['a repeated organisation', { invite: { orgIds: ['a', 'a'] } }, 'invite/orgIds'],
    ['a video link that is not https', { videoUrl: 'http://meet.example.org/x' }, 'videoUrl'],
    ['an unknown field', { organizer: 'x@example.org' }, ''],
  ])('refuses %s', (_name, change, path) => {
    expect(issues({ ...good, ...change })).toContain(path);
  });

  it('needs something to change besides the version', () => {
    expect(changeMeetingSchema.safeParse({ version: 1 }).success).toBe(false);
    expect(changeMeetingSchema.safeParse({ version: 1, place: null }).success).toBe(true);
  });

  it('takes minutes with at most 20 action items, each for an organisation or a contact', () => {
    const action = { title: 'Session', orgId: 'ngo' };
    expect(
      minutesSchema.safeParse({ summary: 'x', decisions: [{ text: 'd', actions: [action] }] }).success,
    ).toBe(true);
    expect(
      minutesSchema.safeParse({
        summary: 'x',
        decisions: [{ text: 'd', actions: [{ title: 'S', orgId: 'a', email: 'a@b.org' }] }],
      }).success,
    ).toBe(false);
    const many = Array.from({ length: 3 }, () => ({
      text: 'd',
      actions: Array.from({ length: 8 }, () => action),
    }));
    expect(minutesSchema.safeParse({ summary: 'x', decisions: many }).success).toBe(false);
  });
});

describe('meeting steps on the due-time index', () => {
  const start = new Date('2027-01-15T09:00:00.000Z');
  const end = new Date('2027-01-15T11:00:00.000Z');

  it('reminds 7 days, 1 day and 2 hours before by default, then ends', () => {
    expect(
      meetingSteps(DEFAULT_REMINDERS.meetings, start, end).map((s) => [s.kind, s.at.toISOString()]),
    ).toEqual([
      ['reminder', '2027-01-08T09:00:00.000Z'],
      ['reminder', '2027-01-14T09:00:00.000Z'],
      ['reminder', '2027-01-15T07:00:00.000Z'],
      ['end', '2027-01-15T11:00:00.000Z'],
    ]);
  });

  it('leaves out reminders already past when the meeting is set, and never the end', () => {
    expect(
      nextMeetingStep(DEFAULT_REMINDERS.meetings, start, end, new Date('2027-01-14T10:00:00.000Z'))?.index,
    ).toBe(2);
    expect(
      nextMeetingStep(DEFAULT_REMINDERS.meetings, start, end, new Date('2027-01-16T10:00:00.000Z'))?.kind,
    ).toBe('end');
    expect(
      nextMeetingStep(DEFAULT_REMINDERS.meetings, start, end, new Date('2027-01-16T10:00:00.000Z'), 3),
    ).toBe(undefined);
  });

  it('is configured under bashke.reminders.meetings, sorted, without repeats', () => {
    expect(
      reminderConfigSchema.parse({ meetings: { hoursBefore: [2, 48, 2] } }).meetings.hoursBefore,
    ).toEqual([48, 2]);
  });
});

const org = (changes: Partial<OrgRecord>): OrgRecord => ({
  orgId: 'police-korca',
  name: 'Policia',
  kind: 'police',
  regions: ['korca'],
  services: [],
  capacity: 0,
  childProtection: false,
  contacts: [],
  openOffers: 0,
  ...changes,
});

describe('who a meeting invites', () => {
  const orgs = [
    org({
      contacts: [
        { name: 'Duty', email: 'duty@p.org', language: 'sq', roles: ['focal-point'] },
        { name: 'Arben', email: 'arben@p.org', language: 'sq', roles: ['council-member'] },
        { name: 'Bounced', email: 'gone@p.org', language: 'sq', roles: ['council-member'], reachable: false },
        { name: 'Left', email: 'left@p.org', language: 'sq', roles: ['cluster-member'], active: false },
      ],
    }),
    org({
      orgId: 'ngo-x',
      name: 'NGO',
      kind: 'ngo',
      contacts: [{ name: 'Jane', email: 'jane@n.org', language: 'en', roles: ['cluster-member'] }],
    }),
    org({ orgId: 'ngo-away', name: 'Away', kind: 'ngo', regions: ['tirane'], contacts: [] }),
  ];

  it('takes every active, reachable council or cluster member of an organisation and each named contact once', () => {
    const out = resolveInvitees(orgs, 'korca', {
      orgIds: ['police-korca', 'ngo-x'],
      emails: ['JANE@n.org', 'duty@p.org'],
    });
    expect(out.issues).toEqual([]);
    expect(out.attendees.map((a) => a.email)).toEqual(['arben@p.org', 'jane@n.org', 'duty@p.org']);
  });

  it('names each invitee it cannot find, never its value', () => {
    const out = resolveInvitees(orgs, 'korca', {
      orgIds: ['ngo-away', 'nobody'],
      emails: ['gone@p.org', 'x@y.org'],
    });
    expect(out.issues).toEqual([
      { path: '/invite/orgIds/0', code: 'unknown_reference' },
      { path: '/invite/orgIds/1', code: 'unknown_reference' },
      { path: '/invite/emails/0', code: 'unknown_reference' },
      { path: '/invite/emails/1', code: 'unknown_reference' },
    ]);
  });
});

describe('meeting emails', () => {
  const meeting: MeetingRecord = {
    meetingId: '3f0c6f0e-5b7a-4c41-9b8e-6d1c2a3b4c5d',
    region: 'korca',
    title: 'Këshilli; vendor, kundër trafikimit',
    agenda: ['Rastet e tremujorit'],
    place: 'Prefektura, salla 2',
    videoUrl: 'https://meet.example.org/bashke',
    start: '2027-03-29T08:00:00.000Z',
    end: '2027-03-29T10:00:00.000Z',
    timeZone: ZONE,
    invite: { orgIds: ['police-korca'], emails: [] },
    attendees: [
      { email: 'arben@p.org', name: 'Arben', orgId: 'police-korca', language: 'sq' },
      { email: 'jane@n.org', name: 'Jane', orgId: 'ngo-x', language: 'en', timeZone: 'Europe/London' },
    ],
    organizer: { name: 'Elira', email: 'coord@pref.org', orgId: 'prefecture-korca' },
    status: 'SCHEDULED',
    sequence: 2,
    version: 3,
    createdBy: { role: 'coordinator', orgId: 'prefecture-korca' },
    createdAt: '2027-01-01T00:00:00.000Z',
    updatedAt: '2027-01-01T00:00:00.000Z',
  };
  const attendee = meeting.attendees[1] as MeetingRecord['attendees'][number];
  const links = {
    accepted: 'https://x.org/rsvp/t?answer=accepted',
    declined: 'https://x.org/rsvp/t?answer=declined',
    tentative: 'https://x.org/rsvp/t?answer=tentative',
  };
  const base = {
    meeting,
    attendee,
    attendees: meeting.attendees,
    uidDomain: 'bashke.example.org',
    now: new Date('2027-01-10T00:00:00.000Z'),
  };

  it('invites with a REQUEST calendar part, on the reader’s clock and in their language, with their answer links', () => {
    const email = meetingEmail({
      ...base,
      message: 'update',
      answerLinks: links,
      review: [{ orgName: 'NGO', kind: 'PLAN_ITEM', notDone: 2, notPossible: 1 }],
    });
    expect(email.calendar?.method).toBe('REQUEST');
    const event = parseIcs(email.calendar?.ics ?? '');
    expect(event).toMatchObject({
      method: 'REQUEST',
      uid: `meeting-${meeting.meetingId}@bashke.example.org`,
      sequence: 2,
      summary: meeting.title,
      location: meeting.place,
      url: meeting.videoUrl,
      organizer: { email: 'coord@pref.org' },
    });
    expect(event.start.toISOString()).toBe(meeting.start);
    expect(event.description).toContain(links.declined);
    expect(email.to).toEqual(['jane@n.org']);
    expect(email.subject).toContain('changed');
    // 08:00Z is 09:00 in London after its spring change.
    expect(email.text).toContain('2027-03-29 09:00 (UTC+01:00)');
    expect(email.text).toContain('NGO — Plan item: 2 not done, 1 not possible');
    expect(email.html).toContain(links.accepted.replace(/&/g, '&amp;'));
  });

  it('cancels for everyone, or for one removed invitee alone, with STATUS:CANCELLED', () => {
    const cancel = parseIcs(meetingEmail({ ...base, message: 'cancel' }).calendar?.ics ?? '');
    expect(cancel).toMatchObject({ method: 'CANCEL', status: 'CANCELLED' });
    expect(cancel.attendees).toHaveLength(2);
    const removed = meetingEmail({ ...base, message: 'removed', answerLinks: links });
    const event = parseIcs(removed.calendar?.ics ?? '');
    expect(event.attendees.map((a) => a.email)).toEqual(['jane@n.org']);
    expect(removed.text).not.toContain('/rsvp/');
  });

  it('reminds without a calendar part', () => {
    const email = meetingEmail({
      ...base,
      attendee: meeting.attendees[0] as MeetingRecord['attendees'][number],
      message: 'reminder',
    });
    expect(email.calendar).toBeUndefined();
    expect(email.subject).toContain('kujtesë');
    expect(email.text).toContain('2027-03-29 10:00 (UTC+02:00)');
  });
});
