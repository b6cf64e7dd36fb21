import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  BashkeFunction,
  BUNDLE_BUDGET_METADATA,
  DEFAULT_BUNDLE_BUDGET_KIB,
} from '../../infra/constructs/bashke-function';
import { OpsAlerts } from '../../infra/constructs/ops-alerts';
import { BUNDLE_BUDGET_KIB } from '../../infra/stacks/app-stack';
import {
  disposeSynth,
  REPO_ROOT,
  removeOutdir,
  resourcesOf,
  type SynthesizedBashke,
  synthBashke,
  tempOutdir,
} from '../support/infra-synth';

let synth: SynthesizedBashke;

beforeAll(() => {
  synth = synthBashke();
});

afterAll(() => disposeSynth());

const houseFunctions = () =>
  synth.built.compute.node.findAll().filter((c): c is BashkeFunction => c instanceof BashkeFunction);

/** Every house function with its synthesized bundle; fails when one has none. */
const bundles = () =>
  houseFunctions().map((fn) => {
    const file = fn.bundlePath;
    if (!file) throw new Error(`${fn.node.path} has no bundle in the assembly`);
    return { fn, file, bytes: fs.statSync(file).size };
  });

describe('function bundles', () => {
  it('keeps every bundle within the budget its construct names', () => {
    const all = bundles();
    expect(all.length).toBeGreaterThan(0);
    const over = all
      .filter((b) => b.bytes > b.fn.bundleBudgetKiB * 1024)
      .map((b) => `${b.fn.useCase}: ${(b.bytes / 1024).toFixed(1)} KiB > ${b.fn.bundleBudgetKiB} KiB`);
    expect(over).toEqual([]);
  });

  it('names a budget for every function in app-stack.ts, and the template carries it', () => {
    const folders = fs
      .readdirSync(path.join(REPO_ROOT, 'functions'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(Object.keys(BUNDLE_BUDGET_KIB).sort()).toEqual(folders);
    for (const fn of houseFunctions()) {
      const resource = synth.compute.toJSON().Resources[synth.logicalId(fn)];
      expect({
        fn: fn.useCase,
        budget: fn.bundleBudgetKiB,
        metadata: resource.Metadata?.[BUNDLE_BUDGET_METADATA],
      }).toEqual({
        fn: fn.useCase,
        budget: BUNDLE_BUDGET_KIB[fn.useCase],
        metadata: BUNDLE_BUDGET_KIB[fn.useCase],
      });
    }
  });

  it('sets no --enable-source-maps (nor any NODE_OPTIONS) in any function environment', () => {
    for (const [logicalId, fn] of resourcesOf(synth.compute, 'AWS::Lambda::Function')) {
      const variables = fn.Properties?.Environment?.Variables ?? {};
      expect({ logicalId, nodeOptions: variables.NODE_OPTIONS }).toEqual({
        logicalId,
        nodeOptions: undefined,
      });
      expect(JSON.stringify(variables)).not.toContain('enable-source-maps');
    }
  });

  it('keeps a source map beside every bundle, without the sources inlined', () => {
    for (const { fn, file } of bundles()) {
      const map = JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      expect({ fn: fn.useCase, hasSources: map.sources.length > 0 }).toEqual({
        fn: fn.useCase,
        hasSources: true,
      });
      expect({
        fn: fn.useCase,
        inlined: (map.sourcesContent ?? []).filter((s) => s !== null).length,
      }).toEqual({
        fn: fn.useCase,
        inlined: 0,
      });
    }
  });

  it("bundles the environment credentials reader instead of the SDK's default chain", () => {
    let callers = 0;
    for (const { fn, file } of bundles()) {
      const map = JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
      const sources = map.sources.join('\n');
      expect({
        fn: fn.useCase,
        chain: /credential-provider-(node|ini|sso)|nested-clients/.test(sources),
      }).toEqual({
        fn: fn.useCase,
        chain: false,
      });
      // Only the functions that call AWS need credentials at all: every one that bundles an SDK
      // client (all but the console's placeholder handler, which answers 503 and calls nothing).
      const callsAws = /@aws-sdk\/client-/.test(sources);
      expect({ fn: fn.useCase, reader: sources.includes('shared/aws/lambda-credentials.ts') }).toEqual({
        fn: fn.useCase,
        reader: callsAws,
      });
      callers += callsAws ? 1 : 0;
    }
    expect(callers).toBeGreaterThanOrEqual(bundles().length - 1);
  });

  it('bundles Powertools only in the workflow steps: the HTTP functions keep the house logger and metrics', () => {
    // Powertools' logger costs ~13 ms of cold start, against the request path's cold-import
    // target (issue 7); a workflow step keeps no caller waiting, and logs with Powertools'
    // injectLambdaContext (issue 8, shared/workflow/step-handler.ts). Its metrics (issue 12)
    // cost ~12 KiB and about half the logger's import time: the HTTP functions write the same
    // lines with the house EmfMetrics (shared/util/metrics.ts).
    const all = bundles().map(({ fn, file }) => {
      const sources = (JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources;
      return {
        fn: fn.useCase,
        step: sources.some((s) => s.endsWith('shared/workflow/step-handler.ts')),
        powertools: sources.some((s) => s.includes('@aws-lambda-powertools/logger')),
        metrics: sources.some((s) => s.includes('@aws-lambda-powertools/metrics')),
      };
    });
    expect(all.filter((b) => b.powertools !== b.step)).toEqual([]);
    expect(all.filter((b) => b.metrics && !b.step)).toEqual([]);
    expect(all.filter((b) => b.step)).toHaveLength(11);
    // Every step that sends mail counts what SES accepted, with Powertools.
    for (const step of ['open-task', 'accept-case', 'dispatch-due', 'delivery-events'])
      expect(all.find((b) => b.fn === step)).toMatchObject({ fn: step, step: true, metrics: true });
    for (const http of ['create-referral', 'action-link', 'tasks-api', 'read-cases', 'case-commands'])
      expect(all.find((b) => b.fn === http)).toEqual({
        fn: http,
        step: false,
        powertools: false,
        metrics: false,
      });
  });
});

describe('bundle budget prop', () => {
  /** A function in an app that bundles nothing (no code is looked at). */
  function unbundled(props: { bundleBudgetKiB?: number }) {
    const outdir = tempOutdir('budget');
    try {
      const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new Stack(app, 'Probe');
      const key = new kms.Key(stack, 'Key');
      return new BashkeFunction(stack, 'ProbeFn', {
        useCase: 'read-cases',
        logKey: key,
        alerts: new OpsAlerts(stack, 'OpsAlerts', { key }),
        logRetention: logs.RetentionDays.ONE_WEEK,
        ...props,
      });
    } finally {
      removeOutdir(outdir);
    }
  }

  it('defaults to DEFAULT_BUNDLE_BUDGET_KIB', () => {
    expect(unbundled({}).bundleBudgetKiB).toBe(DEFAULT_BUNDLE_BUDGET_KIB);
  });

  it('refuses a budget that is not a positive number, naming it', () => {
    expect(() => unbundled({ bundleBudgetKiB: 0 })).toThrow(/bundleBudgetKiB.*got 0/);
    expect(() => unbundled({ bundleBudgetKiB: Number.NaN })).toThrow(/bundleBudgetKiB.*got NaN/);
  });

  it('has no bundle path when bundling was skipped', () => {
    expect(unbundled({ bundleBudgetKiB: 100 }).bundlePath).toBeUndefined();
  });
});
