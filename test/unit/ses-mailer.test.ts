import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { simpleParser } from 'mailparser';
import { type CalendarInviteInput, calendarInvite, invitePart } from '../../shared/email/invite';
import { CalendarMethodError, HeaderInjectionError, type OutgoingEmail } from '../../shared/email/mailer';
import { messageTags, SesMailer } from '../../shared/email/ses-mailer';
import { type MimeTreeNode, mimeTree, parseInvite } from '../support/raw-mail';
import { RecordingMetrics } from '../support/recording-metrics';

const ses = mockClient(SESClient);
const FROM = 'Bashkë <no-reply@bashke.example.org>';
const SUBJECT = 'Bashkë: kujtesë — Vlerësimi i nevojave, rasti KOR-2026-0042';
const TEXT =
  'Vlerësimi i nevojave për rastin KOR-2026-0042 ka afat deri më 2026-03-03 10:00. Çdo gjë në rregull?';
const HTML = `<!doctype html><html lang="sq"><body><p>${TEXT}</p></body></html>`;
/** A real invite, as the meetings use cases build it. */
function invite(overrides: Partial<CalendarInviteInput> = {}): CalendarInviteInput {
  return {
    method: 'REQUEST',
    uid: 'meeting-1@bashke.example.org',
    sequence: 0,
    dtstamp: new Date('2026-03-01T09:00:00Z'),
    start: new Date('2026-03-10T09:00:00Z'),
    end: new Date('2026-03-10T10:00:00Z'),
    summary: 'Takimi i grupit të bashkëpunimit, Korçë',
    organizer: { name: 'Arta Hoxha', email: 'arta.hoxha@korce.example.gov.al' },
    attendees: [{ name: 'Besnik Çela', email: 'pika.fokale@vatra.example.org' }],
    ...overrides,
  };
}

function email(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return { to: ['pika.fokale@vatra.example.org'], subject: SUBJECT, text: TEXT, html: HTML, ...overrides };
}

function mailer(): SesMailer {
  return new SesMailer(new SESClient({ region: 'eu-central-1' }), FROM, 'bashke-tls');
}

/** The raw MIME the mocked SES was given by the first send. */
function rawSent(): Buffer {
  const data = ses.commandCalls(SendRawEmailCommand)[0]?.args[0].input.RawMessage?.Data;
  if (!data) throw new Error('no raw message sent');
  return Buffer.from(data);
}

beforeEach(() => {
  ses.reset();
  ses.on(SendRawEmailCommand).resolves({ MessageId: 'ses-message-1' });
});

describe('SesMailer', () => {
  it('answers sent with the message id SES gives, through the configuration set', async () => {
    const result = await mailer().send(
      email({ about: { purpose: 'reminder', caseId: 'case-1', taskIds: ['t-1'] } }),
    );

    expect(result).toEqual({ status: 'sent', messageId: 'ses-message-1' });
    const input = ses.commandCalls(SendRawEmailCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      Source: FROM,
      Destinations: ['pika.fokale@vatra.example.org'],
      ConfigurationSetName: 'bashke-tls',
      Tags: [
        { Name: 'purpose', Value: 'reminder' },
        { Name: 'caseId', Value: 'case-1' },
        { Name: 'taskId', Value: 't-1' },
      ],
    });
  });

  it('keeps an Albanian subject and body with ë and ç intact, in text and HTML alternatives', async () => {
    const raw = await mailer()
      .send(email())
      .then(() =>
        Buffer.from(ses.commandCalls(SendRawEmailCommand)[0]?.args[0].input.RawMessage?.Data ?? []),
      );
    // The subject header is RFC 2047-encoded on the wire: no raw 8-bit text in the header block.
    const headers = raw.toString('latin1').split('\r\n\r\n')[0] ?? '';
    expect(headers).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(headers).toMatch(/^Content-Type: multipart\/alternative/m);

    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(SUBJECT);
    expect(parsed.text?.trim()).toBe(TEXT);
    expect(parsed.html).toContain(TEXT);
    expect(parsed.from?.value).toEqual([{ name: 'Bashkë', address: 'no-reply@bashke.example.org' }]);
    expect(parsed.messageId).toBeTruthy();
  });

  it('sends an invite as multipart/mixed: text, HTML and text/calendar; method=REQUEST as alternatives, invite.ics attached', async () => {
    const calendar = invitePart(invite());
    await mailer().send(email({ calendar, about: { purpose: 'meeting' } }));
    const raw = rawSent();

    const { tree, mail, partMethod, ics, attachment, event } = await parseInvite(raw);
    const shape = (n: MimeTreeNode): unknown => ({
      type: n.contentType,
      ...(n.params.method ? { method: n.params.method } : {}),
      ...(n.disposition ? { disposition: n.disposition } : {}),
      ...(n.filename ? { filename: n.filename } : {}),
      ...(n.children.length ? { children: n.children.map(shape) } : {}),
    });
    expect(shape(tree)).toEqual({
      type: 'multipart/mixed',
      children: [
        {
          type: 'multipart/alternative',
          children: [
            { type: 'text/plain' },
            { type: 'text/html' },
            { type: 'text/calendar', method: 'REQUEST' },
          ],
        },
        { type: 'application/ics', disposition: 'attachment', filename: 'invite.ics' },
      ],
    });
    expect(tree.children[0]?.children[2]?.params.charset).toBe('utf-8');
    expect(mail.text?.trim()).toBe(TEXT);
    expect(mail.html).toContain(TEXT);
    // The part's method= is the calendar's METHOD; both copies are the invite, byte for byte.
    expect(partMethod).toBe('REQUEST');
    expect(event.method).toBe('REQUEST');
    expect(ics).toBe(calendar.ics);
    expect(attachment).toEqual({ filename: 'invite.ics', contentType: 'application/ics', ics: calendar.ics });
    expect(event).toMatchObject({ uid: 'meeting-1@bashke.example.org', summary: invite().summary });
  });

  it('sends a cancellation with method=CANCEL on the part and METHOD:CANCEL in the calendar', async () => {
    await mailer().send(email({ calendar: invitePart(invite({ method: 'CANCEL', sequence: 1 })) }));

    const { partMethod, event } = await parseInvite(rawSent());
    expect(partMethod).toBe('CANCEL');
    expect(event).toMatchObject({ method: 'CANCEL', status: 'CANCELLED', sequence: 1 });
  });

  it('keeps the plain multipart/alternative shape for a message without a calendar', async () => {
    await mailer().send(email());
    const tree = await mimeTree(rawSent());
    expect(tree.contentType).toBe('multipart/alternative');
    expect(tree.children.map((c) => c.contentType)).toEqual(['text/plain', 'text/html']);
  });

  it.each([
    ['names another method than the .ics', { method: 'CANCEL' as const, ics: calendarInvite(invite()) }],
    ['has no METHOD', { method: 'REQUEST' as const, ics: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' }],
  ])('refuses a calendar part that %s, and sends nothing', async (_, calendar) => {
    await expect(mailer().send(email({ calendar }))).rejects.toThrow(CalendarMethodError);
    expect(ses.commandCalls(SendRawEmailCommand)).toHaveLength(0);
  });

  it.each([
    ['subject', email({ subject: 'Bashkë\r\nBcc: x@example.org' })],
    ['address', email({ to: ['a@example.org\r\nBcc: x@example.org'] })],
  ])('refuses CR/LF in the %s and sends nothing', async (_, message) => {
    await expect(mailer().send(message)).rejects.toThrow(HeaderInjectionError);
    expect(ses.commandCalls(SendRawEmailCommand)).toHaveLength(0);
  });

  it('throws what SES throws (the outbox sorts transient from permanent)', async () => {
    ses
      .on(SendRawEmailCommand)
      .rejects(Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }));
    await expect(mailer().send(email())).rejects.toMatchObject({ name: 'MessageRejected' });
  });

  it('counts each message SES accepts in EmailsSent, and none it refuses', async () => {
    const metrics = new RecordingMetrics();
    const counted = new SesMailer(new SESClient({ region: 'eu-central-1' }), FROM, 'bashke-tls', metrics);
    await counted.send(email());
    await counted.send(email({ about: { purpose: 'reminder', caseId: 'case-1' } }));
    ses.on(SendRawEmailCommand).rejects(Object.assign(new Error('Throttling'), { name: 'Throttling' }));
    await expect(counted.send(email())).rejects.toMatchObject({ name: 'Throttling' });
    expect(metrics.added).toEqual([
      { name: 'EmailsSent', value: 1 },
      { name: 'EmailsSent', value: 1 },
    ]);
  });
});

describe('messageTags', () => {
  it('tags the purpose, the case and a single task', () => {
    expect(messageTags({ purpose: 'task', caseId: 'c-1', taskIds: ['t-1'] })).toEqual([
      { Name: 'purpose', Value: 'task' },
      { Name: 'caseId', Value: 'c-1' },
      { Name: 'taskId', Value: 't-1' },
    ]);
  });

  it('leaves out a task id for a digest, values SES refuses, and everything without about', () => {
    expect(messageTags({ purpose: 'reminder', caseId: 'case 1/ë', taskIds: ['t-1', 't-2'] })).toEqual([
      { Name: 'purpose', Value: 'reminder' },
    ]);
    expect(messageTags({ purpose: 'task', caseId: 'x'.repeat(257) })).toEqual([
      { Name: 'purpose', Value: 'task' },
    ]);
    expect(messageTags(undefined)).toEqual([]);
  });
});
