import type { RecordMessageArgs } from '../data/delivery-store';
import type { Mailer, OutgoingEmail, SendResult } from '../email/mailer';
import { type Logger, logger as rootLogger } from '../util/logger';

/** Where the decorator writes: `DeliveryStore.recordMessage`. */
export interface DeliveryRecorder {
  recordMessage(args: RecordMessageArgs): Promise<boolean>;
}

/** The message id a record is kept under: SES's id, or the outbox reference while queued. */
export function messageKey(result: SendResult): string {
  return result.status === 'sent' ? result.messageId : `outbox#${result.outboxRef}`;
}

/**
 * A Mailer that records every message about a case or its tasks after the inner mailer took
 * it: the message record, an entry per task and an `EMAIL_SENT` (or `EMAIL_QUEUED`) timeline
 * event, from `email.about` (who was emailed and what about, never the content). A message
 * about neither (a meeting) is not recorded. A record that fails to be written is logged and
 * the send still succeeds: the message went out, and a retried step must not send it again
 * only because its record is missing.
 */
export class RecordingMailer implements Mailer {
  constructor(
    private readonly inner: Mailer,
    private readonly deliveries: DeliveryRecorder,
    private readonly now: () => Date = () => new Date(),
    private readonly log: Logger = rootLogger,
  ) {}

  async send(email: OutgoingEmail): Promise<SendResult> {
    const result = await this.inner.send(email);
    const about = email.about;
    if (!about || (about.caseId === undefined && !about.taskIds?.length)) return result;
    const messageId = messageKey(result);
    // SES always answers with an id; without one there is nothing an event could find.
    if (result.status === 'sent' && result.messageId === '') return result;
    try {
      await this.deliveries.recordMessage({
        messageId,
        about,
        recipients: email.to,
        status: result.status,
        at: this.now().toISOString(),
      });
    } catch (error) {
      this.log.warn('delivery record not written', {
        error: error instanceof Error ? error.name : typeof error,
        purpose: about.purpose,
        status: result.status,
      });
    }
    return result;
  }
}
