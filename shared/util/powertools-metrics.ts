import { MetricUnit, Metrics as PowertoolsClient } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from './logger';
import {
  type FlushableMetrics,
  METRICS_NAMESPACE,
  type MetricName,
  metricsSilenced,
  metricUnit,
  ORGANISATION_DIMENSION,
  type OrganisationMetricName,
} from './metrics';

const UNITS = { Count: MetricUnit.Count, Seconds: MetricUnit.Seconds } as const;

export interface PowertoolsMetricsOptions {
  /** @default a client of the `Bashke` namespace with the service name of the loggers */
  readonly client?: PowertoolsClient;
  /** Where LOG_LEVEL is read at each flush. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The workflow steps' metrics (shared/util/metrics.ts): Powertools' Metrics, namespace
 * `Bashke`, service name SERVICE_NAME (its default `service` dimension), flushed by the
 * step's wiring after every invocation (shared/workflow/step-handler.ts).
 *
 * Flushed with `publishStoredMetrics`, not through Powertools' `logMetrics` middleware: that
 * one publishes after every invocation, and a step that recorded nothing would print
 * Powertools' "No application metrics to publish" warning each time; and it knows nothing of
 * LOG_LEVEL=SILENT, which the tests (and anyone who wants a quiet run) set. A value per
 * organisation goes out as a Powertools single metric with the `orgId` dimension, one line
 * per organisation.
 */
export class PowertoolsMetrics implements FlushableMetrics {
  readonly client: PowertoolsClient;
  private readonly env: NodeJS.ProcessEnv;
  private readonly perOrganisation = new Map<string, [OrganisationMetricName, number][]>();

  constructor(options: PowertoolsMetricsOptions = {}) {
    this.client =
      options.client ?? new PowertoolsClient({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
    this.env = options.env ?? process.env;
  }

  add(name: MetricName, value: number): void {
    // Powertools takes NaN and Infinity, which JSON writes as null: refused here, as the house writer does.
    if (!Number.isFinite(value)) throw new RangeError(`metric ${name} needs a finite number`);
    this.client.addMetric(name, UNITS[metricUnit(name)], value);
  }

  addForOrganisation(name: OrganisationMetricName, orgId: string, value: number): void {
    if (orgId === '') throw new RangeError(`metric ${name} needs an organisation id`);
    if (!Number.isFinite(value)) throw new RangeError(`metric ${name} needs a finite number`);
    const values = this.perOrganisation.get(orgId) ?? [];
    values.push([name, value]);
    this.perOrganisation.set(orgId, values);
  }

  flush(): void {
    try {
      if (metricsSilenced(this.env)) return;
      if (this.client.hasStoredMetrics()) this.client.publishStoredMetrics();
      // A single metric publishes as it is added, and forgets its dimension then: one line
      // per value (one per organisation and sweep, as the dispatcher adds them).
      for (const [orgId, values] of this.perOrganisation) {
        for (const [name, value] of values) {
          this.client
            .singleMetric()
            .addDimension(ORGANISATION_DIMENSION, orgId)
            .addMetric(name, UNITS[metricUnit(name)], value);
        }
      }
    } finally {
      this.client.clearMetrics();
      this.perOrganisation.clear();
    }
  }
}
