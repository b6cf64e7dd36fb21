import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ORG_INDEX } from '../../shared/data/keys';
import { ENV } from '../../shared/util/env';

const REPO_ROOT = path.join(__dirname, '..', '..');

export interface BashkeFunctionProps {
  /** Folder under functions/ holding handler.ts, e.g. `create-referral`. */
  readonly useCase: string;
  /** Key that encrypts the function's log group. */
  readonly logKey: IKey;
  readonly logRetention: logs.RetentionDays;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  readonly environment?: Record<string, string>;
}

/**
 * The one way the project makes a Lambda function: Node.js 24 on ARM64, X-Ray tracing, its
 * own encrypted log group with retention, an ESM bundle made by the local esbuild, explicit
 * memory and timeout, and a role with no managed policies.
 */
export class BashkeFunction extends nodejs.NodejsFunction {
  /** The function's own log group (encrypted, with retention). */
  readonly ownLogGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: BashkeFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Bashkë ${props.useCase} function`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:*`],
      }),
    );
    super(scope, id, {
      entry: path.join(REPO_ROOT, 'functions', props.useCase, 'handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      role,
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'bashke',
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: 'node24',
        mainFields: ['module', 'main'],
        // The AWS SDK is bundled, not taken from the Lambda runtime: the version that ran the
        // tests is the version that runs in AWS, and a bundle runs wherever it is copied.
        externalModules: [],
        // Some CommonJS dependencies call require(); ESM bundles need it defined.
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        forceDockerBundling: false,
      },
    });
    this.ownLogGroup = logGroup;
  }

  /**
   * Reads and writes the table and queries its directory index (named, not `index/*`);
   * its name arrives as TABLE_NAME.
   */
  bindTable(table: ITableV2): this {
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:ConditionCheckItem',
          'dynamodb:DescribeTable',
        ],
        resources: [table.tableArn, `${table.tableArn}/index/${ORG_INDEX}`],
      }),
    );
    table.encryptionKey?.grantEncryptDecrypt(this);
    this.addEnvironment(ENV.TABLE_NAME, table.tableName);
    return this;
  }
}
