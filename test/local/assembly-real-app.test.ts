/**
 * The assembly reader on the real Bashkë app: built by infra/build-app.ts with cdk.json's
 * context into a temp dir, functions bundled by esbuild (the local runtime runs the
 * bundles, so they must be there; `aws:cdk:bundling-stacks: []` leaves no asset at all).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/build-app';
import { type LocalAssembly, readAssembly } from '../../local/engine/assembly/read-assembly';
import type { LocalEndpoints, LocalFunction } from '../../local/engine/model';

const REPO_ROOT = path.join(__dirname, '..', '..');
const endpoints: LocalEndpoints = {
  gatewayUrl: 'http://127.0.0.1:4200',
  issuer: 'http://127.0.0.1:4201',
  signIn: 'http://127.0.0.1:4201',
};

let outdir: string;
let app: LocalAssembly;

beforeAll(() => {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bashke-assembly-real-'));
  // cdk.json's context with a sender domain, as a stage has: the SES domain identity and its
  // DKIM output are in the template, and the local runtime must read past them.
  const bashke = { ...(cdkJson.context.bashke as object), senderDomain: 'bashke.example.org' };
  const cdkApp = new App({ outdir, context: { ...cdkJson.context, bashke } });
  buildApp(cdkApp);
  cdkApp.synth();
  app = readAssembly(outdir, endpoints);
});

afterAll(() => {
  fs.rmSync(outdir, { recursive: true, force: true });
});

const fn = (logicalIdPrefix: string): LocalFunction => {
  const found = app.functions.filter((f) => f.logicalId.startsWith(logicalIdPrefix));
  if (found.length !== 1) throw new Error(`expected one function ${logicalIdPrefix}*, found ${found.length}`);
  return found[0] as LocalFunction;
};

it('has the 21 functions, each with its bundled handler file', () => {
  expect(app.functions).toHaveLength(21);
  for (const f of app.functions) {
    expect(fs.existsSync(path.join(f.assetDir, f.handlerFile))).toBe(true);
    expect(f.handlerExport).toBe('handler');
    expect(f.arn).toBe(`arn:aws:lambda:${app.region}:000000000000:function:${f.name}`);
  }
  expect(app.skipped.filter((s) => s.type === 'AWS::Lambda::Function')).toEqual([]);
});

it('has the single table with its gsi1 index and the audit table beside it, and the functions get their local names', () => {
  expect(app.tables).toHaveLength(2);
  const table = app.tables.find((t) => t.logicalId.startsWith('Table'));
  const audit = app.tables.find((t) => t.logicalId.startsWith('AuditTable'));
  expect(table?.globalSecondaryIndexes.map((gsi) => gsi.IndexName)).toEqual(['gsi1']);
  expect(audit?.globalSecondaryIndexes).toEqual([]);
  for (const f of app.functions) expect(f.environment.TABLE_NAME).toBe(table?.name);
  // Every function but the seed and the two sweeps records what it reads and writes.
  const unaudited = ['SeedDirectoryFn', 'DispatchDueFn', 'DeliveryEventsFn'];
  for (const f of app.functions) {
    const expected = unaudited.some((id) => f.logicalId.startsWith(id)) ? undefined : audit?.name;
    expect({ fn: f.logicalId, audit: f.environment.AUDIT_TABLE_NAME }).toEqual({
      fn: f.logicalId,
      audit: expected,
    });
  }
});

const machine = (logicalIdPrefix: string) => {
  const found = app.stateMachines.find((m) => m.logicalId.startsWith(logicalIdPrefix));
  if (!found) throw new Error(`no state machine ${logicalIdPrefix}*`);
  return found;
};

it('has the referral and the four stage state machines, bound to each step function by its local ARN', () => {
  expect(app.stateMachines).toHaveLength(5);
  const referral = machine('ReferralWorkflow').definition;
  for (const step of ['PrepareOfferFn', 'OpenTaskFn', 'CloseOfferFn', 'AcceptCaseFn', 'MarkUnassignedFn']) {
    expect(referral).toContain(JSON.stringify(fn(step).arn));
  }
  for (const stage of ['AssessmentWorkflow', 'AssistanceWorkflow', 'FollowUpWorkflow', 'ClosureWorkflow']) {
    expect(machine(stage).definition).toContain(JSON.stringify(fn('OpenTaskFn').arn));
    expect(machine(stage).definition).toContain(JSON.stringify(fn('ScheduleStageFn').arn));
  }
  expect(fn('CreateReferralFn').environment.STATE_MACHINE_ARN).toBe(machine('ReferralWorkflow').arn);
});

it('has the one-minute schedule rule firing the due-time dispatcher, and the daily retention run', () => {
  expect(app.schedules).toHaveLength(2);
  const every = (expression: string) => app.schedules.find((s) => s.expression === expression);
  expect(every('rate(1 minute)')?.targets.map((t) => t.arn)).toEqual([fn('DispatchDueFn').arn]);
  expect(every('rate(1 day)')?.targets.map((t) => t.arn)).toEqual([fn('RetentionFn').arn]);
});

it('has the routes, JWT-authorized by the local issuer for the app client', () => {
  expect(app.httpApis).toHaveLength(1);
  const api = app.httpApis[0];
  const routes = Object.fromEntries((api?.routes ?? []).map((r) => [r.routeKey, r]));
  expect(Object.keys(routes).sort()).toEqual(
    [
      'GET /actions/{token}',
      'GET /cases',
      'GET /cases/{caseId}',
      'GET /cases/{caseId}/timeline',
      'GET /cases/{caseId}/audit',
      'GET /cases/{caseId}/export',
      'GET /console',
      'GET /console/{proxy+}',
      'HEAD /console/{proxy+}',
      'POST /console/{proxy+}',
      'GET /directory/organisations',
      'GET /directory/organisations/{orgId}',
      'GET /directory/organisations/{orgId}/history',
      'GET /meetings',
      'GET /meetings/{meetingId}',
      'GET /rsvp/{token}',
      'GET /stats',
      'GET /tasks',
      'GET /tasks/{taskId}',
      'HEAD /actions/{token}',
      'HEAD /rsvp/{token}',
      'PATCH /directory/organisations/{orgId}',
      'PATCH /meetings/{meetingId}',
      'POST /actions/{token}',
      'POST /cases/{caseId}/assignment',
      'POST /cases/{caseId}/closure',
      'POST /cases/{caseId}/plan',
      'POST /cases/{caseId}/profile-correction',
      'POST /cases/{caseId}/reopening',
      'POST /cases/{caseId}/transfer',
      'POST /cases/{caseId}/withdrawal',
      'POST /directory/organisations',
      'POST /directory/organisations/{orgId}/deactivation',
      'POST /meetings',
      'POST /meetings/{meetingId}/cancellation',
      'POST /meetings/{meetingId}/minutes',
      'POST /referrals',
      'POST /rsvp/{token}',
      'POST /tasks/{taskId}/completion',
      'POST /tasks/{taskId}/deadline',
    ].sort(),
  );
  expect(routes['POST /referrals']).toMatchObject({
    authorizationType: 'JWT',
    functionArn: fn('CreateReferralFn').arn,
  });
  expect(routes['GET /cases/{caseId}']).toMatchObject({
    authorizationType: 'JWT',
    functionArn: fn('GetCaseFn').arn,
  });
  for (const path of ['actions', 'rsvp'])
    for (const method of ['GET', 'HEAD', 'POST']) {
      expect(routes[`${method} /${path}/{token}`]).toMatchObject({
        authorizationType: 'NONE',
        functionArn: fn('ActionLinkFn').arn,
      });
    }
  for (const key of [
    'GET /console',
    'GET /console/{proxy+}',
    'HEAD /console/{proxy+}',
    'POST /console/{proxy+}',
  ]) {
    expect(routes[key]).toMatchObject({ authorizationType: 'NONE', functionArn: fn('ConsoleFn').arn });
  }
  expect(routes['POST /meetings']).toMatchObject({
    authorizationType: 'JWT',
    functionArn: fn('MeetingsFn').arn,
  });
  expect(api?.jwt?.issuer).toBe(endpoints.issuer);
  expect(api?.jwt?.audience).toEqual([app.outputs.BashkeApp?.UserPoolClientId]);
});

it('sends action links to the local gateway', () => {
  expect(fn('OpenTaskFn').environment.ACTION_BASE_URL).toBe(endpoints.gatewayUrl);
  expect(app.outputs.BashkeApp?.ApiUrl).toBe(endpoints.gatewayUrl);
});

describe('the console', () => {
  const client = (prefix: string) => {
    const found = app.userPoolClients.filter((c) => c.logicalId.startsWith(prefix));
    expect(found).toHaveLength(1);
    return found[0] as (typeof found)[number];
  };

  it('gets the local sign-in server, console URL, client and issuer in its environment', () => {
    const env = fn('ConsoleFn').environment;
    expect(env.CONSOLE_BASE_URL).toBe(`${endpoints.gatewayUrl}/console`);
    expect(env.OAUTH_BASE_URL).toBe(endpoints.signIn);
    expect(env.OAUTH_CLIENT_ID).toBe(client('UsersConsoleClient').clientId);
    expect(env.USER_POOL_PROVIDER_URL).toBe(endpoints.issuer);
    expect(app.outputs.BashkeApp?.ConsoleUrl).toBe(`${endpoints.gatewayUrl}/console`);
  });

  it('reads the console client’s OAuth settings under the gateway, and the app client as no OAuth client', () => {
    expect(client('UsersConsoleClient')).toMatchObject({
      oauthFlows: ['code'],
      scopes: ['openid', 'email', 'profile'],
      callbackUrls: [`${endpoints.gatewayUrl}/console/auth/callback`],
      logoutUrls: [`${endpoints.gatewayUrl}/console/signed-out`],
    });
    expect(client('UsersAppClient')).toMatchObject({ oauthFlows: [], callbackUrls: [], logoutUrls: [] });
    expect(app.httpApis[0]?.jwt?.audience).toEqual([client('UsersAppClient').clientId]);
  });

  it('refuses to read the app without a local sign-in server: the managed login would be AWS’s', () => {
    expect(() =>
      readAssembly(outdir, { gatewayUrl: endpoints.gatewayUrl, issuer: endpoints.issuer }),
    ).toThrow(
      /ConsoleFn[0-9A-F]{8}\.Properties\.Environment\.Variables\.OAUTH_BASE_URL: names the managed login of the user-pool domain bashke-korca; pass endpoints\.signIn/,
    );
  });
});

it('reads past the SES domain identity, giving its DKIM records output local stand-ins', () => {
  expect(app.outputs.BashkeApp?.SenderDomainDkimRecords).toBe(
    [1, 2, 3]
      .map((n) => `local-dkim-${n}._domainkey.bashke.example.org CNAME local-dkim-${n}.dkim.amazonses.com`)
      .join('; '),
  );
});
