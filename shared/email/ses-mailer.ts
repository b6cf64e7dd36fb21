import { type MessageTag, type SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { type Metrics, noMetrics } from '../util/metrics';
import {
  assertCalendarMethod,
  assertHeaderSafe,
  type MailAbout,
  type Mailer,
  type OutgoingEmail,
  type SendResult,
} from './mailer';

/**
 * Sends through SES v1 `SendRawEmail` with the configuration set (TLS required, events
 * published), the message built by nodemailer's MailComposer: `multipart/alternative` text and
 * HTML in UTF-8 with the library's transfer encodings and RFC 2047 headers, and a message's
 * calendar invite as a `text/calendar; method=...` alternative plus an `.ics` attachment.
 *
 * Retries are the client's (`sesClientConfig`); what still fails is thrown for the caller, or
 * for `OutboxMailer`, to sort into transient and permanent. Each message SES accepts counts
 * in `EmailsSent` (a queued one counts when the dispatcher's attempt sends it).
 */
export class SesMailer implements Mailer {
  /**
   * @param metrics counts each message SES accepted (`EmailsSent`); the function's wiring
   *   flushes them
   */
  constructor(
    private readonly ses: SESClient,
    private readonly from: string,
    private readonly configurationSet: string,
    private readonly metrics: Metrics = noMetrics,
  ) {}

  async send(email: OutgoingEmail): Promise<SendResult> {
    const raw = await buildRawMessage(this.from, email);
    const tags = messageTags(email.about);
    const out = await this.ses.send(
      new SendRawEmailCommand({
        Source: this.from,
        Destinations: [...email.to],
        RawMessage: { Data: raw },
        ConfigurationSetName: this.configurationSet,
        ...(tags.length > 0 ? { Tags: tags } : {}),
      }),
    );
    this.metrics.add('EmailsSent', 1);
    return { status: 'sent', messageId: out.MessageId ?? '' };
  }
}

/**
 * The raw MIME message (RFC 5322) of `email` from `from`. Refuses control characters in every
 * header value it is given (addresses, subject) before building.
 *
 * Without a calendar: `multipart/alternative` (text, HTML). With one, through MailComposer's
 * `icalEvent`: `multipart/mixed` holding `multipart/alternative` (text, HTML,
 * `text/calendar; charset=utf-8; method=<METHOD>`) and the same `.ics` attached as
 * `invite.ics` (`application/ics`), the shape Outlook, Gmail and Apple Mail show as an invite.
 *
 * MailComposer is imported here, not at module scope: a function that only constructs the mailer
 * does not run nodemailer's module code at cold start (esbuild keeps a dynamic import's module
 * lazily initialised); its bytes are in the bundle all the same, and parsed at load.
 */
export async function buildRawMessage(from: string, email: OutgoingEmail): Promise<Uint8Array> {
  for (const field of [from, email.subject, ...email.to]) assertHeaderSafe(field);
  if (email.calendar) assertCalendarMethod(email.calendar);
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  const message = new MailComposer({
    from,
    to: [...email.to],
    subject: email.subject,
    text: email.text,
    html: email.html,
    ...(email.calendar
      ? {
          icalEvent: {
            method: email.calendar.method,
            content: email.calendar.ics,
            filename: INVITE_FILE_NAME,
          },
        }
      : {}),
    // Addresses and subject are ours and checked above; nodemailer must not read files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  }).compile();
  return new Uint8Array(await message.build());
}

/** The calendar attachment's file name. */
export const INVITE_FILE_NAME = 'invite.ics';

/** What SES allows in a message tag's name and value (ASCII letters, digits, `_ . @ -`). */
const TAG_VALUE = /^[A-Za-z0-9_.@-]{1,256}$/;

/**
 * SES message tags from what the message is about: `purpose`, `caseId`, and `taskId` when the
 * message is about exactly one task. A value SES would refuse is left out rather than sent:
 * tags serve the delivery-event handler, and a refused tag would refuse the whole message.
 */
export function messageTags(about: MailAbout | undefined): MessageTag[] {
  if (!about) return [];
  const candidates: [string, string | undefined][] = [
    ['purpose', about.purpose],
    ['caseId', about.caseId],
    ['taskId', about.taskIds?.length === 1 ? about.taskIds[0] : undefined],
  ];
  return candidates.flatMap(([Name, Value]) =>
    Value !== undefined && TAG_VALUE.test(Value) ? [{ Name, Value }] : [],
  );
}
