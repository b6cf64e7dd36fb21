import { type Logger, SERVICE_NAME } from './logger';

/**
 * CloudWatch metrics in the embedded metric format (EMF): JSON lines on stdout that CloudWatch
 * Logs turns into metrics of the `Bashke` namespace, with no API call and no client in the
 * bundle. Two writers make the same lines: Powertools' Metrics in the workflow steps
 * (shared/util/powertools-metrics.ts) and `EmfMetrics` below in the HTTP functions,
 * whose cold start Powertools would lengthen (the same split as the loggers,
 * shared/util/logger.ts). Every metric carries the `service` dimension (Powertools adds it
 * to each one), so the alarms and the dashboard (infra/constructs/ops-dashboard.ts) name it.
 *
 * Values are counts and seconds, never anything about a person: no name, no case or task id,
 * no address, as a value or as a dimension. The one dimension besides `service` is an
 * organisation's directory id, and only on the metrics listed in ORGANISATION_METRICS.
 */
export const METRICS_NAMESPACE = 'Bashke';

/** The dimension every metric has (Powertools' default dimension), valued SERVICE_NAME. */
export const SERVICE_DIMENSION = 'service';

/** The organisation's directory id, on ORGANISATION_METRICS only. */
export const ORGANISATION_DIMENSION = 'orgId';

/** The metrics without an organisation, each a count unless its name ends in `Seconds`. */
export const METRICS = [
  /** A referral created (not an idempotent replay of one). */
  'Referrals',
  /** From a case's creation to an NGO's acceptance, for a case's first acceptance. */
  'TimeToAcceptanceSeconds',
  /** A message SES accepted. */
  'EmailsSent',
  /** An SES bounce event (a repeat of one is not counted). */
  'EmailsBounced',
  /** Outbox messages waiting past `reminders.outboxAlarmMinutes` (its alarm is OutboxStaleAlarm). */
  'OutboxStale',
  'OutboxOldestAgeSeconds',
  'OutboxRejected',
  /** Reminder messages the sweep sent (a digest is one). */
  'RemindersSent',
  /** Audit records a request or step could not write (shared/audit/edge.ts; alarmed). */
  'AuditWriteFailed',
  /** Cases the retention run erased (functions/retention). */
  'CasesErased',
] as const;
export type MetricName = (typeof METRICS)[number];

/** The metrics with the ORGANISATION_DIMENSION. */
export const ORGANISATION_METRICS = [
  /** Tasks of the organisation the sweep found overdue for the first time (one value per sweep). */
  'OverdueTasks',
] as const;
export type OrganisationMetricName = (typeof ORGANISATION_METRICS)[number];

export type MetricUnit = 'Count' | 'Seconds';

/** A metric's unit, by the house convention: `...Seconds` is seconds, anything else a count. */
export function metricUnit(name: MetricName | OrganisationMetricName): MetricUnit {
  return name.endsWith('Seconds') ? 'Seconds' : 'Count';
}

/**
 * What a use case or an adapter records metrics with. The function's wiring flushes them
 * once per invocation (`workflowStep`, `jsonRoute`), so recording never writes by itself.
 */
export interface Metrics {
  /** Adds a value (a count, or seconds) to `name` in this invocation's batch. */
  add(name: MetricName, value: number): void;
  /** Adds a value to `name` for the organisation with the directory id `orgId`. */
  addForOrganisation(name: OrganisationMetricName, orgId: string, value: number): void;
}

/** The Metrics a function's wiring holds: it flushes them after every invocation. */
export interface FlushableMetrics extends Metrics {
  /**
   * Writes what was added since the last flush and forgets it: one line for the metrics
   * without an organisation, one per organisation. Nothing when nothing was added, nor at
   * LOG_LEVEL=SILENT (read at every flush, like the house logger's level).
   */
  flush(): void;
}

/** Records nothing: for use cases run without a function around them (tools, tests). */
export const noMetrics: Metrics = { add: () => undefined, addForOrganisation: () => undefined };

/** Whether metric lines are held back: LOG_LEVEL=SILENT, as the loggers read it. */
export function metricsSilenced(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.LOG_LEVEL?.trim().toUpperCase() === 'SILENT';
}

/** One batch of values per metric, in the order they were added (EMF takes a list). */
type Batch = Map<string, number[]>;

function put(batch: Batch, name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`metric ${name} needs a finite number`);
  const values = batch.get(name);
  if (values) values.push(value);
  else batch.set(name, [value]);
}

/**
 * The house EMF writer: the lines Powertools' Metrics writes (namespace, `service` dimension,
 * a value or a list of values per metric), from a few dozen lines of code. For the HTTP
 * functions, whose cold start counts against the request path's target.
 */
export class EmfMetrics implements FlushableMetrics {
  private readonly batch: Batch = new Map();
  private readonly perOrganisation = new Map<string, Batch>();

  constructor(
    private readonly write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  add(name: MetricName, value: number): void {
    put(this.batch, name, value);
  }

  addForOrganisation(name: OrganisationMetricName, orgId: string, value: number): void {
    if (orgId === '') throw new RangeError(`metric ${name} needs an organisation id`);
    let batch = this.perOrganisation.get(orgId);
    if (!batch) {
      batch = new Map();
      this.perOrganisation.set(orgId, batch);
    }
    put(batch, name, value);
  }

  flush(): void {
    try {
      if (metricsSilenced(this.env)) return;
      const now = Date.now();
      if (this.batch.size > 0) this.write(emfLine(now, this.batch, {}));
      for (const [orgId, batch] of this.perOrganisation) {
        this.write(emfLine(now, batch, { [ORGANISATION_DIMENSION]: orgId }));
      }
    } finally {
      this.batch.clear();
      this.perOrganisation.clear();
    }
  }
}

function emfLine(timestamp: number, batch: Batch, dimensions: Readonly<Record<string, string>>): string {
  const keys = { [SERVICE_DIMENSION]: SERVICE_NAME, ...dimensions };
  const values = Object.fromEntries(
    [...batch].map(([name, list]) => [name, list.length === 1 ? list[0] : list]),
  );
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [Object.keys(keys)],
          Metrics: [...batch.keys()].map((Name) => ({
            Name,
            Unit: metricUnit(Name as MetricName | OrganisationMetricName),
          })),
        },
      ],
    },
    ...keys,
    ...values,
  });
}

/**
 * The middleware (middy's `after` and `onError`) with which a function's wiring flushes its
 * metrics after every invocation, also a failed one. A flush that fails is logged by the
 * error's name and never fails the invocation: the work is done, only a figure is lost.
 */
export function flushMetricsAfterEach(metrics: FlushableMetrics, log: Pick<Logger, 'warn'>) {
  const flush = (): void => {
    try {
      metrics.flush();
    } catch (error) {
      log.warn('metrics not written', { error: error instanceof Error ? error.name : typeof error });
    }
  };
  return { after: flush, onError: flush };
}
