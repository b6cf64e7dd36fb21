import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SERVICE_NAME } from '../../shared/util/logger';
import {
  METRICS_NAMESPACE,
  type MetricName,
  ORGANISATION_DIMENSION,
  type OrganisationMetricName,
  SERVICE_DIMENSION,
} from '../../shared/util/metrics';

/**
 * One of the functions' own metrics (shared/util/metrics.ts), as the alarms and the dashboard
 * read it: namespace `Bashke`, the `service` dimension both writers put on every line.
 * @default the sum over five minutes
 */
export function bashkeMetric(
  metricName: MetricName,
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: SERVICE_NAME },
    statistic: 'Sum',
    period: Duration.minutes(5),
    ...options,
  });
}

/**
 * A per-organisation metric for every organisation that has reported one, one line each: a
 * CloudWatch SEARCH (dashboards only, not alarms), since the organisations are the
 * directory's and the directory changes after deploy.
 */
export function perOrganisation(
  metricName: OrganisationMetricName,
  options: { readonly statistic?: string; readonly period: Duration; readonly label?: string },
): cloudwatch.MathExpression {
  const schema = `{${METRICS_NAMESPACE},${ORGANISATION_DIMENSION},${SERVICE_DIMENSION}}`;
  const statistic = options.statistic ?? 'Sum';
  return new cloudwatch.MathExpression({
    expression: `SEARCH('${schema} MetricName="${metricName}"', '${statistic}', ${options.period.toSeconds()})`,
    usingMetrics: {},
    period: options.period,
    ...(options.label ? { label: options.label } : {}),
  });
}
