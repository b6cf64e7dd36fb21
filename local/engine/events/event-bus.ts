/**
 * The engine's EventBridge: the template's event buses (plus `default`) and their
 * event-pattern rules. Events come in through PutEvents (events-server.ts, for the functions'
 * `@aws-sdk/client-eventbridge`) and through `publish` (the engine's own services: SES events);
 * each event is matched against the rules of its bus (event-pattern.ts) and every matching
 * rule's targets are invoked asynchronously, each independently: PutEvents answers once the
 * events are accepted, not when targets ran.
 *
 * Delivery is at least once while the engine runs: a target that fails (a function error, a
 * throw, a state machine that would not start) is retried with exponential backoff (by
 * default twice, after 1 s and 2 s; EventBridge itself retries for up to 24 h, and Lambda's
 * asynchronous invocation retries a function error twice) and then logged and dropped (no
 * dead-letter queue). Events are held in memory only: those not yet delivered when the engine
 * stops are lost (at most once across a stop or crash). Nothing here ever throws into the
 * engine: a failing target is a log line.
 */
import { randomUUID } from 'node:crypto';
import type { FunctionInvoker, LocalEventBus, LocalEventRule, LocalRuleTarget } from '../model';
import { compileEventPattern, type EventMatcher } from './event-pattern';

export const DEFAULT_EVENT_BUS = 'default';

/** An EventBridge event as targets receive it. */
export interface EventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

/** What a service of the engine publishes. */
export interface PublishedEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
  readonly resources?: readonly string[];
  /** @default now, by the runtime clock */
  readonly time?: Date;
  /** Name or ARN. @default 'default' */
  readonly busName?: string;
}

/** One entry of a PutEvents request, as the API names its fields. */
export interface PutEventsRequestEntry {
  readonly Source?: unknown;
  readonly DetailType?: unknown;
  readonly Detail?: unknown;
  readonly Resources?: unknown;
  readonly Time?: unknown;
  readonly EventBusName?: unknown;
  readonly TraceHeader?: unknown;
}

export type PutEventsResultEntry =
  | { readonly EventId: string }
  | { readonly ErrorCode: string; readonly ErrorMessage: string };

export interface EventBridgeOptions {
  readonly rules: readonly LocalEventRule[];
  readonly buses?: readonly LocalEventBus[];
  readonly region: string;
  readonly accountId: string;
  /** Runs Lambda targets. */
  readonly invoker: FunctionInvoker;
  /** Starts state machine targets (the control plane's StartExecution). */
  readonly startExecution?: (stateMachineArn: string, input: string) => Promise<unknown>;
  /** The runtime clock. @default real time */
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
  /**
   * Delays before each retry of a failed delivery: about half a minute in all (AWS retries for
   * up to 24 h; a target that fails for a moment, e.g. an SES event that came before its
   * record, gets there). @default [1000, 2000, 4000, 8000, 16000]
   */
  readonly retryDelaysMs?: readonly number[];
}

interface Rule {
  readonly rule: LocalEventRule;
  readonly matches: EventMatcher;
}

/** A target's delivery failed: the reason, without the event (which may hold personal data). */
class DeliveryError extends Error {}

export class LocalEventBridge {
  private readonly rules: Rule[];
  private readonly buses: readonly LocalEventBus[];
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  private readonly retryDelaysMs: readonly number[];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private closed = false;

  constructor(private readonly options: EventBridgeOptions) {
    this.rules = options.rules.map((rule) => ({ rule, matches: compileEventPattern(rule.eventPattern) }));
    this.buses = options.buses ?? [];
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? (() => {});
    this.retryDelaysMs = options.retryDelaysMs ?? [1000, 2000, 4000, 8000, 16000];
  }

  /** A bus by name or ARN → its name; undefined when it is not a bus here. */
  busName(nameOrArn: string | undefined): string | undefined {
    if (nameOrArn === undefined || nameOrArn === '' || nameOrArn === DEFAULT_EVENT_BUS)
      return DEFAULT_EVENT_BUS;
    const bus = this.buses.find((b) => b.name === nameOrArn || b.arn === nameOrArn);
    if (bus) return bus.name;
    const arn = /^arn:[^:]+:events:([^:]*):([^:]*):event-bus\/(.+)$/.exec(nameOrArn);
    if (arn && arn[3] === DEFAULT_EVENT_BUS) return DEFAULT_EVENT_BUS;
    return undefined;
  }

  /** Publishes one event from a service of the engine; returns its id. */
  publish(event: PublishedEvent): string {
    const bus = this.busName(event.busName);
    if (bus === undefined) {
      this.log('events: an event for a bus the app does not have was dropped');
      return '';
    }
    const envelope = this.envelope(
      event.source,
      event.detailType,
      event.detail,
      event.resources ?? [],
      event.time,
    );
    this.route(bus, envelope);
    return envelope.id;
  }

  /** PutEvents: validates each entry as EventBridge does and routes the valid ones. */
  putEvents(entries: readonly PutEventsRequestEntry[]): {
    FailedEntryCount: number;
    Entries: PutEventsResultEntry[];
  } {
    const results = entries.map((entry) => this.putEntry(entry));
    return {
      FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
      Entries: results,
    };
  }

  /** Resolves once every delivery started so far (retries included) has ended. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops retrying; deliveries in progress finish, pending retries are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.timers) {
      clearTimeout(pending.timer);
      pending.resolve();
    }
    this.timers.clear();
    await this.idle();
  }

  private putEntry(entry: PutEventsRequestEntry): PutEventsResultEntry {
    const invalid = (what: string) => ({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Parameter ${what} is not valid.`,
    });
    if (typeof entry.Source !== 'string' || entry.Source === '') return invalid('Source');
    if (typeof entry.DetailType !== 'string' || entry.DetailType === '') return invalid('DetailType');
    if (typeof entry.Detail !== 'string') return invalid('Detail');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (entry.Source.startsWith('aws.')) {
      return {
        ErrorCode: 'NotAuthorizedForSourceException',
        ErrorMessage: 'Not authorized for the source.',
      };
    }
    const resources = entry.Resources ?? [];
    if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string'))
      return invalid('Resources');
    let time: Date | undefined;
    if (entry.Time !== undefined) {
      time = typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : new Date(String(entry.Time));
      if (Number.isNaN(time.getTime())) return invalid('Time');
    }
    const bus = this.busName(typeof entry.EventBusName === 'string' ? entry.EventBusName : undefined);
    if (bus === undefined) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus does not exist.' };
    }
    const envelope = this.envelope(entry.Source, entry.DetailType, detail, resources as string[], time);
    this.route(bus, envelope);
    return { EventId: envelope.id };
  }

  private envelope(
    source: string,
    detailType: string,
    detail: unknown,
    resources: readonly string[],
    time: Date | undefined,
  ): EventEnvelope {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: this.options.accountId,
      time: (time ?? this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.options.region,
      resources: [...resources],
      detail,
    };
  }

  private route(bus: string, event: EventEnvelope): void {
    for (const { rule, matches } of this.rules) {
      if (rule.busName !== bus || !matches(event)) continue;
      for (const target of rule.targets) {
        const delivery = this.deliver(rule, target, event).finally(() => this.inFlight.delete(delivery));
        this.inFlight.add(delivery);
      }
    }
  }

  private async deliver(rule: LocalEventRule, target: LocalRuleTarget, event: EventEnvelope): Promise<void> {
    const what = `rule ${rule.logicalId} target ${target.id}`;
    let payload: unknown;
    try {
      payload = targetInput(target, event, rule);
    } catch (error) {
      this.log(
        `events: ${what}: cannot build its input (${(error as Error).message}); event ${event.id} dropped`,
      );
      return;
    }
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.invoke(target.arn, payload);
        return;
      } catch (error) {
        const delay = this.retryDelaysMs[attempt];
        const reason = error instanceof DeliveryError ? error.message : (error as Error).message;
        if (delay === undefined || this.closed) {
          this.log(
            `events: ${what}: delivery of event ${event.id} failed ${attempt + 1} time(s) (${reason}); dropped`,
          );
          return;
        }
        this.log(
          `events: ${what}: delivery of event ${event.id} failed (${reason}); retrying in ${delay} ms`,
        );
        await this.sleep(delay);
        if (this.closed) {
          this.log(`events: ${what}: event ${event.id} dropped (the engine is stopping)`);
          return;
        }
      }
    }
  }

  private async invoke(arn: string, payload: unknown): Promise<void> {
    if (/^arn:[^:]+:states:/.test(arn)) {
      if (!this.options.startExecution) throw new DeliveryError('no Step Functions here');
      await this.options.startExecution(arn, JSON.stringify(payload));
      return;
    }
    const result = await this.options.invoker.invoke(arn, payload);
    if (!result.ok) throw new DeliveryError(result.errorType);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const pending = {
        timer: setTimeout(() => {
          this.timers.delete(pending);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(pending);
    });
  }
}

// --- target input ------------------------------------------------------------------------

/** What a target receives: the event, a constant Input, a part of it (InputPath), or a template. */
export function targetInput(target: LocalRuleTarget, event: EventEnvelope, rule?: LocalEventRule): unknown {
  if (target.input !== undefined) return parseMaybeJson(target.input);
  if (target.inputPath !== undefined) return jsonPath(event, target.inputPath);
  if (target.inputTransformer) {
    const values: Record<string, unknown> = {
      'aws.events.event': event,
      'aws.events.event.json': event,
      'aws.events.rule-name': rule ? rule.logicalId : '',
      'aws.events.event.ingestion-time': event.time,
    };
    for (const [name, p] of Object.entries(target.inputTransformer.inputPathsMap))
      values[name] = jsonPath(event, p);
    const text = fillTemplate(target.inputTransformer.inputTemplate, values);
    return parseMaybeJson(text);
  }
  return event;
}

/**
 * Replaces `<name>` placeholders: inside a JSON string a string value goes in as its
 * (escaped) characters and anything else as JSON text; outside strings every value goes in as
 * JSON. Unknown names stay as they are.
 */
function fillTemplate(template: string, values: Readonly<Record<string, unknown>>): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i += 1) {
    const c = template[i] as string;
    if (c === '\\' && inString) {
      out += c + (template[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (c === '"') inString = !inString;
    const m = c === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i)) : null;
    if (m && (m[1] as string) in values) {
      const value = values[m[1] as string];
      const json = JSON.stringify(value ?? null);
      out += inString
        ? typeof value === 'string'
          ? json.slice(1, -1)
          : JSON.stringify(json).slice(1, -1)
        : json;
      i += m[0].length - 1;
      continue;
    }
    out += c;
  }
  return out;
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `$`, `$.a.b`, `$.a[0]`, `$['a-b']`: the JSONPath subset InputPath and InputPathsMap use. */
export function jsonPath(value: unknown, path: string): unknown {
  if (!path.startsWith('$')) throw new Error(`"${path}" is not a JSONPath`);
  let current: unknown = value;
  const steps = /\.([A-Za-z0-9_$-]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/gy;
  let rest = path.slice(1);
  steps.lastIndex = 0;
  while (rest.length > 0) {
    steps.lastIndex = 0;
    const m = steps.exec(rest);
    if (!m) throw new Error(`"${path}" is not a JSONPath this engine reads`);
    const key = m[1] ?? m[3] ?? m[4];
    if (key !== undefined) {
      current =
        typeof current === 'object' && current !== null
          ? (current as Record<string, unknown>)[key]
          : undefined;
    } else {
      current = Array.isArray(current) ? current[Number(m[2])] : undefined;
    }
    rest = rest.slice(m[0].length);
  }
  return current;
}
