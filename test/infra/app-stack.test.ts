import * as fs from 'node:fs';
import * as path from 'node:path';
import { BashkeFunction } from '../../infra/constructs/bashke-function';
import { BashkeWorkflow } from '../../infra/constructs/bashke-workflow';
import { ROLES } from '../../shared/domain/codes';
import { ENV } from '../../shared/util/env';
import {
  disposeSynth,
  type FoundResource,
  REPO_ROOT,
  resourcesOf,
  type SynthesizedBashke,
  synthBashke,
} from '../support/infra-synth';

let synth: SynthesizedBashke;

beforeAll(() => {
  synth = synthBashke();
});

afterAll(() => disposeSynth());

const ACTION_ROUTES = [
  'GET /actions/{token}',
  'HEAD /actions/{token}',
  'POST /actions/{token}',
  'GET /rsvp/{token}',
  'HEAD /rsvp/{token}',
  'POST /rsvp/{token}',
];

/** The console's pages: public, the console checks its own server-side session. */
const CONSOLE_ROUTES = [
  'GET /console',
  'GET /console/{proxy+}',
  'HEAD /console/{proxy+}',
  'POST /console/{proxy+}',
];

const resources = () => synth.compute.toJSON().Resources as Record<string, FoundResource>;
const typeOf = (logicalId: string) => resources()[logicalId]?.Type;
/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at. */
const target = (ref: unknown): string | undefined => {
  const r = ref as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return r?.Ref ?? r?.['Fn::GetAtt']?.[0];
};
const houseFunctions = () =>
  synth.built.compute.node.findAll().filter((c): c is BashkeFunction => c instanceof BashkeFunction);
const houseWorkflows = () =>
  synth.built.compute.node.findAll().filter((c): c is BashkeWorkflow => c instanceof BashkeWorkflow);

describe('log groups', () => {
  it('gives every log group the configured retention and the customer-managed key', () => {
    for (const [logicalId, group] of resourcesOf(synth.compute, 'AWS::Logs::LogGroup')) {
      expect({ logicalId, retention: group.Properties?.RetentionInDays }).toEqual({
        logicalId,
        retention: synth.built.config.logRetentionDays,
      });
      expect({ logicalId, key: typeOf(target(group.Properties?.KmsKeyId) ?? '') }).toEqual({
        logicalId,
        key: 'AWS::KMS::Key',
      });
    }
    for (const template of [synth.data]) template.resourceCountIs('AWS::Logs::LogGroup', 0);
  });
});

describe('lambda functions', () => {
  it('makes every function with the house construct, one per functions/ folder', () => {
    const folders = fs
      .readdirSync(path.join(REPO_ROOT, 'functions'), { withFileTypes: true })
      .filter(
        (d) => d.isDirectory() && fs.existsSync(path.join(REPO_ROOT, 'functions', d.name, 'handler.ts')),
      );
    const lambdas = resourcesOf(synth.compute, 'AWS::Lambda::Function');
    expect(houseFunctions()).toHaveLength(folders.length);
    // No function CDK adds on its own (log retention, custom resources): those escape the house rules.
    expect(lambdas).toHaveLength(houseFunctions().length);
  });

  it('sets timeout, memory, runtime, architecture, tracing and a log group on every function', () => {
    for (const [logicalId, fn] of resourcesOf(synth.compute, 'AWS::Lambda::Function')) {
      const p = fn.Properties ?? {};
      expect({
        logicalId,
        timeout: typeof p.Timeout,
        memory: typeof p.MemorySize,
        runtime: p.Runtime,
        architectures: p.Architectures,
        tracing: p.TracingConfig,
        logGroup: typeOf(target(p.LoggingConfig?.LogGroup) ?? ''),
      }).toEqual({
        logicalId,
        timeout: 'number',
        memory: 'number',
        runtime: 'nodejs24.x',
        architectures: ['arm64'],
        tracing: { Mode: 'Active' },
        logGroup: 'AWS::Logs::LogGroup',
      });
    }
  });

  it('attaches no managed policy to any role', () => {
    for (const [logicalId, role] of resourcesOf(synth.compute, 'AWS::IAM::Role')) {
      expect({ logicalId, managed: role.Properties?.ManagedPolicyArns }).toEqual({
        logicalId,
        managed: undefined,
      });
    }
    synth.compute.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });

  it('has three asynchronous invokers: the due-time sweep and the retention run (no destination needed) and the delivery-events rule (dead letters)', () => {
    // API Gateway and Step Functions invoke request-response (asl.test.ts checks no task
    // asks for InvocationType Event). The asynchronous invokers are EventBridge rules. The
    // one-minute schedule of the due-time sweep: a failed run loses nothing (what was due stays
    // on the index and the next minute takes it), so it has no on-failure destination. The SES
    // delivery-events rule: an event lost is a bounce nobody hears of, so the target has a
    // dead-letter queue and the function an on-failure destination. Any other asynchronous
    // invoker added later fails this test until its function gets one or says why it needs none.
    const rules = resourcesOf(synth.compute, 'AWS::Events::Rule');
    const targetsOf = (rule: FoundResource) =>
      rule.Properties?.Targets as {
        Arn: { 'Fn::GetAtt': [string, string] };
        DeadLetterConfig?: { Arn: unknown };
      }[];
    const fnOf = (t: { Arn: { 'Fn::GetAtt': [string, string] } }) =>
      t.Arn['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '');
    expect(rules.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'DeliveryEventsRule',
      'DispatchDueEveryMinute',
      'RetentionDaily',
    ]);
    // The daily retention run, like the sweep: a failed run erases nothing and the next day's
    // takes the same cases again (its errors alarm, as every function's do).
    const daily = rules.find(([id]) => id.startsWith('RetentionDaily'))?.[1] as FoundResource;
    expect(daily.Properties?.ScheduleExpression).toBe('rate(1 day)');
    expect(targetsOf(daily).map(fnOf)).toEqual(['RetentionFn']);
    const schedule = rules.find(([id]) => id.startsWith('DispatchDue'))?.[1] as FoundResource;
    expect(schedule.Properties?.ScheduleExpression).toBe('rate(1 minute)');
    expect(targetsOf(schedule).map(fnOf)).toEqual(['DispatchDueFn']);
    const delivery = rules.find(([id]) => id.startsWith('DeliveryEvents'))?.[1] as FoundResource;
    expect(targetsOf(delivery).map(fnOf)).toEqual(['DeliveryEventsFn']);
    const [deliveryTarget] = targetsOf(delivery);
    expect(typeOf(target(deliveryTarget?.DeadLetterConfig?.Arn) ?? '')).toBe('AWS::SQS::Queue');
    const invokeConfigs = resourcesOf(synth.compute, 'AWS::Lambda::EventInvokeConfig');
    expect(invokeConfigs).toHaveLength(1);
    const [, invokeConfig] = invokeConfigs[0] as (typeof invokeConfigs)[number];
    expect(target(invokeConfig.Properties?.FunctionName)?.replace(/[0-9A-F]{8}$/, '')).toBe(
      'DeliveryEventsFn',
    );
    expect(typeOf(target(invokeConfig.Properties?.DestinationConfig?.OnFailure?.Destination) ?? '')).toBe(
      'AWS::SQS::Queue',
    );
    for (const type of [
      'AWS::Lambda::EventSourceMapping',
      'AWS::Scheduler::Schedule',
      'AWS::SNS::Subscription',
      'AWS::S3::Bucket',
    ]) {
      synth.compute.resourceCountIs(type, 0);
    }
    for (const [logicalId, permission] of resourcesOf(synth.compute, 'AWS::Lambda::Permission')) {
      const principal = /^(DispatchDueEveryMinute|DeliveryEventsRule|RetentionDaily)/.test(logicalId)
        ? 'events.amazonaws.com'
        : 'apigateway.amazonaws.com';
      expect({ logicalId, principal: permission.Properties?.Principal }).toEqual({ logicalId, principal });
    }
  });
});

describe('state machines', () => {
  const machines = () =>
    resourcesOf(synth.compute, 'AWS::StepFunctions::StateMachine').map(
      ([logicalId, m]) => [logicalId, m.Properties ?? {}] as const,
    );

  it('makes every state machine with the house construct', () => {
    const workflows = houseWorkflows().map((w) => synth.logicalId(w.stateMachine));
    expect(workflows.sort()).toEqual(
      machines()
        .map(([logicalId]) => logicalId)
        .sort(),
    );
  });

  it('logs every event without execution data', () => {
    for (const [logicalId, machine] of machines()) {
      const logging = machine.LoggingConfiguration;
      expect({ logicalId, level: logging.Level, data: logging.IncludeExecutionData }).toEqual({
        logicalId,
        level: 'ALL',
        data: false,
      });
      expect(logging.Destinations).toHaveLength(1);
      expect(typeOf(target(logging.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn) ?? '')).toBe(
        'AWS::Logs::LogGroup',
      );
    }
  });

  it('traces executions', () => {
    for (const [logicalId, machine] of machines()) {
      expect({ logicalId, tracing: machine.TracingConfiguration }).toEqual({
        logicalId,
        tracing: { Enabled: true },
      });
    }
  });

  it('encrypts definitions and history with the customer-managed key', () => {
    for (const [logicalId, machine] of machines()) {
      const encryption = machine.EncryptionConfiguration;
      expect({ logicalId, type: encryption.Type, key: typeOf(target(encryption.KmsKeyId) ?? '') }).toEqual({
        logicalId,
        type: 'CUSTOMER_MANAGED_KMS_KEY',
        key: 'AWS::KMS::Key',
      });
    }
  });

  it('makes Standard workflows', () => {
    for (const [logicalId, machine] of machines()) {
      expect({ logicalId, type: machine.StateMachineType }).toEqual({ logicalId, type: 'STANDARD' });
    }
  });
});

describe('sign-in', () => {
  const pool = () => {
    const pools = resourcesOf(synth.compute, 'AWS::Cognito::UserPool');
    expect(pools).toHaveLength(1);
    return pools[0] as (typeof pools)[number];
  };
  /** The app client (SRP, the API's audience); the console's has its own describe. */
  const client = () => appClient();

  it('lets only admins create users', () => {
    expect(pool()[1].Properties?.AdminCreateUserConfig?.AllowAdminCreateUserOnly).toBe(true);
  });

  it('has exactly the groups police, ngo, localgov, council, coordinator and admin', () => {
    const groups = resourcesOf(synth.compute, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties);
    const roles = ['admin', 'coordinator', 'council', 'localgov', 'ngo', 'police'];
    expect(groups.map((g) => g?.GroupName).sort()).toEqual(roles);
    expect([...ROLES].sort()).toEqual(roles);
    for (const g of groups) expect(target(g?.UserPoolId)).toBe(pool()[0]);
  });

  it('declares the custom:orgId attribute', () => {
    expect(pool()[1].Properties?.Schema).toEqual(
      expect.arrayContaining([expect.objectContaining({ Name: 'orgId', AttributeDataType: 'String' })]),
    );
  });

  it('lets the app client read custom:orgId but never write it', () => {
    const p = client()[1].Properties ?? {};
    expect(p.ReadAttributes).toContain('custom:orgId');
    expect(p.WriteAttributes).toBeDefined();
    expect(p.WriteAttributes).not.toContain('custom:orgId');
  });

  it('signs in with SRP only: no OAuth grants, no secret', () => {
    const p = client()[1].Properties ?? {};
    expect(p.ExplicitAuthFlows).toEqual(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
    expect(p.AllowedOAuthFlows).toBeUndefined();
    expect(p.CallbackURLs).toBeUndefined();
    expect(p.AllowedOAuthFlowsUserPoolClient).not.toBe(true);
    expect(p.GenerateSecret).toBe(false);
  });

  it('requires MFA', () => {
    expect(pool()[1].Properties?.MfaConfiguration).toBe('ON');
  });
});

/** The user-pool client whose logical id starts with `prefix` (exactly one). */
const userPoolClient = (prefix: string) => {
  const clients = resourcesOf(synth.compute, 'AWS::Cognito::UserPoolClient').filter(([id]) =>
    id.startsWith(prefix),
  );
  expect(clients).toHaveLength(1);
  return clients[0] as (typeof clients)[number];
};
const appClient = () => userPoolClient('UsersAppClient');
const consoleClient = () => userPoolClient('UsersConsoleClient');

describe('HTTP API', () => {
  const authorizer = () => {
    const authorizers = resourcesOf(synth.compute, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    return authorizers[0] as (typeof authorizers)[number];
  };

  it('authorizes with a JWT authorizer for the user pool and its app client', () => {
    const [poolId] = resourcesOf(synth.compute, 'AWS::Cognito::UserPool')[0] ?? [];
    const [clientId] = appClient();
    expect(resourcesOf(synth.compute, 'AWS::Cognito::UserPoolClient')).toHaveLength(2);
    expect(authorizer()[1].Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: clientId }],
        Issuer: {
          'Fn::Join': [
            '',
            [`https://cognito-idp.${synth.built.config.region}.amazonaws.com/`, { Ref: poolId }],
          ],
        },
      },
    });
  });

  it('lists only the app client as the audience: the console’s tokens are no API credential', () => {
    const [consoleId] = consoleClient();
    expect(JSON.stringify(authorizer()[1].Properties?.JwtConfiguration?.Audience)).not.toContain(consoleId);
  });

  it('puts the JWT authorizer on every route except the action-link, invitation-answer and console routes', () => {
    const routes = resourcesOf(synth.compute, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties ?? {});
    const [authorizerId] = authorizer();
    const PUBLIC = [...ACTION_ROUTES, ...CONSOLE_ROUTES];
    const open = routes.filter((r) => PUBLIC.includes(r.RouteKey));
    const closed = routes.filter((r) => !PUBLIC.includes(r.RouteKey));
    expect(open.map((r) => r.RouteKey).sort()).toEqual([...PUBLIC].sort());
    expect(closed.length).toBeGreaterThan(0);
    for (const r of closed) {
      expect({ route: r.RouteKey, type: r.AuthorizationType, authorizer: r.AuthorizerId }).toEqual({
        route: r.RouteKey,
        type: 'JWT',
        authorizer: { Ref: authorizerId },
      });
    }
    for (const r of open) {
      expect({ route: r.RouteKey, type: r.AuthorizationType, authorizer: r.AuthorizerId }).toEqual({
        route: r.RouteKey,
        type: 'NONE',
        authorizer: undefined,
      });
    }
  });

  it('logs access by route key, never by path (action tokens are path segments)', () => {
    for (const [logicalId, stage] of resourcesOf(synth.compute, 'AWS::ApiGatewayV2::Stage')) {
      const settings = stage.Properties?.AccessLogSettings;
      expect({ logicalId, destination: typeOf(target(settings?.DestinationArn) ?? '') }).toEqual({
        logicalId,
        destination: 'AWS::Logs::LogGroup',
      });
      const format: string = settings.Format;
      expect(format).toContain('$context.routeKey');
      expect(format).not.toMatch(/\$context\.path\b/);
      expect(() => JSON.parse(format)).not.toThrow();
    }
  });

  it('throttles every stage', () => {
    for (const [, stage] of resourcesOf(synth.compute, 'AWS::ApiGatewayV2::Stage')) {
      const defaults = stage.Properties?.DefaultRouteSettings ?? {};
      expect(defaults.ThrottlingRateLimit).toBeGreaterThan(0);
      expect(defaults.ThrottlingBurstLimit).toBeGreaterThan(0);
    }
  });
});

describe('web console', () => {
  const consoleFunction = () => {
    const fns = resourcesOf(synth.compute, 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('ConsoleFn'),
    );
    expect(fns).toHaveLength(1);
    return fns[0] as (typeof fns)[number];
  };
  const apiEndpoint = () => {
    const [apiId] = resourcesOf(synth.compute, 'AWS::ApiGatewayV2::Api')[0] ?? [];
    return { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] };
  };
  const underApi = (suffix: string) => ({ 'Fn::Join': ['', [apiEndpoint(), suffix]] });

  it('routes exactly GET /console and GET, HEAD and POST /console/{proxy+} to the console function, without an authorizer', () => {
    const [fnId] = consoleFunction();
    const integrations = new Map(
      resourcesOf(synth.compute, 'AWS::ApiGatewayV2::Integration').map(([id, i]) => [
        id,
        target(i.Properties?.IntegrationUri),
      ]),
    );
    // A route's Target is `integrations/<Ref integration>`, an integration's URI the function's ARN.
    const integrationOf = (r: Record<string, unknown>) =>
      target((r.Target as { 'Fn::Join': [string, unknown[]] } | undefined)?.['Fn::Join'][1][1]);
    const routes = resourcesOf(synth.compute, 'AWS::ApiGatewayV2::Route')
      .map(([, r]) => r.Properties ?? {})
      .filter((r) => integrations.get(integrationOf(r) ?? '') === fnId);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([...CONSOLE_ROUTES].sort());
    for (const r of routes) {
      expect({ route: r.RouteKey, type: r.AuthorizationType, authorizer: r.AuthorizerId }).toEqual({
        route: r.RouteKey,
        type: 'NONE',
        authorizer: undefined,
      });
    }
  });

  it('gives the console its own app client: authorization code only, no secret, its callback and sign-out URLs', () => {
    const p = consoleClient()[1].Properties ?? {};
    expect(p.AllowedOAuthFlows).toEqual(['code']);
    expect(p.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect([...p.AllowedOAuthScopes].sort()).toEqual(['email', 'openid', 'profile']);
    expect(p.GenerateSecret).toBe(false);
    expect(p.SupportedIdentityProviders).toEqual(['COGNITO']);
    expect(p.PreventUserExistenceErrors).toBe('ENABLED');
    expect(p.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    expect(p.IdTokenValidity).toBe(60);
    expect(p.TokenValidityUnits).toEqual({ IdToken: 'minutes' });
    expect(p.CallbackURLs).toEqual([underApi('/console/auth/callback')]);
    expect(p.LogoutURLs).toEqual([underApi('/console/signed-out')]);
    expect(p.ReadAttributes).toEqual(appClient()[1].Properties?.ReadAttributes);
    expect(p.ReadAttributes).toContain('custom:orgId');
    expect(p.WriteAttributes).not.toContain('custom:orgId');
  });

  it('hosts managed login (version 2) on the configured prefix domain, branded for the console client', () => {
    const domains = resourcesOf(synth.compute, 'AWS::Cognito::UserPoolDomain');
    expect(domains).toHaveLength(1);
    const [, domain] = domains[0] as (typeof domains)[number];
    const [poolId] = resourcesOf(synth.compute, 'AWS::Cognito::UserPool')[0] ?? [];
    expect(domain.Properties).toEqual({
      Domain: synth.built.config.signInDomainPrefix,
      ManagedLoginVersion: 2,
      UserPoolId: { Ref: poolId },
    });
    const brandings = resourcesOf(synth.compute, 'AWS::Cognito::ManagedLoginBranding');
    expect(brandings).toHaveLength(1);
    expect(brandings[0]?.[1].Properties).toEqual({
      ClientId: { Ref: consoleClient()[0] },
      UseCognitoProvidedValues: true,
      UserPoolId: { Ref: poolId },
    });
  });

  it('tells the console function its URL, the managed login, its client and the pool’s provider URL', () => {
    const variables = consoleFunction()[1].Properties?.Environment?.Variables ?? {};
    const [poolId] = resourcesOf(synth.compute, 'AWS::Cognito::UserPool')[0] ?? [];
    const [domainId] = resourcesOf(synth.compute, 'AWS::Cognito::UserPoolDomain')[0] ?? [];
    expect(variables[ENV.CONSOLE_BASE_URL]).toEqual(underApi('/console'));
    expect(variables[ENV.OAUTH_BASE_URL]).toEqual({
      'Fn::Join': [
        '',
        ['https://', { Ref: domainId }, `.auth.${synth.built.config.region}.amazoncognito.com`],
      ],
    });
    expect(variables[ENV.OAUTH_CLIENT_ID]).toEqual({ Ref: consoleClient()[0] });
    expect(variables[ENV.USER_POOL_PROVIDER_URL]).toEqual({ 'Fn::GetAtt': [poolId, 'ProviderURL'] });
  });

  it('gives the console what the API functions it stands in for get', () => {
    const variables = consoleFunction()[1].Properties?.Environment?.Variables ?? {};
    const union = new Set<string>();
    for (const [id, fn] of resourcesOf(synth.compute, 'AWS::Lambda::Function')) {
      if (!/^(CreateReferralFn|TasksApiFn|CaseCommandsFn|MeetingsFn|StatsApiFn|GetCaseFn)/.test(id)) continue;
      for (const name of Object.keys(fn.Properties?.Environment?.Variables ?? {})) union.add(name);
    }
    expect(union.size).toBeGreaterThan(5);
    expect(Object.keys(variables)).toEqual(expect.arrayContaining([...union]));
    expect(synth.built.compute.taskResponders.map((f) => f.node.id)).toContain('ConsoleFn');
  });
});

describe('email', () => {
  it('requires TLS in every SES configuration set', () => {
    for (const [, set] of resourcesOf(synth.compute, 'AWS::SES::ConfigurationSet')) {
      expect(set.Properties?.DeliveryOptions?.TlsPolicy).toBe('REQUIRE');
    }
  });

  it('gives every function that sends mail the configuration set', () => {
    const sets = resourcesOf(synth.compute, 'AWS::SES::ConfigurationSet').map(([id]) => id);
    const senders = resourcesOf(synth.compute, 'AWS::Lambda::Function').filter(
      ([, fn]) => fn.Properties?.Environment?.Variables?.[ENV.SENDER_EMAIL] !== undefined,
    );
    expect(senders.length).toBeGreaterThan(0);
    for (const [logicalId, fn] of senders) {
      const configurationSet = fn.Properties?.Environment?.Variables?.[ENV.SES_CONFIGURATION_SET];
      expect({ logicalId, set: sets.includes(target(configurationSet) ?? '') }).toEqual({
        logicalId,
        set: true,
      });
    }
  });

  it('publishes the configuration set’s delivery events to the default bus, matched for the delivery-events function', () => {
    const [setId] = resourcesOf(synth.compute, 'AWS::SES::ConfigurationSet').map(([id]) => id);
    const destinations = resourcesOf(synth.compute, 'AWS::SES::ConfigurationSetEventDestination');
    expect(destinations).toHaveLength(1);
    const [, destination] = destinations[0] as (typeof destinations)[number];
    expect(destination.Properties?.ConfigurationSetName).toEqual({ Ref: setId });
    expect(destination.Properties?.EventDestination?.MatchingEventTypes).toEqual([
      'delivery',
      'bounce',
      'complaint',
      'reject',
    ]);
    expect(JSON.stringify(destination.Properties?.EventDestination?.EventBridgeDestination)).toContain(
      ':event-bus/default',
    );
    const rule = resourcesOf(synth.compute, 'AWS::Events::Rule').find(([id]) =>
      id.startsWith('DeliveryEvents'),
    );
    expect(rule?.[1].Properties?.EventPattern).toEqual({
      source: ['aws.ses'],
      'detail-type': ['Email Delivered', 'Email Bounced', 'Email Complaint Received', 'Email Rejected'],
      detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: setId }] } } },
    });
    const fnId = target(rule?.[1].Properties?.Targets?.[0]?.Arn) ?? '';
    const variables = resources()[fnId]?.Properties?.Environment?.Variables ?? {};
    expect(target(variables[ENV.SES_CONFIGURATION_SET])).toBe(setId);
    expect(variables[ENV.ACTION_BASE_URL]).toBeDefined();
  });

  it('lets only functions with the configuration set send mail', () => {
    const roleOfFunction = new Map(
      resourcesOf(synth.compute, 'AWS::Lambda::Function').map(([, fn]) => [
        target(fn.Properties?.Role),
        fn.Properties?.Environment?.Variables ?? {},
      ]),
    );
    const sending = resourcesOf(synth.compute, 'AWS::IAM::Policy').filter(([, policy]) =>
      statements(policy).some((s) => actionsOf(s).some((a) => a.startsWith('ses:Send'))),
    );
    expect(sending.length).toBeGreaterThan(0);
    for (const [, policy] of sending) {
      for (const role of policy.Properties?.Roles ?? []) {
        expect(roleOfFunction.get(target(role))?.[ENV.SES_CONFIGURATION_SET]).toBeDefined();
      }
    }
  });
});

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly NotAction?: unknown;
  readonly NotResource?: unknown;
}
const statements = (policy: FoundResource): Statement[] => policy.Properties?.PolicyDocument?.Statement ?? [];
const actionsOf = (s: Statement): string[] => [s.Action ?? []].flat();
const hasWildcardResource = (s: Statement) => [s.Resource].flat().includes('*');

describe('IAM', () => {
  /** Identity policies: the roles' default policies and any inline ones. */
  const identityStatements = (): { role: string; statement: Statement }[] => [
    ...resourcesOf(synth.compute, 'AWS::IAM::Policy').flatMap(([, policy]) =>
      (policy.Properties?.Roles ?? []).flatMap((role: unknown) =>
        statements(policy).map((statement) => ({ role: target(role) ?? '?', statement })),
      ),
    ),
    ...resourcesOf(synth.compute, 'AWS::IAM::Role').flatMap(([role, r]) =>
      ((r.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) =>
        p.PolicyDocument.Statement.map((statement) => ({ role, statement })),
      ),
    ),
  ];

  it('grants no action wildcard, no NotAction and no NotResource', () => {
    const all = identityStatements();
    expect(all.length).toBeGreaterThan(0);
    for (const { role, statement } of all) {
      expect({ role, actions: actionsOf(statement).filter((a) => a === '*' || a.endsWith(':*')) }).toEqual({
        role,
        actions: [],
      });
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
    }
  });

  it('uses a * resource only for X-Ray and the state machines’ log delivery', () => {
    const functionRoles = houseFunctions().map((fn) => synth.logicalId(fn.role ?? fn));
    const workflowRoles = houseWorkflows().map((w) => synth.logicalId(w.stateMachine.role));
    const expected = [
      ...functionRoles.map((role) => ({
        role,
        actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      })),
      ...workflowRoles.map((role) => ({
        role,
        actions: [
          'logs:CreateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:DescribeLogGroups',
          'logs:DescribeResourcePolicies',
          'logs:GetLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
          'logs:UpdateLogDelivery',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ],
      })),
    ];
    const wildcards = identityStatements()
      .filter(({ statement }) => hasWildcardResource(statement))
      .map(({ role, statement }) => ({ role, actions: actionsOf(statement).sort() }));
    const order = (list: { role: string }[]) => [...list].sort((a, b) => a.role.localeCompare(b.role));
    expect(order(wildcards)).toEqual(order(expected));
  });

  /** Every DynamoDB and KMS action a house function's role may take, sorted. */
  const tableActionsOf = (id: string) => {
    const fn = houseFunctions().find((f) => f.node.id === id);
    if (!fn?.role) throw new Error(`no house function ${id}`);
    const role = synth.logicalId(fn.role);
    const actions = identityStatements()
      .filter((s) => s.role === role)
      .flatMap(({ statement }) => actionsOf(statement))
      .filter((a) => a.startsWith('dynamodb:') || a.startsWith('kms:'));
    return [...new Set(actions)].sort();
  };

  /** The DynamoDB actions a house function's role may take on one table of the data stack. */
  const actionsOnTable = (id: string, table: 'table' | 'auditTable') => {
    const fn = houseFunctions().find((f) => f.node.id === id);
    if (!fn?.role) throw new Error(`no house function ${id}`);
    const role = synth.logicalId(fn.role);
    // Cross-stack references name the table's logical id (an import of its ARN).
    const tableId = synth.logicalId(synth.built.data[table]);
    const names = (s: Statement) => JSON.stringify(s.Resource ?? '').includes(tableId);
    const actions = identityStatements()
      .filter((s) => s.role === role && names(s.statement))
      .flatMap(({ statement }) => actionsOf(statement))
      .filter((a) => a.startsWith('dynamodb:'));
    return [...new Set(actions)].sort();
  };

  it.each(['StatsApiFn', 'GetCaseFn'])('lets %s read the table and never write it', (id) => {
    expect(actionsOnTable(id, 'table')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    expect(tableActionsOf(id)).toContain('kms:Decrypt');
  });

  it('lets a function that writes (TasksApiFn) put, update and delete', () => {
    expect(tableActionsOf('TasksApiFn')).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'kms:GenerateDataKey*',
      ]),
    );
  });

  it('lets every audited function add audit records and nothing else; the trail is read by GetCaseFn and ConsoleFn only', () => {
    const trailReaders = new Set(['GetCaseFn', 'ConsoleFn']);
    const unaudited = new Set(['SeedDirectoryFn', 'DispatchDueFn', 'DeliveryEventsFn']);
    for (const fn of houseFunctions()) {
      const id = fn.node.id;
      const expected = unaudited.has(id)
        ? []
        : trailReaders.has(id)
          ? ['dynamodb:PutItem', 'dynamodb:Query']
          : ['dynamodb:PutItem'];
      expect({ id, actions: actionsOnTable(id, 'auditTable') }).toEqual({ id, actions: expected });
    }
  });
});

describe('operations alerts', () => {
  const alarms = () => resourcesOf(synth.compute, 'AWS::CloudWatch::Alarm');
  const topicId = () => {
    const topics = Object.keys(synth.compute.findResources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    return topics[0] as string;
  };
  /** What each alarm watches: metric name → the logical ids its first dimension points at. */
  const watched = (metricName: string) =>
    alarms()
      .filter(([, a]) => a.Properties?.MetricName === metricName)
      .map(([, a]) => target(a.Properties?.Dimensions?.[0]?.Value))
      .sort();

  it('sends every alarm, and only to the one encrypted, TLS-only ops topic, with a description, no data being no breach', () => {
    const topic = topicId();
    for (const [logicalId, alarm] of alarms()) {
      const p = alarm.Properties ?? {};
      expect({
        logicalId,
        actions: p.AlarmActions,
        missing: p.TreatMissingData,
        described: typeof p.AlarmDescription === 'string' && p.AlarmDescription.length > 60,
      }).toEqual({ logicalId, actions: [{ Ref: topic }], missing: 'notBreaching', described: true });
    }
    const topics = synth.compute.findResources('AWS::SNS::Topic');
    expect(Object.values(topics)[0]?.Properties?.KmsMasterKeyId).toBeDefined();
    expect(JSON.stringify(synth.compute.findResources('AWS::SNS::TopicPolicy'))).toContain(
      'aws:SecureTransport',
    );
  });

  it.each(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'])(
    'alarms on %s of every state machine',
    (metricName) => {
      expect(watched(metricName)).toEqual(
        houseWorkflows()
          .map((w) => synth.logicalId(w.stateMachine))
          .sort(),
      );
    },
  );

  it.each(['Errors', 'Throttles'])('alarms on the %s of every function', (metricName) => {
    expect(watched(metricName)).toEqual(
      houseFunctions()
        .map((f) => synth.logicalId(f))
        .sort(),
    );
  });

  it('alarms on the dead letters of the delivery events, the SES reputation, the API and the outbox', () => {
    expect(watched('ApproximateNumberOfMessagesVisible')).toEqual([
      synth.logicalId(synth.built.compute.deliveryEvents.deadLetterQueue),
    ]);
    const apiId = synth.logicalId(synth.built.compute.api.httpApi);
    expect(watched('5xx')).toEqual([apiId]);
    expect(watched('Latency')).toEqual([apiId]);
    for (const metricName of ['Reputation.BounceRate', 'Reputation.ComplaintRate']) {
      const found = alarms().filter(([, a]) => a.Properties?.MetricName === metricName);
      expect(found.map(([, a]) => [a.Properties?.Namespace, a.Properties?.Dimensions])).toEqual([
        ['AWS/SES', undefined],
      ]);
    }
    // The functions' own metric carries the service dimension both metric writers put on it.
    const outbox = alarms().filter(([, a]) => a.Properties?.MetricName === 'OutboxStale');
    expect(outbox.map(([, a]) => [a.Properties?.Namespace, a.Properties?.Dimensions])).toEqual([
      ['Bashke', [{ Name: 'service', Value: 'bashke' }]],
    ]);
  });

  it('has no alarm but those: three per state machine, two per function and seven more', () => {
    expect(alarms()).toHaveLength(houseWorkflows().length * 3 + houseFunctions().length * 2 + 7);
    // The seventh: an audit record that could not be written.
    expect(alarms().filter(([, a]) => a.Properties?.MetricName === 'AuditWriteFailed')).toHaveLength(1);
    expect(synth.built.compute.alerts.alarms).toHaveLength(alarms().length);
  });
});

describe('operations dashboard', () => {
  /**
   * The dashboard's body as JSON: its CloudFormation parts (Refs, GetAtts) stand in as the
   * logical id they name.
   */
  const body = () => {
    const [[, dashboard] = []] = resourcesOf(synth.compute, 'AWS::CloudWatch::Dashboard');
    const raw = dashboard?.Properties?.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
    const text =
      typeof raw === 'string'
        ? raw
        : raw['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : (target(p) ?? 'TOKEN'))).join('');
    return {
      name: dashboard?.Properties?.DashboardName,
      widgets: (JSON.parse(text) as { widgets: { type: string; properties: Record<string, unknown> }[] })
        .widgets,
    };
  };
  const titles = () => body().widgets.map((w) => w.properties.title);

  it('is one dashboard named after the stage or the stack', () => {
    resourcesOf(synth.compute, 'AWS::CloudWatch::Dashboard');
    synth.compute.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(body().name).toBe('Bashke-BashkeApp');
  });

  it('opens with the state of every alarm of the stack', () => {
    const [first] = body().widgets;
    expect(first?.type).toBe('alarm');
    const shown = [...((first?.properties.alarms as string[] | undefined) ?? [])].sort();
    expect(shown).toEqual(
      resourcesOf(synth.compute, 'AWS::CloudWatch::Alarm')
        .map(([id]) => id)
        .sort(),
    );
  });

  it('shows the executions of every state machine, started, succeeded and failed', () => {
    for (const w of houseWorkflows()) {
      const widget = body().widgets.find((x) => x.properties.title === `Executions: ${w.label}`);
      const metrics = JSON.stringify(widget?.properties.metrics);
      for (const name of ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed']) {
        expect(metrics).toContain(name);
      }
      expect(metrics).toContain(synth.logicalId(w.stateMachine));
    }
  });

  it('shows every function’s errors, throttles and duration', () => {
    for (const title of ['Function errors', 'Function throttles', 'Function duration p99 (ms)']) {
      const metrics = JSON.stringify(
        body().widgets.find((x) => x.properties.title === title)?.properties.metrics,
      );
      for (const f of houseFunctions())
        expect({ title, fn: metrics.includes(synth.logicalId(f)) }).toEqual({ title, fn: true });
    }
  });

  it('shows the API, SES, the dead letters and the business figures', () => {
    expect(titles()).toEqual(
      expect.arrayContaining([
        'API requests',
        'API errors',
        'API latency (ms)',
        'SES: sent, bounced, complained',
        'SES reputation (fraction of sent)',
        'Delivery events waiting in the dead-letter queue',
        'Referrals per day',
        'Time to NGO acceptance (hours)',
        'Tasks gone overdue per organisation, per day',
        'Emails sent and bounced (the functions’ count)',
      ]),
    );
    const metrics = JSON.stringify(body().widgets.map((w) => w.properties.metrics));
    for (const name of ['"5xx"', '"Latency"', '"p99"', '"Send"', '"Bounce"', '"Complaint"']) {
      expect(metrics).toContain(name);
    }
    for (const name of ['Referrals', 'TimeToAcceptanceSeconds', 'EmailsSent', 'EmailsBounced']) {
      expect(metrics).toContain(`["Bashke","${name}","service","bashke"`);
    }
    expect(metrics).toContain('SEARCH(');
    expect(metrics).toContain('MetricName=\\"OverdueTasks\\"');
  });
});
