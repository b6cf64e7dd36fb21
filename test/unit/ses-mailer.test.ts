import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { type ParsedMail, simpleParser } from 'mailparser';
import { HeaderInjectionError, type OutgoingEmail } from '../../shared/email/mailer';
import { messageTags, SesMailer } from '../../shared/email/ses-mailer';

const ses = mockClient(SESClient);
const FROM = 'Bashkë <no-reply@bashke.example.org>';
const SUBJECT = 'Bashkë: kujtesë — Vlerësimi i nevojave, rasti KOR-2026-0042';
const TEXT =
  'Vlerësimi i nevojave për rastin KOR-2026-0042 ka afat deri më 2026-03-03 10:00. Çdo gjë në rregull?';
const HTML = `<!doctype html><html lang="sq"><body><p>${TEXT}</p></body></html>`;
const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Bashkë//Meetings//SQ',
  'METHOD:REQUEST',
  'BEGIN:VEVENT',
  'UID:meeting-1@bashke.example.org',
  'DTSTAMP:20260301T090000Z',
  'DTSTART:20260310T090000Z',
  'SUMMARY:Takimi i grupit të bashkëpunimit, Korçë',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

function email(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return { to: ['pika.fokale@vatra.example.org'], subject: SUBJECT, text: TEXT, html: HTML, ...overrides };
}

function mailer(): SesMailer {
  return new SesMailer(new SESClient({ region: 'eu-central-1' }), FROM, 'bashke-tls');
}

/** Sends `message` through the mocked SES and parses the raw MIME it was given. */
async function sendAndParse(message: OutgoingEmail): Promise<ParsedMail> {
  await mailer().send(message);
  const input = ses.commandCalls(SendRawEmailCommand)[0]?.args[0].input;
  const data = input?.RawMessage?.Data;
  if (!data) throw new Error('no raw message sent');
  return simpleParser(Buffer.from(data));
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

  it('carries a text/calendar; method=REQUEST alternative and an .ics attachment', async () => {
    const parsed = await sendAndParse(
      email({
        parts: [
          { contentType: 'text/calendar; charset=utf-8; method=REQUEST', content: ICS },
          { contentType: 'application/ics', content: ICS, filename: 'ftesë-takimi.ics' },
        ],
      }),
    );

    expect(parsed.text?.trim()).toBe(TEXT);
    expect(parsed.html).toContain(TEXT);
    const calendar = parsed.attachments.find((a) => a.contentType === 'text/calendar');
    expect(calendar?.content.toString('utf8')).toBe(ICS);
    expect(calendar?.headers.get('content-type')).toMatchObject({ params: { method: 'REQUEST' } });
    const file = parsed.attachments.find((a) => a.filename === 'ftesë-takimi.ics');
    expect(file).toMatchObject({ contentType: 'application/ics', contentDisposition: 'attachment' });
    expect(file?.content.toString('utf8')).toBe(ICS);
  });

  it.each([
    ['subject', email({ subject: 'Bashkë\r\nBcc: x@example.org' })],
    ['address', email({ to: ['a@example.org\r\nBcc: x@example.org'] })],
    [
      'attachment file name',
      email({ parts: [{ contentType: 'text/plain', content: 'x', filename: 'a\nb.ics' }] }),
    ],
    ['part content type', email({ parts: [{ contentType: 'text/calendar\r\nX-Evil: 1', content: 'x' }] })],
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
