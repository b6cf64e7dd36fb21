import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DELIVERY_EVENT_TYPES, DeliveryEvents } from '../../infra/constructs/delivery-events';
import { Mail } from '../../infra/constructs/mail';
import { OpsAlerts } from '../../infra/constructs/ops-alerts';
import { OpsKey } from '../../infra/constructs/ops-key';

const ENVIRONMENT = { account: '123456789012', region: 'eu-central-1' };

/** A bare stack with the mail construct, the ops key and alerts, and a stand-in handler. */
function deliveryStack(props: { retryAttempts?: number } = {}) {
  const stack = new Stack(new App(), 'Test', { env: ENVIRONMENT });
  const key = new OpsKey(stack, 'OpsKey');
  const alerts = new OpsAlerts(stack, 'OpsAlerts', { key });
  const mail = new Mail(stack, 'Mail', { senderEmail: 'bashke@example.org', alerts });
  const handler = new lambda.Function(stack, 'Handler', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('export const handler = async () => ({});'),
    timeout: Duration.seconds(10),
  });
  const construct = new DeliveryEvents(stack, 'DeliveryEvents', {
    configurationSet: mail.configurationSet,
    handler,
    key,
    alerts,
    ...props,
  });
  const id = (c: { node: { defaultChild?: unknown } }) =>
    stack.resolve((c.node.defaultChild as { logicalId: string }).logicalId) as string;
  return { stack, template: Template.fromStack(stack), mail, handler, construct, id };
}

describe('DeliveryEvents', () => {
  it('publishes deliveries, bounces, complaints and rejects of the configuration set to the default bus', () => {
    const { template, mail, id } = deliveryStack();
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: id(mail.configurationSet) },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['delivery', 'bounce', 'complaint', 'reject'],
        EventBridgeDestination: {
          EventBusArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':event-bus/default$')])] },
        },
      },
    });
  });

  it('matches four SES detail types (not Send: the record is written as sent) of this configuration set only', () => {
    const { template, mail, id } = deliveryStack();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': ['Email Delivered', 'Email Bounced', 'Email Complaint Received', 'Email Rejected'],
        detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: id(mail.configurationSet) }] } } },
      },
    });
    expect(DELIVERY_EVENT_TYPES).toHaveLength(4);
  });

  it('targets the handler with retries, an event age limit and the dead-letter queue', () => {
    const { template, handler, construct, id } = deliveryStack();
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [id(handler), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(construct.deadLetterQueue), 'Arn'] } },
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [id(handler), 'Arn'] },
    });
  });

  it('sends what Lambda still fails after its own retries to the same queue', () => {
    const { template, handler, construct, id } = deliveryStack();
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id(handler) },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [id(construct.deadLetterQueue), 'Arn'] } },
      },
    });
  });

  it('encrypts the dead-letter queue with the key, TLS only, lets only the rule send to it, and alarms on it', () => {
    const { template, construct, id } = deliveryStack();
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OpsKey'), 'Arn'] },
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    const policies = JSON.stringify(template.findResources('AWS::SQS::QueuePolicy'));
    expect(policies).toContain('aws:SecureTransport');
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [id(construct.rule), 'Arn'] } } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [id(construct.deadLetterQueue), 'QueueName'] } },
      ],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^OpsAlerts') }],
    });
  });

  it('lets EventBridge use the key only for this account’s rules', () => {
    const { template } = deliveryStack();
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-central-1:123456789012:rule/*'],
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('refuses a retry count EventBridge does not accept, naming it', () => {
    expect(() => deliveryStack({ retryAttempts: 200 })).toThrow(/retryAttempts .* got 200/);
  });
});
