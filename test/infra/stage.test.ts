import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/build-app';
import { ENV } from '../../shared/util/env';
import { cdkJsonContext, newApp, removeOutdir, resourcesOf, tempOutdir } from '../support/infra-synth';

/**
 * The app synthesized as `cdk synth -c stage=prod` does, from cdk.json's prod stage, and as
 * the default (`bashke`) configuration does, both without bundling (no code is looked at).
 */
const outdirs: string[] = [];
function synth(context: Record<string, unknown>) {
  const outdir = tempOutdir('stage');
  outdirs.push(outdir);
  const app = newApp({ outdir, bundle: false, context });
  const built = buildApp(app);
  const assembly = app.synth();
  return {
    built,
    compute: Template.fromJSON(assembly.getStackArtifact(built.compute.artifactId).template),
    data: Template.fromJSON(assembly.getStackArtifact(built.data.artifactId).template),
  };
}

afterAll(() => {
  for (const dir of outdirs) removeOutdir(dir);
});

const prodConfig = (cdkJsonContext().bashkeStages as Record<string, Record<string, string>>).prod ?? {};
const prod = synth({ stage: 'prod' });
const local = synth({});

describe('a named stage (prod)', () => {
  it('builds the same two stacks, in the stage’s account and region', () => {
    expect(prod.built.stage).toBe('prod');
    expect([prod.built.data.stackName, prod.built.compute.stackName]).toEqual(['BashkeData', 'BashkeApp']);
    expect([prod.built.compute.account, prod.built.compute.region]).toEqual([
      prodConfig.account,
      prodConfig.region,
    ]);
  });

  it('names the operations dashboard after the stage (the default configuration after the stack)', () => {
    prod.compute.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Bashke-prod' });
    local.compute.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Bashke-BashkeApp' });
  });

  it('outputs the table’s name for ops’ tools and a point-in-time restore', () => {
    const [tableId] = resourcesOf(prod.data, 'AWS::DynamoDB::GlobalTable')[0] ?? [];
    prod.data.hasOutput('TableName', { Value: { Ref: tableId } });
  });

  it('puts the public base URL in every link base: ACTION_BASE_URL, CONSOLE_BASE_URL, the console client’s URLs', () => {
    const functions = resourcesOf(prod.compute, 'AWS::Lambda::Function');
    const withLinks = functions.filter(
      ([, f]) => f.Properties?.Environment?.Variables?.[ENV.ACTION_BASE_URL],
    );
    expect(withLinks.length).toBeGreaterThan(3);
    for (const [id, f] of withLinks)
      expect({ id, base: f.Properties?.Environment?.Variables?.[ENV.ACTION_BASE_URL] }).toEqual({
        id,
        base: prodConfig.publicBaseUrl,
      });
    const consoleBase = functions
      .map(([, f]) => f.Properties?.Environment?.Variables?.[ENV.CONSOLE_BASE_URL])
      .filter(Boolean);
    expect(consoleBase).toEqual([`${prodConfig.publicBaseUrl}/console`]);
    const clients = resourcesOf(prod.compute, 'AWS::Cognito::UserPoolClient')
      .map(([, c]) => c.Properties?.CallbackURLs)
      .filter(Boolean);
    expect(clients).toEqual([[`${prodConfig.publicBaseUrl}/console/auth/callback`]]);
    prod.compute.hasOutput('ConsoleUrl', { Value: `${prodConfig.publicBaseUrl}/console` });
  });

  it('subscribes the coordinator’s address to the ops alerts topic', () => {
    const subscriptions = resourcesOf(prod.compute, 'AWS::SNS::Subscription');
    const [topicId] = resourcesOf(prod.compute, 'AWS::SNS::Topic')[0] ?? [];
    expect(subscriptions.map(([, s]) => s.Properties)).toEqual([
      { Protocol: 'email', Endpoint: prodConfig.coordinatorEmail, TopicArn: { Ref: topicId } },
    ]);
  });
});

describe('the default configuration', () => {
  it('keeps the API’s own URL as the links’ base, and subscribes nobody', () => {
    const functions = resourcesOf(local.compute, 'AWS::Lambda::Function');
    const bases = functions
      .map(([, f]) => f.Properties?.Environment?.Variables?.[ENV.ACTION_BASE_URL])
      .filter(Boolean);
    expect(bases.length).toBeGreaterThan(3);
    const [apiId] = resourcesOf(local.compute, 'AWS::ApiGatewayV2::Api')[0] ?? [];
    for (const base of bases) expect(base).toEqual({ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] });
    expect(resourcesOf(local.compute, 'AWS::SNS::Subscription', { allowNone: true })).toEqual([]);
    expect(local.built.stage).toBeUndefined();
  });
});

describe('the sender domain’s SES identity', () => {
  it('is an Easy DKIM domain identity of senderDomain, its CNAME records an output', () => {
    const identities = resourcesOf(prod.compute, 'AWS::SES::EmailIdentity');
    expect(identities).toHaveLength(1);
    const [id, identity] = identities[0] as (typeof identities)[number];
    expect(identity.Properties).toEqual({
      EmailIdentity: prodConfig.senderDomain,
      DkimAttributes: { SigningEnabled: true },
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
    });
    const records = [1, 2, 3].map((n) => ({
      'Fn::Join': [
        '',
        [
          { 'Fn::GetAtt': [id, `DkimDNSTokenName${n}`] },
          ' CNAME ',
          { 'Fn::GetAtt': [id, `DkimDNSTokenValue${n}`] },
        ],
      ],
    }));
    prod.compute.hasOutput('SenderDomainDkimRecords', { Value: { 'Fn::Join': ['; ', records] } });
  });

  it('leaves the configuration set as it is, and is absent without a senderDomain', () => {
    const sets = (t: typeof prod.compute) => resourcesOf(t, 'AWS::SES::ConfigurationSet');
    expect(sets(prod.compute)).toEqual(sets(local.compute));
    expect(resourcesOf(local.compute, 'AWS::SES::EmailIdentity', { allowNone: true })).toEqual([]);
    expect(Object.keys(local.compute.findOutputs('SenderDomainDkimRecords'))).toEqual([]);
  });
});
