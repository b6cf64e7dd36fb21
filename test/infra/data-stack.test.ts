import { Match } from 'aws-cdk-lib/assertions';
import { disposeSynth, resourcesOf, type SynthesizedBashke, synthBashke } from '../support/infra-synth';

let synth: SynthesizedBashke;

beforeAll(() => {
  synth = synthBashke();
});

afterAll(() => disposeSynth());

describe('data stack', () => {
  const table = () => {
    const tables = resourcesOf(synth.data, 'AWS::DynamoDB::GlobalTable');
    expect(tables).toHaveLength(1);
    const [logicalId, resource] = tables[0] as (typeof tables)[number];
    return {
      logicalId,
      resource,
      replicas: (resource.Properties?.Replicas ?? []) as Record<string, unknown>[],
    };
  };

  it('holds one table and no classic AWS::DynamoDB::Table', () => {
    expect(table().replicas.length).toBeGreaterThan(0);
    synth.data.resourceCountIs('AWS::DynamoDB::Table', 0);
    synth.compute.resourceCountIs('AWS::DynamoDB::Table', 0);
    synth.compute.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
  });

  it('turns on point-in-time recovery in every replica', () => {
    for (const replica of table().replicas) {
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
  });

  it('encrypts the table with the customer-managed key', () => {
    const keyId = synth.logicalId(synth.built.data.key);
    const { resource, replicas } = table();
    expect(synth.data.toJSON().Resources[keyId]?.Type).toBe('AWS::KMS::Key');
    expect(resource.Properties?.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    for (const replica of replicas) {
      expect(replica.SSESpecification).toEqual({ KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    }
  });

  it('protects every replica from deletion', () => {
    for (const replica of table().replicas) expect(replica.DeletionProtectionEnabled).toBe(true);
  });

  it('retains the table and its key when the stack or the resource goes away', () => {
    const keyId = synth.logicalId(synth.built.data.key);
    const { resource } = table();
    const key = synth.data.toJSON().Resources[keyId];
    for (const r of [resource, key]) {
      expect(r.DeletionPolicy).toBe('Retain');
      expect(r.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('expires items through the ttl attribute', () => {
    expect(table().resource.Properties?.TimeToLiveSpecification).toEqual({
      AttributeName: 'ttl',
      Enabled: true,
    });
  });

  it('rotates every KMS key in both stacks', () => {
    const keys = [
      ...resourcesOf(synth.data, 'AWS::KMS::Key'),
      ...resourcesOf(synth.compute, 'AWS::KMS::Key', { allowNone: true }),
    ];
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const [logicalId, key] of keys) {
      expect({ logicalId, rotation: key.Properties?.EnableKeyRotation }).toEqual({
        logicalId,
        rotation: true,
      });
    }
  });

  it('keeps the key policy of the table key to the account (grants go through IAM)', () => {
    synth.data.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: [
          Match.objectLike({
            Effect: 'Allow',
            Principal: { AWS: Match.anyValue() },
            Action: 'kms:*',
          }),
        ],
      },
    });
  });
});
