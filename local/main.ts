/**
 * `npm start`: the synthesized Bashkë app, whole, on one machine. Reads the cloud assembly
 * (never a second hand-written copy of routes, environments or workflows), synthesized into
 * the data folder only when the app's inputs changed (runtime/synth.ts), starts DynamoDB Local,
 * the SES emulator, the Step Functions control plane, the sign-in server (the user pool's
 * issuer and managed login) and the HTTP gateway on 127.0.0.1,
 * seeds the demo directory and prints where to look.
 */

import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { demoReferral } from './demo-referral';
import { seedLocalUsers } from './demo-users';
import {
  ensureTables,
  formatDuration,
  jwtVerifier,
  type LocalApp,
  LocalEventBridge,
  loadOrCreateSigningKey,
  RuntimeClock,
  readAssembly,
  requireJava,
  type SesSentMessage,
  StepFunctionsControlPlane,
  sesEvents,
  startAdminServer,
  startDynamoDbLocal,
  startEventsServer,
  startGateway,
  startOAuthServer,
  startRefuseServer,
  startSchedules,
  startSesLocal,
  startStepFunctionsServer,
  TokenIssuer,
  usersFileSource,
  WorkerPool,
} from './engine';
import { startBanner } from './runtime/banner';
import { acquirePidLock, readSeedMark, resetDataDir, seedMark, writeSeedMark } from './runtime/data-dir';
import { assertPortFree, freePort, parsePortBase, portPlan } from './runtime/ports';
import { runStoppers, type Stopper } from './runtime/stoppers';
import { contextOverrides, ensureAssembly, type SynthReason } from './runtime/synth';
import { resolveDataDir, runtimeFilePath, writeRuntimeFile } from './runtime-file';

const REPO_ROOT = path.resolve(__dirname, '..');
/** The app's seed step: the stack output naming the function, and the directory it loads. */
const SEED = {
  output: 'SeedDirectoryFunctionName',
  directory: path.join(REPO_ROOT, 'shared', 'directory', 'korca.json'),
};
/** The stack output with the web console's URL (resolved under the gateway's). */
const CONSOLE_OUTPUT = 'ConsoleUrl';
/** DynamoDB Local accepts letters and digits only in access key ids. */
const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'bashkelocal', AWS_SECRET_ACCESS_KEY: 'bashkelocal' };

function say(line: string): void {
  process.stdout.write(`[bashke] ${line}\n`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const SYNTH_REASONS: Record<SynthReason, string> = {
  'no-assembly': 'no assembly in the data folder yet',
  'inputs-changed': "the app's sources, lockfile or context changed",
  'assembly-changed': 'the assembly in the data folder was altered',
};

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

/** Start-up phases and how long each took, for the ready line and `npm run bench -- stack`. */
class Timeline {
  private last = performance.now();
  /** Before the first mark: node, tsx and the launcher's modules loading. */
  private readonly phases = [`launch ${seconds(process.uptime() * 1000)}`];
  /** Parts running side by side within the current phase: when each was done. */
  private parts: string[] = [];

  /** A part of the current phase: its time is when it was done, counted from the phase's start. */
  track<T>(part: string, promise: Promise<T>): Promise<T> {
    const from = this.last;
    return promise.then((value) => {
      this.parts.push(`${part} ${seconds(performance.now() - from)}`);
      return value;
    });
  }

  /** Ends the current phase. */
  mark(phase: string): void {
    const now = performance.now();
    const parts = this.parts.length ? ` [${this.parts.join(', ')}]` : '';
    this.phases.push(`${phase} ${seconds(now - this.last)}${parts}`);
    this.parts = [];
    this.last = now;
  }

  /** Since this process started (node's own start-up and module loading included). */
  elapsedMs(): number {
    return process.uptime() * 1000;
  }

  summary(): string {
    return this.phases.join(', ');
  }
}

/** Like Promise.all, but waits for every promise before throwing the first failure. */
async function settleAll<T extends readonly unknown[]>(
  promises: { readonly [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

async function main(): Promise<void> {
  requireNode22();
  process.env.TZ = 'UTC';
  const args = process.argv.slice(2);
  const dataDir = resolveDataDir(process.env, REPO_ROOT);
  let releaseLock: () => void;
  try {
    releaseLock = acquirePidLock(dataDir);
  } catch (error) {
    process.stderr.write(
      `[bashke] cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
  if (args.includes('--reset')) {
    resetDataDir(dataDir);
    say(`reset: wiped the data in ${dataDir} (the assembly is kept)`);
  }
  const stoppers: Stopper[] = [];
  let stopping = false;
  const stopAll = async (code: number, signal?: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (signal) say(`${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping …`);
    await runStoppers(stoppers, { log: (l) => say(l) });
    rmSync(runtimeFilePath(dataDir), { force: true });
    releaseLock();
    if (signal) say(`stopped; the data stays in ${dataDir} (\`npm start\` resumes it)`);
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0, 'SIGINT'));
  process.on('SIGTERM', () => void stopAll(0, 'SIGTERM'));

  const timeline = new Timeline();
  try {
    // One clock for the whole runtime: real time plus a persisted, forward-only offset.
    const clock = RuntimeClock.open(dataDir);
    if (clock.offsetMs > 0) say(`clock: ${formatDuration(clock.offsetMs)} ahead of real time`);
    const ports = portPlan(parsePortBase(process.env.BASHKE_PORT));
    for (const [what, port] of Object.entries(ports)) await assertPortFree(port, what);
    const overrides = contextOverrides(process.env);

    // Fail before the slow synth when something the stack needs is missing.
    requireJava();
    const gatewayPort = ports.gateway === 0 ? await freePort() : ports.gateway;
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    // The sign-in server is the user pool's issuer and its managed-login domain: its URL is in
    // the functions' environments, so its port is chosen before the assembly is read.
    const issuerPort = ports.issuer === 0 ? await freePort() : ports.issuer;
    const issuerUrl = `http://127.0.0.1:${issuerPort}`;

    // Side by side: the synth (when the app's inputs changed), the local services, and the
    // tables as soon as DynamoDB Local and the assembly are both there (a cold JVM's first
    // requests are slow). Each service that came up is stopped again if another part fails.
    const started = <T extends { stop(): Promise<void> }>(service: Promise<T>) =>
      service.then((s) => {
        stoppers.push(() => s.stop());
        return s;
      });
    const dynamodbUp = timeline.track(
      'dynamodb',
      started(startDynamoDbLocal({ dataDir, port: ports.dynamodb, log: (l) => say(`dynamodb: ${l}`) })),
    );
    // Messages the emulator accepted, turned into SES events once the event bus is up (none
    // can be sent before: no function runs yet).
    let onSesSent = (message: SesSentMessage) => void earlySesMessages.push(message);
    const earlySesMessages: SesSentMessage[] = [];
    const sesUp = timeline.track(
      'ses',
      started(
        startSesLocal({
          port: ports.ses,
          dataDir,
          log: (l) => say(`ses: ${l}`),
          onSent: (message) => onSesSent(message),
        }),
      ),
    );
    const refuseUp = started(
      startRefuseServer(ports.refuse).then((r) => ({ url: r.url, stop: () => r.close() })),
    );
    const assembled = timeline.track(
      'assembly',
      ensureAssembly({
        repoRoot: REPO_ROOT,
        outdir: path.join(dataDir, 'cdk.out'),
        ...(overrides ? { overrides } : {}),
      }).then((ensured) => {
        say(
          ensured.reused
            ? `assembly: reused ${ensured.outdir} (inputs unchanged, checked in ${seconds(ensured.ms)})`
            : `assembly: synthesized in ${seconds(ensured.ms)} (${SYNTH_REASONS[ensured.reason]}) into ${ensured.outdir}`,
        );
        return {
          ensured,
          app: readAssembly(ensured.outdir, { gatewayUrl, issuer: issuerUrl, signIn: issuerUrl }),
        };
      }),
    );
    const tablesReady = timeline.track(
      'tables',
      Promise.all([dynamodbUp, assembled]).then(async ([ddb, { app }]) => {
        const client = new DynamoDBClient({
          region: app.region,
          endpoint: ddb.url,
          credentials: {
            accessKeyId: LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID,
            secretAccessKey: LOCAL_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
          },
        });
        try {
          return await ensureTables(client, app.tables);
        } finally {
          client.destroy();
        }
      }),
    );
    const [dynamodb, ses, refuse, { ensured, app }, tables] = await settleAll([
      dynamodbUp,
      sesUp,
      refuseUp,
      assembled,
      tablesReady,
    ] as const);
    timeline.mark('services, assembly and tables');

    const awsEnv = {
      AWS_REGION: app.region,
      AWS_DEFAULT_REGION: app.region,
      ...LOCAL_CREDENTIALS,
      AWS_ENDPOINT_URL: refuse.url,
      AWS_ENDPOINT_URL_DYNAMODB: functionsDynamoDbUrl(dynamodb.url),
      AWS_ENDPOINT_URL_SES: ses.url,
    };

    // The Step Functions and EventBridge endpoints must be known to the functions before they start.
    const sfnPort = ports.stepFunctions === 0 ? await freePort() : ports.stepFunctions;
    const eventsPort = await freePort();
    const workers = new WorkerPool(app.functions, {
      baseEnv: {
        ...awsEnv,
        AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${sfnPort}`,
        AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${eventsPort}`,
      },
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

    // EventBridge: the template's event-pattern rules, PutEvents for the functions, and the
    // SES events of the configuration sets' EventBridge destinations.
    const eventBridge = new LocalEventBridge({
      rules: app.eventRules,
      buses: app.eventBuses,
      region: app.region,
      accountId: app.accountId,
      invoker: workers,
      startExecution: (stateMachineArn, input) => plane.startExecution({ stateMachineArn, input }),
      now: () => clock.now(),
      log: (l) => say(l),
    });
    stoppers.push(() => eventBridge.close());
    const sesContext = { region: app.region, accountId: app.accountId };
    onSesSent = (message) => {
      for (const event of sesEvents(message, app.configurationSets, sesContext)) eventBridge.publish(event);
    };
    for (const message of earlySesMessages.splice(0)) onSesSent(message);
    ses.setConfigurationSets(app.configurationSets.map((set) => set.name));
    const eventsServer = await startEventsServer(eventBridge, { port: eventsPort });
    stoppers.push(() => eventsServer.close());

    const api = app.httpApis[0];
    if (!api) throw new Error('the app has no HTTP API');
    const audience = api.jwt?.audience[0] ?? 'local-client';
    const issuer = TokenIssuer.open(dataDir, {
      issuer: issuerUrl,
      clientId: audience,
      now: () => clock.nowMs(),
    });
    // Before the gateway: the console sends browsers here to sign in.
    seedLocalUsers(dataDir);
    const signIn = await startOAuthServer({
      key: loadOrCreateSigningKey(dataDir),
      clients: app.userPoolClients,
      // The data folder's users file (seeded with the demo users on first start), read again
      // for each sign-in: `npm run users` adds, disables and enables users while this runs.
      users: usersFileSource(dataDir),
      port: issuerPort,
      now: () => clock.nowMs(),
      log: (l) => say(l),
    });
    stoppers.push(() => signIn.close());
    if (signIn.url !== issuerUrl)
      throw new Error(`the sign-in server listens on ${signIn.url}, not ${issuerUrl}`);
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

    const schedules = startSchedules(app.schedules, workers, (l) => say(l), clock, {
      dataDir,
      startExecution: (stateMachineArn, input) => plane.startExecution({ stateMachineArn, input }),
    });
    stoppers.push(async () => schedules.stop());

    timeline.mark('engine');

    const seedFunction = findOutput(app, SEED.output);
    if (seedFunction) {
      const directory = readFileSync(SEED.directory);
      const seed = seedMark(directory, ensured.assembly);
      // The seed leaves existing entries alone, so with the same tables, directory and seed
      // function it would change nothing: skip the cold function start it costs.
      if (tables === 'kept' && readSeedMark(dataDir) === seed) {
        say('directory: already seeded (tables, directory and seed function unchanged)');
      } else {
        const seeded = await workers.invoke(seedFunction, JSON.parse(directory.toString('utf8')));
        if (!seeded.ok) throw new Error(`seeding the directory failed: ${seeded.errorType}`);
        writeSeedMark(dataDir, seed);
        say(`directory seeded: ${JSON.stringify(seeded.payload)}`);
      }
      timeline.mark('directory');
    }

    // The SES emulator can be stopped and started again (fault injection); its new pid goes
    // into runtime.json.
    let writeRuntime = () => {};
    const sesService = {
      get running() {
        return ses.running;
      },
      stop: () => ses.stop(),
      start: async () => {
        await ses.start();
        writeRuntime();
      },
    };
    const admin = await startAdminServer({ clock, services: { ses: sesService }, log: (l) => say(l) });
    stoppers.push(() => admin.close());

    const consoleUrl = findOutput(app, CONSOLE_OUTPUT) ?? `${gateway.url}/console`;
    const startedAt = new Date().toISOString();
    writeRuntime = () =>
      writeRuntimeFile(dataDir, {
        dataDir,
        urls: {
          api: gateway.url,
          inbox: ses.url,
          stepFunctions: sfnServer.url,
          dynamodb: dynamodb.url,
          admin: admin.url,
          eventBridge: eventsServer.url,
          signIn: signIn.url,
          console: consoleUrl,
        },
        pids: { main: process.pid, dynamodb: dynamodb.pid, ses: ses.pid },
        issuer: issuerUrl,
        clientId: audience,
        startedAt,
      });
    writeRuntime();

    say(`ready in ${seconds(timeline.elapsedMs())} (${timeline.summary()})`);
    process.stdout.write(
      `${startBanner({
        console: consoleUrl,
        api: gateway.url,
        inbox: ses.url,
        dataDir,
        defaultDataDir: resolveDataDir({}, REPO_ROOT),
        clock: clock.now(),
        referral: demoReferral(),
      }).join('\n')}\n`,
    );
  } catch (error) {
    process.stderr.write(
      `[bashke] cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    await stopAll(1);
  }
}

void main();
