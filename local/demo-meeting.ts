/**
 * One meeting of the cooperation group on a running local stack, as the prefecture's
 * coordinator would set it: created through the HTTP API for the council members of several
 * organisations, moved a day on, then cancelled. After each step the invites are found in the
 * SES emulator's inbox; the log names the inbox page and one message's raw MIME
 * (`/raw?messageId=`), where the calendar part can be read as a mail client gets it.
 * `npm run demo -- --meeting` prints it: `meetingId: <uuid>` first, then one line per step.
 */

import { calendarDate } from '../shared/util/time';
import type { RuntimeFile } from './runtime-file';

/** An email of the SES emulator's inbox (`GET <inbox>/store`), with the id `/raw` takes. */
interface InboxMessage {
  readonly messageId: string;
  readonly destination: { readonly to: string[] };
  readonly subject: string;
}

interface MeetingAnswer {
  readonly meetingId: string;
  readonly start: string;
  readonly startLocal: string;
  readonly status: string;
  readonly sequence: number;
  readonly version: number;
  readonly attendees: readonly { readonly email: string }[];
}

export interface MeetingWalkOptions {
  readonly runtime: Pick<RuntimeFile, 'urls'>;
  /** An ID token of the role and organisation, valid by the stack's runtime clock now. */
  readonly token: (role: string, org: string, email?: string) => Promise<string>;
  /** The coordinator who sets the meeting (their organisation and directory mailbox). */
  readonly coordinator: { readonly org: string; readonly email: string };
  readonly region: string;
  /** The organisations whose council and cluster members are invited. */
  readonly orgIds: readonly string[];
  /** The group's time zone: the day the meeting is set on is counted in it. @default Europe/Tirane */
  readonly timeZone?: string;
  /** How long to look for the invites, in ms. @default 30000 */
  readonly emailTimeoutMs?: number;
}

/** What the walk did: the meeting and, per step, the messages it sent. */
export interface MeetingWalkResult {
  readonly meetingId: string;
  readonly steps: readonly { readonly step: 'invite' | 'move' | 'cancel'; readonly messageIds: string[] }[];
}

const TITLE = 'Këshilli vendor kundër trafikimit — mbledhja e demos';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * METHOD, UID, SEQUENCE, DTSTART and STATUS of the first calendar in a raw message: its
 * `text/calendar` alternative (quoted-printable and folded lines undone; enough for a demo).
 */
export function calendarSummary(raw: string): string {
  const text = raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/\r?\n[ \t]/g, '');
  const field = (name: string) => new RegExp(`^${name}[:;][^\r\n]*`, 'm').exec(text)?.[0];
  return ['METHOD', 'UID', 'SEQUENCE', 'DTSTART', 'STATUS']
    .map(field)
    .filter((f): f is string => f !== undefined)
    .join(' ');
}

/** Creates, moves and cancels one meeting, logging each step and where to see its invites. */
export async function walkMeeting(
  opts: MeetingWalkOptions,
  log: (line: string) => void,
): Promise<MeetingWalkResult> {
  const { urls } = opts.runtime;
  const zone = opts.timeZone ?? 'Europe/Tirane';
  const timeoutMs = opts.emailTimeoutMs ?? 30_000;
  const inbox = async (): Promise<InboxMessage[]> =>
    ((await (await fetch(`${urls.inbox}/store`)).json()) as { emails: InboxMessage[] }).emails;
  const call = async (method: string, pathname: string, body: unknown, want: number) => {
    const res = await fetch(`${urls.api}${pathname}`, {
      method,
      headers: {
        Authorization: `Bearer ${await opts.token('coordinator', opts.coordinator.org, opts.coordinator.email)}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== want) throw new Error(`${method} ${pathname} answered ${res.status}: ${text}`);
    return JSON.parse(text) as unknown;
  };
  /** The `count` messages about the meeting sent since `seen` was taken. */
  const newInvites = async (seen: ReadonlySet<string>, count: number): Promise<InboxMessage[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const fresh = (await inbox()).filter((e) => !seen.has(e.messageId) && e.subject.includes(TITLE));
      if (fresh.length >= count) return fresh;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${count} invites (${fresh.length} arrived)`);
      await sleep(300);
    }
  };
  const seenNow = async () => new Set((await inbox()).map((e) => e.messageId));
  const where = async (messages: readonly InboxMessage[]) => {
    const one = messages[0] as InboxMessage;
    const rawUrl = `${urls.inbox}/raw?messageId=${encodeURIComponent(one.messageId)}`;
    log(`  ${messages.length} messages, one to each invitee; see them in the inbox: ${urls.inbox}/`);
    log(`  the raw message to ${one.destination.to.join(', ')}, calendar part and invite.ics:`);
    log(`  ${rawUrl}`);
    const res = await fetch(rawUrl);
    if (res.status !== 200) throw new Error(`GET ${rawUrl} answered ${res.status}`);
    log(`  its calendar part says: ${calendarSummary(await res.text())}`);
  };

  // A week ahead of the stack's clock (which may have been moved on), 10:00 on the group's clock.
  let now = new Date().toISOString();
  if (urls.admin) now = ((await (await fetch(`${urls.admin}/clock`)).json()) as { now: string }).now;
  const day = calendarDate(new Date(Date.parse(now) + 7 * 86_400_000), zone);
  const nextDay = calendarDate(new Date(Date.parse(now) + 8 * 86_400_000), zone);
  const steps: { step: 'invite' | 'move' | 'cancel'; messageIds: string[] }[] = [];

  let seen = await seenNow();
  const created = (
    (await call(
      'POST',
      '/meetings',
      {
        region: opts.region,
        title: TITLE,
        agenda: ['Rastet e referuara që nga mbledhja e kaluar', 'Plani i parandalimit për verën'],
        place: 'Prefektura, salla e mbledhjeve',
        start: `${day}T10:00`,
        end: `${day}T11:30`,
        invite: { orgIds: [...opts.orgIds], emails: [] },
      },
      201,
    )) as { items: MeetingAnswer[] }
  ).items[0] as MeetingAnswer;
  log(`meetingId: ${created.meetingId}`);
  log(
    `1. created for ${created.startLocal} ${zone} (${created.start}), ${created.attendees.length} council and cluster members of ${opts.orgIds.join(', ')} invited`,
  );
  let messages = await newInvites(seen, created.attendees.length);
  steps.push({ step: 'invite', messageIds: messages.map((m) => m.messageId) });
  await where(messages);

  seen = await seenNow();
  const moved = (await call(
    'PATCH',
    `/meetings/${created.meetingId}`,
    { version: created.version, start: `${nextDay}T10:00`, end: `${nextDay}T11:30` },
    200,
  )) as MeetingAnswer;
  log(
    `2. moved a day on, to ${moved.startLocal} (${moved.start}): an update with the same UID, SEQUENCE ${moved.sequence}; everyone is asked to answer again`,
  );
  messages = await newInvites(seen, moved.attendees.length);
  steps.push({ step: 'move', messageIds: messages.map((m) => m.messageId) });
  await where(messages);

  seen = await seenNow();
  const cancelled = (
    (await call('POST', `/meetings/${created.meetingId}/cancellation`, { version: moved.version }, 200)) as {
      items: MeetingAnswer[];
    }
  ).items[0] as MeetingAnswer;
  log(
    `3. cancelled (${cancelled.status}, SEQUENCE ${cancelled.sequence}): a CANCEL with the same UID to everyone; no reminders follow`,
  );
  messages = await newInvites(seen, cancelled.attendees.length);
  steps.push({ step: 'cancel', messageIds: messages.map((m) => m.messageId) });
  await where(messages);
  log(`GET ${urls.api}/meetings/${created.meetingId} (a coordinator's token) shows it and its history`);
  return { meetingId: created.meetingId, steps };
}
