import { submitRsvp } from '../../functions/action-link/rsvp';
import { dispatchDue } from '../../functions/dispatch-due/dispatch-due';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import type { OutgoingEmail } from '../../shared/email/mailer';
import type { TaskClock } from '../../shared/tasks/task-context';
import { CONSOLE_ZONE, type ConsoleWorld, type Member, startConsoleWorld } from '../support/console-world';
import { dispatchDeps } from '../support/dispatch';
import { parseIcs } from '../support/raw-mail';
import { dropStoreTables } from '../support/store-table';

/**
 * The meetings pages (functions/console/pages/council.ts and meeting-forms.ts) on DynamoDB
 * Local: a coordinator sets a meeting through the form, invitees read it and download its
 * invitation, answers stay the coordinator's, bad input changes nothing, the minutes and the
 * cancellation.
 */

let world: ConsoleWorld;
beforeEach(async () => {
  world = await startConsoleWorld('console-meetings');
});
afterEach(dropStoreTables);

const COORDINATOR = 'coordinator@prefecture-korca.example.org';
/** Council member of the police (an invited organisation below). */
const ARBEN = 'arben.kodra@police-korca.example.org';
/** Cluster member of the police: invited with her organisation. */
const LINDITA = 'lindita.hysa@police-korca.example.org';
/** Council member of an organisation the meeting does not invite. */
const UNIVERSITY = 'awareness@university-korca.example.org';

const coordinator = () => world.signIn('coordinator', 'prefecture-korca', COORDINATOR);
const arben = () => world.signIn('council', 'police-korca', ARBEN);

/** The world starts on 2026-12-01 09:00 UTC; the meeting is on 15 December, 10:00–12:00 in Tirana (UTC+1). */
const MEETING_FORM: [string, string][] = [
  ['region', 'korca'],
  ['title', 'Quarterly council meeting'],
  ['agenda', 'Review of the quarter\n\nPrevention campaign'],
  ['place', 'Prefecture of Korça, room 2'],
  ['videoUrl', 'https://meet.example.org/council'],
  ['start-date', '2026-12-15'],
  ['start-time', '10:00'],
  ['end-time', '12:00'],
  ['end-date', ''],
  ['orgId', 'police-korca'],
  ['orgId', 'ngo-iom'],
  ['emails', ''],
  ['recurrence', 'none'],
  ['interval', ''],
];

const form = (changes: Record<string, string | null> = {}): [string, string][] => [
  ...MEETING_FORM.filter(([k]) => !(k in changes)),
  ...Object.entries(changes).flatMap(([k, v]): [string, string][] => (v === null ? [] : [[k, v]])),
];

async function createThroughForm(c: Member, changes: Record<string, string | null> = {}): Promise<string> {
  const res = await c.post('/console/meetings/new', form(changes));
  expect(res.status).toBe(303);
  const match = /^\/console\/meetings\/([0-9a-f-]{36})\?done=created$/.exec(res.location ?? '');
  if (!match?.[1]) throw new Error(`unexpected redirect ${res.location}`);
  return match[1];
}

const invites = (to: string) => world.mailer.to(to).filter((e) => e.calendar);
const rsvpToken = (e: OutgoingEmail | undefined, answer: string) => {
  const match = e?.text.match(new RegExp(`/rsvp/([A-Za-z0-9_-]+)\\?answer=${answer}`));
  if (!match?.[1]) throw new Error('no answer link');
  return match[1];
};

/** Runs the dispatcher at `iso` (the meeting's end opens its minutes task). */
async function sweepAt(iso: string) {
  world.setNow(new Date(iso));
  const taskClock: TaskClock = {
    now: world.now,
    deadlines: DEFAULT_DEADLINES,
    calendar: { timeZone: CONSOLE_ZONE, holidays: new Set() },
    reminders: DEFAULT_REMINDERS,
  };
  await dispatchDue(dispatchDeps({ store: world.db.store, mailer: world.mailer, now: world.now, taskClock }));
}

describe('a new meeting through the form', () => {
  it('offers the region’s organisations, sets the meeting and sends the invitations', async () => {
    const c = await coordinator();
    const list = await c.get('/console/meetings');
    expect(list.status).toBe(200);
    expect(list.body).toContain('href="/console/meetings/new?region=korca"');

    const blank = await c.get('/console/meetings/new');
    expect(blank.status).toBe(200);
    expect(blank.body).toContain('name="_csrf"');
    expect(blank.body).toMatch(/<input type="checkbox" id="orgs-\d+" name="orgId" value="police-korca"/);
    expect(blank.body).toContain('value="ngo-iom"');
    // An organisation without a council or cluster member is not offered.
    expect(blank.body).not.toContain('value="ngo-vatra"');

    const id = await createThroughForm(c);
    const shown = await c.get(`/console/meetings/${id}?done=created`);
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('Quarterly council meeting');
    expect(shown.body).toContain('The meeting is set.');
    // On the coordinator's clock (the group's zone): 10:00 to 12:00.
    expect(shown.body).toMatch(/15 Dec 2026, 10:00 – 12:00/);
    expect(shown.body).toContain('<li>Review of the quarter</li><li>Prevention campaign</li>');
    expect(shown.body).toContain('href="https://meet.example.org/council"');

    // Invitations: every council and cluster member of each invited organisation.
    for (const to of [ARBEN, LINDITA, 'reintegration@iom.example.org', 'regional.protection@iom.example.org'])
      expect(invites(to)).toHaveLength(1);
    expect(invites(UNIVERSITY)).toHaveLength(0);
    expect(invites(ARBEN)[0]?.calendar?.ics).toContain(`UID:meeting-${id}@bashke.example.org`);

    const listed = await c.get('/console/meetings');
    expect(listed.body).toContain(`href="/console/meetings/${id}"`);
    expect(listed.body).toContain('Scheduled');
  });

  it('refuses bad input with the errors next to the fields, and writes and sends nothing', async () => {
    const c = await coordinator();
    const before = await world.db.items();
    const res = await c.post(
      '/console/meetings/new',
      form({ title: '', videoUrl: 'http://meet.example.org/x', 'start-time': '12:00', 'end-time': '10:00' }),
    );
    // Every problem at once, the times' too (not only the first the schema finds).
    expect(res.status).toBe(400);
    expect(res.body).toContain('class="summary"');
    expect(res.body).toContain('href="#title"');
    expect(res.body).toMatch(/<span class="field-error" id="title-error">This is required\.<\/span>/);
    expect(res.body).toMatch(/id="videoUrl-error">Enter a link that starts with https:\/\/\./);
    expect(res.body).toMatch(/id="end-time-error">The meeting must end after it starts\./);
    // What was typed is kept.
    expect(res.body).toContain('value="http://meet.example.org/x"');
    expect(res.body).toMatch(/value="police-korca" checked/);
    expect(await world.db.items()).toEqual(before);
    expect(world.mailer.sent).toHaveLength(0);
  });

  it('puts the time rules beside the date and time: in the past, too long, no organisation', async () => {
    const c = await coordinator();
    const before = await world.db.items();
    const past = await c.post(
      '/console/meetings/new',
      form({ 'start-date': '2026-11-30', 'end-date': null }),
    );
    expect(past.status).toBe(400);
    expect(past.body).toMatch(/id="start-date-error">The meeting must start in the future\./);
    const long = await c.post('/console/meetings/new', form({ 'start-time': '06:00', 'end-time': '20:00' }));
    expect(long.status).toBe(400);
    expect(long.body).toMatch(/id="end-time-error">A meeting can last at most 12 hours\./);
    const nobody = await c.post('/console/meetings/new', form({ orgId: null }));
    expect(nobody.status).toBe(400);
    expect(nobody.body).toContain('href="#orgs-0"');
    expect(nobody.body).toMatch(/id="orgs-error">Choose at least one organisation/);
    const noTime = await c.post('/console/meetings/new', form({ 'start-time': '' }));
    expect(noTime.status).toBe(400);
    expect(noTime.body).toMatch(/id="start-time-error">This is required\./);
    expect(await world.db.items()).toEqual(before);
    expect(world.mailer.sent).toHaveLength(0);
  });

  it('sets a monthly series: three meetings, each its own', async () => {
    const c = await coordinator();
    const id = await createThroughForm(c, { recurrence: 'monthly', interval: '1' });
    const page = await c.get(`/console/meetings/${id}`);
    expect(page.body).toContain('Occurrence 1 of a recurring series');
    expect(invites(ARBEN)).toHaveLength(3);
  });

  it('is the coordinators’ alone', async () => {
    const a = await arben();
    expect((await a.get('/console/meetings/new')).status).toBe(403);
    const before = await world.db.items();
    expect((await a.post('/console/meetings/new', form())).status).toBe(403);
    expect(await world.db.items()).toEqual(before);
  });
});

describe('an invited council member', () => {
  it('sees the meeting listed and on its page, without anyone’s answer, and downloads the invitation', async () => {
    const c = await coordinator();
    const id = await createThroughForm(c);
    // Lindita (invited with the police) declines through her link.
    const answered = await submitRsvp(
      { store: world.db.store, now: world.now },
      rsvpToken(invites(LINDITA)[0], 'declined'),
      new URLSearchParams({ answer: 'declined' }),
    );
    expect(answered.kind).toBe('done');

    const a = await arben();
    const list = await a.get('/console/meetings');
    expect(list.status).toBe(200);
    expect(list.body).toContain(`href="/console/meetings/${id}"`);
    expect(list.body).not.toContain('/console/meetings/new');

    const shown = await a.get(`/console/meetings/${id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('Quarterly council meeting');
    expect(shown.body).toContain('Lindita');
    expect(shown.body).not.toContain('Declined');
    expect(shown.body).not.toContain('>Answer<');
    expect(shown.body).not.toContain('/cancellation');
    expect(shown.body).not.toContain('>History<');
    expect(shown.body).toContain(`href="/console/meetings/${id}/invite.ics"`);

    // The coordinator sees the answer.
    const coordView = await c.get(`/console/meetings/${id}`);
    expect(coordView.body).toContain('>Answer<');
    expect(coordView.body).toContain('Declined');

    const file = await a.get(`/console/meetings/${id}/invite.ics`);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('text/calendar; charset=utf-8; method=REQUEST');
    expect(file.headers['content-disposition']).toBe('attachment; filename="invite.ics"');
    expect(file.body).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(file.body).toContain('METHOD:REQUEST\r\n');
    expect(file.body).toContain('DTSTART:20261215T090000Z');
    expect(file.body).not.toContain('/rsvp/');
    const event = parseIcs(file.body);
    expect(event.method).toBe('REQUEST');
    expect(event.uid).toBe(`meeting-${id}@bashke.example.org`);
    // The same invite as the mail's: UID and SEQUENCE.
    const mailed = parseIcs(invites(ARBEN)[0]?.calendar?.ics ?? '');
    expect(event.uid).toBe(mailed.uid);
    expect(event.sequence).toBe(mailed.sequence);
    expect(event.start.toISOString()).toBe('2026-12-15T09:00:00.000Z');
    expect(event.end.toISOString()).toBe('2026-12-15T11:00:00.000Z');
    expect(event.startText).toMatch(/Z$/);
    expect(event.organizer.email).toBe(COORDINATOR);
    expect(event.attendees[0]).toMatchObject({ email: ARBEN, rsvp: 'TRUE', role: 'REQ-PARTICIPANT' });
    expect(event.location).toBe('Prefecture of Korça, room 2');
  });

  it('a council member not invited gets 404 and does not see it listed', async () => {
    const c = await coordinator();
    const id = await createThroughForm(c);
    const u = await world.signIn('council', 'university-korca', UNIVERSITY);
    const list = await u.get('/console/meetings');
    expect(list.status).toBe(200);
    expect(list.body).not.toContain(id);
    expect(list.body).not.toContain('Quarterly council meeting');
    expect((await u.get(`/console/meetings/${id}`)).status).toBe(404);
    expect((await u.get(`/console/meetings/${id}/invite.ics`)).status).toBe(404);
    expect((await u.get('/console/meetings/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('police and NGO roles get 403 on the meetings pages', async () => {
    const c = await coordinator();
    const id = await createThroughForm(c);
    const police = await world.signIn('police', 'police-korca', 'antitrafficking@police-korca.example.org');
    const ngo = await world.signIn('ngo', 'ngo-iom', 'focal.point@iom.example.org');
    for (const m of [police, ngo]) {
      expect((await m.get('/console/meetings')).status).toBe(403);
      expect((await m.get(`/console/meetings/${id}`)).status).toBe(403);
      expect((await m.get(`/console/meetings/${id}/invite.ics`)).status).toBe(403);
      expect((await m.post(`/console/meetings/${id}/cancellation`, [['version', '1']])).status).toBe(403);
    }
  });
});

describe('the minutes', () => {
  const MINUTES: [string, string][] = [
    ['summary', 'The group reviewed the quarter.'],
    ['decisions', 'Train the new officers\nPrepare the spring campaign'],
    ['action-0-title', 'Organise a training day'],
    ['action-0-kind', 'ACTION_ITEM'],
    ['action-0-org', 'police-korca'],
    ['action-0-due', '2027-01-31'],
    ['action-0-decision', '1'],
    ['action-1-title', 'Leaflets for schools'],
    ['action-1-kind', 'PREVENTION'],
    ['action-1-org', 'ngo-iom'],
    ['action-1-due', ''],
    ['action-1-decision', '2'],
    ...[2, 3, 4].flatMap((i): [string, string][] => [
      [`action-${i}-title`, ''],
      [`action-${i}-kind`, 'ACTION_ITEM'],
      [`action-${i}-org`, ''],
      [`action-${i}-due`, ''],
      [`action-${i}-decision`, '1'],
    ]),
  ];
  const minutes = (changes: Record<string, string> = {}): [string, string][] =>
    MINUTES.map(([k, v]) => [k, k in changes ? (changes[k] as string) : v]);

  it('are recorded through the form after the end and shown with their action items', async () => {
    const early = await coordinator();
    const id = await createThroughForm(early);
    expect((await early.get(`/console/meetings/${id}`)).body).toContain(
      'The minutes can be recorded once the meeting has ended.',
    );
    expect((await early.get(`/console/meetings/${id}/minutes`)).status).toBe(409);

    await sweepAt('2026-12-15T11:00:30.000Z');
    await sweepAt('2026-12-15T11:01:30.000Z');
    // Two weeks on: a new session.
    const c = await coordinator();
    const ended = await c.get(`/console/meetings/${id}`);
    expect(ended.body).toContain(`href="/console/meetings/${id}/minutes"`);
    expect(ended.body).toContain('Ended: minutes to come');

    const blank = await c.get(`/console/meetings/${id}/minutes`);
    expect(blank.status).toBe(200);
    expect(blank.body).toContain('id="action-4-title"');
    expect(blank.body).toContain('<option value="police-korca"');

    // A row naming a decision that is not there, then an organisation missing: nothing written.
    const before = await world.db.items();
    const noDecision = await c.post(`/console/meetings/${id}/minutes`, minutes({ 'action-1-decision': '5' }));
    expect(noDecision.status).toBe(400);
    expect(noDecision.body).toMatch(/id="action-1-decision-error">There is no decision with this number/);
    const noOrg = await c.post(
      `/console/meetings/${id}/minutes`,
      minutes({ 'action-0-org': '', summary: '' }),
    );
    expect(noOrg.status).toBe(400);
    expect(noOrg.body).toMatch(/id="action-0-org-error">Choose the organisation/);
    expect(noOrg.body).toMatch(/id="summary-error">Enter a summary/);
    const pastDue = await c.post(
      `/console/meetings/${id}/minutes`,
      minutes({ 'action-0-due': '2026-12-01' }),
    );
    expect(pastDue.status).toBe(400);
    expect(pastDue.body).toMatch(/id="action-0-due-error">Enter a date after today/);
    expect(await world.db.items()).toEqual(before);

    const done = await c.post(`/console/meetings/${id}/minutes`, minutes());
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/console/meetings/${id}?done=minutes`);

    const shown = await c.get(`/console/meetings/${id}?done=minutes`);
    expect(shown.body).toContain('The minutes are recorded.');
    expect(shown.body).toContain('Minutes recorded');
    expect(shown.body).toContain('<p>The group reviewed the quarter.</p>');
    expect(shown.body).toContain('Train the new officers');
    expect(shown.body).toContain(
      'Organise a training day — State Police Korça — Anti-Trafficking Unit, by 31 Jan 2027',
    );
    // No due date: the prevention work's 60 days from the recording.
    expect(shown.body).toMatch(/Leaflets for schools — IOM office Korça, by \d+ \w+ 2027/);
    expect(shown.body).not.toContain(`/console/meetings/${id}/minutes"`);

    // The council member of the police sees them too, with a link to their action items.
    const a = await arben();
    const theirs = await a.get(`/console/meetings/${id}`);
    expect(theirs.body).toContain('Organise a training day');
    expect(theirs.body).toContain('href="/console/action-items"');

    // Again: the minutes are recorded already.
    const again = await c.post(`/console/meetings/${id}/minutes`, minutes());
    expect(again.status).toBe(409);
  });
});

describe('the cancellation', () => {
  it('cancels the meeting from its page; invitees get the CANCEL and the file is the CANCEL', async () => {
    const c = await coordinator();
    const id = await createThroughForm(c);
    const shown = await c.get(`/console/meetings/${id}`);
    expect(shown.body).toContain(`action="/console/meetings/${id}/cancellation"`);
    expect(shown.body).toContain('name="version" value="1"');

    // A stale version changes nothing.
    const before = await world.db.items();
    expect((await c.post(`/console/meetings/${id}/cancellation`, [['version', '7']])).status).toBe(409);
    expect(await world.db.items()).toEqual(before);

    const res = await c.post(`/console/meetings/${id}/cancellation`, [['version', '1']]);
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/console/meetings/${id}?done=cancelled`);
    const after = await c.get(`/console/meetings/${id}?done=cancelled`);
    expect(after.body).toContain('The meeting is cancelled.');
    expect(after.body).toContain('Cancelled');
    expect(after.body).not.toContain('/cancellation"');

    const cancels = world.mailer.to(ARBEN).filter((e) => e.calendar?.method === 'CANCEL');
    expect(cancels).toHaveLength(1);

    const a = await arben();
    const list = await a.get('/console/meetings');
    expect(list.body).toContain('Cancelled');
    const file = await a.get(`/console/meetings/${id}/invite.ics`);
    expect(file.headers['content-type']).toBe('text/calendar; charset=utf-8; method=CANCEL');
    const event = parseIcs(file.body);
    expect(event.method).toBe('CANCEL');
    expect(event.status).toBe('CANCELLED');
    expect(event.sequence).toBe(1);
  });
});

describe('in Albanian', () => {
  it('shows the list and the form in Albanian', async () => {
    const c = await world.signIn('coordinator', 'prefecture-korca', COORDINATOR, 'sq');
    const list = await c.get('/console/meetings');
    expect(list.body).toContain('Mbledhjet e ardhshme');
    const blank = await c.get('/console/meetings/new');
    expect(blank.body).toContain('Caktoni mbledhjen dhe dërgoni ftesat');
  });
});
