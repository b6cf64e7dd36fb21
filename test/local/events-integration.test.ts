/**
 * Issue 9's local path end to end on the engine: a tiny CDK app synthesized here (an
 * event-pattern rule on a bus of the app, a rule on `aws.ses` / `Email Bounced` on the default
 * bus, a zoned Scheduler cron, an at() schedule and an SES configuration set with an
 * EventBridge destination), read and run with the engine's parts as a launcher wires them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SESClient, SendEmailCommand, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { App, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as ses from 'aws-cdk-lib/aws-ses';
import { readAssembly } from '../../local/engine/assembly/read-assembly';
import { RuntimeClock } from '../../local/engine/clock/runtime-clock';
import { LocalEventBridge } from '../../local/engine/events/event-bus';
import { type EventsServer, startEventsServer } from '../../local/engine/events/events-server';
import { sesEvents } from '../../local/engine/events/ses-events';
import { WorkerPool } from '../../local/engine/lambda/worker-pool';
import type { InvokeResult, LocalApp } from '../../local/engine/model';
import { type AdminServer, startAdminServer } from '../../local/engine/runtime/admin-server';
import { type ScheduleRunner, startSchedules } from '../../local/engine/runtime/schedules';
import { type SesLocal, startSesLocal } from '../../local/engine/services/ses-local';

const REGION = 'eu-central-1';
const HOUR = 3_600_000;
/** Real time, frozen: 14 July 2026, 12:00Z (14:00 in Tirane, CEST). */
const REAL_NOW = Date.parse('2026-07-14T12:00:00.000Z');

function synthesize(outdir: string, codeDir: string): void {
  const app = new App({ outdir, context: { '@aws-cdk/aws-lambda-nodejs:useLatestRuntimeVersion': true } });
  const stack = new Stack(app, 'EventsApp', { env: { region: REGION } });
  const fn = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      code: lambda.Code.fromAsset(codeDir),
      handler: 'index.handler',
      timeout: Duration.seconds(5),
    });
  const onReferral = fn('OnReferral');
  const onBounce = fn('OnBounce');
  const onSchedule = fn('OnSchedule');

  const bus = new events.EventBus(stack, 'Bus');
  new events.Rule(stack, 'ReferralRule', {
    eventBus: bus,
    eventPattern: {
      source: ['bashke.referrals'],
      detailType: ['Referral Created'],
      detail: { priority: [{ numeric: ['>=', 2] }] },
    },
    targets: [new eventsTargets.LambdaFunction(onReferral)],
  });
  const defaultBus = events.EventBus.fromEventBusName(stack, 'DefaultBus', 'default');
  new events.Rule(stack, 'BounceRule', {
    eventPattern: { source: ['aws.ses'], detailType: ['Email Bounced'] },
    targets: [new eventsTargets.LambdaFunction(onBounce)],
  });
  const configurationSet = new ses.ConfigurationSet(stack, 'Mail');
  configurationSet.addEventDestination('ToEventBridge', {
    destination: ses.EventDestination.eventBus(defaultBus),
    events: [ses.EmailSendingEvent.SEND, ses.EmailSendingEvent.DELIVERY, ses.EmailSendingEvent.BOUNCE],
  });

  new scheduler.Schedule(stack, 'Morning', {
    schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '8', timeZone: TimeZone.EUROPE_TIRANE }),
    target: new schedulerTargets.LambdaInvoke(onSchedule, {
      input: scheduler.ScheduleTargetInput.fromText('morning'),
    }),
  });
  new scheduler.Schedule(stack, 'Once', {
    // The literal is the wall time in the zone: 10:00 in Tirane on 15 July = 08:00Z.
    schedule: scheduler.ScheduleExpression.at(new Date('2026-07-15T10:00:00Z'), TimeZone.EUROPE_TIRANE),
    target: new schedulerTargets.LambdaInvoke(onSchedule, {
      input: scheduler.ScheduleTargetInput.fromText('once'),
    }),
  });
  app.synth();
}

describe('EventBridge rules, Scheduler schedules and SES events on the engine', () => {
  let root: string;
  let app: LocalApp;
  let clock: RuntimeClock;
  let pool: WorkerPool;
  let bridge: LocalEventBridge;
  let server: EventsServer;
  let sesLocal: SesLocal;
  let admin: AdminServer;
  let runner: ScheduleRunner;
  const calls: Array<{ fn: string; event: Record<string, unknown> }> = [];

  const fnName = (logicalPrefix: string) =>
    app.functions.find((f) => f.logicalId.startsWith(logicalPrefix))?.arn as string;
  const callsOf = (logicalPrefix: string) =>
    calls.filter((c) => c.fn === fnName(logicalPrefix)).map((c) => c.event);

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'bashke-events-'));
    const codeDir = path.join(root, 'code');
    mkdirSync(codeDir);
    writeFileSync(
      path.join(codeDir, 'index.mjs'),
      'export const handler = async (event) => ({ seen: event });\n',
    );
    synthesize(path.join(root, 'cdk.out'), codeDir);
    app = readAssembly(path.join(root, 'cdk.out'), {
      gatewayUrl: 'http://127.0.0.1:1',
      issuer: 'http://127.0.0.1:1/i',
    });

    const dataDir = path.join(root, 'data');
    clock = new RuntimeClock(undefined, 0, { realNow: () => REAL_NOW });
    pool = new WorkerPool(app.functions, { baseEnv: {}, clock, log: () => {} });
    const recording = {
      invoke: async (arn: string, payload: unknown): Promise<InvokeResult> => {
        calls.push({ fn: arn, event: payload as Record<string, unknown> });
        return pool.invoke(arn, payload);
      },
    };
    bridge = new LocalEventBridge({
      rules: app.eventRules,
      buses: app.eventBuses,
      region: app.region,
      accountId: app.accountId,
      invoker: recording,
      now: () => clock.now(),
    });
    server = await startEventsServer(bridge);
    sesLocal = await startSesLocal({
      port: 0,
      dataDir,
      onSent: (message) => {
        for (const event of sesEvents(message, app.configurationSets, app)) bridge.publish(event);
      },
    });
    sesLocal.setConfigurationSets(app.configurationSets.map((set) => set.name));
    admin = await startAdminServer({ clock, services: { ses: sesLocal } });
    runner = startSchedules(app.schedules, recording, () => {}, clock, { dataDir });
  });

  afterAll(async () => {
    runner?.stop();
    await bridge?.close();
    await server?.close();
    await admin?.close();
    await sesLocal?.stop();
    await pool?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('reads the rules, the bus, the zoned and one-time schedules and the configuration set', () => {
    expect(app.eventBuses.map((b) => b.name)).toEqual([expect.stringMatching(/^EventsApp-Bus[0-9A-F]{8}$/)]);
    const busName = app.eventBuses[0]?.name;
    expect(app.eventRules.map((r) => [r.logicalId.replace(/[0-9A-F]{8}$/, ''), r.busName]).sort()).toEqual([
      ['BounceRule', 'default'],
      ['ReferralRule', busName],
    ]);
    expect(app.schedules.map((s) => [s.expression, s.timeZone])).toEqual(
      expect.arrayContaining([
        ['cron(0 8 * * ? *)', 'Europe/Tirane'],
        ['at(2026-07-15T10:00:00)', 'Europe/Tirane'],
      ]),
    );
    expect(app.configurationSets).toEqual([
      expect.objectContaining({
        eventBridgeDestinations: [
          expect.objectContaining({ busName: 'default', matchingEventTypes: ['send', 'delivery', 'bounce'] }),
        ],
      }),
    ]);
  });

  it('routes a PutEvents call (AWS JSON 1.1, as the SDK sends it) to the rule’s Lambda target', async () => {
    const put = (priority: number) =>
      fetch(`${server.url}/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSEvents.PutEvents' },
        body: JSON.stringify({
          Entries: [
            {
              EventBusName: app.eventBuses[0]?.name,
              Source: 'bashke.referrals',
              DetailType: 'Referral Created',
              Detail: JSON.stringify({ caseId: `c-${priority}`, priority }),
            },
          ],
        }),
      }).then((r) => r.json() as Promise<{ FailedEntryCount: number }>);
    expect(await put(1)).toMatchObject({ FailedEntryCount: 0 }); // accepted, but the pattern wants >= 2
    expect(await put(3)).toMatchObject({ FailedEntryCount: 0 });
    await bridge.idle();
    expect(callsOf('OnReferral')).toEqual([
      expect.objectContaining({
        source: 'bashke.referrals',
        'detail-type': 'Referral Created',
        account: '000000000000',
        region: REGION,
        time: '2026-07-14T12:00:00Z',
        detail: { caseId: 'c-3', priority: 3 },
      }),
    ]);
  });

  it('publishes SES events: a send to bounce@simulator reaches the aws.ses / Email Bounced rule', async () => {
    const client = new SESClient({
      endpoint: sesLocal.url,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    try {
      const set = app.configurationSets[0]?.name as string;
      const out = await client.send(
        new SendEmailCommand({
          Source: 'no-reply@bashke.example',
          Destination: { ToAddresses: ['bounce@simulator.amazonses.com'] },
          Message: { Subject: { Data: 'Offer KOR-2026-0042' }, Body: { Text: { Data: 'a link' } } },
          ConfigurationSetName: set,
          Tags: [{ Name: 'kind', Value: 'offer' }],
        }),
      );
      await bridge.idle();
      const bounced = callsOf('OnBounce');
      expect(bounced).toHaveLength(1);
      expect(bounced[0]).toMatchObject({
        source: 'aws.ses',
        'detail-type': 'Email Bounced',
        resources: [`arn:aws:ses:${REGION}:000000000000:configuration-set/${set}`],
        detail: {
          eventType: 'Bounce',
          bounce: {
            bounceType: 'Permanent',
            bounceSubType: 'General',
            bouncedRecipients: [
              expect.objectContaining({ emailAddress: 'bounce@simulator.amazonses.com', status: '5.1.1' }),
            ],
          },
          mail: {
            messageId: out.MessageId,
            source: 'no-reply@bashke.example',
            destination: ['bounce@simulator.amazonses.com'],
            headersTruncated: false,
            commonHeaders: expect.objectContaining({
              subject: 'Offer KOR-2026-0042',
              to: ['bounce@simulator.amazonses.com'],
            }),
            tags: expect.objectContaining({ 'ses:configuration-set': [set], kind: ['offer'] }),
          },
        },
      });

      // A raw message keeps its MIME byte for byte (GET /raw), for tests that parse it.
      const mime = [
        'From: no-reply@bashke.example',
        'To: success@simulator.amazonses.com',
        'Subject: Invitation',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'see you',
        '',
      ].join('\r\n');
      const raw = await client.send(
        new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(mime) }, ConfigurationSetName: set }),
      );
      const kept = await fetch(`${sesLocal.url}/raw?messageId=${raw.MessageId}`);
      expect(await kept.text()).toBe(mime);
      await bridge.idle();
      expect(callsOf('OnBounce')).toHaveLength(1); // a delivery is not a bounce
    } finally {
      client.destroy();
    }
  });

  it('fires the zoned cron and the at() schedule at the right runtime-clock instants', async () => {
    await clock.advance(17 * HOUR + 59 * 60_000); // 2026-07-15T05:59Z = 07:59 in Tirane
    expect(callsOf('OnSchedule')).toEqual([]);
    await clock.advance(60_000); // 06:00Z = 08:00 CEST
    expect(callsOf('OnSchedule')).toEqual(['morning']);
    await clock.advance(HOUR + 59 * 60_000); // 07:59Z: the at() (08:00Z) is not due
    expect(callsOf('OnSchedule')).toEqual(['morning']);
    await clock.advance(60_000); // 08:00Z
    expect(callsOf('OnSchedule')).toEqual(['morning', 'once']);
    await clock.advance(48 * HOUR); // two more mornings passed: fires once (catch-up); at() never again
    expect(callsOf('OnSchedule')).toEqual(['morning', 'once', 'morning']);
  });

  it('SES stopped → sends are refused; started again on the same port → sends work', async () => {
    const admin$ = (action: string) =>
      fetch(`${admin.url}/services/ses/${action}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
    const client = new SESClient({
      endpoint: sesLocal.url,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const send = (ConfigurationSetName?: string) =>
      client.send(
        new SendEmailCommand({
          Source: 'no-reply@bashke.example',
          Destination: { ToAddresses: ['ngo@example.org'] },
          Message: { Subject: { Data: 'Reminder' }, Body: { Text: { Data: 'a link' } } },
          ...(ConfigurationSetName ? { ConfigurationSetName } : {}),
        }),
      );
    try {
      expect(await (await admin$('stop')).json()).toEqual({ service: 'ses', running: false });
      await expect(send()).rejects.toThrow(/ECONNREFUSED/);
      expect(await (await admin$('start')).json()).toEqual({ service: 'ses', running: true });
      const out = await send();
      expect(out.MessageId).toBeTruthy();
      // After the restart it still knows the app's configuration sets, as SES does.
      await expect(send('NoSuchSet')).rejects.toMatchObject({
        name: 'ConfigurationSetDoesNotExistException',
      });
      const store = (await (await fetch(`${sesLocal.url}/store`)).json()) as {
        emails: Array<{ subject: string }>;
      };
      // The inbox survived the outage: the messages from before are still there.
      expect(store.emails.map((e) => e.subject)).toEqual(['Offer KOR-2026-0042', 'Invitation', 'Reminder']);
    } finally {
      client.destroy();
    }
  });
});
