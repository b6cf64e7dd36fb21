import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface OpsKeyProps {
  /** @default 'Bashkë logs and workflow state' */
  readonly description?: string;
}

/**
 * The customer-managed key of the operational data (log groups, workflow definitions and
 * history, the alerts topic): rotated yearly, retained, and usable by CloudWatch Logs of
 * this account and region for the log groups it encrypts.
 */
export class OpsKey extends kms.Key {
  constructor(scope: Construct, id: string, props: OpsKeyProps = {}) {
    super(scope, id, {
      description: props.description ?? 'Bashkë logs and workflow state',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const { partition, region, account } = Stack.of(this);
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:*` },
        },
      }),
    );
  }
}
