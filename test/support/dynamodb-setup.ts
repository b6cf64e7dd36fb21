/**
 * Global setup of the tiers on DynamoDB Local (store, workflow): one DynamoDB Local for the
 * whole run, whichever of those projects run (jest runs every project's global setup in this
 * one process before any test, and every teardown after the last), in a temp folder, on a
 * free loopback port. Its pid goes into a pid ledger of this run (pid-ledger.js), so the
 * teardown stops it by pid even if its handle was lost; the JVM also exits when this process
 * dies (it watches its stdin). The table definition comes from the synthesized data stack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { buildApp } from '../../infra/build-app';
import { type DynamoDbLocal, readAssembly, startDynamoDbLocal } from '../../local/engine/index';
import { DYNAMODB_TABLE_ENV, DYNAMODB_URL_ENV } from './dynamodb-local';
import { newApp, removeOutdir, tempOutdir } from './infra-synth';
import { createRunLedger, recordPid } from './pid-ledger';

/** What the teardown needs; globals set here are visible to the global teardown only. */
export interface DynamoDbRun {
  readonly local: DynamoDbLocal;
  readonly dataDir: string;
  readonly ledger: string;
  users: number;
}

declare global {
  var bashkeDynamoDbRun: DynamoDbRun | undefined;
}

/**
 * The data stack's single table, read by the engine from an assembly synthesized without
 * bundling. (The audit table beside it has the same keys and no index: tests that need one
 * make it from this definition too.)
 */
function dataTable(): string {
  const outdir = tempOutdir('dynamodb-table');
  try {
    const app = newApp({ outdir, bundle: false });
    const { data } = buildApp(app);
    app.synth();
    const assembly = readAssembly(
      outdir,
      { gatewayUrl: 'http://127.0.0.1:9', issuer: 'http://127.0.0.1:9/i' },
      {
        stacks: [data.stackName],
      },
    );
    const tableId = data.getLogicalId(data.table.node.defaultChild as CfnElement);
    const table = assembly.tables.find((t) => t.logicalId === tableId);
    if (!table) throw new Error(`no table ${tableId} in ${data.stackName}`);
    return JSON.stringify(table);
  } finally {
    removeOutdir(outdir);
  }
}

export default async function setup(): Promise<void> {
  const run = globalThis.bashkeDynamoDbRun;
  if (run) {
    run.users++;
    return;
  }
  process.env[DYNAMODB_TABLE_ENV] = dataTable();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bashke-test-dynamodb-'));
  const ledger = createRunLedger();
  let local: DynamoDbLocal;
  try {
    local = await startDynamoDbLocal({ dataDir, port: 0 });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  recordPid(ledger, local.pid);
  process.env[DYNAMODB_URL_ENV] = local.url;
  globalThis.bashkeDynamoDbRun = { local, dataDir, ledger, users: 1 };
}
