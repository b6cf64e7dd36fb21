import type { App } from 'aws-cdk-lib';
import { parseDeploymentConfig } from './config';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { AppStack } from './stacks/app-stack';
import { DataStack } from './stacks/data-stack';

/** Builds the Bashkë stacks into `app` from its `bashke` context. Used by the CLI entry and by tests. */
export function buildApp(app: App) {
  const config = parseDeploymentConfig(app.node.tryGetContext('bashke'));
  const env = { region: config.region, ...(config.account ? { account: config.account } : {}) };
  const data = new DataStack(app, 'BashkeData', { env, description: 'Bashkë: case data (stateful)' });
  const compute = new AppStack(app, 'BashkeApp', {
    env,
    description: 'Bashkë: API, workflows and functions',
    config,
    table: data.table,
  });
  compute.addStackDependency(data);
  acknowledgeNagFindings({ data, compute });
  return { config, data, compute };
}
