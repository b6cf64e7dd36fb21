import { submitAction, viewAction } from '../../functions/action-link/action-link';
import { submitRsvp, viewRsvp } from '../../functions/action-link/rsvp';
import { dispatchDue } from '../../functions/dispatch-due/dispatch-due';
import type { MemberCaller } from '../../shared/auth/caller';
import type { MeetingStore } from '../../shared/data/meeting-store';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import type { Directory } from '../../shared/domain/directory';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import type { OutgoingEmail } from '../../shared/email/mailer';
import { ConflictError, ValidationError } from '../../shared/errors';
import {
  cancelMeeting,
  changeMeeting,
  createMeeting,
  getMeeting,
  listMeetings,
  type MeetingDeps,
  recordMinutes,
} from '../../shared/meetings/meetings';
import type { TaskClock } from '../../shared/tasks/task-context';
import { dispatchDeps, TEST_ACTION_BASE_URL } from '../support/dispatch';
import { parseIcs } from '../support/raw-mail';
import { dropStoreTables, storeTable } from '../support/store-table';
import { RecordingMailer } from '../support/workflow-fakes';

/**
 * Meetings on DynamoStore and DynamoDB Local (docs/meetings.md): invitations with their
 * calendar parts, changes, cancellations, answers, reminders and the minutes through the
 * dispatcher on a moving clock, and a meeting's action items on the human-task block.
 */

const ZONE = 'Europe/Tirane';
const COORD = 'coord@prefecture.example.org';
const POLICE_MEMBER = 'arben@police.example.org';
const NGO_MEMBER = 'cluster@ngo.example.org';
const NGO_FOCAL = 'focal@ngo.example.org';
const SCHOOL_MEMBER = 'school@school.example.org';

function meetingDirectory(): Directory {
  return {
    regions: [
      { regionId: 'korce', code: 'KOR', name: 'Korçë' },
      { regionId: 'tirane', code: 'TIR', name: 'Tiranë' },
    ],
    organisations: [
      {
        orgId: 'prefecture-korce',
        name: 'Prefektura Korçë',
        kind: 'prefecture',
        regions: ['korce'],
        services: [],
        capacity: 0,
        childProtection: false,
        contacts: [
          { name: 'Elira Manushi', email: COORD, language: 'sq', roles: ['coordinator', 'council-member'] },
        ],
      },
      {
        orgId: 'police-korce',
        name: 'Policia Korçë',
        kind: 'police',
        regions: ['korce'],
        services: [],
        capacity: 0,
        childProtection: false,
        contacts: [
          { name: 'Duty officer', email: 'duty@police.example.org', language: 'sq', roles: ['focal-point'] },
          { name: 'Arben Kodra', email: POLICE_MEMBER, language: 'sq', roles: ['council-member'] },
        ],
      },
      {
        orgId: 'ngo-korce',
        name: 'Different and Equal',
        kind: 'ngo',
        regions: ['korce'],
        services: ['shelter'],
        capacity: 3,
        childProtection: false,
        contacts: [
          { name: 'Focal Point', email: NGO_FOCAL, language: 'sq', roles: ['focal-point'] },
          {
            name: 'Jane Cluster',
            email: NGO_MEMBER,
            language: 'en',
            timeZone: 'Europe/London',
            roles: ['council-member'],
          },
        ],
      },
      {
        orgId: 'school-korce',
        name: 'Shkolla Naim Frashëri',
        kind: 'school',
        regions: ['korce'],
        services: [],
        capacity: 0,
        childProtection: false,
        contacts: [{ name: 'Drejtori', email: SCHOOL_MEMBER, language: 'sq', roles: ['focal-point'] }],
      },
      {
        orgId: 'ngo-tirane',
        name: 'Tirana NGO',
        kind: 'ngo',
        regions: ['tirane'],
        services: ['shelter'],
        capacity: 3,
        childProtection: false,
        contacts: [{ name: 'TT', email: 'tt@ngo.example.org', language: 'sq', roles: ['council-member'] }],
      },
    ],
  };
}

const COORDINATOR: MemberCaller = {
  sub: 'coord-sub',
  email: COORD,
  orgId: 'prefecture-korce',
  role: 'coordinator',
  orgKind: 'prefecture',
  regions: ['korce'],
};
const COUNCIL_POLICE: MemberCaller = {
  sub: 'arben-sub',
  email: POLICE_MEMBER,
  orgId: 'police-korce',
  role: 'police',
  orgKind: 'police',
  regions: ['korce'],
};
const TIRANE_NGO: MemberCaller = {
  sub: 'tt-sub',
  email: 'tt@ngo.example.org',
  orgId: 'ngo-tirane',
  role: 'ngo',
  orgKind: 'ngo',
  regions: ['tirane'],
};

afterEach(dropStoreTables);

/** A world: the store, a recording mailer, a clock the test moves, and the dispatcher. */
async function world(start = '2027-01-04T09:00:00.000Z') {
  const { store, items } = await storeTable('meetings', meetingDirectory());
  const mailer = new RecordingMailer();
  let now = new Date(start);
  const clock = () => now;
  const taskClock: TaskClock = {
    now: clock,
    deadlines: DEFAULT_DEADLINES,
    calendar: { timeZone: ZONE, holidays: new Set() },
    reminders: DEFAULT_REMINDERS,
  };
  const deps: MeetingDeps = {
    store,
    mailer,
    now: clock,
    timeZone: ZONE,
    meetingReminders: DEFAULT_REMINDERS.meetings,
    publicBaseUrl: TEST_ACTION_BASE_URL,
    uidDomain: 'bashke.example.org',
  };
  const complete = { ...taskClock, store, callback: { succeed: async () => 'closed' as const } };
  return {
    store: store as MeetingStore,
    mailer,
    deps,
    complete,
    items,
    at: (iso: string) => {
      now = new Date(iso);
    },
    sweep: () => dispatchDue(dispatchDeps({ store, mailer, now: clock, taskClock })),
  };
}

type World = Awaited<ReturnType<typeof world>>;

const body = (changes: Record<string, unknown> = {}) => ({
  region: 'korce',
  title: 'Këshilli vendor kundër trafikimit',
  agenda: ['Rastet e tremujorit', 'Fushata në shkolla'],
  place: 'Prefektura, salla 2',
  start: '2027-01-15T10:00',
  end: '2027-01-15T12:00',
  invite: { orgIds: ['police-korce', 'ngo-korce'], emails: [SCHOOL_MEMBER] },
  ...changes,
});

const invites = (m: RecordingMailer, to: string) => m.to(to).filter((e) => e.calendar);
const ics = (e: OutgoingEmail | undefined) => {
  if (!e?.calendar) throw new Error('no calendar part');
  return parseIcs(e.calendar.ics);
};
/** The answer link's token from an invitation's text. */
const rsvpToken = (e: OutgoingEmail | undefined, answer = 'accepted') => {
  const match = e?.text.match(new RegExp(`/rsvp/([A-Za-z0-9_-]+)\\?answer=${answer}`));
  if (!match?.[1]) throw new Error('no answer link');
  return match[1];
};
const actionToken = (e: OutgoingEmail | undefined) => {
  const match = e?.text.match(/\/actions\/([A-Za-z0-9_-]+)/);
  if (!match?.[1]) throw new Error('no task link');
  return match[1];
};

async function create(w: World, changes: Record<string, unknown> = {}) {
  const [meeting] = await createMeeting(w.deps, COORDINATOR, body(changes));
  if (!meeting) throw new Error('no meeting');
  return meeting;
}

describe('creating a meeting', () => {
  it('invites every council and cluster member of the organisations and each named contact, with a calendar REQUEST', async () => {
    const w = await world();
    const meeting = await create(w);
    expect(meeting.attendees.map((a) => a.email).sort()).toEqual(
      [NGO_MEMBER, POLICE_MEMBER, SCHOOL_MEMBER].sort(),
    );
    // The police's focal point is no council member: not invited.
    expect(w.mailer.to('duty@police.example.org')).toHaveLength(0);
    for (const to of [NGO_MEMBER, POLICE_MEMBER, SCHOOL_MEMBER])
      expect(invites(w.mailer, to)).toHaveLength(1);
    const event = ics(invites(w.mailer, NGO_MEMBER)[0]);
    expect(event).toMatchObject({
      method: 'REQUEST',
      uid: `meeting-${meeting.meetingId}@bashke.example.org`,
      sequence: 0,
      summary: 'Këshilli vendor kundër trafikimit',
      location: 'Prefektura, salla 2',
      organizer: { email: COORD, name: 'Elira Manushi' },
    });
    // 10:00 in Tirana in January is 09:00 UTC.
    expect(event.start.toISOString()).toBe('2027-01-15T09:00:00.000Z');
    expect(event.attendees.map((a) => a.email).sort()).toEqual(
      [NGO_MEMBER, POLICE_MEMBER, SCHOOL_MEMBER].sort(),
    );
    expect(event.attendees.every((a) => a.rsvp === 'TRUE')).toBe(true);
    // In the reader's language and on their clock: London is an hour behind.
    const english = invites(w.mailer, NGO_MEMBER)[0] as OutgoingEmail;
    expect(english.subject).toContain('invitation');
    expect(english.text).toContain('2027-01-15 09:00 (UTC+00:00)');
    expect((invites(w.mailer, POLICE_MEMBER)[0] as OutgoingEmail).subject).toContain('ftesë');
  });

  it('refuses bad input with a clear 400 and writes and sends nothing', async () => {
    const w = await world();
    const before = (await w.items()).length;
    const cases: Record<string, unknown>[] = [
      { end: '2027-01-15T09:00' },
      { start: '2027-01-01T10:00', end: '2027-01-01T11:00' },
      { invite: { orgIds: ['ngo-tirane'] } },
      { invite: { orgIds: ['school-korce'] } },
      { invite: { emails: ['nobody@example.org'] } },
      { invite: {} },
      { title: 'Council\r\nBcc: everyone@example.org' },
      { agenda: ['<script>alert(1)</script>'] },
      { title: '<b>Council</b>' },
      { start: '2027-02-30T10:00' },
      { videoUrl: 'javascript:alert(1)' },
      { unknown: true },
    ];
    for (const changes of cases) {
      await expect(createMeeting(w.deps, COORDINATOR, body(changes))).rejects.toBeInstanceOf(ValidationError);
    }
    expect((await w.items()).length).toBe(before);
    expect(w.mailer.sent).toHaveLength(0);
  });

  it('is for coordinators of the region only', async () => {
    const w = await world();
    await expect(createMeeting(w.deps, COUNCIL_POLICE, body())).rejects.toMatchObject({
      name: 'ForbiddenError',
    });
    await expect(
      createMeeting(w.deps, { ...COORDINATOR, regions: ['tirane'] }, body()),
    ).rejects.toMatchObject({ name: 'ForbiddenError' });
  });
});

describe('who sees a meeting', () => {
  it('shows it to its coordinators and invitees, and is a 404 to anyone else', async () => {
    const w = await world();
    const meeting = await create(w);
    await expect(getMeeting(w.deps, COUNCIL_POLICE, { meetingId: meeting.meetingId })).resolves.toMatchObject(
      {
        meetingId: meeting.meetingId,
      },
    );
    await expect(getMeeting(w.deps, TIRANE_NGO, { meetingId: meeting.meetingId })).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    expect((await listMeetings(w.deps, COUNCIL_POLICE, {})).items.map((m) => m.meetingId)).toEqual([
      meeting.meetingId,
    ]);
    expect((await listMeetings(w.deps, TIRANE_NGO, { region: 'korce' })).items).toEqual([]);
  });
});

describe('changing a meeting', () => {
  it('sends an update with the same UID and a higher SEQUENCE, and a CANCEL of their own to a removed invitee', async () => {
    const w = await world();
    const meeting = await create(w);
    const changed = await changeMeeting(
      w.deps,
      COORDINATOR,
      { meetingId: meeting.meetingId },
      {
        version: meeting.version,
        start: '2027-01-16T10:00',
        end: '2027-01-16T12:00',
        invite: { orgIds: ['police-korce', 'ngo-korce'] },
      },
    );
    expect(changed.sequence).toBe(1);
    const update = ics(invites(w.mailer, POLICE_MEMBER)[1]);
    expect(update).toMatchObject({
      method: 'REQUEST',
      uid: `meeting-${meeting.meetingId}@bashke.example.org`,
      sequence: 1,
    });
    expect(update.start.toISOString()).toBe('2027-01-16T09:00:00.000Z');
    const removed = invites(w.mailer, SCHOOL_MEMBER);
    expect(removed).toHaveLength(2);
    const cancel = ics(removed[1]);
    expect(cancel).toMatchObject({ method: 'CANCEL', status: 'CANCELLED', sequence: 1 });
    expect(cancel.attendees.map((a) => a.email)).toEqual([SCHOOL_MEMBER]);
    // A stale version is refused, and changes nothing.
    await expect(
      changeMeeting(
        w.deps,
        COORDINATOR,
        { meetingId: meeting.meetingId },
        { version: meeting.version, title: 'X' },
      ),
    ).rejects.toMatchObject({ code: 'version_conflict' });
  });

  it('cancels with METHOD:CANCEL and STATUS:CANCELLED, and sends no reminder after', async () => {
    const w = await world();
    const meeting = await create(w);
    const [cancelled] = await cancelMeeting(
      w.deps,
      COORDINATOR,
      { meetingId: meeting.meetingId },
      { version: 1 },
    );
    expect(cancelled?.status).toBe('CANCELLED');
    const cancel = ics(invites(w.mailer, POLICE_MEMBER)[1]);
    expect(cancel).toMatchObject({ method: 'CANCEL', status: 'CANCELLED', sequence: 1 });
    const sent = w.mailer.sent.length;
    for (const at of [
      '2027-01-08T09:30:00.000Z',
      '2027-01-14T09:30:00.000Z',
      '2027-01-15T07:30:00.000Z',
      '2027-01-15T12:00:00.000Z',
    ]) {
      w.at(at);
      await w.sweep();
    }
    expect(w.mailer.sent.length).toBe(sent);
    await expect(
      changeMeeting(w.deps, COORDINATOR, { meetingId: meeting.meetingId }, { version: 2, title: 'Again' }),
    ).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('answers', () => {
  it('records an answer once through the invitation link; a change asks again with new links', async () => {
    const w = await world();
    const meeting = await create(w);
    const token = rsvpToken(invites(w.mailer, POLICE_MEMBER)[0], 'declined');
    // GET changes nothing.
    await expect(viewRsvp(w.deps, token, 'declined')).resolves.toMatchObject({
      kind: 'confirm',
      answer: 'declined',
    });
    await expect(
      submitRsvp(w.deps, token, new URLSearchParams({ answer: 'maybe-not' })),
    ).resolves.toMatchObject({
      kind: 'invalid',
    });
    await expect(
      submitRsvp(w.deps, token, new URLSearchParams({ answer: 'declined' })),
    ).resolves.toMatchObject({
      kind: 'done',
    });
    await expect(submitRsvp(w.deps, token, new URLSearchParams({ answer: 'accepted' }))).resolves.toEqual({
      kind: 'gone',
    });
    const seen = await getMeeting(w.deps, COORDINATOR, { meetingId: meeting.meetingId });
    expect(seen.attendees.find((a) => a.email === POLICE_MEMBER)?.answer).toBe('declined');
    // Members do not see each other's answers.
    const asMember = await getMeeting(w.deps, COUNCIL_POLICE, { meetingId: meeting.meetingId });
    expect(asMember.attendees.some((a) => 'answer' in a)).toBe(false);

    const old = rsvpToken(invites(w.mailer, NGO_MEMBER)[0]);
    await changeMeeting(
      w.deps,
      COORDINATOR,
      { meetingId: meeting.meetingId },
      { version: seen.version, place: 'Bashkia' },
    );
    await expect(submitRsvp(w.deps, old, new URLSearchParams({ answer: 'accepted' }))).resolves.toEqual({
      kind: 'gone',
    });
    const fresh = rsvpToken(invites(w.mailer, NGO_MEMBER)[1]);
    await expect(
      submitRsvp(w.deps, fresh, new URLSearchParams({ answer: 'accepted' })),
    ).resolves.toMatchObject({
      kind: 'done',
    });
    await expect(viewRsvp(w.deps, 'not-a-token', undefined)).resolves.toEqual({ kind: 'gone' });
  });
});

describe('reminders before a meeting', () => {
  const reminders = (w: World, to: string) =>
    w.mailer.to(to).filter((e) => !e.calendar && /reminder|kujtesë/i.test(e.subject));

  it('reminds every invitee who has not declined 7 days, 1 day and 2 hours before; a move moves them', async () => {
    const w = await world();
    const meeting = await create(w);
    await submitRsvp(
      w.deps,
      rsvpToken(invites(w.mailer, SCHOOL_MEMBER)[0], 'declined'),
      new URLSearchParams({ answer: 'declined' }),
    );
    // Just before 7 days ahead: nothing yet.
    w.at('2027-01-08T08:59:00.000Z');
    await w.sweep();
    expect(reminders(w, POLICE_MEMBER)).toHaveLength(0);
    w.at('2027-01-08T09:00:30.000Z');
    await w.sweep();
    expect(reminders(w, POLICE_MEMBER)).toHaveLength(1);
    expect(reminders(w, NGO_MEMBER)).toHaveLength(1);
    expect(reminders(w, SCHOOL_MEMBER)).toHaveLength(0);
    expect((reminders(w, NGO_MEMBER)[0] as OutgoingEmail).text).toContain('2027-01-15 09:00 (UTC+00:00)');
    // A second sweep sends nothing twice.
    await w.sweep();
    expect(reminders(w, POLICE_MEMBER)).toHaveLength(1);

    // Moved a week later: the 1-day reminder of the old time never comes; the new ones do.
    const now = await getMeeting(w.deps, COORDINATOR, { meetingId: meeting.meetingId });
    await changeMeeting(
      w.deps,
      COORDINATOR,
      { meetingId: meeting.meetingId },
      {
        version: now.version,
        start: '2027-01-22T10:00',
        end: '2027-01-22T12:00',
      },
    );
    w.at('2027-01-14T09:01:00.000Z');
    await w.sweep();
    expect(reminders(w, POLICE_MEMBER)).toHaveLength(1);
    w.at('2027-01-15T09:01:00.000Z');
    await w.sweep();
    expect(reminders(w, POLICE_MEMBER)).toHaveLength(2);
    w.at('2027-01-21T09:01:00.000Z');
    await w.sweep();
    w.at('2027-01-22T07:01:00.000Z');
    await w.sweep();
    expect(reminders(w, POLICE_MEMBER)).toHaveLength(4);
    // The move asked for new answers: the school's decline no longer holds.
    expect(reminders(w, SCHOOL_MEMBER)).toHaveLength(3);
  });
});

describe('minutes and action items', () => {
  it('opens the minutes task at the end; the minutes give action items, done through their links; an overdue one escalates and is carried over', async () => {
    const w = await world();
    const meeting = await create(w);
    await expect(
      recordMinutes(
        { ...w.deps, complete: w.complete },
        COORDINATOR,
        { meetingId: meeting.meetingId },
        { summary: 'x' },
      ),
    ).rejects.toMatchObject({ code: 'meeting_not_ended' });
    w.at('2027-01-15T11:00:30.000Z');
    await w.sweep();
    // The end step, then the queued first email of the minutes task.
    w.at('2027-01-15T12:00:30.000Z');
    await w.sweep();
    w.at('2027-01-15T12:01:30.000Z');
    await w.sweep();
    const minutesMail = w.mailer.to(COORD).filter((e) => e.text.includes('/actions/'));
    expect(minutesMail).toHaveLength(1);
    expect(minutesMail[0]?.subject).toMatch(/procesverbal/i);
    await expect(viewAction(w.complete as never, actionToken(minutesMail[0]))).resolves.toMatchObject({
      kind: 'confirm',
      task: { kind: 'MINUTES', subject: 'meeting' },
    });

    const minutes = {
      summary: 'The group reviewed the quarter.',
      decisions: [
        {
          text: 'Awareness sessions in schools',
          actions: [
            {
              kind: 'PREVENTION',
              title: 'Session at the Naim Frashëri school',
              orgId: 'ngo-korce',
              dueDate: '2027-02-15',
            },
            { title: 'Send the list of shelters', email: POLICE_MEMBER, dueDate: '2027-01-22' },
          ],
        },
      ],
    };
    // An unknown organisation: 400, nothing recorded.
    await expect(
      recordMinutes(
        { ...w.deps, complete: w.complete },
        COORDINATOR,
        { meetingId: meeting.meetingId },
        {
          ...minutes,
          decisions: [{ text: 'x', actions: [{ title: 'y', orgId: 'ngo-tirane' }] }],
        },
      ),
    ).rejects.toBeInstanceOf(ValidationError);
    const recorded = await recordMinutes(
      { ...w.deps, complete: w.complete },
      COORDINATOR,
      { meetingId: meeting.meetingId },
      minutes,
    );
    expect(recorded.minutes?.summary).toBe('The group reviewed the quarter.');
    await expect(
      recordMinutes(
        { ...w.deps, complete: w.complete },
        COORDINATOR,
        { meetingId: meeting.meetingId },
        minutes,
      ),
    ).rejects.toMatchObject({ code: 'task_closed' });

    w.at('2027-01-15T12:10:00.000Z');
    await w.sweep();
    const prevention = w.mailer.to(NGO_FOCAL).filter((e) => e.text.includes('/actions/'));
    expect(prevention).toHaveLength(1);
    expect(prevention[0]?.text).toContain('Session at the Naim Frashëri school');
    const named = w.mailer.to(POLICE_MEMBER).filter((e) => e.text.includes('/actions/'));
    expect(named).toHaveLength(1);
    // Only the named contact, not the police's focal point.
    expect(w.mailer.to('duty@police.example.org')).toHaveLength(0);

    // The prevention work is reported done with date, place and participants.
    const token = actionToken(prevention[0]);
    await expect(
      submitAction(w.complete as never, token, new URLSearchParams({ result: 'done', date: '2027-02-10' })),
    ).resolves.toMatchObject({ kind: 'invalid' });
    await expect(
      submitAction(
        w.complete as never,
        token,
        new URLSearchParams({ result: 'done', date: '2027-02-10', place: 'Pogradec', participants: '42' }),
      ),
    ).resolves.toMatchObject({ kind: 'done' });

    // The other item goes overdue: reminded, then escalated to the focal point and the coordinator.
    for (const at of ['2027-01-25T08:00:30.000Z', '2027-01-26T08:00:30.000Z', '2027-01-27T08:00:30.000Z']) {
      w.at(at);
      await w.sweep();
    }
    expect(
      w.mailer.to('duty@police.example.org').some((e) => /vonesë|overdue/i.test(e.subject + e.text)),
    ).toBe(true);
    expect(w.mailer.to(COORD).some((e) => e.text.includes('Detyrë nga mbledhja'))).toBe(true);

    // The next meeting's agenda carries it over, with its history; the done one is not there.
    const next = await create(w, { start: '2027-02-12T10:00', end: '2027-02-12T12:00' });
    const detail = await getMeeting(w.deps, COORDINATOR, { meetingId: next.meetingId });
    expect(detail.carriedOver).toEqual([
      expect.objectContaining({
        title: 'Send the list of shelters',
        orgId: 'police-korce',
        fromMeetingId: meeting.meetingId,
        overdue: true,
      }),
    ]);
    expect(detail.carriedOver[0]?.remindersSent).toBeGreaterThan(0);
    expect(detail.carriedOver[0]?.escalatedAt).toBeDefined();
    const nextInvite = invites(w.mailer, POLICE_MEMBER).at(-1) as OutgoingEmail;
    expect(nextInvite.text).toContain('Send the list of shelters');
  });
});

describe('recurring meetings', () => {
  it('creates three occurrences ahead, each with its own UID, at the same local time across the clock change; the next comes as one ends; cancelling the series cancels the later ones', async () => {
    const w = await world('2027-01-20T09:00:00.000Z');
    const occurrences = await createMeeting(
      w.deps,
      COORDINATOR,
      body({
        start: '2027-02-26T10:00',
        end: '2027-02-26T11:00',
        recurrence: { frequency: 'monthly' },
      }),
    );
    expect(occurrences).toHaveLength(3);
    expect(new Set(occurrences.map((m) => m.meetingId)).size).toBe(3);
    // 10:00 in Tirana: 09:00Z before the March change, 08:00Z after it.
    expect(occurrences.map((m) => m.start)).toEqual([
      '2027-02-26T09:00:00.000Z',
      '2027-03-26T09:00:00.000Z',
      '2027-04-26T08:00:00.000Z',
    ]);
    expect(occurrences.map((m) => m.startLocal)).toEqual([
      '2027-02-26T10:00',
      '2027-03-26T10:00',
      '2027-04-26T10:00',
    ]);
    const uids = invites(w.mailer, POLICE_MEMBER).map((e) => ics(e).uid);
    expect(new Set(uids).size).toBe(3);

    // Changing one changes only it.
    const second = occurrences[1] as (typeof occurrences)[number];
    await changeMeeting(
      w.deps,
      COORDINATOR,
      { meetingId: second.meetingId },
      { version: 1, place: 'Bashkia' },
    );
    const third = occurrences[2] as (typeof occurrences)[number];
    expect((await getMeeting(w.deps, COORDINATOR, { meetingId: third.meetingId })).place).toBe(
      'Prefektura, salla 2',
    );

    // The first ends: the fourth is made and invited.
    w.at('2027-02-26T10:00:30.000Z');
    await w.sweep();
    const all = await listMeetings(w.deps, COORDINATOR, { from: '2027-01-01' });
    expect(all.items.map((m) => m.startLocal)).toEqual([
      '2027-02-26T10:00',
      '2027-03-26T10:00',
      '2027-04-26T10:00',
      '2027-05-26T10:00',
    ]);
    expect(invites(w.mailer, POLICE_MEMBER)).toHaveLength(5);

    // Cancel the series from the second: the second, third and fourth are cancelled.
    const fresh = await getMeeting(w.deps, COORDINATOR, { meetingId: second.meetingId });
    const cancelled = await cancelMeeting(
      w.deps,
      COORDINATOR,
      { meetingId: second.meetingId },
      {
        version: fresh.version,
        series: true,
      },
    );
    expect(cancelled.map((m) => m.startLocal)).toEqual([
      '2027-03-26T10:00',
      '2027-04-26T10:00',
      '2027-05-26T10:00',
    ]);
    // Its end no longer makes one more.
    w.at('2027-03-26T10:00:30.000Z');
    await w.sweep();
    const after = await listMeetings(w.deps, COORDINATOR, { from: '2027-01-01' });
    expect(after.items).toHaveLength(4);
    expect(after.items.filter((m) => m.status === 'SCHEDULED').map((m) => m.startLocal)).toEqual([
      '2027-02-26T10:00',
    ]);
  });
});
