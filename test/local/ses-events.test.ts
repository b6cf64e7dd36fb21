import { sesEvents, simulatorOutcome } from '../../local/engine/events/ses-events';
import type { LocalConfigurationSet } from '../../local/engine/model';
import type { SesSentMessage } from '../../local/engine/services/ses-local';

const context = { region: 'eu-central-1', accountId: '000000000000' };
const set = (types: string[]): LocalConfigurationSet => ({
  logicalId: 'Mail',
  stackName: 'App',
  name: 'App-Mail',
  eventBridgeDestinations: [{ name: 'ToBus', busName: 'default', matchingEventTypes: types }],
});
const ALL = ['send', 'delivery', 'bounce', 'complaint', 'reject'];

function message(to: string[], overrides: Partial<SesSentMessage> = {}): SesSentMessage {
  return {
    messageId: 'ses-0001',
    timestamp: '2026-07-15T06:00:00.000Z',
    action: 'SendEmail',
    source: 'Bashkë <no-reply@bashke.example>',
    destination: to,
    to,
    cc: [],
    subject: 'Offer KOR-2026-0042',
    headers: [{ name: 'Subject', value: 'Offer KOR-2026-0042' }],
    configurationSetName: 'App-Mail',
    tags: { kind: 'offer' },
    ...overrides,
  };
}

const types = (to: string[], matching = ALL) =>
  sesEvents(message(to), [set(matching)], context).map((e) => e.detailType);

describe('SES events through a configuration set’s EventBridge destination', () => {
  it.each([
    ['ngo@example.org', 'delivery'],
    ['success@simulator.amazonses.com', 'delivery'],
    ['bounce@simulator.amazonses.com', 'bounce'],
    ['Someone <bounce+case-42@simulator.amazonses.com>', 'bounce'],
    ['complaint@simulator.amazonses.com', 'complaint'],
    ['suppressionlist@simulator.amazonses.com', 'suppressed'],
  ])('treats %s as the mailbox simulator does (%s)', (address, outcome) => {
    expect(simulatorOutcome(address)).toBe(outcome);
  });

  it.each([
    [['ngo@example.org'], ['Email Sent', 'Email Delivered']],
    [['success@simulator.amazonses.com'], ['Email Sent', 'Email Delivered']],
    [['bounce@simulator.amazonses.com'], ['Email Sent', 'Email Bounced']],
    [['complaint@simulator.amazonses.com'], ['Email Sent', 'Email Delivered', 'Email Complaint Received']],
    [['suppressionlist@simulator.amazonses.com'], ['Email Sent', 'Email Bounced']],
    [
      ['ngo@example.org', 'bounce@simulator.amazonses.com'],
      ['Email Sent', 'Email Delivered', 'Email Bounced'],
    ],
  ])('publishes for a message to %j: %j', (to, expected) => {
    expect(types(to)).toEqual(expected);
  });

  it('publishes only the destination’s matching event types, and nothing without the configuration set', () => {
    expect(types(['complaint@simulator.amazonses.com'], ['bounce', 'complaint'])).toEqual([
      'Email Complaint Received',
    ]);
    expect(
      sesEvents(message(['a@b.example'], { configurationSetName: undefined }), [set(ALL)], context),
    ).toEqual([]);
    expect(
      sesEvents(message(['a@b.example'], { configurationSetName: 'Other' }), [set(ALL)], context),
    ).toEqual([]);
  });

  it('shapes the event as SES event publishing does', () => {
    const [, bounce] = sesEvents(message(['suppressionlist@simulator.amazonses.com']), [set(ALL)], context);
    expect(bounce).toMatchObject({
      source: 'aws.ses',
      detailType: 'Email Bounced',
      busName: 'default',
      resources: ['arn:aws:ses:eu-central-1:000000000000:configuration-set/App-Mail'],
      detail: {
        eventType: 'Bounce',
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'OnAccountSuppressionList',
          bouncedRecipients: [
            { emailAddress: 'suppressionlist@simulator.amazonses.com', action: 'failed', status: '5.1.1' },
          ],
          feedbackId: expect.any(String),
          timestamp: '2026-07-15T06:00:01.000Z',
        },
        mail: {
          timestamp: '2026-07-15T06:00:00.000Z',
          messageId: 'ses-0001',
          source: 'Bashkë <no-reply@bashke.example>',
          sourceArn: 'arn:aws:ses:eu-central-1:000000000000:identity/bashke.example',
          sendingAccountId: '000000000000',
          destination: ['suppressionlist@simulator.amazonses.com'],
          headersTruncated: false,
          headers: [{ name: 'Subject', value: 'Offer KOR-2026-0042' }],
          commonHeaders: { from: ['Bashkë <no-reply@bashke.example>'], subject: 'Offer KOR-2026-0042' },
          tags: {
            'ses:configuration-set': ['App-Mail'],
            'ses:from-domain': ['bashke.example'],
            kind: ['offer'],
          },
        },
      },
    });
    const [, delivery, complaint] = sesEvents(
      message(['complaint@simulator.amazonses.com']),
      [set(ALL)],
      context,
    );
    expect(delivery?.detail).toMatchObject({
      eventType: 'Delivery',
      delivery: {
        recipients: ['complaint@simulator.amazonses.com'],
        smtpResponse: expect.stringMatching(/^250 /),
      },
    });
    expect(complaint?.detail).toMatchObject({
      eventType: 'Complaint',
      complaint: {
        complainedRecipients: [{ emailAddress: 'complaint@simulator.amazonses.com' }],
        complaintFeedbackType: 'abuse',
      },
    });
  });
});
