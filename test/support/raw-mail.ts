import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type MimeNode, Splitter } from '@zone-eu/mailsplit';
import ICAL from 'ical.js';
import { type ParsedMail, simpleParser } from 'mailparser';

/**
 * Reading sent mail as a mail client would, for tests: the raw bytes from the SES emulator's
 * `GET <inbox>/raw?messageId=`, the MIME tree by mailsplit (mailparser's own splitter), decoded
 * parts by mailparser, and calendar invites by ical.js.
 */

/** The raw message the emulator kept for `messageId` (its `SendRawEmail` bytes, unchanged). */
export async function fetchRaw(inboxUrl: string, messageId: string): Promise<Buffer> {
  const res = await fetch(`${inboxUrl}/raw?messageId=${encodeURIComponent(messageId)}`);
  if (res.status !== 200) throw new Error(`GET /raw answered ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** One MIME node: its type with parameters (lower-case names), disposition and children. */
export interface MimeTreeNode {
  /** e.g. `multipart/mixed`, `text/calendar`. */
  readonly contentType: string;
  /** Content-Type parameters, e.g. `{ charset: 'utf-8', method: 'REQUEST' }`. */
  readonly params: Readonly<Record<string, string>>;
  readonly disposition?: string;
  readonly filename?: string;
  readonly children: MimeTreeNode[];
}

type SplitNode = InstanceType<typeof MimeNode>;

/** Content-Type parameters of a node (names lower-cased, quotes taken off). */
function typeParams(node: SplitNode): Record<string, string> {
  const params: Record<string, string> = {};
  const header = node.headers ? node.headers.getFirst('content-type') : '';
  for (const part of header.split(';').slice(1)) {
    const eq = part.indexOf('=');
    if (eq > 0)
      params[part.slice(0, eq).trim().toLowerCase()] = part
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
  }
  return params;
}

/** The MIME structure of `raw`, root first. */
export async function mimeTree(raw: Buffer): Promise<MimeTreeNode> {
  const built = new Map<unknown, MimeTreeNode>();
  let root: MimeTreeNode | undefined;
  const collect = new Writable({
    objectMode: true,
    write(chunk: { type: string }, _encoding, done) {
      if (chunk.type === 'node') {
        const split = chunk as SplitNode;
        const node: MimeTreeNode = {
          contentType: split.contentType || 'text/plain',
          params: typeParams(split),
          ...(split.disposition ? { disposition: split.disposition } : {}),
          ...(split.filename ? { filename: split.filename } : {}),
          children: [],
        };
        built.get(split.parentNode)?.children.push(node);
        built.set(split, node);
        root ??= node;
      }
      done();
    },
  });
  await pipeline(Readable.from([raw]), new Splitter(), collect);
  if (!root) throw new Error('no MIME node in the message');
  return root;
}

/** An ATTENDEE or ORGANIZER as ical.js reads it. */
export interface CalendarPerson {
  /** The address, without `mailto:`. */
  readonly email: string;
  readonly name?: string;
  readonly role?: string;
  readonly partstat?: string;
  readonly rsvp?: string;
}

/** The VEVENT of a one-event iTIP message, as ical.js parses it. */
export interface CalendarEvent {
  readonly method: string;
  readonly uid: string;
  readonly sequence: number;
  readonly status?: string;
  readonly dtstamp: Date;
  readonly start: Date;
  readonly end: Date;
  /** DTSTART's raw value text, e.g. `2027-03-29T08:00:00Z` (the `Z`: UTC). */
  readonly startText: string;
  readonly summary: string;
  readonly description?: string;
  readonly location?: string;
  readonly url?: string;
  readonly organizer: CalendarPerson;
  readonly attendees: CalendarPerson[];
}

function person(property: InstanceType<typeof ICAL.Property>): CalendarPerson {
  const param = (name: string) => {
    const value = property.getParameter(name);
    return typeof value === 'string' ? value : undefined;
  };
  const optional = {
    name: param('cn'),
    role: param('role'),
    partstat: param('partstat'),
    rsvp: param('rsvp'),
  };
  return {
    email: String(property.getFirstValue()).replace(/^mailto:/i, ''),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

/** Parses `.ics` text with ical.js: METHOD and the one VEVENT's fields. */
export function parseIcs(ics: string): CalendarEvent {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const events = calendar.getAllSubcomponents('vevent');
  if (events.length !== 1) throw new Error(`expected one VEVENT, found ${events.length}`);
  const vevent = events[0] as InstanceType<typeof ICAL.Component>;
  const text = (name: string) => {
    const value = vevent.getFirstPropertyValue(name);
    return value === null ? undefined : String(value);
  };
  const time = (name: string) => {
    const value = vevent.getFirstPropertyValue(name);
    if (!(value instanceof ICAL.Time)) throw new Error(`${name} is not a date-time`);
    return value;
  };
  const organizer = vevent.getFirstProperty('organizer');
  if (!organizer) throw new Error('no ORGANIZER');
  const entries = {
    method: String(calendar.getFirstPropertyValue('method')),
    uid: String(vevent.getFirstPropertyValue('uid')),
    sequence: Number(vevent.getFirstPropertyValue('sequence')),
    status: text('status'),
    dtstamp: time('dtstamp').toJSDate(),
    start: time('dtstart').toJSDate(),
    end: time('dtend').toJSDate(),
    startText: time('dtstart').toString(),
    summary: text('summary') ?? '',
    description: text('description'),
    location: text('location'),
    url: text('url'),
    organizer: person(organizer),
    attendees: vevent.getAllProperties('attendee').map(person),
  };
  return Object.fromEntries(
    Object.entries(entries).filter(([, v]) => v !== undefined),
  ) as unknown as CalendarEvent;
}

/** A calendar invite as a mail client sees it. */
export interface ParsedInvite {
  readonly mail: ParsedMail;
  readonly tree: MimeTreeNode;
  /** The `method=` of the `text/calendar` alternative's Content-Type. */
  readonly partMethod: string | undefined;
  /** The `.ics` text of the `text/calendar` alternative. */
  readonly ics: string;
  /** The attached `.ics` file (name and text), when there is one. */
  readonly attachment?: { readonly filename: string; readonly contentType: string; readonly ics: string };
  /** The alternative's calendar, parsed by ical.js. */
  readonly event: CalendarEvent;
}

/**
 * Parses a raw invite: the MIME tree, the `text/calendar` alternative inside
 * `multipart/alternative` and its `method=`, the attached `.ics`, and the VEVENT.
 */
export async function parseInvite(raw: Buffer): Promise<ParsedInvite> {
  const [mail, tree] = await Promise.all([simpleParser(raw), mimeTree(raw)]);
  const calendarPart = mail.attachments.find(
    (a) => a.contentType === 'text/calendar' && a.contentDisposition !== 'attachment',
  );
  if (!calendarPart) throw new Error('no text/calendar alternative');
  const type = calendarPart.headers.get('content-type') as { params?: Record<string, string> } | undefined;
  const file = mail.attachments.find(
    (a) => a.contentDisposition === 'attachment' && a.filename?.endsWith('.ics'),
  );
  const ics = calendarPart.content.toString('utf8');
  return {
    mail,
    tree,
    partMethod: type?.params?.method,
    ics,
    ...(file
      ? {
          attachment: {
            filename: file.filename ?? '',
            contentType: file.contentType,
            ics: file.content.toString('utf8'),
          },
        }
      : {}),
    event: parseIcs(ics),
  };
}
