/**
 * The house logger: one JSON object per line on stdout, the shape Powertools' logger writes
 * (`level`, `message`, `service`, `timestamp`, `xray_trace_id`, then the fields), which
 * CloudWatch Logs Insights reads as fields. The HTTP functions (create-referral, action-link,
 * tasks-api, read-cases, case-commands) and seed-directory log with it, not with Powertools:
 * Powertools' logger cost a function ~13 ms of every cold start (23 KiB with its commons and
 * invocation store) for the three calls those functions make, against the request path's
 * cold-import target (issue 7). The workflow steps, where a cold start costs no caller a
 * wait, log with Powertools' own Logger and `injectLambdaContext`
 * (shared/workflow/step-handler.ts); both fit the `Logger` interface below, the one type a
 * use case names.
 *
 * Log ids, names of states and error classes; never request bodies, free text or anything
 * about a person (SECURITY.md). Fields are flat values on purpose: no object from a request
 * can be handed over whole.
 *
 * The threshold is the stricter of `LOG_LEVEL` and Lambda's own `AWS_LAMBDA_LOG_LEVEL`
 * (advanced logging controls), read at every call so a test can set it; default INFO.
 * `SILENT` writes nothing.
 */

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** What a log line may carry besides its message. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

const RANK: Readonly<Record<string, number>> = {
  TRACE: 6,
  DEBUG: 8,
  INFO: 12,
  WARN: 16,
  ERROR: 20,
  CRITICAL: 24,
  SILENT: 28,
};
const DEFAULT_RANK = 12;

function threshold(env: NodeJS.ProcessEnv): number {
  const rank = (name: string | undefined) => (name ? RANK[name.trim().toUpperCase()] : undefined);
  return Math.max(rank(env.LOG_LEVEL) ?? DEFAULT_RANK, rank(env.AWS_LAMBDA_LOG_LEVEL) ?? 0);
}

/** The X-Ray trace root Lambda sets per invocation (`Root=1-…;Parent=…;Sampled=…`). */
function traceId(env: NodeJS.ProcessEnv): string | undefined {
  const header = env._X_AMZN_TRACE_ID;
  return header?.split(';')[0]?.replace(/^Root=/, '') || undefined;
}

/**
 * What a use case logs with: a message and flat fields (`{}` for none). The house
 * `JsonLogger` and Powertools' `Logger` (the workflow steps) both are one.
 */
export interface Logger {
  debug(message: string, fields: LogFields): void;
  info(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
  error(message: string, fields: LogFields): void;
}

export interface LoggerOptions {
  readonly serviceName: string;
  /** Where a finished line goes. @default process.stdout */
  readonly write?: (line: string) => void;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export class JsonLogger implements Logger {
  private readonly serviceName: string;
  private readonly write: (line: string) => void;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: LoggerOptions) {
    this.serviceName = options.serviceName;
    this.write = options.write ?? ((line) => process.stdout.write(line));
    this.env = options.env ?? process.env;
  }

  debug(message: string, fields?: LogFields): void {
    this.log('DEBUG', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.log('INFO', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.log('WARN', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.log('ERROR', message, fields);
  }

  private log(level: LogLevel, message: string, fields: LogFields | undefined): void {
    if ((RANK[level] ?? DEFAULT_RANK) < threshold(this.env)) return;
    const trace = traceId(this.env);
    const head = {
      level,
      message,
      service: this.serviceName,
      timestamp: new Date().toISOString(),
      ...(trace ? { xray_trace_id: trace } : {}),
    };
    // The fixed keys first, and again last so no field can pass itself off as one of them.
    const line = { ...head, ...fields, ...head };
    this.write(`${JSON.stringify(line)}\n`);
  }
}

/** The service name on every line, of either logger. */
export const SERVICE_NAME = 'bashke';

export const logger = new JsonLogger({ serviceName: SERVICE_NAME });
