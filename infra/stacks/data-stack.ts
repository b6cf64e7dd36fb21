import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { ORG_INDEX } from '../../shared/data/keys';

/**
 * What no one may do to an audit record, whoever they are: change it or delete it (records
 * are added one by one, `PutItem` refused when the key exists; shared/data/audit-store.ts).
 * A deny in the table's own policy holds against every role of the account, admins included,
 * whatever their IAM policies allow.
 */
export const AUDIT_DENIED_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:PartiQLInsert',
  'dynamodb:UpdateTimeToLive',
] as const;

/**
 * Stateful resources, apart from compute so they survive its redeploys: the single table
 * (docs/data-model.md), the audit table, and their customer-managed key.
 */
export class DataStack extends Stack {
  readonly table: dynamodb.TableV2;
  /** Who read or changed what, refusals too (DOMAIN.md): add-only. */
  readonly auditTable: dynamodb.TableV2;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.key = new kms.Key(this, 'TableKey', {
      description: 'Bashkë case data',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // What both tables are: keyed alike, encrypted with our key, recoverable, kept.
    const kept = {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.key),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    } satisfies dynamodb.TablePropsV2;
    this.table = new dynamodb.TableV2(this, 'Table', {
      ...kept,
      timeToLiveAttribute: 'ttl',
      globalSecondaryIndexes: [
        {
          indexName: ORG_INDEX,
          partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
        },
      ],
    });
    this.auditTable = new dynamodb.TableV2(this, 'AuditTable', {
      ...kept,
      // No TTL: records are kept. They hold ids, roles and organisations, never case content.
      resourcePolicy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AuditRecordsAreAddOnly',
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: [...AUDIT_DENIED_ACTIONS],
            // `*` is this table: its own ARN here would be a circular reference.
            resources: ['*'],
          }),
        ],
      }),
    });
    // For ops' tools (npm run directory / users -- --aws --table) and a point-in-time restore.
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'AuditTableName', { value: this.auditTable.tableName });
  }
}
