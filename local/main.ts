/**
 * `npm start`: the synthesized Bashkë app, whole, on one machine. Reads cdk.out (never a
 * second hand-written copy of routes, environments or workflows), starts DynamoDB Local,
 * the SES emulator, the Step Functions control plane and the HTTP gateway on 127.0.0.1,
 * seeds the demo directory and prints where to look.
 */

import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readAssembly } from './assembly/read-assembly';
import { jwtVerifier, TokenIssuer } from './auth/issuer';
import { formatDuration, RuntimeClock } from './clock/runtime-clock';
import { demoReferral } from './demo-referral';
import { startGateway } from './gateway/http-gateway';
import { WorkerPool } from './lambda/worker-pool';
import type { LocalApp } from './model';
import { startAdminServer } from './runtime/admin-server';
import { acquirePidLock, resetDataDir } from './runtime/data-dir';
import { assertPortFree, freePort, parsePortBase, portPlan } from './runtime/ports';
import { startRefuseServer } from './runtime/refuse-server';
import { startSchedules } from './runtime/schedules';
import { contextOverrides, synthesize } from './runtime/synth';
import { resolveDataDir, runtimeFilePath, writeRuntimeFile } from './runtime-file';
import { startDynamoDbLocal } from './services/dynamodb-local';
import { requireJava } from './services/java-runtime';
import { startSesLocal } from './services/ses-local';
import { StepFunctionsControlPlane } from './sfn/control-plane';
import { startStepFunctionsServer } from './sfn/http-server';
import { ensureTables } from './tables';

const REPO_ROOT = path.resolve(__dirname, '..');
/** The app's seed step: the stack output naming the function, and the directory it loads. */
const SEED = {
  output: 'SeedDirectoryFunctionName',
  directory: path.join(REPO_ROOT, 'shared', 'directory', 'korca.json'),
};
/** DynamoDB Local accepts letters and digits only in access key ids. */
const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'bashkelocal', AWS_SECRET_ACCESS_KEY: 'bashkelocal' };

function say(line: string): void {
  process.stdout.write(`[bashke] ${line}\n`);
}

function requireNode22(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) {
    process.stderr.write(
      `Bashkë's local runtime needs Node.js 22 or newer (this is ${process.versions.node}). ` +
        'Run it through npm (`npm start`), which uses the Node 24 the project brings.\n',
    );
    process.exit(1);
  }
}

function findOutput(app: LocalApp, key: string): string | undefined {
  for (const outputs of Object.values(app.outputs)) if (outputs[key]) return outputs[key];
  return undefined;
}

/**
 * The DynamoDB endpoint the functions get: DynamoDB Local, or a loopback proxy in front of it
 * that `npm run bench` puts there to count calls (BASHKE_FUNCTIONS_DYNAMODB_URL).
 */
function functionsDynamoDbUrl(local: string): string {
  const proxy = process.env.BASHKE_FUNCTIONS_DYNAMODB_URL;
  if (!proxy) return local;
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(proxy))
    throw new Error('BASHKE_FUNCTIONS_DYNAMODB_URL must be http://127.0.0.1:<port>');
  return proxy;
}

type Stopper = () => Promise<void>;

async function main(): Promise<void> {
  requireNode22();
  process.env.TZ = 'UTC';
  const args = process.argv.slice(2);
  const dataDir = resolveDataDir(process.env, REPO_ROOT);
  if (args.includes('--reset')) {
    resetDataDir(dataDir);
    say(`reset: wiped ${dataDir}`);
  }
  let releaseLock: () => void;
  try {
    releaseLock = acquirePidLock(dataDir);
  } catch (error) {
    process.stderr.write(
      `[bashke] cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
  const stoppers: Stopper[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const stop of stoppers.reverse()) {
      try {
        await stop();
      } catch {
        // keep stopping the rest
      }
    }
    rmSync(runtimeFilePath(dataDir), { force: true });
    releaseLock();
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    // One clock for the whole runtime: real time plus a persisted, forward-only offset.
    const clock = RuntimeClock.open(dataDir);
    if (clock.offsetMs > 0) say(`clock: ${formatDuration(clock.offsetMs)} ahead of real time`);
    const ports = portPlan(parsePortBase(process.env.BASHKE_PORT));
    for (const [what, port] of Object.entries(ports)) await assertPortFree(port, what);

    // Fail before the slow synth when something the stack needs is missing.
    requireJava();
    say('synthesizing the CDK app into cdk.out …');
    const overrides = contextOverrides(process.env);
    const cdkOut = synthesize(
      REPO_ROOT,
      overrides ? { overrides, outdir: path.join(dataDir, 'cdk.out') } : {},
    );

    const dynamodb = await startDynamoDbLocal({
      dataDir,
      port: ports.dynamodb,
      log: (l) => say(`dynamodb: ${l}`),
    });
    stoppers.push(() => dynamodb.stop());
    const ses = await startSesLocal({ port: ports.ses, dataDir, log: (l) => say(`ses: ${l}`) });
    stoppers.push(() => ses.stop());
    const refuse = await startRefuseServer(ports.refuse);
    stoppers.push(() => refuse.close());

    const gatewayPort = ports.gateway === 0 ? await freePort() : ports.gateway;
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const issuerUrl = `${gatewayUrl}/local-issuer`;
    const app = readAssembly(cdkOut, { gatewayUrl, issuer: issuerUrl });

    const awsEnv = {
      AWS_REGION: app.region,
      AWS_DEFAULT_REGION: app.region,
      ...LOCAL_CREDENTIALS,
      AWS_ENDPOINT_URL: refuse.url,
      AWS_ENDPOINT_URL_DYNAMODB: functionsDynamoDbUrl(dynamodb.url),
      AWS_ENDPOINT_URL_SES: ses.url,
    };
    const ddbClient = new DynamoDBClient({
      region: app.region,
      endpoint: dynamodb.url,
      credentials: {
        accessKeyId: LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID,
        secretAccessKey: LOCAL_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
      },
    });
    await ensureTables(ddbClient, app.tables);
    ddbClient.destroy();

    // The Step Functions endpoint must be known to the functions before they start.
    const sfnPort = ports.stepFunctions === 0 ? await freePort() : ports.stepFunctions;
    const workers = new WorkerPool(app.functions, {
      baseEnv: { ...awsEnv, AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${sfnPort}` },
      log: (fn, line) => process.stdout.write(`[${fn}] ${line}\n`),
      clock,
    });
    stoppers.push(() => workers.close());
    const plane = new StepFunctionsControlPlane({
      stateMachines: app.stateMachines,
      invoker: workers,
      region: app.region,
      accountId: app.accountId,
      now: () => clock.now(),
      dataDir: path.join(dataDir, 'stepfunctions'),
      log: (m) => say(`stepfunctions: ${m}`),
    });
    const restored = plane.restoreReport();
    if (restored.resumed.length || restored.failed.length || restored.skipped.length) {
      say(
        `stepfunctions: resumed ${restored.resumed.length} running execution(s); ` +
          `${restored.failed.length} could not resume, ${restored.skipped.length} file(s) skipped`,
      );
    }
    stoppers.push(() => plane.dispose());
    const unhookTimers = clock.onAdvance(() => plane.refreshTimers());
    stoppers.push(async () => unhookTimers());
    const sfnServer = await startStepFunctionsServer(plane, { port: sfnPort });
    stoppers.push(() => sfnServer.close());

    const api = app.httpApis[0];
    if (!api) throw new Error('the app has no HTTP API');
    const audience = api.jwt?.audience[0] ?? 'local-client';
    const issuer = TokenIssuer.open(dataDir, {
      issuer: issuerUrl,
      clientId: audience,
      now: () => clock.nowMs(),
    });
    const gateway = await startGateway({
      api,
      invoker: workers,
      verifier: api.jwt
        ? jwtVerifier(issuer, { issuer: api.jwt.issuer, audience: api.jwt.audience })
        : () => undefined,
      port: gatewayPort,
      now: () => clock.nowMs(),
    });
    stoppers.push(() => gateway.close());

    const schedules = startSchedules(app.schedules, workers, (l) => say(l), clock);
    stoppers.push(async () => schedules.stop());

    const seedFunction = findOutput(app, SEED.output);
    if (seedFunction) {
      const seeded = await workers.invoke(seedFunction, JSON.parse(readFileSync(SEED.directory, 'utf8')));
      if (!seeded.ok) throw new Error(`seeding the directory failed: ${seeded.errorType}`);
      say(`directory seeded: ${JSON.stringify(seeded.payload)}`);
    }

    const admin = await startAdminServer({ clock, log: (l) => say(l) });
    stoppers.push(() => admin.close());

    writeRuntimeFile(dataDir, {
      dataDir,
      urls: {
        api: gateway.url,
        inbox: ses.url,
        stepFunctions: sfnServer.url,
        dynamodb: dynamodb.url,
        admin: admin.url,
      },
      pids: { main: process.pid, dynamodb: dynamodb.pid, ses: ses.pid },
      issuer: issuerUrl,
      clientId: audience,
      startedAt: new Date().toISOString(),
    });

    say('ready');
    say(`API:    ${gateway.url}`);
    say(`Inbox:  ${ses.url}/`);
    say(`Data:   ${dataDir}`);
    say(`Clock:  ${clock.now().toISOString()} (npm run clock -- now | advance 25h)`);
    say('Refer a case (police of Korça):');
    process.stdout.write(
      [
        `  TOKEN=$(npm run --silent token -- --role police --org police-korca)`,
        `  curl -s -X POST ${gateway.url}/referrals -H "Authorization: Bearer $TOKEN" \\`,
        `    -H 'Content-Type: application/json' -H "Idempotency-Key: demo-$(date +%s)" \\`,
        `    -d '${JSON.stringify(demoReferral())}'`,
        '',
      ].join('\n'),
    );
  } catch (error) {
    process.stderr.write(
      `[bashke] cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    await stopAll(1);
  }
}

void main();
