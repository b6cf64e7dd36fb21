import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { bashkeMetric, perOrganisation } from './bashke-metrics';

/** A state machine, with the name its widget shows. */
export interface DashboardWorkflow {
  readonly label: string;
  readonly stateMachine: sfn.IStateMachine;
}

/** A function, with the name its lines show (its folder under functions/). */
export interface DashboardFunction {
  readonly label: string;
  readonly fn: lambda.IFunction;
}

export interface OpsDashboardProps {
  /** e.g. `Bashke-prod`: dashboard names are unique per account, and a stage has its own account. */
  readonly dashboardName: string;
  readonly workflows: readonly DashboardWorkflow[];
  readonly functions: readonly DashboardFunction[];
  readonly api: apigw.IHttpApi;
  /** Where SES delivery events that could not be recorded wait. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Every alarm of the stack, for the status widget (at most 100). */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /**
   * What the dashboard shows when opened.
   * @default 7 days (the business figures are daily)
   */
  readonly defaultInterval?: Duration;
}

const FIVE_MINUTES = Duration.minutes(5);
const HOUR = Duration.hours(1);
const DAY = Duration.days(1);
/** AWS/SES metrics of the account (no dimension): what it sent, and what came back. */
const ses = (metricName: string, statistic = 'Sum', period = HOUR) =>
  new cloudwatch.Metric({ namespace: 'AWS/SES', metricName, statistic, period });

/**
 * The one operations dashboard: alarm states first, then the workflows' executions, the
 * functions, the API, mail and its dead letters, and the business figures the functions
 * record (referrals, time to NGO acceptance, overdue tasks per organisation, emails sent and
 * bounced). Widgets only: what is measured and when it alarms is decided where the metrics
 * and alarms are made.
 */
export class OpsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OpsDashboardProps) {
    super(scope, id);
    if (props.alarms.length > 100) {
      throw new Error(`an alarm status widget shows at most 100 alarms, got ${props.alarms.length}`);
    }
    // `Default`: the dashboard's logical id follows the construct's.
    this.dashboard = new cloudwatch.Dashboard(this, 'Default', {
      dashboardName: props.dashboardName,
      defaultInterval: props.defaultInterval ?? Duration.days(7),
    });
    const fns = props.functions;
    const perFunction = (metric: (f: lambda.IFunction) => cloudwatch.Metric) =>
      fns.map(({ label, fn }) => metric(fn).with({ label }));

    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...props.alarms],
        width: 24,
        height: 6,
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
      }),
    );

    this.dashboard.addWidgets(
      ...props.workflows.map(
        ({ label, stateMachine }) =>
          new cloudwatch.GraphWidget({
            title: `Executions: ${label}`,
            width: 8,
            left: [
              stateMachine.metricStarted({ statistic: 'Sum', period: HOUR, label: 'started' }),
              stateMachine.metricSucceeded({ statistic: 'Sum', period: HOUR, label: 'succeeded' }),
              stateMachine.metricFailed({ statistic: 'Sum', period: HOUR, label: 'failed' }),
              stateMachine.metricTimedOut({ statistic: 'Sum', period: HOUR, label: 'timed out' }),
              stateMachine.metricAborted({ statistic: 'Sum', period: HOUR, label: 'aborted' }),
            ],
          }),
      ),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        width: 8,
        left: perFunction((f) => f.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES })),
        legendPosition: cloudwatch.LegendPosition.RIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function throttles',
        width: 8,
        left: perFunction((f) => f.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES })),
        legendPosition: cloudwatch.LegendPosition.RIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration p99 (ms)',
        width: 8,
        left: perFunction((f) => f.metricDuration({ statistic: 'p99', period: FIVE_MINUTES })),
        legendPosition: cloudwatch.LegendPosition.RIGHT,
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests',
        width: 8,
        left: [props.api.metricCount({ statistic: 'Sum', period: FIVE_MINUTES, label: 'requests' })],
      }),
      new cloudwatch.GraphWidget({
        title: 'API errors',
        width: 8,
        left: [
          props.api.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES, label: '5xx' }),
          props.api.metricClientError({ statistic: 'Sum', period: FIVE_MINUTES, label: '4xx' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        width: 8,
        left: [
          props.api.metricLatency({ statistic: 'p99', period: FIVE_MINUTES, label: 'p99' }),
          props.api.metricLatency({ statistic: 'p50', period: FIVE_MINUTES, label: 'p50' }),
        ],
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'SES: sent, bounced, complained',
        width: 8,
        left: [
          ses('Send').with({ label: 'sent' }),
          ses('Bounce').with({ label: 'bounced' }),
          ses('Complaint').with({ label: 'complaints' }),
          ses('Reject').with({ label: 'rejected' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'SES reputation (fraction of sent)',
        width: 8,
        left: [
          ses('Reputation.BounceRate', 'Maximum').with({ label: 'bounce rate' }),
          ses('Reputation.ComplaintRate', 'Maximum').with({ label: 'complaint rate' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Delivery events waiting in the dead-letter queue',
        width: 8,
        left: [
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            statistic: 'Maximum',
            period: FIVE_MINUTES,
            label: 'messages',
          }),
        ],
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Referrals per day',
        width: 6,
        left: [bashkeMetric('Referrals', { period: DAY, label: 'referrals' })],
      }),
      new cloudwatch.GraphWidget({
        title: 'Time to NGO acceptance (hours)',
        width: 6,
        left: [
          hours('average', bashkeMetric('TimeToAcceptanceSeconds', { statistic: 'Average', period: DAY })),
          hours('longest', bashkeMetric('TimeToAcceptanceSeconds', { statistic: 'Maximum', period: DAY })),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Tasks gone overdue per organisation, per day',
        width: 6,
        left: [perOrganisation('OverdueTasks', { period: DAY })],
        legendPosition: cloudwatch.LegendPosition.RIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Emails sent and bounced (the functions’ count)',
        width: 6,
        left: [
          bashkeMetric('EmailsSent', { period: HOUR, label: 'sent' }),
          bashkeMetric('EmailsBounced', { period: HOUR, label: 'bounced' }),
        ],
      }),
    );
  }
}

/**
 * A seconds metric shown in hours, over the metric's own period (an expression's period
 * wins). `label` names the line and, being unique in its graph, the metric's id in it.
 */
function hours(label: string, metric: cloudwatch.Metric): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `${label} / 3600`,
    usingMetrics: { [label]: metric },
    period: metric.period,
    label,
  });
}
