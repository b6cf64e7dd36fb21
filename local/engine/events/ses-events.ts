/**
 * The events SES publishes through a configuration set's EventBridge destination, for a
 * message the emulator accepted (Amazon SES developer guide, "Monitor email sending using
 * Amazon SES event publishing" and "Amazon SES event data contents"): on the destination's
 * bus, `source: "aws.ses"`, `resources: [<configuration set ARN>]`, a `detail-type` per event
 * type, and `detail` = the SES event record (`eventType`, `mail`, and `send` / `delivery` /
 * `bounce` / `complaint`).
 *
 * Every message gets `Send` ("Email Sent"). Each recipient then gets what the SES mailbox
 * simulator does for its address (`+label` allowed), any other address is delivered:
 * - `success@simulator.amazonses.com` and ordinary addresses: `Delivery` ("Email Delivered");
 * - `bounce@…`: `Bounce` ("Email Bounced"), Permanent / General, status 5.1.1;
 * - `complaint@…`: `Delivery`, then `Complaint` ("Email Complaint Received"), feedback type abuse;
 * - `suppressionlist@…`: `Bounce`, Permanent / OnAccountSuppressionList.
 * Only the types in the destination's MatchingEventTypes (send, delivery, bounce, complaint,
 * reject, …) are published. Not emulated: Reject (virus scanning), DeliveryDelay, Open, Click,
 * Rendering Failure, Subscription; the simulator's `ooto@` auto-reply (it is a Delivery here).
 */
import { createHash } from 'node:crypto';
import type { LocalConfigurationSet } from '../model';
import type { SesSentMessage } from '../services/ses-local';
import type { PublishedEvent } from './event-bus';

export const SES_DETAIL_TYPES: Readonly<Record<string, string>> = {
  Send: 'Email Sent',
  Delivery: 'Email Delivered',
  Bounce: 'Email Bounced',
  Complaint: 'Email Complaint Received',
  Reject: 'Email Rejected',
};

const SIMULATOR = /^(success|bounce|complaint|suppressionlist|ooto)(\+[^@]*)?@simulator\.amazonses\.com$/i;
const REPORTING_MTA = 'dns; amazonses.com';

type Outcome = 'delivery' | 'bounce' | 'complaint' | 'suppressed';

/** What the mailbox simulator does with `address`. */
export function simulatorOutcome(address: string): Outcome {
  const m = SIMULATOR.exec(bareAddress(address));
  switch (m?.[1]?.toLowerCase()) {
    case 'bounce':
      return 'bounce';
    case 'complaint':
      return 'complaint';
    case 'suppressionlist':
      return 'suppressed';
    default:
      return 'delivery';
  }
}

/** `Name <a@b>` → `a@b`. */
function bareAddress(address: string): string {
  const m = /<([^>]+)>/.exec(address);
  return (m ? (m[1] as string) : address).trim();
}

function feedbackId(messageId: string, kind: string): string {
  return `${createHash('sha256').update(`${messageId}/${kind}`).digest('hex').slice(0, 40)}-000000`;
}

export interface SesEventContext {
  readonly region: string;
  readonly accountId: string;
}

/** The events to publish for `message` (none without a configuration set with an EventBridge destination). */
export function sesEvents(
  message: SesSentMessage,
  configurationSets: readonly LocalConfigurationSet[],
  context: SesEventContext,
): PublishedEvent[] {
  const set = configurationSets.find((s) => s.name === message.configurationSetName);
  if (!set || set.eventBridgeDestinations.length === 0) return [];
  const sent = new Date(message.timestamp);
  const at = (ms: number) => new Date(sent.getTime() + ms);
  const source = bareAddress(message.source);
  const domain = source.split('@')[1] ?? source;
  const tags: Record<string, string[]> = {
    'ses:configuration-set': [set.name],
    'ses:source-ip': ['127.0.0.1'],
    'ses:from-domain': [domain],
    'ses:caller-identity': ['local'],
  };
  for (const [name, value] of Object.entries(message.tags)) tags[name] = [value];
  const commonHeaders: Record<string, unknown> = {
    from: [message.source],
    ...(message.to.length ? { to: message.to } : {}),
    ...(message.cc.length ? { cc: message.cc } : {}),
    messageId: message.messageId,
    subject: message.subject,
  };
  const mail = {
    timestamp: message.timestamp,
    source: message.source,
    sourceArn: `arn:aws:ses:${context.region}:${context.accountId}:identity/${domain}`,
    sendingAccountId: context.accountId,
    messageId: message.messageId,
    destination: message.destination,
    headersTruncated: false,
    headers: message.headers,
    commonHeaders,
    tags,
  };

  const records: Array<{ eventType: string; [key: string]: unknown }> = [
    { eventType: 'Send', mail, send: {} },
  ];
  const outcomes = message.destination.map((address) => ({
    address: bareAddress(address),
    outcome: simulatorOutcome(address),
  }));
  const delivered = outcomes
    .filter((o) => o.outcome === 'delivery' || o.outcome === 'complaint')
    .map((o) => o.address);
  if (delivered.length) {
    records.push({
      eventType: 'Delivery',
      mail,
      delivery: {
        timestamp: at(1000).toISOString(),
        processingTimeMillis: 1000,
        recipients: delivered,
        smtpResponse: '250 2.6.0 Message received',
        reportingMTA: 'a1-1.smtp-out.local.amazonses.com',
        remoteMtaIp: '127.0.0.1',
      },
    });
  }
  for (const [outcome, subType, diagnosticCode] of [
    ['bounce', 'General', 'smtp; 550 5.1.1 user unknown'],
    [
      'suppressed',
      'OnAccountSuppressionList',
      'Amazon SES did not send the message to this address because it is on the suppression list for your account.',
    ],
  ] as const) {
    const bounced = outcomes.filter((o) => o.outcome === outcome).map((o) => o.address);
    if (!bounced.length) continue;
    records.push({
      eventType: 'Bounce',
      mail,
      bounce: {
        feedbackId: feedbackId(message.messageId, outcome),
        bounceType: 'Permanent',
        bounceSubType: subType,
        bouncedRecipients: bounced.map((emailAddress) => ({
          emailAddress,
          action: 'failed',
          status: '5.1.1',
          diagnosticCode,
        })),
        timestamp: at(1000).toISOString(),
        reportingMTA: REPORTING_MTA,
      },
    });
  }
  const complained = outcomes.filter((o) => o.outcome === 'complaint').map((o) => o.address);
  if (complained.length) {
    records.push({
      eventType: 'Complaint',
      mail,
      complaint: {
        feedbackId: feedbackId(message.messageId, 'complaint'),
        complaintSubType: null,
        complainedRecipients: complained.map((emailAddress) => ({ emailAddress })),
        timestamp: at(2000).toISOString(),
        userAgent: 'Amazon SES Mailbox Simulator',
        complaintFeedbackType: 'abuse',
        arrivalDate: at(1000).toISOString(),
      },
    });
  }

  const resource = `arn:aws:ses:${context.region}:${context.accountId}:configuration-set/${set.name}`;
  const events: PublishedEvent[] = [];
  for (const destination of set.eventBridgeDestinations) {
    for (const record of records) {
      if (!destination.matchingEventTypes.includes(record.eventType.toLowerCase())) continue;
      events.push({
        source: 'aws.ses',
        detailType: SES_DETAIL_TYPES[record.eventType] as string,
        detail: record,
        resources: [resource],
        time: new Date(
          record.eventType === 'Send'
            ? sent
            : ((record.delivery ?? record.bounce ?? record.complaint) as { timestamp: string }).timestamp,
        ),
        busName: destination.busName,
      });
    }
  }
  return events;
}
