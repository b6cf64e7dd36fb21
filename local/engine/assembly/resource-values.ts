/**
 * What `Ref` and `Fn::GetAtt` yield locally, per resource type. Physical names are
 * `<stackName>-<logicalId>` (the contract in local/engine/model.ts), ids are derived from the
 * logical id, ARNs use the local account and the stack's region. A type or an attribute
 * not listed here is an error: the local runtime never makes up a value it does not know.
 */
import { createHash } from 'node:crypto';
import type { LocalEndpoints } from '../model';
import { AssemblyError, type Json, LOCAL_PARTITION, LOCAL_URL_SUFFIX, type Where } from './intrinsics';

export interface ResourceContext {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly region: string;
  readonly accountId: string;
  readonly endpoints: LocalEndpoints;
  /** Resolves a property of the resource (for types whose values depend on one). */
  property(name: string): Json | undefined;
}

interface TypeValues {
  ref(c: ResourceContext): Json;
  attributes: Readonly<Record<string, (c: ResourceContext) => Json>>;
}

/** `<stackName>-<logicalId>`: the local physical name of every named resource. */
export function localName(stackName: string, logicalId: string): string {
  return `${stackName}-${logicalId}`;
}

function digest(c: { stackName: string; logicalId: string }): string {
  return createHash('sha256').update(`${c.stackName}/${c.logicalId}`).digest('hex');
}

/** A 10-character lower-case id like API Gateway's, stable per stack and logical id. */
export function localShortId(stackName: string, logicalId: string): string {
  return digest({ stackName, logicalId }).slice(0, 10);
}

/** A UUID-shaped id (KMS key ids), stable per stack and logical id. */
function localUuid(c: ResourceContext): string {
  const h = digest(c);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const name = (c: ResourceContext) => localName(c.stackName, c.logicalId);
const arn = (
  c: ResourceContext,
  service: string,
  resource: string,
  region = c.region,
  account = c.accountId,
) => `arn:${LOCAL_PARTITION}:${service}:${region}:${account}:${resource}`;

/** Local Cognito user pool id: `<region>_local<logicalId>`. */
export function localUserPoolId(region: string, logicalId: string): string {
  return `${region}_local${logicalId}`;
}

/** The issuer AWS gives a Cognito user pool; the local runtime replaces it by endpoints.issuer. */
export function cognitoIssuer(region: string, userPoolId: string): string {
  return `https://cognito-idp.${region}.${LOCAL_URL_SUFFIX}/${userPoolId}`;
}

/**
 * The managed-login base URLs AWS gives a user-pool domain: `https://<prefix>.auth.<region>.amazoncognito.com`
 * (and its FIPS twin) for a Cognito prefix domain, `https://<domain>` for a custom one.
 */
export function managedLoginUrls(region: string, domain: string, custom: boolean): string[] {
  if (custom) return [`https://${domain}`];
  return ['auth', 'auth-fips'].map(
    (authority) => `https://${domain}.${authority}.${region}.amazoncognito.com`,
  );
}

/** Local app client id: word characters only, as Cognito's. */
export function localClientId(stackName: string, logicalId: string): string {
  return `local_${stackName.replace(/\W/g, '')}_${logicalId}`;
}

const tableArn = (c: ResourceContext) => arn(c, 'dynamodb', `table/${name(c)}`);
const table: TypeValues = {
  ref: name,
  attributes: {
    Arn: tableArn,
    StreamArn: (c) => `${tableArn(c)}/stream/1970-01-01T00:00:00.000`,
  },
};

const functionArn = (c: ResourceContext) => arn(c, 'lambda', `function:${name(c)}`);

/** `FunctionName` of a version or alias, as the function's ARN. */
function targetFunctionArn(c: ResourceContext): string {
  const fn = c.property('FunctionName');
  if (typeof fn !== 'string') {
    throw new AssemblyError(
      { stackName: c.stackName, logicalId: c.logicalId, path: 'Properties.FunctionName' },
      'expected a function name or ARN',
    );
  }
  return fn.startsWith('arn:') ? fn : arn(c, 'lambda', `function:${fn}`);
}

const stateMachineArn = (c: ResourceContext) => arn(c, 'states', `stateMachine:${name(c)}`);
const userPoolId = (c: ResourceContext) => localUserPoolId(c.region, c.logicalId);
const keyId = localUuid;
const logGroupArn = (c: ResourceContext) => arn(c, 'logs', `log-group:${name(c)}:*`);
const roleArn = (c: ResourceContext) => arn(c, 'iam', `role/${name(c)}`, '');
const shortId = (c: ResourceContext) => localShortId(c.stackName, c.logicalId);
const scheduleGroup = (c: ResourceContext) => {
  const group = c.property('GroupName');
  return typeof group === 'string' ? group : 'default';
};
const queueName = (c: ResourceContext) => (c.property('FifoQueue') === true ? `${name(c)}.fifo` : name(c));
const queueUrl = (c: ResourceContext) =>
  `https://sqs.${c.region}.${LOCAL_URL_SUFFIX}/${c.accountId}/${queueName(c)}`;
const topicArn = (c: ResourceContext) => arn(c, 'sns', name(c));
const emailIdentity = (c: ResourceContext) => String(c.property('EmailIdentity'));
/**
 * Easy DKIM's records of a domain identity: AWS makes the tokens when it creates the identity.
 * Locally nothing is signed, and the records only reach outputs for ops to publish, so each is
 * named for what it stands for (`local-dkim-<n>`), never a value AWS would give.
 */
const dkimAttributes = Object.fromEntries(
  [1, 2, 3].flatMap((n) => [
    [`DkimDNSTokenName${n}`, (c: ResourceContext) => `local-dkim-${n}._domainkey.${emailIdentity(c)}`],
    [`DkimDNSTokenValue${n}`, () => `local-dkim-${n}.dkim.amazonses.com`],
  ]),
) as Record<string, (c: ResourceContext) => Json>;

const VALUES: Readonly<Record<string, TypeValues>> = {
  'AWS::DynamoDB::GlobalTable': table,
  'AWS::DynamoDB::Table': table,
  'AWS::Lambda::Function': { ref: name, attributes: { Arn: functionArn } },
  'AWS::Lambda::Version': {
    ref: (c) => `${targetFunctionArn(c)}:1`,
    attributes: { Version: () => '1', FunctionArn: (c) => `${targetFunctionArn(c)}:1` },
  },
  'AWS::Lambda::Alias': {
    ref: (c) => `${targetFunctionArn(c)}:${String(c.property('Name'))}`,
    attributes: { AliasArn: (c) => `${targetFunctionArn(c)}:${String(c.property('Name'))}` },
  },
  'AWS::StepFunctions::StateMachine': {
    ref: stateMachineArn,
    attributes: { Arn: stateMachineArn, Name: name, StateMachineRevisionId: () => 'local' },
  },
  'AWS::ApiGatewayV2::Api': {
    ref: shortId,
    attributes: { ApiId: shortId, ApiEndpoint: (c) => c.endpoints.gatewayUrl },
  },
  'AWS::ApiGatewayV2::Integration': { ref: shortId, attributes: { IntegrationId: shortId } },
  'AWS::ApiGatewayV2::Route': { ref: shortId, attributes: { RouteId: shortId } },
  'AWS::ApiGatewayV2::Authorizer': { ref: shortId, attributes: { AuthorizerId: shortId } },
  'AWS::ApiGatewayV2::Stage': { ref: (c) => String(c.property('StageName') ?? shortId(c)), attributes: {} },
  'AWS::Cognito::UserPool': {
    ref: userPoolId,
    attributes: {
      UserPoolId: userPoolId,
      Arn: (c) => arn(c, 'cognito-idp', `userpool/${userPoolId(c)}`),
      ProviderName: (c) => c.endpoints.issuer,
      ProviderURL: (c) => c.endpoints.issuer,
    },
  },
  'AWS::Cognito::UserPoolClient': {
    ref: (c) => localClientId(c.stackName, c.logicalId),
    attributes: { ClientId: (c) => localClientId(c.stackName, c.logicalId), Name: name },
  },
  // A domain's Ref is its domain (the prefix of a Cognito domain); its managed-login URL, which
  // CDK's `baseUrl()` joins from it, is replaced in functions' environments (read-assembly.ts).
  'AWS::Cognito::UserPoolDomain': { ref: (c) => String(c.property('Domain')), attributes: {} },
  'AWS::SES::ConfigurationSet': { ref: name, attributes: {} },
  'AWS::SES::EmailIdentity': { ref: emailIdentity, attributes: dkimAttributes },
  'AWS::KMS::Key': {
    ref: keyId,
    attributes: { KeyId: keyId, Arn: (c) => arn(c, 'kms', `key/${keyId(c)}`) },
  },
  'AWS::Logs::LogGroup': { ref: name, attributes: { Arn: logGroupArn } },
  'AWS::IAM::Role': {
    ref: name,
    attributes: { Arn: roleArn, RoleId: (c) => `AROALOCAL${shortId(c).toUpperCase()}` },
  },
  'AWS::IAM::Policy': { ref: name, attributes: { Id: name } },
  'AWS::IAM::ManagedPolicy': {
    ref: (c) => arn(c, 'iam', `policy/${name(c)}`, ''),
    attributes: { PolicyArn: (c) => arn(c, 'iam', `policy/${name(c)}`, '') },
  },
  'AWS::Events::Rule': { ref: name, attributes: { Arn: (c) => arn(c, 'events', `rule/${name(c)}`) } },
  'AWS::Events::EventBus': {
    ref: name,
    attributes: { Name: name, Arn: (c) => arn(c, 'events', `event-bus/${name(c)}`) },
  },
  'AWS::Scheduler::Schedule': {
    ref: name,
    attributes: { Arn: (c) => arn(c, 'scheduler', `schedule/${scheduleGroup(c)}/${name(c)}`) },
  },
  'AWS::Scheduler::ScheduleGroup': {
    ref: name,
    attributes: { Arn: (c) => arn(c, 'scheduler', `schedule-group/${name(c)}`) },
  },
  'AWS::SQS::Queue': {
    ref: queueUrl,
    attributes: { Arn: (c) => arn(c, 'sqs', queueName(c)), QueueName: queueName, QueueUrl: queueUrl },
  },
  'AWS::SNS::Topic': { ref: topicArn, attributes: { TopicArn: topicArn, TopicName: name } },
  'AWS::CloudWatch::Alarm': {
    ref: name,
    attributes: { Arn: (c) => arn(c, 'cloudwatch', `alarm:${name(c)}`) },
  },
};

/** `Ref` to the resource; `site` is where the reference is written (for the error). */
export function localRef(c: ResourceContext, site: Where): Json {
  const values = VALUES[c.type];
  if (!values) {
    throw new AssemblyError(site, `Ref to ${c.logicalId} (${c.type}) is not supported by the local runtime`);
  }
  return values.ref(c);
}

/** `Fn::GetAtt` on the resource; `site` is where the reference is written (for the error). */
export function localAttribute(c: ResourceContext, attribute: string, site: Where): Json {
  const produce = VALUES[c.type]?.attributes[attribute];
  if (!produce) {
    throw new AssemblyError(
      site,
      `Fn::GetAtt ${c.logicalId}.${attribute} (${c.type}) is not supported by the local runtime`,
    );
  }
  return produce(c);
}
