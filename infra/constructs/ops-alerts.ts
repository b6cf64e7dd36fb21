import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as snsSubscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface OpsAlertsProps {
  /** Encrypts the topic; CloudWatch alarms are allowed to use it. */
  readonly key: kms.IKey;
  /**
   * An address subscribed to the topic by email (the deployment's coordinator): the
   * recipient of last resort, who confirms the subscription from the first message.
   * @default no subscription in the stack
   */
  readonly subscriberEmail?: string;
}

export interface FailureAlarmProps {
  /** A count of failures per period, e.g. `stateMachine.metricFailed({ statistic: 'Sum' })`. */
  readonly metric: cloudwatch.IMetric;
  /** What failed and who has to act, for the person on call. */
  readonly description: string;
}

export interface OpsAlarmProps extends FailureAlarmProps {
  /** The alarm fires when the metric reaches this value in a period (`>=`). */
  readonly threshold: number;
  /**
   * Periods in a row the metric must reach the threshold in.
   * @default 1
   */
  readonly evaluationPeriods?: number;
}

/**
 * Where operations alerts go: one encrypted, TLS-only SNS topic, with the coordinator's
 * address subscribed when given; others on call subscribe after deploy (the stack outputs
 * the topic's ARN).
 */
export class OpsAlerts extends Construct {
  readonly topic: sns.Topic;
  private readonly made: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OpsAlertsProps) {
    super(scope, id);
    // Alarms publish to an encrypted topic only when CloudWatch may use its key.
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    // `Default`: the topic keeps the logical id it had before this construct existed.
    this.topic = new sns.Topic(this, 'Default', { masterKey: props.key, enforceSSL: true });
    if (props.subscriberEmail) {
      this.topic.addSubscription(new snsSubscriptions.EmailSubscription(props.subscriberEmail));
    }
  }

  get topicArn(): string {
    return this.topic.topicArn;
  }

  /** Every alarm made with `alarm` or `alarmOnFailures`, in order (the dashboard shows their states). */
  get alarms(): readonly cloudwatch.Alarm[] {
    return [...this.made];
  }

  /** Sends the alarm's state changes to the topic. */
  addAlarm(alarm: cloudwatch.AlarmBase): void {
    alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.topic));
  }

  /**
   * An alarm in `scope` that fires when `metric` reaches `threshold` in `evaluationPeriods`
   * periods in a row, sent to the topic. No data is no breach: a metric that nothing reports
   * (no traffic, no failure) keeps the alarm OK.
   */
  alarm(scope: Construct, id: string, props: OpsAlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(scope, id, {
      alarmDescription: props.description,
      metric: props.metric,
      threshold: props.threshold,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.addAlarm(alarm);
    this.made.push(alarm);
    return alarm;
  }

  /**
   * An alarm in `scope` that fires as soon as `metric` counts one failure in a period (no
   * data is no failure), sent to the topic.
   */
  alarmOnFailures(scope: Construct, id: string, props: FailureAlarmProps): cloudwatch.Alarm {
    return this.alarm(scope, id, { ...props, threshold: 1 });
  }
}
