import type { MetricName, Metrics, OrganisationMetricName } from '../../shared/util/metrics';

/** A Metrics that keeps what a use case added, in order, for the assertions. */
export class RecordingMetrics implements Metrics {
  readonly added: { name: MetricName | OrganisationMetricName; value: number; orgId?: string }[] = [];

  add(name: MetricName, value: number): void {
    this.added.push({ name, value });
  }

  addForOrganisation(name: OrganisationMetricName, orgId: string, value: number): void {
    this.added.push({ name, value, orgId });
  }

  /** The values added to `name`, oldest first. */
  values(name: MetricName | OrganisationMetricName): number[] {
    return this.added.filter((a) => a.name === name).map((a) => a.value);
  }
}
