import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ROLES } from '../../shared/domain/codes';
import { ENV } from '../../shared/util/env';
import { referralDefinition } from '../../workflows/referral';
import type { DeploymentConfig } from '../config';
import { BashkeFunction } from '../constructs/bashke-function';

export interface AppStackProps extends StackProps {
  readonly config: DeploymentConfig;
  readonly table: ITableV2;
}

/**
 * The access-log line. `$context.routeKey` (e.g. `POST /actions/{token}`), never
 * `$context.path`: action tokens are path segments and must not reach a log.
 */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  routeKey: '$context.routeKey',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  integrationError: '$context.integrationErrorMessage',
  time: '$context.requestTimeEpoch',
});

/**
 * Each function's bundle budget in KiB (BashkeFunctionProps.bundleBudgetKiB): its minified
 * size when set, plus about a tenth for the logic still to come. The SDK clients set the
 * floor (DynamoDB alone is ~300 KiB); SES adds ~30. A function missing here gets the
 * construct's default.
 */
export const BUNDLE_BUDGET_KIB: Readonly<Record<string, number>> = {
  'prepare-offer': 336,
  'send-offer': 384,
  'close-offer': 384,
  'accept-case': 384,
  'mark-unassigned': 384,
  'create-referral': 384,
  'get-case': 352,
  'action-link': 384,
  'seed-directory': 336,
};

/** Stateless compute: API, sign-in, functions, the referral workflow, mail settings. */
export class AppStack extends Stack {
  readonly api: apigw.HttpApi;
  readonly stateMachine: sfn.StateMachine;
  readonly userPool: cognito.UserPool;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const { config, table } = props;
    const retention = config.logRetentionDays as logs.RetentionDays;

    const opsKey = new kms.Key(this, 'OpsKey', {
      description: 'Bashkë logs and workflow state',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    opsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:*`,
          },
        },
      }),
    );

    const mail = new ses.ConfigurationSet(this, 'Mail', {
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      sendingEnabled: true,
    });

    const fn = (id: string, useCase: string, environment: Record<string, string> = {}, timeout?: Duration) =>
      new BashkeFunction(this, id, {
        useCase,
        logKey: opsKey,
        logRetention: retention,
        environment,
        ...(timeout ? { timeout } : {}),
        ...(BUNDLE_BUDGET_KIB[useCase] ? { bundleBudgetKiB: BUNDLE_BUDGET_KIB[useCase] } : {}),
      }).bindTable(table);

    const mailEnv = {
      [ENV.SENDER_EMAIL]: config.senderEmail,
      [ENV.SES_CONFIGURATION_SET]: mail.configurationSetName,
    };
    const grantSend = (f: BashkeFunction) =>
      f.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [
            `arn:${this.partition}:ses:${this.region}:${this.account}:identity/${config.senderEmail.split('@')[1]}`,
            `arn:${this.partition}:ses:${this.region}:${this.account}:identity/${config.senderEmail}`,
            `arn:${this.partition}:ses:${this.region}:${this.account}:configuration-set/${mail.configurationSetName}`,
          ],
          conditions: { StringEquals: { 'ses:FromAddress': config.senderEmail } },
        }),
      );

    // --- sign-in -----------------------------------------------------------------------
    this.userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      customAttributes: { orgId: new cognito.StringAttribute({ minLen: 2, maxLen: 64, mutable: true }) },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const role of ROLES) {
      new cognito.CfnUserPoolGroup(this, `Group-${role}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
      });
    }
    // Users may edit their name; the organisation is set by admins only.
    const client = this.userPool.addClient('AppClient', {
      authFlows: { userSrp: true },
      // Sign-in is SRP only: without this CDK enables the implicit and code grants with an
      // https://example.com callback.
      disableOAuth: true,
      generateSecret: false,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('orgId'),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
    });

    // --- API ---------------------------------------------------------------------------
    this.api = new apigw.HttpApi(this, 'Api', { createDefaultStage: false, description: 'Bashkë API' });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention,
      encryptionKey: opsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    const authorizer = new HttpUserPoolAuthorizer('CognitoAuthorizer', this.userPool, {
      userPoolClients: [client],
      identitySource: ['$request.header.Authorization'],
    });

    // --- workflow ----------------------------------------------------------------------
    const steps = {
      prepareOffer: fn('PrepareOfferFn', 'prepare-offer'),
      sendOffer: fn('SendOfferFn', 'send-offer', {
        ...mailEnv,
        [ENV.OFFER_DEADLINE_HOURS]: String(config.offerDeadlineHours),
        [ENV.TIME_ZONE]: config.timeZone,
        [ENV.ACTION_BASE_URL]: this.api.apiEndpoint,
      }),
      closeOffer: fn('CloseOfferFn', 'close-offer', mailEnv),
      acceptCase: fn('AcceptCaseFn', 'accept-case', mailEnv),
      markUnassigned: fn('MarkUnassignedFn', 'mark-unassigned', mailEnv),
    };
    for (const f of [steps.sendOffer, steps.closeOffer, steps.acceptCase, steps.markUnassigned]) grantSend(f);

    const workflowLogs = new logs.LogGroup(this, 'ReferralWorkflowLogs', {
      retention,
      encryptionKey: opsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'ReferralWorkflow', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(
        referralDefinition(this, {
          functions: steps,
          offerDeadline: Duration.seconds(Math.round(config.offerDeadlineHours * 3600)),
        }),
      ),
      // Executions carry ids only; still, history and logs never hold execution data.
      logs: { destination: workflowLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(opsKey),
    });

    // Workflow data is encrypted with the ops key under the state machine's ARN as encryption
    // context. CDK's own grant names an ARN without the generated name (no physical name is
    // set), so the role gets a statement that matches the real one; callers that start or
    // answer executions get the same key use, bound to this state machine.
    const workflowKeyActions = ['kms:Decrypt', 'kms:GenerateDataKey'];
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: workflowKeyActions,
        resources: [opsKey.keyArn],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:states:stateMachineArn': `arn:${this.partition}:states:${this.region}:${this.account}:stateMachine:ReferralWorkflow*`,
          },
        },
      }),
    );
    const grantWorkflowKey = (f: BashkeFunction) =>
      f.addToRolePolicy(
        new iam.PolicyStatement({
          actions: workflowKeyActions,
          resources: [opsKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:EncryptionContext:aws:states:stateMachineArn': this.stateMachine.stateMachineArn,
            },
          },
        }),
      );

    // Operations alerts: subscribe the on-call address after deploy (the output names the topic).
    opsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    const alerts = new sns.Topic(this, 'OpsAlerts', { masterKey: opsKey, enforceSSL: true });
    new CfnOutput(this, 'OpsAlertsTopicArn', { value: alerts.topicArn });

    // A failed execution leaves a case without a next step: someone must look at it.
    const failedExecutions = new cloudwatch.Alarm(this, 'ReferralExecutionsFailed', {
      alarmDescription: 'A referral workflow execution failed; its case needs a coordinator.',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    failedExecutions.addAlarmAction(new cloudwatchActions.SnsAction(alerts));

    // --- routes ------------------------------------------------------------------------
    const createReferral = fn('CreateReferralFn', 'create-referral', {
      [ENV.STATE_MACHINE_ARN]: this.stateMachine.stateMachineArn,
      [ENV.TIME_ZONE]: config.timeZone,
      [ENV.INTERVIEW_MAX_AGE_DAYS]: String(config.interviewMaxAgeDays),
    });
    this.stateMachine.grantStartExecution(createReferral);
    grantWorkflowKey(createReferral);
    const getCase = fn('GetCaseFn', 'get-case');
    const actionLink = fn('ActionLinkFn', 'action-link', { [ENV.TIME_ZONE]: config.timeZone });
    this.stateMachine.grantTaskResponse(actionLink);
    grantWorkflowKey(actionLink);

    this.api.addRoutes({
      path: '/referrals',
      methods: [apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('CreateReferral', createReferral),
      authorizer,
    });
    this.api.addRoutes({
      path: '/cases/{caseId}',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('GetCase', getCase),
      authorizer,
    });
    // Public: the emailed link is the credential (a single-use token, stored hashed).
    this.api.addRoutes({
      path: '/actions/{token}',
      methods: [apigw.HttpMethod.GET, apigw.HttpMethod.HEAD, apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('ActionLink', actionLink),
      authorizer: new apigw.HttpNoneAuthorizer(),
    });

    const seed = fn('SeedDirectoryFn', 'seed-directory', {}, Duration.seconds(60));

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
    new CfnOutput(this, 'ReferralStateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'SeedDirectoryFunctionName', { value: seed.functionName });
  }
}
