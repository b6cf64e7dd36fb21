/**
 * Global teardown of the tiers on DynamoDB Local: the last project to finish stops the run's
 * DynamoDB Local, then reaps the pid ledger (SIGKILL to the JVM if it is somehow still the
 * process this run started) and removes its data folder.
 */
import { rmSync } from 'node:fs';
import { reapLedger } from './pid-ledger';

export default async function teardown(): Promise<void> {
  const run = globalThis.bashkeDynamoDbRun;
  if (!run || --run.users > 0) return;
  globalThis.bashkeDynamoDbRun = undefined;
  await run.local.stop();
  const { killed } = reapLedger(run.ledger);
  rmSync(run.dataDir, { recursive: true, force: true });
  if (killed.length) process.stderr.write(`dynamodb teardown: DynamoDB Local ${killed.join(', ')} killed\n`);
}
