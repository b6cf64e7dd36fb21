import { type SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { assertHeaderSafe, type Mailer, type OutgoingEmail, type SendResult } from './mailer';

/** Sends through SES v1 with the configuration set (TLS required, events published). */
export class SesMailer implements Mailer {
  constructor(
    private readonly ses: SESClient,
    private readonly from: string,
    private readonly configurationSet: string,
  ) {}

  async send(email: OutgoingEmail): Promise<SendResult> {
    for (const field of [this.from, email.subject, ...email.to]) assertHeaderSafe(field);
    const out = await this.ses.send(
      new SendEmailCommand({
        Source: this.from,
        Destination: { ToAddresses: [...email.to] },
        ConfigurationSetName: this.configurationSet,
        Message: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: email.text, Charset: 'UTF-8' },
            Html: { Data: email.html, Charset: 'UTF-8' },
          },
        },
      }),
    );
    return { status: 'sent', messageId: out.MessageId ?? '' };
  }
}
