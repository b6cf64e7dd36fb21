/**
 * Conformance runner: executions whose outcome was recorded against AWS (the cases in
 * test/fixtures/sfn-conformance/), run on the control plane over HTTP through
 * `@aws-sdk/client-sfn`, each compared on status, output and error, and on the exact
 * sequence of history event types. Used by test/local/sfn-conformance.test.ts (fails per
 * case) and bench/sfn-conformance.ts (prints the match rates).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import * as z from 'zod';
import type { FunctionInvoker, InvokeResult, LocalStateMachine } from '../model';
import { StepFunctionsControlPlane } from './control-plane';
import type { Json } from './definition';
import { startStepFunctionsServer } from './http-server';

export const CONFORMANCE_REGION = 'us-east-1';
export const CONFORMANCE_ACCOUNT = '111111111111';

const json: z.ZodType<Json> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(json), z.record(z.string(), json)]),
);

/**
 * A fake function: `echo` returns its payload, `returns` a value, `raises` a function error
 * (as the Lambda runtime reports it); `callback` answers the task token found at
 * `tokenField` of its payload with SendTaskSuccess (`output`) or SendTaskFailure.
 */
const fakeFunction = z.union([
  z.strictObject({ echo: z.literal(true) }),
  z.strictObject({ returns: json }),
  z.strictObject({ raises: z.strictObject({ errorType: z.string(), errorMessage: z.string() }) }),
  z.strictObject({
    callback: z.strictObject({
      tokenField: z.string(),
      success: json.optional(),
      failure: z.strictObject({ error: z.string(), cause: z.string() }).optional(),
    }),
  }),
]);

const conformanceCase = z.strictObject({
  /** Unique over the fixture set; also the state machine's name. */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/),
  /** The AWS-recorded behaviour this case follows: LocalStack snapshot file and test name. */
  follows: z.string().min(1),
  definition: z.record(z.string(), json),
  input: json,
  functions: z.record(z.string(), fakeFunction).optional(),
  expect: z.strictObject({
    status: z.enum(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']),
    /** Compared after `normalise` (absent: not compared, e.g. nothing stable to compare). */
    output: json.optional(),
    error: z.string().optional(),
    cause: z.string().optional(),
    events: z.array(z.string()).min(1),
  }),
  /**
   * Why the local run's event order cannot follow the recording (e.g. how AWS interleaves
   * Parallel branches). Such a case still counts as a mismatch in the rates; its test checks
   * the outcome and the same events in any order.
   */
  knownEventOrderDifference: z.string().optional(),
});

export type ConformanceCase = z.infer<typeof conformanceCase>;

const fixtureFile = z.strictObject({ cases: z.array(conformanceCase).min(1) });

/** Every case of every `*.json` in `dir`, checked; names must be unique. */
export function loadConformanceCases(dir: string): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const parsed = fixtureFile.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    if (!parsed.success) throw new Error(`${file}: ${parsed.error.message}`);
    cases.push(...parsed.data.cases);
  }
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`the case name ${c.name} is used twice`);
    names.add(c.name);
  }
  return cases;
}

/** Values that differ per run (ids, dates, log tails) as the AWS recordings mask them. */
const VOLATILE_KEYS = new Set([
  'x-amzn-RequestId',
  'RequestId',
  'Date',
  'X-Amzn-Trace-Id',
  'LogResult',
  'X-Amz-Log-Result',
  'StartTime',
  'EnteredTime',
  'RoleArn',
]);

/** Masks volatile values and the case's ARNs so that a run compares with its recording. */
export function normalise(value: Json | undefined, c: ConformanceCase): Json | undefined {
  const arns: Array<[string, string]> = [
    [executionArn(c), '<executionArn>'],
    [stateMachineArn(c), '<stateMachineArn>'],
  ];
  const text = (s: string) => {
    let out = s.replace(/Request ID: [0-9a-f-]{36}/g, 'Request ID: <requestId>');
    for (const [arn, mask] of arns) out = out.split(arn).join(mask);
    return out;
  };
  const walk = (v: Json, key?: string): Json => {
    if (key !== undefined && VOLATILE_KEYS.has(key)) return '<volatile>';
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    }
    return v;
  };
  return value === undefined ? undefined : walk(value);
}

function stateMachineArn(c: ConformanceCase): string {
  return `arn:aws:states:${CONFORMANCE_REGION}:${CONFORMANCE_ACCOUNT}:stateMachine:${c.name}`;
}

function executionArn(c: ConformanceCase): string {
  return `arn:aws:states:${CONFORMANCE_REGION}:${CONFORMANCE_ACCOUNT}:execution:${c.name}:run-1`;
}

function canonical(value: Json | undefined): string {
  const sort = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort(v[k] as Json)]),
      );
    }
    return v;
  };
  return value === undefined ? 'undefined' : JSON.stringify(sort(value));
}

export interface ConformanceResult {
  readonly name: string;
  readonly follows: string;
  /** Status, output, error and cause as expected. */
  readonly outcomeMatches: boolean;
  /** The exact sequence of history event types as expected. */
  readonly eventsMatch: boolean;
  /** The same event types, in any order. */
  readonly sameEvents: boolean;
  /** What differed, for a failing test's message. */
  readonly differences: readonly string[];
}

/**
 * The functions of all cases (one name, one behaviour over the fixture set), looked up by
 * the name in their ARN or by bare name; an unknown one is not found, as the worker pool
 * reports it.
 */
class FakeFunctions implements FunctionInvoker {
  private readonly fns = new Map<string, z.infer<typeof fakeFunction>>();
  client: SFNClient | undefined;

  constructor(cases: readonly ConformanceCase[]) {
    for (const c of cases) {
      for (const [name, fn] of Object.entries(c.functions ?? {})) {
        const known = this.fns.get(name);
        if (known && JSON.stringify(known) !== JSON.stringify(fn)) {
          throw new Error(`case ${c.name}: the function ${name} is defined otherwise by another case`);
        }
        this.fns.set(name, fn);
      }
    }
  }

  async invoke(functionArnOrName: string, payload: unknown): Promise<InvokeResult> {
    const name = functionArnOrName.split(':function:').at(-1)?.split(':')[0] ?? functionArnOrName;
    const fn = this.fns.get(name);
    if (!fn) {
      return {
        ok: false,
        errorType: 'Lambda.ResourceNotFoundException',
        errorMessage: `Function not found: ${functionArnOrName}`,
      };
    }
    if ('echo' in fn) return { ok: true, payload };
    if ('returns' in fn) return { ok: true, payload: fn.returns };
    if ('raises' in fn) return { ok: false, ...fn.raises };
    const token = (payload as Record<string, unknown> | null)?.[fn.callback.tokenField];
    const { client } = this;
    if (typeof token === 'string' && client) {
      const { success, failure } = fn.callback;
      setTimeout(() => {
        const answer = failure
          ? client.send(new SendTaskFailureCommand({ taskToken: token, ...failure }))
          : client.send(
              new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(success ?? {}) }),
            );
        answer.catch(() => {});
      }, 5);
    }
    return { ok: true, payload: null };
  }
}

/**
 * Runs every case once, all on one control plane, and compares each with its expectation. Retry intervals are scaled
 * down; Waits in the fixtures are short.
 */
export async function runConformance(
  cases: readonly ConformanceCase[],
  options: { readonly timeoutMs?: number } = {},
): Promise<ConformanceResult[]> {
  const invoker = new FakeFunctions(cases);
  const stateMachines: LocalStateMachine[] = cases.map((c) => ({
    logicalId: c.name,
    stackName: 'Conformance',
    name: c.name,
    arn: stateMachineArn(c),
    definition: JSON.stringify(c.definition),
  }));
  const plane = new StepFunctionsControlPlane({
    stateMachines,
    invoker,
    region: CONFORMANCE_REGION,
    accountId: CONFORMANCE_ACCOUNT,
    retryIntervalScale: 0.001,
    log: () => {},
  });
  const server = await startStepFunctionsServer(plane, { host: '127.0.0.1', port: 0 });
  const client = new SFNClient({
    endpoint: server.url,
    region: CONFORMANCE_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  invoker.client = client;
  try {
    return await Promise.all(cases.map((c) => runCase(client, c, options.timeoutMs ?? 10_000)));
  } finally {
    client.destroy();
    await server.close();
    await plane.dispose();
  }
}

async function runCase(client: SFNClient, c: ConformanceCase, timeoutMs: number): Promise<ConformanceResult> {
  const { executionArn: arn } = await client.send(
    new StartExecutionCommand({
      stateMachineArn: stateMachineArn(c),
      name: 'run-1',
      input: JSON.stringify(c.input),
    }),
  );
  const deadline = Date.now() + timeoutMs;
  let described = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
  while (described.status === 'RUNNING' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    described = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
  }
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);

  const differences: string[] = [];
  const { expect } = c;
  if (described.status !== expect.status) differences.push(`status ${described.status} ≠ ${expect.status}`);
  if (expect.output !== undefined) {
    const actual = described.output === undefined ? undefined : (JSON.parse(described.output) as Json);
    const got = canonical(normalise(actual, c));
    const want = canonical(normalise(expect.output, c));
    if (got !== want) differences.push(`output ${got} ≠ ${want}`);
  }
  if (described.error !== expect.error) differences.push(`error ${described.error} ≠ ${expect.error}`);
  if (expect.cause !== undefined) {
    const got = normalise(described.cause ?? '', c);
    const want = normalise(expect.cause, c);
    if (got !== want) differences.push(`cause ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
  }
  const outcomeMatches = differences.length === 0;
  const types = events.map((e) => e.type ?? '?');
  const eventsMatch = types.join(',') === expect.events.join(',');
  const sameEvents = [...types].sort().join(',') === [...expect.events].sort().join(',');
  if (!eventsMatch) differences.push(`events ${types.join(',')} ≠ ${expect.events.join(',')}`);
  return { name: c.name, follows: c.follows, outcomeMatches, eventsMatch, sameEvents, differences };
}
