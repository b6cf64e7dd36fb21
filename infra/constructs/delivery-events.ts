import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { OpsAlerts } from './ops-alerts';

/**
 * The SES events published, and the EventBridge detail type each arrives as. Not `Send`: the
 * message's record is written as sent when SES accepts it (shared/delivery/recording-mailer.ts),
 * so a Send event could only ever find it recorded already, one function run and one read per
 * message for nothing.
 */
export const DELIVERY_EVENT_TYPES = [
  [ses.EmailSendingEvent.DELIVERY, 'Email Delivered'],
  [ses.EmailSendingEvent.BOUNCE, 'Email Bounced'],
  [ses.EmailSendingEvent.COMPLAINT, 'Email Complaint Received'],
  [ses.EmailSendingEvent.REJECT, 'Email Rejected'],
] as const;

export interface DeliveryEventsProps {
  /** The configuration set every message is sent with. */
  readonly configurationSet: ses.IConfigurationSet;
  /** Records each event (functions/delivery-events). */
  readonly handler: lambda.IFunction;
  /** Encrypts the dead-letter queue (the events name recipients' addresses). */
  readonly key: kms.IKey;
  /** Where the alarm on dead letters goes. */
  readonly alerts: OpsAlerts;
  /**
   * Tries EventBridge makes to hand an event to the function, and Lambda makes to run it.
   * @default 4 (EventBridge), 2 (Lambda)
   */
  readonly retryAttempts?: number;
  /** @default 6 hours */
  readonly maxEventAge?: Duration;
}

/**
 * The one path of SES delivery events into the system: the configuration set publishes sends,
 * deliveries, bounces, complaints and rejects to the default event bus; a rule matching those
 * five detail types of this configuration set hands them to the handler. What still fails
 * after the retries (EventBridge's delivery to Lambda, then Lambda's own asynchronous
 * retries) lands in one encrypted dead-letter queue, and an alarm tells operations.
 */
export class DeliveryEvents extends Construct {
  readonly destination: ses.ConfigurationSetEventDestination;
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DeliveryEventsProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 4;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185) {
      throw new Error(`retryAttempts must be a whole number from 0 to 185, got ${retryAttempts}`);
    }
    const maxEventAge = props.maxEventAge ?? Duration.hours(6);
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    this.destination = new ses.ConfigurationSetEventDestination(this, 'ToEventBus', {
      configurationSet: props.configurationSet,
      destination: ses.EventDestination.eventBus(defaultBus),
      events: DELIVERY_EVENT_TYPES.map(([event]) => event),
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.rule = new events.Rule(this, 'Rule', {
      description: 'SES delivery events of the configuration set, to the delivery-events function.',
      eventBus: defaultBus,
      eventPattern: {
        source: ['aws.ses'],
        detailType: DELIVERY_EVENT_TYPES.map(([, detailType]) => detailType),
        detail: {
          mail: { tags: { 'ses:configuration-set': [props.configurationSet.configurationSetName] } },
        },
      },
      targets: [
        new eventsTargets.LambdaFunction(props.handler, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts,
          maxEventAge,
        }),
      ],
    });
    // EventBridge encrypts what it puts in the queue with the key: for this account's rules.
    // Not this rule's ARN: the key would then depend on the rule, the rule on the function and
    // the function's log group on the key (a cycle). The queue policy names the rule.
    const { partition, region, account } = Stack.of(this);
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:events:${region}:${account}:rule/*` },
        },
      }),
    );

    // EventBridge invokes asynchronously: Lambda's own retries, then the same queue.
    props.handler.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      maxEventAge,
    });

    props.alerts.alarmOnFailures(this, 'DeadLettersAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      description:
        `SES delivery events failed to be recorded (${Stack.of(this).stackName}) and wait in the dead-letter queue: ` +
        'a bounced or complaining contact may still be emailed and its tasks not escalated. The developer on call ' +
        "reads the delivery-events function's errors, fixes the cause and redrives the queue (its messages name " +
        "recipients' addresses: personal data, never copied out).",
    });
  }
}
