import { Match } from 'aws-cdk-lib/assertions';
import { AUDIT_DENIED_ACTIONS } from '../../infra/stacks/data-stack';
import { disposeSynth, resourcesOf, type SynthesizedBashke, synthBashke } from '../support/infra-synth';

let synth: SynthesizedBashke;

beforeAll(() => {
  synth = synthBashke();
});

afterAll(() => disposeSynth());

describe('data stack', () => {
  /** The single table (`table`) or the audit table beside it. */
  const tableOf = (which: 'table' | 'auditTable') => {
    const tables = resourcesOf(synth.data, 'AWS::DynamoDB::GlobalTable');
    expect(tables).toHaveLength(2);
    const wanted = synth.logicalId(synth.built.data[which]);
    const found = tables.find(([logicalId]) => logicalId === wanted);
    if (!found) throw new Error(`no ${which} in the data stack`);
    const [logicalId, resource] = found;
    return {
      logicalId,
      resource,
      replicas: (resource.Properties?.Replicas ?? []) as Record<string, unknown>[],
    };
  };
  const table = () => tableOf('table');

  it('holds the single table and the audit table, and no classic AWS::DynamoDB::Table', () => {
    expect(table().replicas.length).toBeGreaterThan(0);
    expect(tableOf('auditTable').replicas.length).toBeGreaterThan(0);
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

  it('keeps the audit table as the case data: PITR, the customer-managed key, deletion protection, retained, no TTL', () => {
    const keyId = synth.logicalId(synth.built.data.key);
    const { resource, replicas } = tableOf('auditTable');
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.Properties?.TimeToLiveSpecification).toBeUndefined();
    for (const replica of replicas) {
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(replica.DeletionProtectionEnabled).toBe(true);
      expect(replica.SSESpecification).toEqual({ KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    }
  });

  it('denies every principal the changes and deletes of audit records, in the audit table’s own policy', () => {
    for (const replica of tableOf('auditTable').replicas) {
      const statements = (replica.ResourcePolicy as { PolicyDocument: { Statement: unknown[] } })
        .PolicyDocument.Statement;
      expect(statements).toEqual([
        {
          Sid: 'AuditRecordsAreAddOnly',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: [...AUDIT_DENIED_ACTIONS].sort(),
          Resource: '*',
        },
      ]);
    }
    // The single table has no such policy: the workflows update and delete its items.
    for (const replica of table().replicas) expect(replica.ResourcePolicy).toBeUndefined();
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
