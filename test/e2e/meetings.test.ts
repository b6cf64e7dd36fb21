/**
 * The cooperation group's meetings on the running stack, as its users meet them: the
 * prefecture's coordinator sets, moves and cancels meetings through the HTTP API, the
 * invitees read the invites in the inbox as a mail client would (the raw message from the SES
 * emulator, the calendar part by ical.js) and answer through the link in them; ops move the
 * runtime clock for the reminders. One stack serves every test, in order: they share its clock.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mintLocalToken } from '../../local';
import { addCalendarDays, instantAt, wallClock } from '../../shared/util/time';
import { freePortBase, type InboxEmail, RunningStack } from '../support/e2e-stack';
import { fetchRaw, type MimeTreeNode, mimeTree, parseInvite } from '../support/raw-mail';

const ZONE = 'Europe/Tirane';
const COORDINATOR = { org: 'prefecture-korca', email: 'coordinator@prefecture-korca.example.org' };

type RawInboxEmail = InboxEmail & { readonly messageId: string };

interface MeetingView {
  readonly meetingId: string;
  readonly start: string;
  readonly end: string;
  readonly startLocal: string;
  readonly status: string;
  readonly sequence: number;
  readonly version: number;
  readonly attendees: { readonly email: string; readonly answer?: string }[];
}

/** `yyyy-mm-dd` of the last Sunday of March (summer time starts in the EU that night). */
function lastSundayOfMarch(year: number): string {
  const d = new Date(Date.UTC(year, 2, 31));
  d.setUTCDate(31 - d.getUTCDay());
  return d.toISOString().slice(0, 10);
}

/** The MIME tree's shape: types, calendar methods, dispositions and file names. */
const shape = (n: MimeTreeNode): unknown => ({
  type: n.contentType,
  ...(n.params.method ? { method: n.params.method } : {}),
  ...(n.disposition ? { disposition: n.disposition } : {}),
  ...(n.filename ? { filename: n.filename } : {}),
  ...(n.children.length ? { children: n.children.map(shape) } : {}),
});

const invitePartsOf = (method: 'REQUEST' | 'CANCEL') => ({
  type: 'multipart/mixed',
  children: [
    {
      type: 'multipart/alternative',
      children: [{ type: 'text/plain' }, { type: 'text/html' }, { type: 'text/calendar', method }],
    },
    { type: 'application/ics', disposition: 'attachment', filename: 'invite.ics' },
  ],
});

describe('meetings on the local stack', () => {
  let stack: RunningStack;
  let dataDir: string | undefined;
  /** The Friday before and the Monday after the next change to summer time, ahead of the clock. */
  let friday: string;
  let monday: string;

  const admin = async (pathname: string, body: unknown = {}) => {
    const res = await fetch(`${stack.runtime.urls.admin}${pathname}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${pathname} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<{ now?: string }>;
  };
  const now = async () => {
    const res = await fetch(`${stack.runtime.urls.admin}/clock`);
    return new Date(((await res.json()) as { now: string }).now);
  };
  const advance = (ms: number) => admin('/clock/advance', { ms });
  /** A local wall-clock time in Tirana, to the minute (`2027-03-29T10:00`). */
  const local = (instant: Date) => {
    const wall = wallClock(instant, ZONE);
    const minutes = Math.floor(wall.msOfDay / 60_000);
    return `${wall.date}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  };
  /** Dated by the stack's runtime clock: valid after the clock moved on. */
  const coordinatorToken = () =>
    mintLocalToken({
      role: 'coordinator',
      org: COORDINATOR.org,
      email: COORDINATOR.email,
      'data-dir': stack.dataDir,
    });
  const api = async (method: string, pathname: string, body?: unknown) => {
    const res = await fetch(`${stack.runtime.urls.api}${pathname}`, {
      method,
      headers: {
        Authorization: `Bearer ${await coordinatorToken()}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
    };
  };
  const inbox = async () => (await stack.inbox()) as RawInboxEmail[];
  /** The inbox's messages about a meeting, by its (unique) title in the subject. */
  const about = async (title: string) => (await inbox()).filter((e) => e.subject.includes(title));
  const waitFor = async (what: () => Promise<boolean>, label: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await what()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${label} did not happen; the log:\n${stack.log.slice(-4000)}`);
  };
  /** Waits for `count` messages about `title` beyond those in `seen`; returns the new ones. */
  const newMail = async (title: string, seen: ReadonlySet<string>, count: number) => {
    const fresh = async () => (await about(title)).filter((e) => !seen.has(e.messageId));
    await waitFor(async () => (await fresh()).length >= count, `${count} messages about "${title}"`);
    await new Promise((r) => setTimeout(r, 500));
    const found = await fresh();
    expect(found).toHaveLength(count);
    return found;
  };
  const invites = (emails: readonly RawInboxEmail[]) =>
    Promise.all(
      emails.map(async (e) => ({
        email: e,
        invite: await parseInvite(await fetchRaw(stack.runtime.urls.inbox, e.messageId)),
      })),
    );
  const create = async (body: Record<string, unknown>) => {
    const res = await api('POST', '/meetings', { region: 'korca', agenda: [], ...body });
    expect(res.status).toBe(201);
    const items = res.body.items as MeetingView[];
    expect(items).toHaveLength(1);
    return items[0] as MeetingView;
  };
  const rsvpLink = (email: InboxEmail) => {
    const m = /(http:\/\/127\.0\.0\.1:\d+\/rsvp\/[A-Za-z0-9_-]+)\?answer=accepted/.exec(
      email.body.text ?? '',
    );
    if (!m?.[1]) throw new Error('the invite holds no answer link');
    return m[1];
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-meetings-'));
    stack = await RunningStack.start({ dataDir, env: { BASHKE_PORT: String(await freePortBase()) } });
    // The next change to summer time at least a week ahead of the stack's clock.
    const today = wallClock(await now(), ZONE).date;
    let year = Number(today.slice(0, 4));
    while (addCalendarDays(lastSundayOfMarch(year), -7) <= today) year += 1;
    const sunday = lastSundayOfMarch(year);
    friday = addCalendarDays(sunday, -2);
    monday = addCalendarDays(sunday, 1);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    // The data folder goes even when the stack never started.
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('invites, moves and cancels a meeting across the change to summer time: one UID, SEQUENCE 0, 1, 2, a REQUEST then a CANCEL, times in UTC', async () => {
    const title = 'Këshilli vendor — mbledhja e marsit';
    const expected = [
      'council@municipality-korca.example.org',
      'focal.point@vatra.example.org',
      'regional.protection@iom.example.org',
      'reintegration@iom.example.org',
    ];
    const created = await create({
      title,
      agenda: ['Rastet e reja', 'Plani i parandalimit'],
      place: 'Prefektura e Korçës, salla 2',
      start: `${monday}T10:00`,
      end: `${monday}T11:30`,
      invite: { orgIds: ['municipality-korca', 'ngo-iom'], emails: ['focal.point@vatra.example.org'] },
    });
    // 10:00 in Tirana the Monday after the change is 08:00 UTC (CEST, +2).
    expect(created).toMatchObject({
      start: `${monday}T08:00:00.000Z`,
      end: `${monday}T09:30:00.000Z`,
      startLocal: `${monday}T10:00`,
      status: 'SCHEDULED',
      sequence: 0,
      version: 1,
    });
    expect(created.attendees.map((a) => a.email).sort()).toEqual(expected);

    const seen = new Set<string>();
    const check = async (
      emails: RawInboxEmail[],
      want: { method: 'REQUEST' | 'CANCEL'; sequence: number; start: string; end: string },
    ) => {
      const parsed = await invites(emails);
      // One message to each invitee, none to anyone else.
      expect(parsed.map((p) => p.email.destination.to).sort()).toEqual(expected.map((e) => [e]));
      const uids = new Set<string>();
      for (const { email, invite } of parsed) {
        seen.add(email.messageId);
        expect(shape(invite.tree)).toEqual(invitePartsOf(want.method));
        expect(invite.partMethod).toBe(want.method);
        expect(invite.attachment?.ics).toBe(invite.ics);
        const { event } = invite;
        expect(event).toMatchObject({ method: want.method, sequence: want.sequence, summary: title });
        expect(event.uid).toMatch(new RegExp(`^meeting-${created.meetingId}@`));
        uids.add(event.uid);
        expect(event.startText).toBe(want.start);
        expect(event.start.toISOString()).toBe(want.start.replace('Z', '.000Z'));
        expect(event.end.toISOString()).toBe(want.end.replace('Z', '.000Z'));
        expect(event.organizer.email).toBe(COORDINATOR.email);
        expect(event.attendees.map((a) => a.email).sort()).toEqual(expected);
        // An invitation or an update asks each attendee to answer.
        if (want.method === 'REQUEST') for (const a of event.attendees) expect(a.rsvp).toBe('TRUE');
        expect(invite.mail.subject).toContain(title);
        if (want.method === 'CANCEL') expect(event.status).toBe('CANCELLED');
        else expect(event.status).not.toBe('CANCELLED');
      }
      expect(uids.size).toBe(1);
      return { uid: [...uids][0], parsed };
    };

    const first = await check(await newMail(title, seen, 4), {
      method: 'REQUEST',
      sequence: 0,
      start: `${monday}T08:00:00Z`,
      end: `${monday}T09:30:00Z`,
    });
    const oldLink = rsvpLink(first.parsed[0]?.email as RawInboxEmail);

    // Moved to the Friday before the change: 10:00 in Tirana is 09:00 UTC (CET, +1).
    const moved = await api('PATCH', `/meetings/${created.meetingId}`, {
      version: 1,
      start: `${friday}T10:00`,
      end: `${friday}T11:30`,
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      start: `${friday}T09:00:00.000Z`,
      startLocal: `${friday}T10:00`,
      sequence: 1,
      version: 2,
    });
    const second = await check(await newMail(title, seen, 4), {
      method: 'REQUEST',
      sequence: 1,
      start: `${friday}T09:00:00Z`,
      end: `${friday}T10:30:00Z`,
    });
    expect(second.uid).toBe(first.uid);
    // The first invitation's answer link is for a time that no longer holds.
    expect((await fetch(oldLink)).status).toBe(410);

    const cancelled = await api('POST', `/meetings/${created.meetingId}/cancellation`, { version: 2 });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.items).toEqual([
      expect.objectContaining({ meetingId: created.meetingId, status: 'CANCELLED', sequence: 2 }),
    ]);
    const third = await check(await newMail(title, seen, 4), {
      method: 'CANCEL',
      sequence: 2,
      start: `${friday}T09:00:00Z`,
      end: `${friday}T10:30:00Z`,
    });
    expect(third.uid).toBe(first.uid);
    // A cancellation asks for no answer.
    for (const { email } of third.parsed) expect(email.body.text ?? '').not.toMatch(/\/rsvp\//);
    // Changing a cancelled meeting is refused, and mails no one.
    const again = await api('PATCH', `/meetings/${created.meetingId}`, { version: 3, title: `${title} 2` });
    expect(again.status).toBe(409);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await about(title)).toHaveLength(12);
  }, 90_000);

  it('takes an answer through the invite link: GET shows the page and changes nothing, POST records it once, the coordinator sees it', async () => {
    const title = 'Grupi i klasterit — rishikimi i rasteve';
    const created = await create({
      title,
      start: `${monday}T14:00`,
      end: `${monday}T15:00`,
      invite: { orgIds: ['ngo-terre-des-hommes'], emails: [] },
    });
    const mails = await newMail(title, new Set(), 2);
    const mail = mails.find((e) => e.destination.to.includes('focal.point@tdh.example.org'));
    if (!mail) throw new Error('no invite to the focal point of Terre des hommes');
    const link = rsvpLink(mail);

    const before = await stack.settledScan();
    const page = await fetch(`${link}?answer=accepted`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(title);
    expect(html).toMatch(/name="answer" value="accepted"/);
    expect(await stack.scan()).toEqual(before);

    const post = (answer: string) =>
      fetch(`${link}?answer=${answer}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `answer=${answer}`,
      });
    expect((await post('accepted')).status).toBe(200);
    expect((await post('accepted')).status).toBe(410);
    expect((await post('declined')).status).toBe(410);

    const read = await api('GET', `/meetings/${created.meetingId}`);
    expect(read.status).toBe(200);
    const attendees = (read.body as unknown as MeetingView).attendees;
    expect(attendees).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ email: 'focal.point@tdh.example.org', answer: 'accepted' }),
      ]),
    );
    expect(
      attendees.find((a) => a.email === 'child.protection.cluster@tdh.example.org')?.answer,
    ).toBeUndefined();
  }, 60_000);

  it('refuses bad meetings with 400 problem+json, naming the field, and mails no one', async () => {
    const yesterday = addCalendarDays(wallClock(await now(), ZONE).date, -1);
    const valid = {
      region: 'korca',
      title: 'Takim i gabuar',
      agenda: ['Pika e parë'],
      start: `${monday}T10:00`,
      end: `${monday}T11:00`,
      invite: { orgIds: ['university-korca'], emails: [] },
    };
    const cases: [string, Record<string, unknown>, string, string?][] = [
      ['the end before the start', { end: `${monday}T09:00` }, '/end'],
      [
        'a meeting in the past',
        { start: `${yesterday}T10:00`, end: `${yesterday}T11:00` },
        '/start',
        'in_the_past',
      ],
      [
        'an unknown invitee',
        { invite: { orgIds: ['university-korca'], emails: ['nobody@unknown.example.org'] } },
        '/invite/emails/0',
        'unknown_reference',
      ],
      ['an organisation outside the directory', { invite: { orgIds: ['ngo-nowhere'] } }, '/invite/orgIds/0'],
      ['CR/LF in the title', { title: 'Takim\r\nBcc: everyone@example.org' }, '/title'],
      ['HTML in the agenda', { agenda: ['Pika <script>alert(1)</script>'] }, '/agenda/0'],
    ];
    await stack.settledScan();
    const mailBefore = (await inbox()).length;
    const listed = async () => ((await api('GET', '/meetings')).body.items as MeetingView[]).length;
    const meetingsBefore = await listed();
    for (const [label, change, pointer, code] of cases) {
      const res = await api('POST', '/meetings', { ...valid, ...change });
      expect({ label, status: res.status, type: res.type }).toEqual({
        label,
        status: 400,
        type: expect.stringContaining('application/problem+json'),
      });
      const errors = res.body.errors as { path: string; code: string }[];
      expect({ label, errors }).toEqual({
        label,
        errors: expect.arrayContaining([
          expect.objectContaining({ path: pointer, ...(code ? { code } : {}) }),
        ]),
      });
      // The problem names the field, never the value sent.
      expect(JSON.stringify(res.body)).not.toMatch(/nobody@|<script>|Bcc:|ngo-nowhere/);
    }
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await inbox()).toHaveLength(mailBefore);
    expect(await listed()).toBe(meetingsBefore);
  }, 60_000);

  it('reminds the invitees two hours before, as plain mail, and never of a cancelled meeting', async () => {
    // The next 10:00 in Tirana (forward only, as the clock moves), then two meetings at 15:00.
    const at = await now();
    let ten = instantAt(wallClock(at, ZONE).date, 10 * 3_600_000, ZONE);
    if (ten.getTime() <= at.getTime()) ten = new Date(ten.getTime() + 86_400_000);
    await advance(ten.getTime() - at.getTime());
    const start = new Date(ten.getTime() + 5 * 3_600_000);
    const end = new Date(start.getTime() + 3_600_000);
    await create({
      title: 'Takimi i parandalimit',
      start: local(start),
      end: local(end),
      invite: { orgIds: ['university-korca'], emails: [] },
    });
    const dropped = await create({
      title: 'Takimi i anuluar',
      start: local(start),
      end: local(end),
      invite: { orgIds: ['ngo-amaro-drom'], emails: [] },
    });
    await newMail('Takimi i parandalimit', new Set(), 1);
    await newMail('Takimi i anuluar', new Set(), 1);
    expect(
      (await api('POST', `/meetings/${dropped.meetingId}/cancellation`, { version: dropped.version })).status,
    ).toBe(200);
    await waitFor(async () => (await about('Takimi i anuluar')).length === 2, 'the cancellation');

    // Two hours before the start (three hours on, and a minute): the dispatcher's minute runs.
    await advance(3 * 3_600_000 + 60_000);
    await waitFor(async () => (await about('Takimi i parandalimit')).length === 2, 'the reminder');
    const reminder = (await about('Takimi i parandalimit'))[1] as RawInboxEmail;
    expect(reminder.destination.to).toEqual(['awareness@university-korca.example.org']);
    expect(reminder.subject).toMatch(/kujtesë/i);
    // A reminder is plain mail: no calendar part to add the meeting twice.
    const tree = await mimeTree(await fetchRaw(stack.runtime.urls.inbox, reminder.messageId));
    expect(JSON.stringify(shape(tree))).not.toContain('calendar');

    // On past the cancelled meeting's start: it has no reminder, ever.
    await advance(2 * 3_600_000 + 60_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await about('Takimi i anuluar')).toHaveLength(2);
    expect((await about('Takimi i parandalimit')).filter((e) => /kujtesë/i.test(e.subject))).toHaveLength(1);
  }, 90_000);

  it('walks npm run demo -- --meeting through the running stack: created, moved, cancelled, each invite where it says', async () => {
    const repo = path.resolve(__dirname, '..', '..');
    const out = execFileSync(path.join(repo, 'node_modules', '.bin', 'tsx'), ['local/demo.ts', '--meeting'], {
      cwd: repo,
      env: { ...process.env, BASHKE_DATA_DIR: stack.dataDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const lines = out.trim().split('\n');
    const meetingId = /^meetingId: ([0-9a-f-]{36})$/.exec(lines[0] ?? '')?.[1];
    expect(meetingId).toBeDefined();
    const said = lines.filter((l) => l.includes('its calendar part says:'));
    expect(said).toHaveLength(3);
    expect(said[0]).toMatch(/METHOD:REQUEST .*SEQUENCE:0 /);
    expect(said[1]).toMatch(/METHOD:REQUEST .*SEQUENCE:1 /);
    expect(said[2]).toMatch(/METHOD:CANCEL .*SEQUENCE:2 .*STATUS:CANCELLED/);
    for (const l of said) expect(l).toContain(`UID:meeting-${meetingId}@`);
    // Each raw message it names is served, and is one of the meeting's invites.
    const raws = lines
      .map((l) => l.trim())
      .filter((l) => l.startsWith(`${stack.runtime.urls.inbox}/raw?messageId=`));
    expect(raws).toHaveLength(3);
    for (const url of raws) {
      const invite = await parseInvite(
        await fetchRaw(stack.runtime.urls.inbox, new URL(url).searchParams.get('messageId') ?? ''),
      );
      expect(invite.event.uid).toMatch(new RegExp(`^meeting-${meetingId}@`));
    }
    expect(out).toContain(`${stack.runtime.urls.inbox}/`);
    const read = await api('GET', `/meetings/${meetingId}`);
    expect(read.body).toMatchObject({ status: 'CANCELLED', sequence: 2 });
    // Council members of several organisations were invited.
    const orgs = new Set((read.body.attendees as { orgId: string }[]).map((a) => a.orgId));
    expect(orgs.size).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
