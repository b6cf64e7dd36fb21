/**
 * The assembly reader on the fixture app (test/fixtures/local-app): two stacks, both
 * cross-stack reference forms, every intrinsic in a function's environment, a Map state,
 * schedules and an HTTP API. Synthesized once, without the CLI, into a temp dir.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AssemblyError } from '../../local/engine/assembly/intrinsics';
import { type LocalAssembly, readAssembly } from '../../local/engine/assembly/read-assembly';
import type { LocalEndpoints, LocalFunction } from '../../local/engine/model';
import { APP_STACK, buildFixtureApp, DATA_STACK, IDS } from '../fixtures/local-app/app';

const endpoints: LocalEndpoints = {
  gatewayUrl: 'http://127.0.0.1:4100',
  issuer: 'http://127.0.0.1:4101/issuer',
};
const ACCOUNT = '000000000000';
const REGION = 'eu-central-1';
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const WORKER_ARN = arn('lambda', `function:${APP_STACK}-${IDS.worker}`);
const ITEMS_NAME = `${DATA_STACK}-${IDS.itemsTable}`;
const ITEMS_ARN = arn('dynamodb', `table/${ITEMS_NAME}`);

const tempDirs: string[] = [];
function tempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bashke-assembly-${label}-`));
  tempDirs.push(dir);
  return dir;
}

let outdir: string;
let app: LocalAssembly;
let worker: LocalFunction;

beforeAll(() => {
  outdir = tempDir('fixture');
  buildFixtureApp(outdir).synth();
  app = readAssembly(outdir, endpoints);
  worker = app.functions.find((f) => f.logicalId === IDS.worker) as LocalFunction;
});

afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are free-form JSON.
type Template = Record<string, any>;
const templateFile = (dir: string, stack: string) => path.join(dir, `${stack}.template.json`);
const readTemplate = (dir: string, stack: string): Template =>
  JSON.parse(fs.readFileSync(templateFile(dir, stack), 'utf8'));

/** A copy of the fixture's assembly with one template edited. */
function editedAssembly(stack: string, edit: (template: Template) => void): string {
  const dir = tempDir('edited');
  fs.cpSync(outdir, dir, { recursive: true });
  const template = readTemplate(dir, stack);
  edit(template);
  fs.writeFileSync(templateFile(dir, stack), JSON.stringify(template));
  return dir;
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('the templates CDK wrote', () => {
  it('hold both cross-stack forms', () => {
    const variables = readTemplate(outdir, APP_STACK).Resources[IDS.worker].Properties.Environment.Variables;
    expect(variables.ITEMS_TABLE).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^FixtureData:/) });
    expect(variables.ITEMS_TABLE_ARN).toEqual({
      'Fn::GetStackOutput': { StackName: DATA_STACK, Region: REGION, OutputName: expect.any(String) },
    });
  });
});

describe('functions', () => {
  it('finds the asset function and its handler file', () => {
    expect(worker).toMatchObject({
      stackName: APP_STACK,
      name: `${APP_STACK}-${IDS.worker}`,
      arn: WORKER_ARN,
      handlerFile: 'index.mjs',
      handlerExport: 'handler',
      timeoutSeconds: 5,
      memoryMb: 256,
    });
    expect(path.isAbsolute(worker.assetDir)).toBe(true);
    expect(fs.existsSync(path.join(worker.assetDir, worker.handlerFile))).toBe(true);
  });

  it('resolves every intrinsic of the environment, both cross-stack forms included', () => {
    expect(worker.environment).toEqual({
      ITEMS_TABLE: ITEMS_NAME, // Fn::ImportValue
      AUDIT_TABLE: `${DATA_STACK}-${IDS.auditTable}`, // Fn::ImportValue
      ITEMS_TABLE_ARN: ITEMS_ARN, // Fn::GetStackOutput
      ITEMS_TABLE_REGION: REGION, // Fn::Select / Fn::Split over Fn::ImportValue
      USER_POOL_ID: `${REGION}_local${IDS.userPool}`, // Ref
      API_URL: endpoints.gatewayUrl, // Fn::GetAtt ApiEndpoint
      JOINED: `aws:${ACCOUNT}:${APP_STACK}`, // Fn::Join of pseudo parameters
      DYNAMO_URL: `https://dynamodb.${REGION}.amazonaws.com`, // Fn::Sub with pseudo parameters
      HEALTH_URL: `${endpoints.gatewayUrl}/health`, // Fn::Sub with ${Logical.Attr}
      GREETING: `${REGION}_local${IDS.userPool} in ${REGION}`, // Fn::Sub, map form
      LITERAL: 'plain',
    });
  });

  it('leaves out CDK helper functions, and says so', () => {
    expect(app.functions.map((f) => f.logicalId)).toEqual([IDS.worker]);
    expect(app.skipped).toContainEqual(
      expect.objectContaining({
        stackName: APP_STACK,
        logicalId: expect.stringMatching(/^LogRetention/),
        type: 'AWS::Lambda::Function',
      }),
    );
  });

  it('takes an account id', () => {
    const other = readAssembly(outdir, endpoints, { accountId: '111122223333' });
    expect(other.accountId).toBe('111122223333');
    expect(other.functions[0]?.arn).toBe(
      `arn:aws:lambda:${REGION}:111122223333:function:${APP_STACK}-${IDS.worker}`,
    );
  });
  it('reads only the stacks asked for, and refuses a name it does not hold', () => {
    const data = readAssembly(outdir, endpoints, { stacks: [DATA_STACK] });
    expect(data.functions).toEqual([]);
    expect(data.stateMachines).toEqual([]);
    expect(data.tables).toEqual(app.tables.filter((t) => t.stackName === DATA_STACK));
    expect(data.tables.length).toBeGreaterThan(0);
    expect(() => readAssembly(outdir, endpoints, { stacks: ['NoSuchStack'] })).toThrow(
      /holds no stack NoSuchStack/,
    );
  });
});

describe('tables', () => {
  it('reads the TableV2 (GlobalTable) with its GSI and TTL', () => {
    expect(app.tables.find((t) => t.logicalId === IDS.itemsTable)).toEqual({
      logicalId: IDS.itemsTable,
      stackName: DATA_STACK,
      name: ITEMS_NAME,
      arn: ITEMS_ARN,
      keySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      attributeDefinitions: expect.arrayContaining([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
        { AttributeName: 'updatedAt', AttributeType: 'N' },
      ]),
      globalSecondaryIndexes: [
        {
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'updatedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['title'] },
        },
      ],
      ttlAttribute: 'expiresAt',
    });
  });

  it('reads the classic Table', () => {
    expect(app.tables.find((t) => t.logicalId === IDS.auditTable)).toMatchObject({
      name: `${DATA_STACK}-${IDS.auditTable}`,
      keySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      globalSecondaryIndexes: [],
      ttlAttribute: 'ttl',
    });
  });
});

describe('state machines', () => {
  it('resolves the Lambda ARN inside the Map and keeps the Map whole', () => {
    expect(app.stateMachines).toHaveLength(1);
    const machine = app.stateMachines[0];
    expect(machine).toMatchObject({
      logicalId: IDS.flow,
      name: `${APP_STACK}-${IDS.flow}`,
      arn: arn('states', `stateMachine:${APP_STACK}-${IDS.flow}`),
    });
    const asl = JSON.parse(machine?.definition ?? '');
    expect(asl.StartAt).toBe('EachItem');
    const map = asl.States.EachItem;
    expect(map).toMatchObject({ Type: 'Map', ItemsPath: '$.items', MaxConcurrency: 2, Next: 'Done' });
    const task = map.ItemProcessor.States.ProcessItem;
    expect(task.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(task.Parameters.FunctionName).toBe(worker.arn);
    expect(machine?.definition).not.toMatch(/Fn::|"Ref"|\$\{/);
  });
});

describe('HTTP APIs', () => {
  it('reads the routes, their integrations and the JWT authorizer', () => {
    expect(app.httpApis).toHaveLength(1);
    const api = app.httpApis[0];
    expect(api?.logicalId).toBe(IDS.api);
    expect(api?.routes).toEqual(
      expect.arrayContaining([
        {
          routeKey: 'GET /items',
          method: 'GET',
          path: '/items',
          functionArn: WORKER_ARN,
          authorizationType: 'JWT',
        },
        {
          routeKey: 'GET /health',
          method: 'GET',
          path: '/health',
          functionArn: WORKER_ARN,
          authorizationType: 'NONE',
        },
      ]),
    );
    expect(api?.routes).toHaveLength(2);
    // CDK writes https://cognito-idp.<region>.amazonaws.com/<pool>; locally it is the local issuer.
    expect(api?.jwt).toEqual({ issuer: endpoints.issuer, audience: [app.outputs[APP_STACK]?.ClientId] });
  });
});

describe('sign-in: user-pool domains and clients', () => {
  const withSignIn = { ...endpoints, signIn: 'http://127.0.0.1:4102' };
  /** The fixture with a prefix domain, a custom domain, an OAuth client and the worker naming them. */
  const signInAssembly = () =>
    editedAssembly(APP_STACK, (t) => {
      t.Resources.Login = {
        Type: 'AWS::Cognito::UserPoolDomain',
        Properties: { Domain: 'fixture-login', ManagedLoginVersion: 2, UserPoolId: { Ref: IDS.userPool } },
      };
      t.Resources.CustomLogin = {
        Type: 'AWS::Cognito::UserPoolDomain',
        Properties: {
          Domain: 'login.example.org',
          CustomDomainConfig: { CertificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/x' },
          UserPoolId: { Ref: IDS.userPool },
        },
      };
      t.Resources.WebClient = {
        Type: 'AWS::Cognito::UserPoolClient',
        Properties: {
          UserPoolId: { Ref: IDS.userPool },
          AllowedOAuthFlowsUserPoolClient: true,
          AllowedOAuthFlows: ['code'],
          AllowedOAuthScopes: ['openid', 'email'],
          CallbackURLs: [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [IDS.api, 'ApiEndpoint'] }, '/web/callback']] }],
          LogoutURLs: [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [IDS.api, 'ApiEndpoint'] }, '/web/bye']] }],
        },
      };
      const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
      Object.assign(t.Resources[IDS.worker].Properties.Environment.Variables, {
        LOGIN_BASE: join('https://', { Ref: 'Login' }, `.auth.${REGION}.amazoncognito.com`),
        LOGIN_TOKEN: join('https://', { Ref: 'Login' }, `.auth.${REGION}.amazoncognito.com/oauth2/token`),
        CUSTOM_BASE: join('https://', { Ref: 'CustomLogin' }),
        NOT_OURS: `https://someone-else.auth.${REGION}.amazoncognito.com`,
        LOOKALIKE: join('https://', { Ref: 'Login' }, `.auth.${REGION}.amazoncognito.com.evil.example`),
      });
    });

  it('puts the local sign-in server in place of the domains’ managed-login URLs, and leaves other values', () => {
    const read = readAssembly(signInAssembly(), withSignIn);
    const env = read.functions.find((f) => f.logicalId === IDS.worker)?.environment ?? {};
    expect(env.LOGIN_BASE).toBe(withSignIn.signIn);
    expect(env.LOGIN_TOKEN).toBe(`${withSignIn.signIn}/oauth2/token`);
    expect(env.CUSTOM_BASE).toBe(withSignIn.signIn);
    expect(env.NOT_OURS).toBe(`https://someone-else.auth.${REGION}.amazoncognito.com`);
    expect(env.LOOKALIKE).toBe(`https://fixture-login.auth.${REGION}.amazoncognito.com.evil.example`);
  });

  it('fails, naming the variable and the domain, without a local sign-in server', () => {
    const error = errorOf(() => readAssembly(signInAssembly(), endpoints));
    expect(error).toBeInstanceOf(AssemblyError);
    expect(error.message).toContain(`${IDS.worker}.Properties.Environment.Variables.LOGIN_BASE`);
    expect(error.message).toContain('user-pool domain fixture-login');
  });

  it('reads the user-pool clients with their OAuth settings resolved', () => {
    const read = readAssembly(signInAssembly(), withSignIn);
    const byId = Object.fromEntries(read.userPoolClients.map((c) => [c.logicalId, c]));
    expect(byId.WebClient).toEqual({
      logicalId: 'WebClient',
      stackName: APP_STACK,
      clientId: `local_${APP_STACK.replace(/\W/g, '')}_WebClient`,
      userPoolId: `${REGION}_local${IDS.userPool}`,
      oauthFlows: ['code'],
      scopes: ['openid', 'email'],
      callbackUrls: [`${endpoints.gatewayUrl}/web/callback`],
      logoutUrls: [`${endpoints.gatewayUrl}/web/bye`],
    });
    // The fixture's own client has OAuth disabled: no flows, whatever CDK leaves in the template.
    const own = read.userPoolClients.find((c) => c.logicalId !== 'WebClient');
    expect(own?.oauthFlows).toEqual([]);
    expect(own?.clientId).toBe(app.outputs[APP_STACK]?.ClientId);
  });
});

describe('schedules', () => {
  it('reads the EventBridge rule and the Scheduler schedule', () => {
    expect(app.schedules).toEqual(
      expect.arrayContaining([
        {
          logicalId: IDS.tick,
          stackName: APP_STACK,
          expression: 'rate(1 minute)',
          targets: [{ arn: WORKER_ARN, input: JSON.stringify({ source: 'tick' }) }],
        },
        {
          logicalId: IDS.nightly,
          stackName: APP_STACK,
          expression: 'cron(30 2 * * ? *)',
          timeZone: 'Etc/UTC', // CDK writes the Scheduler's default zone out
          targets: [{ arn: WORKER_ARN, input: 'nightly' }],
        },
      ]),
    );
    expect(app.schedules).toHaveLength(2);
  });

  it('fails clearly on a Scheduler time zone that is not an IANA name', () => {
    const dir = editedAssembly(APP_STACK, (t) => {
      t.Resources[IDS.nightly].Properties.ScheduleExpressionTimezone = 'Mars/Olympus';
    });
    const error = errorOf(() => readAssembly(dir, endpoints));
    expect(error).toBeInstanceOf(AssemblyError);
    expect(error.message).toMatch(
      new RegExp(`${IDS.nightly}.*ScheduleExpression.*"Mars/Olympus" is not an IANA time zone`, 's'),
    );
  });

  it('fails clearly on an event pattern it cannot read, naming the rule', () => {
    const dir = editedAssembly(APP_STACK, (t) => {
      t.Resources.BadRule = {
        Type: 'AWS::Events::Rule',
        Properties: { EventPattern: { source: [{ frobnicate: 1 }] }, Targets: [] },
      };
    });
    const error = errorOf(() => readAssembly(dir, endpoints));
    expect(error).toBeInstanceOf(AssemblyError);
    expect(error.message).toMatch(/BadRule.*EventPattern.*unknown filter "frobnicate"/s);
  });
});

describe('outputs', () => {
  it('resolves every output of every stack', () => {
    expect(app.region).toBe(REGION);
    expect(app.outputs[APP_STACK]).toEqual({
      ApiUrl: endpoints.gatewayUrl,
      ClientId: expect.stringMatching(/^\w+$/),
      FlowArn: app.stateMachines[0]?.arn,
    });
    expect(Object.values(app.outputs[DATA_STACK] ?? {})).toEqual(
      expect.arrayContaining([ITEMS_NAME, ITEMS_ARN, `${DATA_STACK}-${IDS.auditTable}`]),
    );
  });
});

describe('clear failures', () => {
  it('an unknown intrinsic names the stack, the logical id and the path', () => {
    const dir = editedAssembly(APP_STACK, (t) => {
      t.Resources[IDS.worker].Properties.Environment.Variables.LITERAL = { 'Fn::Frobnicate': ['x'] };
    });
    const error = errorOf(() => readAssembly(dir, endpoints));
    expect(error).toBeInstanceOf(AssemblyError);
    expect(error.message).toBe(
      `stack ${APP_STACK} at ${IDS.worker}.Properties.Environment.Variables.LITERAL.Fn::Frobnicate: ` +
        'the intrinsic Fn::Frobnicate is not supported by the local runtime',
    );
  });

  it('an unknown attribute is an error, not a guess', () => {
    const dir = editedAssembly(APP_STACK, (t) => {
      t.Resources[IDS.worker].Properties.Environment.Variables.LITERAL = {
        'Fn::GetAtt': [IDS.userPool, 'Frob'],
      };
    });
    expect(() => readAssembly(dir, endpoints)).toThrow(
      `Fn::GetAtt ${IDS.userPool}.Frob (AWS::Cognito::UserPool) is not supported by the local runtime`,
    );
  });

  it('a Ref to a resource type without a local value is an error', () => {
    const dir = editedAssembly(APP_STACK, (t) => {
      t.Resources.Thing = { Type: 'AWS::Frob::Thing', Properties: {} };
      t.Resources[IDS.worker].Properties.Environment.Variables.LITERAL = { Ref: 'Thing' };
    });
    expect(() => readAssembly(dir, endpoints)).toThrow(/Ref to Thing \(AWS::Frob::Thing\) is not supported/);
  });

  it('a missing export or stack output is an error', () => {
    const noExport = editedAssembly(APP_STACK, (t) => {
      t.Resources[IDS.worker].Properties.Environment.Variables.LITERAL = {
        'Fn::ImportValue': 'Nobody:Exports',
      };
    });
    expect(() => readAssembly(noExport, endpoints)).toThrow(/no stack exports "Nobody:Exports"/);
    const noOutput = editedAssembly(APP_STACK, (t) => {
      t.Resources[IDS.worker].Properties.Environment.Variables.LITERAL = {
        'Fn::GetStackOutput': { StackName: DATA_STACK, OutputName: 'Nope' },
      };
    });
    expect(() => readAssembly(noOutput, endpoints)).toThrow(`stack ${DATA_STACK} has no output Nope`);
  });

  it('a JWT issuer that is no user pool of the app is an error', () => {
    const dir = editedAssembly(APP_STACK, (t) => {
      for (const resource of Object.values(t.Resources) as Template[]) {
        if (resource.Type === 'AWS::ApiGatewayV2::Authorizer') {
          resource.Properties.JwtConfiguration.Issuer = 'https://login.example.org/';
        }
      }
    });
    expect(() => readAssembly(dir, endpoints)).toThrow(
      /issuer https:\/\/login.example.org\/ is not a Cognito user pool/,
    );
  });

  it('a missing handler file is an error', () => {
    const dir = editedAssembly(APP_STACK, (t) => {
      t.Resources[IDS.worker].Properties.Handler = 'main.handler';
    });
    expect(() => readAssembly(dir, endpoints)).toThrow(
      `stack ${APP_STACK} at ${IDS.worker}.Properties.Handler: no main.js, .mjs or .cjs in the asset`,
    );
  });

  it('a folder without a cloud assembly is an error', () => {
    expect(() => readAssembly(tempDir('empty'), endpoints)).toThrow(/manifest.json not found/);
  });
});
