/**
 * `npm run bench -- bundles`: every function's bundle against its budget, and how long a
 * fresh Node takes to import it (Lambda's init phase: parse, module code, SDK clients made
 * at module scope). Synthesizes the app into a temporary folder first, as the tests do.
 *
 *   npm run bench -- bundles [--runs 15] [--assembly <cdk.out folder>]
 *
 * Cold import: the median of `--runs` imports, each in a new child process with the
 * function's template environment, interleaved across functions and rounds; the same
 * loop imports a one-line module as the reference, since the machine is shared and noisy
 * (a slow reference means a busy machine). Sizes are the minified `index.mjs`; the map
 * beside it is build output and is not loaded. Exits 1 when a bundle is over its budget;
 * import times are figures, not a verdict (the ≤ 100 ms target for the request-path
 * functions is for an idle machine).
 *
 * `--assembly` measures an existing cloud assembly instead (e.g. one from an older commit);
 * budgets then come from the template metadata, where there is any.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { buildApp, cdkJsonContext } from '../infra/build-app';
import { BUNDLE_BUDGET_METADATA } from '../infra/constructs/bashke-function';

/** What the cold-import target promises, for functions behind an API route. */
const REQUEST_PATH_TARGET_MS = 100;
const KIB = 1024;

interface Bundle {
  /** Logical id in the template, e.g. CreateReferralFn868A1452. */
  readonly logicalId: string;
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number | undefined;
  readonly budgetKiB: number | undefined;
  /** Invoked by an API route (the request path), as opposed to the workflow or ops. */
  readonly requestPath: boolean;
  readonly env: Record<string, string>;
}

interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are free-form JSON.
type Resources = Record<string, { Type: string; Properties?: any; Metadata?: Record<string, unknown> }>;

/** Synthesizes the app (quietly) into a fresh temporary folder and returns that folder. */
function synthesize(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bashke-bench-bundles-'));
  const app = new App({ context: cdkJsonContext(), outdir });
  buildApp(app);
  app.synth();
  return outdir;
}

/**
 * A value the template leaves to CloudFormation (a Ref, an import) gets a stand-in of the
 * right shape, so the function's environment schema accepts it at load.
 */
function placeholder(name: string): string {
  if (name.endsWith('_URL')) return 'https://bench.invalid';
  if (name.endsWith('_ARN')) return 'arn:aws:states:eu-central-1:000000000000:stateMachine:bench';
  return `bench-${name.toLowerCase().replaceAll('_', '-')}`;
}

/**
 * A variable's value with its CloudFormation parts stood in for: an `Fn::Join` (what
 * `Stack.toJsonString` makes, e.g. a JSON map of state machine ARNs) keeps its literal text,
 * so the value still parses as the function expects; any other intrinsic gets `placeholder`.
 * In a URL a part that starts it is a whole URL (e.g. the API's endpoint before `/console`),
 * one within it a host name label (e.g. the managed login's domain prefix).
 */
function envValue(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return join[1].map((p, i) => (typeof p === 'string' ? p : joinPart(name, i))).join(join[0]);
  }
  return placeholder(name);
}

/**
 * What stands in for the CloudFormation part at `index` of `name`'s `Fn::Join`: a URL's first
 * part is its origin (`<ApiEndpoint>/console`), a later one a host label
 * (`https://<domain>.auth...`); any other variable's parts are ARNs (a JSON map of state machines).
 */
function joinPart(name: string, index: number): string {
  if (!name.endsWith('_URL')) return placeholder(`${name}_ARN`);
  return index === 0 ? placeholder(name) : 'bench';
}

function functionEnv(logicalId: string, variables: Record<string, unknown>, assetDir: string) {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) env[name] = envValue(name, value);
  // What Lambda adds (worker-pool.ts sets the same locally); no variable of this process.
  return {
    ...env,
    AWS_REGION: 'eu-central-1',
    AWS_DEFAULT_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: logicalId,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    LAMBDA_TASK_ROOT: assetDir,
    TZ: 'UTC',
  };
}

/** The functions of every stack template in the assembly, with their bundles. */
function bundlesOf(assemblyDir: string): Bundle[] {
  const bundles: Bundle[] = [];
  for (const file of fs.readdirSync(assemblyDir).filter((f) => f.endsWith('.template.json'))) {
    const resources = (
      JSON.parse(fs.readFileSync(path.join(assemblyDir, file), 'utf8')) as { Resources?: Resources }
    ).Resources;
    if (!resources) continue;
    const routed = new Set<string>();
    for (const r of Object.values(resources)) {
      if (r.Type !== 'AWS::ApiGatewayV2::Integration') continue;
      const target = r.Properties?.IntegrationUri?.['Fn::GetAtt']?.[0];
      if (typeof target === 'string') routed.add(target);
    }
    for (const [logicalId, r] of Object.entries(resources)) {
      if (r.Type !== 'AWS::Lambda::Function') continue;
      const key = r.Properties?.Code?.S3Key;
      if (typeof key !== 'string') continue;
      const assetDir = path.join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`);
      const bundle = ['index.mjs', 'index.js'].map((f) => path.join(assetDir, f)).find(fs.existsSync);
      if (!bundle)
        throw new Error(`no bundle for ${logicalId} in ${assetDir}: synthesized without bundling?`);
      const map = `${bundle}.map`;
      const budget = r.Metadata?.[BUNDLE_BUDGET_METADATA];
      bundles.push({
        logicalId,
        file: bundle,
        bytes: fs.statSync(bundle).size,
        mapBytes: fs.existsSync(map) ? fs.statSync(map).size : undefined,
        budgetKiB: typeof budget === 'number' ? budget : undefined,
        requestPath: routed.has(logicalId),
        env: functionEnv(logicalId, r.Properties?.Environment?.Variables ?? {}, assetDir),
      });
    }
  }
  return bundles;
}

/** Script the child runs: import once, report wall and CPU time of the import alone. */
const IMPORT_SCRIPT = `
const url = process.env.BENCH_IMPORT_URL;
const cpu = process.cpuUsage();
const t0 = performance.now();
await import(url);
const wallMs = performance.now() - t0;
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000 }));
`;

function importOnce(file: string, env: Record<string, string>): Timing {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', IMPORT_SCRIPT], {
    env: { ...env, BENCH_IMPORT_URL: pathToFileURL(file).href },
    cwd: os.tmpdir(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  return JSON.parse(out) as Timing;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Imports every target `runs` times, round-robin with a rotating start, so drift spreads evenly. */
function coldImports(
  targets: readonly { readonly file: string; readonly env: Record<string, string> }[],
  runs: number,
): Timing[][] {
  const timings: Timing[][] = targets.map(() => []);
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (round + k) % targets.length;
      const target = targets[i];
      if (target) timings[i]?.push(importOnce(target.file, target.env));
    }
  }
  return timings;
}

function main(): void {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '15' }, assembly: { type: 'string' } },
  });
  const runs = Math.min(101, Math.max(1, Math.floor(Number(values.runs)) || 15));
  const assemblyDir = values.assembly ? path.resolve(values.assembly) : synthesize();
  try {
    const bundles = bundlesOf(assemblyDir).sort((a, b) => a.logicalId.localeCompare(b.logicalId));
    if (bundles.length === 0) throw new Error(`no Lambda functions in ${assemblyDir}`);
    const reference = path.join(assemblyDir, 'bench-reference.mjs');
    fs.writeFileSync(reference, 'export const reference = 1;\n');
    const load = os.loadavg()[0] ?? 0;
    process.stdout.write(
      `Cold imports: ${runs} per function in fresh node ${process.version} processes, interleaved; ` +
        `load average ${load.toFixed(2)} on ${os.cpus().length} cores\n\n`,
    );
    const [ref = [], ...perFunction] = coldImports(
      [{ file: reference, env: { TZ: 'UTC' } }, ...bundles.map((b) => ({ file: b.file, env: b.env }))],
      runs,
    );
    const refWall = median(ref.map((t) => t.wallMs));

    const rows = bundles.map((b, i) => {
      const t = perFunction[i] ?? [];
      const wall = median(t.map((x) => x.wallMs));
      const over = b.budgetKiB !== undefined && b.bytes > b.budgetKiB * KIB;
      return {
        b,
        over,
        cells: [
          b.logicalId,
          b.requestPath ? 'api' : '',
          (b.bytes / KIB).toFixed(1),
          b.budgetKiB === undefined ? '-' : String(b.budgetKiB),
          b.budgetKiB === undefined
            ? '-'
            : `${over ? 'OVER' : 'under'} ${Math.abs(b.budgetKiB - b.bytes / KIB).toFixed(1)}`,
          b.mapBytes === undefined ? '-' : (b.mapBytes / KIB).toFixed(0),
          wall.toFixed(1),
          Math.min(...t.map((x) => x.wallMs)).toFixed(1),
          median(t.map((x) => x.cpuMs)).toFixed(1),
          (wall - refWall).toFixed(1),
          b.requestPath ? (wall <= REQUEST_PATH_TARGET_MS ? 'yes' : 'no') : '',
        ],
      };
    });
    const header = [
      'function',
      'route',
      'KiB',
      'budget',
      'vs budget',
      'map KiB',
      'import ms',
      'min',
      'cpu ms',
      '- ref',
      `<=${REQUEST_PATH_TARGET_MS}`,
    ];
    const table = [header, ...rows.map((r) => r.cells)];
    const widths = header.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
    for (const row of table) {
      process.stdout.write(
        `${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ')}\n`,
      );
    }
    process.stdout.write(
      `\nreference (a one-line module): median ${refWall.toFixed(1)} ms, min ${Math.min(...ref.map((x) => x.wallMs)).toFixed(1)} ms, cpu ${median(ref.map((x) => x.cpuMs)).toFixed(1)} ms\n`,
    );
    const over = rows.filter((r) => r.over);
    if (over.length > 0) {
      process.stdout.write(`\nOVER BUDGET: ${over.map((r) => r.b.logicalId).join(', ')}\n`);
      process.exitCode = 1;
    } else {
      process.stdout.write('\nEvery bundle is within its budget.\n');
    }
  } finally {
    if (!values.assembly) fs.rmSync(assemblyDir, { recursive: true, force: true });
    else fs.rmSync(path.join(assemblyDir, 'bench-reference.mjs'), { force: true });
  }
}

main();
