import * as fs from 'node:fs';
import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { resolveDeploymentConfig } from './config';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { AppStack } from './stacks/app-stack';
import { DataStack } from './stacks/data-stack';

const REPO_ROOT = path.join(__dirname, '..');

/**
 * Builds the Bashkë stacks into `app` from its `bashke` context, or with `-c stage=<name>`
 * from `bashkeStages.<name>` (infra/config.ts). Every stage has the same stack names: one
 * stage per account (its `account` is required). Used by the CLI entry, the
 * local runtime's synth, the bench and tests; quiet in all of them (see
 * withoutBundlingNotices): bundling problems still reach stderr.
 */
export function buildApp(app: App) {
  const { config, stage } = resolveDeploymentConfig({
    stage: app.node.tryGetContext('stage'),
    bashke: app.node.tryGetContext('bashke'),
    bashkeStages: app.node.tryGetContext('bashkeStages'),
  });
  const env = { region: config.region, ...(config.account ? { account: config.account } : {}) };
  const data = new DataStack(app, 'BashkeData', { env, description: 'Bashkë: case data (stateful)' });
  const compute = withoutBundlingNotices(
    () =>
      new AppStack(app, 'BashkeApp', {
        env,
        description: 'Bashkë: API, workflows and functions',
        config,
        table: data.table,
        auditTable: data.auditTable,
        ...(stage ? { stage } : {}),
      }),
  );
  compute.addStackDependency(data);
  acknowledgeNagFindings({ data, compute });
  return { config, stage, data, compute };
}

/** cdk.json's `context`, read fresh: an app built in-process sees what `cdk synth` sees. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return { ...cdkJson.context };
}

const BUNDLING_NOTICE = /^Bundling asset \S+\.\.\.\r?\n$/;

/**
 * Runs `build` (which bundles the functions as their constructs are made) without CDK's
 * `Bundling asset …` lines: CDK writes one per function to stderr and has no setting for
 * it. Everything else on stderr (esbuild's warnings and errors among it) passes through.
 */
export function withoutBundlingNotices<T>(build: () => T): T {
  const write = process.stderr.write;
  process.stderr.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string' && BUNDLING_NOTICE.test(chunk)) return true;
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stderr.write;
  try {
    return build();
  } finally {
    process.stderr.write = write;
  }
}
