import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Stage } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ORG_INDEX } from '../../shared/data/keys';
import { ENV } from '../../shared/util/env';
import type { OpsAlerts } from './ops-alerts';

const REPO_ROOT = path.join(__dirname, '..', '..');

/** The bundle's file name in its asset folder (an ESM bundle). */
export const BUNDLE_FILE = 'index.mjs';

/**
 * Template metadata key that carries a function's budget, so tools that read only a cloud
 * assembly (`npm run bench -- bundles --assembly <dir>`) know it too.
 */
export const BUNDLE_BUDGET_METADATA = 'BashkeBundleBudgetKiB';

/** Bundle size budget when a function names none. */
export const DEFAULT_BUNDLE_BUDGET_KIB = 384;

/**
 * The SDK's default credential chain swapped for the environment reading it starts with
 * (see shared/aws/lambda-credentials.ts): bundling only, relative to the project root.
 */
const BUNDLE_ALIASES = {
  '@aws-sdk/credential-provider-node': './shared/aws/lambda-credentials.ts',
};

/**
 * Errors (unhandled exceptions, timeouts) in five minutes that raise a function's errors
 * alarm. Not one: a workflow step's error is retried by its state machine, an HTTP function's
 * is also a 5xx (the API's alarm), and some steps throw on purpose to be run again
 * (delivery-events, a message not yet recorded). Three in five minutes is no passing blip.
 */
export const FUNCTION_ERRORS_THRESHOLD = 3;

/**
 * Throttles in five minutes that raise a function's throttles alarm: the first. No function
 * reserves concurrency, so a throttle means the account's concurrency is used up and every
 * function waits or fails with it.
 */
export const FUNCTION_THROTTLES_THRESHOLD = 1;

/** The period both function alarms sum over. */
const FUNCTION_ALARM_PERIOD = Duration.minutes(5);

/** The table actions of a function that only reads (BashkeFunction.bindTable with `readOnly`). */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;

/** What a function that writes gets besides TABLE_READ_ACTIONS. */
const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
] as const;

export interface BindTableOptions {
  /**
   * The function only reads the table: no puts, updates, deletes or transactions.
   * @default false
   */
  readonly readOnly?: boolean;
}

export interface BashkeFunctionProps {
  /** Folder under functions/ holding handler.ts, e.g. `create-referral`. */
  readonly useCase: string;
  /** Key that encrypts the function's log group. */
  readonly logKey: IKey;
  /** Where the function's errors and throttles alarms go. */
  readonly alerts: OpsAlerts;
  readonly logRetention: logs.RetentionDays;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  readonly environment?: Record<string, string>;
  /**
   * Largest bundle (the minified `index.mjs`, source map apart) the function may ship, in
   * KiB. Checked by the infra tests and `npm run bench -- bundles`, not at synth: the size a
   * function costs at every cold start is a decision written next to the function, and a
   * change that grows it past the budget has to change the budget too.
   * @default 384 (DEFAULT_BUNDLE_BUDGET_KIB)
   */
  readonly bundleBudgetKiB?: number;
}

/**
 * The one way the project makes a Lambda function: Node.js 24 on ARM64, X-Ray tracing, its
 * own encrypted log group with retention, an ESM bundle made by the local esbuild (SDK
 * included, source map beside it but not loaded at run time) within a size budget, explicit
 * memory and timeout, a role with no managed policies, and alarms to operations on its errors
 * and throttles.
 */
export class BashkeFunction extends nodejs.NodejsFunction {
  /** The function's own log group (encrypted, with retention). */
  readonly ownLogGroup: logs.ILogGroup;
  /** Folder under functions/ the bundle is built from. */
  readonly useCase: string;
  /** See BashkeFunctionProps.bundleBudgetKiB. */
  readonly bundleBudgetKiB: number;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly throttlesAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: BashkeFunctionProps) {
    const bundleBudgetKiB = props.bundleBudgetKiB ?? DEFAULT_BUNDLE_BUDGET_KIB;
    if (!Number.isFinite(bundleBudgetKiB) || bundleBudgetKiB <= 0) {
      throw new Error(`bundleBudgetKiB must be a positive number of KiB, got ${bundleBudgetKiB}`);
    }
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
      // No NODE_OPTIONS=--enable-source-maps: with it the first error stack a container
      // formats costs ~100 ms (the map is parsed on demand). Stacks name minified frames;
      // the map beside the bundle turns them back into source lines when someone needs it.
      environment: { ...props.environment },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        minify: true,
        // Build output for debugging, never loaded at run time; without the sources
        // inlined it is a quarter of the size (the sources are in git).
        sourceMap: true,
        sourcesContent: false,
        target: 'node24',
        // ES module entry points first, so esbuild drops what the SDK packages export
        // and the function never uses.
        mainFields: ['module', 'main'],
        esbuildArgs: { '--alias': Object.entries(BUNDLE_ALIASES).map(([pkg, file]) => `${pkg}=${file}`) },
        // Warnings and errors only: the sizes are `npm run bench -- bundles`' to print.
        logLevel: nodejs.LogLevel.WARNING,
        // The AWS SDK is bundled, not taken from the Lambda runtime: the version that ran the
        // tests is the version that runs in AWS, and a bundle runs wherever it is copied.
        externalModules: [],
        // Some CommonJS dependencies call require(); ESM bundles need it defined.
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        forceDockerBundling: false,
      },
    });
    this.ownLogGroup = logGroup;
    this.useCase = props.useCase;
    this.bundleBudgetKiB = bundleBudgetKiB;
    (this.node.defaultChild as lambda.CfnFunction).addMetadata(BUNDLE_BUDGET_METADATA, bundleBudgetKiB);

    const where = `${props.useCase} (${Stack.of(this).stackName})`;
    const sum = { period: FUNCTION_ALARM_PERIOD, statistic: 'Sum' };
    this.errorsAlarm = props.alerts.alarm(scope, `${id}ErrorsAlarm`, {
      metric: this.metricErrors(sum),
      threshold: FUNCTION_ERRORS_THRESHOLD,
      description:
        `The function ${where} failed ${FUNCTION_ERRORS_THRESHOLD} or more times in 5 minutes (unhandled errors or timeouts): ` +
        'the requests or workflow steps it serves fail or wait for retries. The developer on call reads its log group ' +
        '(error class and step on each line) and the failed executions, if any.',
    });
    this.throttlesAlarm = props.alerts.alarm(scope, `${id}ThrottlesAlarm`, {
      metric: this.metricThrottles(sum),
      threshold: FUNCTION_THROTTLES_THRESHOLD,
      description:
        `Lambda throttled the function ${where}: the account's concurrency is used up, so requests get 429/503 ` +
        "and steps wait for retries. Ops checks the account's concurrent executions and asks AWS for a higher quota " +
        '(Service Quotas, Lambda concurrent executions), or finds the function that floods it.',
    });
  }

  /**
   * The bundle as written to the cloud assembly, once this function's stage has been
   * built; undefined when bundling was skipped (e.g. `cdk synth --exclusively` of another
   * stack, or tests that look at no code).
   */
  get bundlePath(): string | undefined {
    const asset = this.node.tryFindChild('Code');
    const assetPath = (asset as { assetPath?: unknown } | undefined)?.assetPath;
    const outdir = Stage.of(this)?.outdir;
    if (typeof assetPath !== 'string' || !outdir) return undefined;
    const file = path.resolve(outdir, assetPath, BUNDLE_FILE);
    return fs.existsSync(file) ? file : undefined;
  }

  /**
   * Reads and writes the table and queries its directory index (named, not `index/*`);
   * its name arrives as TABLE_NAME. With `readOnly`, gets, batch gets and queries only, and
   * the table key for decryption only.
   */
  /**
   * The audit table: records added (`PutItem`, nothing that changes or deletes; the table's
   * policy denies those to everyone anyway), and with `readsTrail` a case's trail queried.
   */
  bindAudit(table: ITableV2, options: { readonly readsTrail?: boolean } = {}): this {
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: options.readsTrail ? ['dynamodb:PutItem', 'dynamodb:Query'] : ['dynamodb:PutItem'],
        resources: [table.tableArn],
      }),
    );
    table.encryptionKey?.grantEncryptDecrypt(this);
    this.addEnvironment(ENV.AUDIT_TABLE_NAME, table.tableName);
    return this;
  }

  bindTable(table: ITableV2, options: BindTableOptions = {}): this {
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: options.readOnly ? [...TABLE_READ_ACTIONS] : [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS],
        resources: [table.tableArn, `${table.tableArn}/index/${ORG_INDEX}`],
      }),
    );
    if (options.readOnly) table.encryptionKey?.grantDecrypt(this);
    else table.encryptionKey?.grantEncryptDecrypt(this);
    this.addEnvironment(ENV.TABLE_NAME, table.tableName);
    return this;
  }
}
