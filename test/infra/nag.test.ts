import * as fs from 'node:fs';
import * as path from 'node:path';
import { type App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../../infra/build-app';
import { newApp, removeOutdir, tempOutdir } from '../support/infra-synth';

/**
 * cdk-nag 3 runs as a CDK validation plugin: a finding fails `app.synth()` and lands in
 * `<outdir>/validation-report.json`. Acknowledged findings never reach the report.
 * The apps here skip bundling: nag looks at resources, not at function code.
 */
interface ValidationReport {
  readonly pluginReports: {
    readonly pluginName: string;
    readonly conclusion: string;
    readonly violations: {
      readonly ruleName: string;
      readonly severity: string;
      readonly violatingConstructs: { readonly constructPath: string }[];
    }[];
  }[];
}

const readReport = (outdir: string): ValidationReport =>
  JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;

/** The app as infra/app.ts makes it, writing to its own temp dir. */
function nagApp(extra?: (app: App) => void, context?: Record<string, unknown>) {
  const outdir = tempOutdir('nag');
  const app = newApp({ outdir, bundle: false, ...(context ? { context } : {}) });
  const built = buildApp(app);
  extra?.(app);
  const plugin = new AwsSolutionsChecks(app);
  const validate = jest.spyOn(plugin, 'validate');
  Validations.of(app).addPlugins(plugin);
  return { app, built, outdir, validate };
}

/** Every acknowledgement recorded in the construct tree: where, rule id, reason. */
function acknowledgements(app: App) {
  return app.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([rule, reason]) => ({
          at: c.node.path,
          rule,
          reason,
        })),
      ),
  );
}

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) removeOutdir(dir);
});

describe('cdk-nag AwsSolutions', () => {
  let clean: ReturnType<typeof nagApp>;

  beforeAll(() => {
    clean = nagApp();
    outdirs.push(clean.outdir);
  });

  it('synthesizes the app with no unacknowledged finding', () => {
    expect(() => clean.app.synth()).not.toThrow();
    expect(clean.validate).toHaveBeenCalled();
    const report = readReport(clean.outdir);
    const findings = report.pluginReports.flatMap((r) =>
      r.violations.map(
        (v) => `${r.pluginName} ${v.ruleName} ${v.violatingConstructs.map((c) => c.constructPath)}`,
      ),
    );
    expect(findings).toEqual([]);
  });

  it('synthesizes the prod stage (SES domain identity, coordinator subscription) with no unacknowledged finding', () => {
    const prod = nagApp(undefined, { stage: 'prod' });
    outdirs.push(prod.outdir);
    expect(() => prod.app.synth()).not.toThrow();
    const findings = readReport(prod.outdir).pluginReports.flatMap((r) =>
      r.violations.map((v) => v.ruleName),
    );
    expect(findings).toEqual([]);
  });

  it('gives every acknowledgement a reason of at least 20 characters', () => {
    const acks = acknowledgements(clean.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect({ ...ack, long: ack.reason.trim().length >= 20 }).toEqual({ ...ack, long: true });
    }
  });

  it('acknowledges AwsSolutions rules only, and only for resources that exist', () => {
    const assembly = clean.app.synth();
    const logicalIds = new Set(
      [clean.built.data, clean.built.compute].flatMap((s) =>
        Object.keys(assembly.getStackArtifact(s.artifactId).template.Resources ?? {}),
      ),
    );
    for (const { at, rule } of acknowledgements(clean.app)) {
      expect({ at, rule, isNag: /^(Annotation::)?AwsSolutions-[A-Z]+\d+/.test(rule) }).toEqual({
        at,
        rule,
        isNag: true,
      });
      // e.g. AwsSolutions-IAM5[Resource::<GetCaseFnLogs2A30C093.Arn>:*]: the named resource is in a template.
      for (const [, id] of rule.matchAll(/<([A-Za-z0-9]+)\.[A-Za-z]+>/g)) {
        expect({ rule, exists: logicalIds.has(id as string) }).toEqual({ rule, exists: true });
      }
    }
  });

  it('fails the synth on a finding nobody acknowledged, and names it', () => {
    const dirty = nagApp((app) => {
      const stack = new Stack(app, 'NagProbe', { env: { region: 'eu-central-1' } });
      const role = new iam.Role(stack, 'ProbeRole', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    });
    outdirs.push(dirty.outdir);
    expect(() => dirty.app.synth()).toThrow(/AwsSolutions[\s\S]*NagProbe\/ProbeRole/);
    const violations = readReport(dirty.outdir).pluginReports.flatMap((r) =>
      r.violations.flatMap((v) =>
        v.violatingConstructs.map((c) => ({ plugin: r.pluginName, rule: v.ruleName, at: c.constructPath })),
      ),
    );
    // The probe and nothing else: the real app stays clean next to it.
    expect(violations).toEqual([
      {
        plugin: 'AwsSolutions',
        rule: 'AwsSolutions-IAM5[Resource::*]',
        at: 'NagProbe/ProbeRole/DefaultPolicy/Resource',
      },
    ]);
  });
});
