/**
 * The one logger: one JSON object per line on stdout, the shape Powertools' logger writes
 * (`level`, `message`, `service`, `timestamp`, `xray_trace_id`, then the fields), which
 * CloudWatch Logs Insights reads as fields. Not Powertools itself: its logger cost a
 * function ~13 ms of every cold start (23 KiB with its commons and invocation store) for
 * the three calls the functions make.
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

export interface LoggerOptions {
  readonly serviceName: string;
  /** Where a finished line goes. @default process.stdout */
  readonly write?: (line: string) => void;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Fields on every line (e.g. the Lambda context, see `child`). */
  readonly context?: LogFields;
}

export class Logger {
  private readonly serviceName: string;
  private readonly write: (line: string) => void;
  private readonly env: NodeJS.ProcessEnv;
  private readonly context: LogFields;

  constructor(options: LoggerOptions) {
    this.serviceName = options.serviceName;
    this.write = options.write ?? ((line) => process.stdout.write(line));
    this.env = options.env ?? process.env;
    this.context = options.context ?? {};
  }

  /**
   * A logger that writes like this one with `context` on every line (after a line's own
   * fields, so a field cannot pass itself off as context): what Powertools' `appendKeys` /
   * `injectLambdaContext` give, for the function name, request id and cold start.
   */
  child(context: LogFields): Logger {
    return new Logger({
      serviceName: this.serviceName,
      write: this.write,
      env: this.env,
      context: { ...this.context, ...context },
    });
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
    const line = { ...head, ...fields, ...this.context, ...head };
    this.write(`${JSON.stringify(line)}\n`);
  }
}

export const logger = new Logger({ serviceName: 'bashke' });
