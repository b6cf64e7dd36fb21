/**
 * SES event publishing records as the configuration set's EventBridge destination delivers
 * them (source `aws.ses`), shaped after the examples in the SES developer guide ("Examples of
 * event data that Amazon SES publishes"), with the fields SES adds that the function ignores.
 */

export const CONFIGURATION_SET = 'bashke-config-set';

function mail(
  messageId: string,
  to: readonly string[],
  subject = 'Bashkë: Needs assessment — KOR-2026-0001',
) {
  return {
    timestamp: '2026-03-10T10:00:00.000Z',
    source: 'Bashkë <bashke@example.org>',
    sourceArn: 'arn:aws:ses:eu-central-1:123456789012:identity/example.org',
    sendingAccountId: '123456789012',
    messageId,
    destination: [...to],
    headersTruncated: false,
    headers: [
      { name: 'From', value: 'bashke@example.org' },
      { name: 'To', value: to.join(', ') },
      { name: 'Subject', value: subject },
    ],
    commonHeaders: { from: ['bashke@example.org'], to: [...to], messageId, subject },
    tags: {
      'ses:configuration-set': [CONFIGURATION_SET],
      'ses:source-ip': ['192.0.2.0'],
      'ses:from-domain': ['example.org'],
      'ses:caller-identity': ['bashke-open-task'],
    },
  };
}

function envelope(detailType: string, detail: Record<string, unknown>, time: string) {
  return {
    version: '0',
    id: `evt-${detailType.replace(/\W/g, '')}-${time}`,
    'detail-type': detailType,
    source: 'aws.ses',
    account: '123456789012',
    time,
    region: 'eu-central-1',
    resources: [`arn:aws:ses:eu-central-1:123456789012:configuration-set/${CONFIGURATION_SET}`],
    detail,
  };
}

export function sendEvent(messageId: string, to: readonly string[]) {
  return envelope(
    'Email Sent',
    { eventType: 'Send', mail: mail(messageId, to), send: {} },
    '2026-03-10T10:00:01Z',
  );
}

export function deliveryEvent(messageId: string, to: readonly string[], at = '2026-03-10T10:00:03.000Z') {
  return envelope(
    'Email Delivered',
    {
      eventType: 'Delivery',
      mail: mail(messageId, to),
      delivery: {
        timestamp: at,
        processingTimeMillis: 2003,
        recipients: [...to],
        smtpResponse: '250 2.6.0 Message received',
        reportingMTA: 'mta-out.eu-central-1.amazonses.com',
      },
    },
    at,
  );
}

export function bounceEvent(
  messageId: string,
  bounced: readonly string[],
  bounceType: 'Permanent' | 'Transient' | 'Undetermined' = 'Permanent',
  at = '2026-03-10T10:00:05.000Z',
) {
  return envelope(
    'Email Bounced',
    {
      eventType: 'Bounce',
      bounce: {
        feedbackId: '0100017ec44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000',
        bounceType,
        bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
        bouncedRecipients: bounced.map((emailAddress) => ({
          emailAddress,
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        })),
        timestamp: at,
        reportingMTA: 'dsn; mta.example.com',
      },
      mail: mail(messageId, bounced),
    },
    at,
  );
}

export function complaintEvent(
  messageId: string,
  complained: readonly string[],
  at = '2026-03-10T11:00:00.000Z',
) {
  return envelope(
    'Email Complaint Received',
    {
      eventType: 'Complaint',
      complaint: {
        feedbackId: '0100017ec44f053b-complaint-example-000000',
        complaintSubType: null,
        complainedRecipients: complained.map((emailAddress) => ({ emailAddress })),
        timestamp: at,
        userAgent: 'ExampleCorp Feedback Loop (V0.01)',
        complaintFeedbackType: 'abuse',
        arrivalDate: at,
      },
      mail: mail(messageId, complained),
    },
    at,
  );
}

export function rejectEvent(messageId: string, to: readonly string[]) {
  return envelope(
    'Email Rejected',
    { eventType: 'Reject', mail: mail(messageId, to), reject: { reason: 'Bad content' } },
    '2026-03-10T10:00:01Z',
  );
}

export function openEvent(messageId: string, to: readonly string[]) {
  return envelope(
    'Email Opened',
    { eventType: 'Open', mail: mail(messageId, to), open: { timestamp: '2026-03-10T10:10:00.000Z' } },
    '2026-03-10T10:10:00Z',
  );
}
