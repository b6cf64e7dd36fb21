/**
 * CloudWatch metrics in the embedded metric format: one JSON line on stdout that CloudWatch
 * Logs turns into metrics of the `Bashke` namespace (no API call, no client in the bundle).
 * Names are the alarms' (infra/constructs/ops-alerts.ts); values are counts and seconds,
 * never anything about a person.
 */
export const METRICS_NAMESPACE = 'Bashke';

export function emitMetrics(
  values: Readonly<Record<string, number>>,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): void {
  const names = Object.keys(values);
  if (names.length === 0 || process.env.LOG_LEVEL === 'SILENT') return;
  write(
    JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [[]],
            Metrics: names.map((Name) => ({ Name, Unit: Name.endsWith('Seconds') ? 'Seconds' : 'Count' })),
          },
        ],
      },
      ...values,
    }),
  );
}
