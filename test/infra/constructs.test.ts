import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { API_5XX_THRESHOLD, API_LATENCY_P99_MS, API_LATENCY_PERIODS, Api } from '../../infra/constructs/api';
import { BashkeWorkflow } from '../../infra/constructs/bashke-workflow';
import {
  BOUNCE_RATE_ALARM,
  COMPLAINT_RATE_ALARM,
  Mail,
  SES_REVIEW_BOUNCE_RATE,
  SES_REVIEW_COMPLAINT_RATE,
} from '../../infra/constructs/mail';
import { OpsAlerts } from '../../infra/constructs/ops-alerts';
import { OpsDashboard } from '../../infra/constructs/ops-dashboard';
import { OpsKey } from '../../infra/constructs/ops-key';
import { SignIn } from '../../infra/constructs/sign-in';
import { ENV } from '../../shared/util/env';

const ENVIRONMENT = { account: '123456789012', region: 'eu-central-1' };

/** A bare stack with the ops key and alerts, as the app stack has them. */
function opsStack() {
  const stack = new Stack(new App(), 'Test', { env: ENVIRONMENT });
  const key = new OpsKey(stack, 'OpsKey');
  const alerts = new OpsAlerts(stack, 'OpsAlerts', { key });
  const role = (id: string) =>
    new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const workflow = (id: string) =>
    new BashkeWorkflow(stack, id, {
      definition: (scope) => new sfn.Pass(scope, 'Start'),
      key,
      logRetention: logs.RetentionDays.ONE_WEEK,
      alerts,
    });
  return { stack, key, alerts, role, workflow };
}

const policyOf = (template: Template, stack: Stack, role: iam.Role) => {
  const roleId = stack.resolve((role.node.defaultChild as iam.CfnRole).logicalId);
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleId }] },
  });
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
};

describe('BashkeWorkflow', () => {
  it('makes two workflows in one stack, each with its own log group and executions alarms', () => {
    const { stack, workflow } = opsStack();
    workflow('AssessmentWorkflow');
    workflow('ClosureWorkflow');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^OpsAlerts') }],
    });
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties.MetricName,
    );
    expect(names.sort()).toEqual(
      ['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut'].flatMap((n) => [n, n]).sort(),
    );
  });

  it('says in each executions alarm which workflow and what its case needs', () => {
    const { stack, key, alerts } = opsStack();
    const w = new BashkeWorkflow(stack, 'ReferralWorkflow', {
      definition: (scope) => new sfn.Pass(scope, 'Start'),
      key,
      logRetention: logs.RetentionDays.ONE_WEEK,
      alerts,
      label: 'referral workflow',
    });
    const descriptions = [w.failedExecutionsAlarm, w.timedOutExecutionsAlarm, w.abortedExecutionsAlarm].map(
      (a) => stack.resolve((a.node.defaultChild as cloudwatch.CfnAlarm).alarmDescription) as string,
    );
    expect(descriptions[0]).toMatch(/^An execution of the referral workflow failed .*coordinator/);
    expect(descriptions[1]).toMatch(/^An execution of the referral workflow timed out .*coordinator/);
    expect(descriptions[2]).toMatch(/^An execution of the referral workflow was stopped by hand .*security/);
    expect(alerts.alarms).toEqual([
      w.failedExecutionsAlarm,
      w.timedOutExecutionsAlarm,
      w.abortedExecutionsAlarm,
    ]);
  });

  it('grants starting executions with the key use bound to this state machine', () => {
    const { stack, role, workflow } = opsStack();
    const assessment = workflow('AssessmentWorkflow');
    const starter = role('Starter');
    const grant = assessment.grantStartExecution(starter);
    expect(grant.success).toBe(true);
    const template = Template.fromStack(stack);
    const machineId = stack.resolve(
      (assessment.stateMachine.node.defaultChild as sfn.CfnStateMachine).logicalId,
    );
    expect(policyOf(template, stack, starter)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: machineId } }),
        expect.objectContaining({
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: {
            StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': { Ref: machineId } },
          },
        }),
      ]),
    );
  });

  it('grants answering callback tasks with the key use bound to this state machine', () => {
    const { stack, role, workflow } = opsStack();
    const assessment = workflow('AssessmentWorkflow');
    const answerer = role('Answerer');
    expect(assessment.grantTaskResponse(answerer).success).toBe(true);
    const statements = policyOf(Template.fromStack(stack), stack, answerer);
    const actions = statements.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    expect(actions).toEqual(
      expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure', 'kms:Decrypt']),
    );
  });

  it('lets its own role use the key for data under its own generated name only', () => {
    const { stack, workflow } = opsStack();
    const assessment = workflow('AssessmentWorkflow');
    const machineId = stack.resolve(
      (assessment.stateMachine.node.defaultChild as sfn.CfnStateMachine).logicalId,
    );
    const json = JSON.stringify(
      policyOf(Template.fromStack(stack), stack, assessment.stateMachine.role as iam.Role),
    );
    expect(json).toContain(`:stateMachine:${machineId}-*`);
  });
});

describe('Api', () => {
  const apiStack = () => {
    const stack = new Stack(new App(), 'Test', { env: ENVIRONMENT });
    const signIn = new SignIn(stack, 'Users', {
      groups: ['police', 'ngo'],
      consoleUrl: 'https://api.example.org/console',
      domainPrefix: 'bashke-test',
    });
    const key = new OpsKey(stack, 'OpsKey');
    const api = new Api(stack, 'Api', {
      userPool: signIn.userPool,
      userPoolClients: [signIn.appClient],
      logKey: key,
      logRetention: logs.RetentionDays.ONE_WEEK,
      alerts: new OpsAlerts(stack, 'OpsAlerts', { key }),
    });
    const handler = (id: string) =>
      new lambda.Function(stack, id, {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('export const handler = async () => ({})'),
      });
    return { stack, api, handler };
  };

  it('puts the JWT authorizer on a route unless it is public', () => {
    const { stack, api, handler } = apiStack();
    api.addRoute('/cases', [HttpMethod.GET], handler('ListCasesFn'));
    api.addRoute('/actions/{token}', [HttpMethod.POST], handler('ActionLinkFn'), { public: true });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /cases',
      AuthorizationType: 'JWT',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /actions/{token}',
      AuthorizationType: 'NONE',
    });
  });

  it('shares one integration among the routes of one function', () => {
    const { stack, api, handler } = apiStack();
    const getCase = handler('GetCaseFn');
    api.addRoute('/cases/{caseId}', [HttpMethod.GET], getCase);
    api.addRoute('/cases/{caseId}/history', [HttpMethod.GET, HttpMethod.HEAD], getCase);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
  });

  it('alarms on 5 or more server errors in 5 minutes, and on a p99 latency of 3 s for 15 minutes', () => {
    const { stack, api } = apiStack();
    const template = Template.fromStack(stack);
    const apiId = stack.resolve(api.httpApi.apiId);
    const common = {
      Namespace: 'AWS/ApiGateway',
      Dimensions: [{ Name: 'ApiId', Value: apiId }],
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^OpsAlerts') }],
    };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: '5xx',
      Statistic: 'Sum',
      Threshold: API_5XX_THRESHOLD,
      EvaluationPeriods: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Threshold: API_LATENCY_P99_MS,
      EvaluationPeriods: API_LATENCY_PERIODS,
    });
    expect([API_5XX_THRESHOLD, API_LATENCY_P99_MS, API_LATENCY_PERIODS]).toEqual([5, 3000, 3]);
  });

  it('refuses a route without methods, naming the path', () => {
    const { api, handler } = apiStack();
    expect(() => api.addRoute('/cases', [], handler('ListCasesFn'))).toThrow(
      'route /cases needs at least one method',
    );
  });
});

describe('Mail', () => {
  it('grants sending from the sender address through its configuration set only', () => {
    const { stack, alerts } = opsStack();
    const mail = new Mail(stack, 'Mail', { senderEmail: 'no-reply@bashke.example.org', alerts });
    const sender = new iam.Role(stack, 'Sender', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    expect(mail.grantSend(sender).success).toBe(true);
    const [statement] = policyOf(Template.fromStack(stack), stack, sender);
    expect(statement.Action).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    expect(statement.Condition).toEqual({
      StringEquals: { 'ses:FromAddress': 'no-reply@bashke.example.org' },
    });
    const resources = JSON.stringify(statement.Resource);
    expect(resources).toContain(':identity/bashke.example.org');
    expect(resources).toContain(':identity/no-reply@bashke.example.org');
    expect(resources).toContain(':configuration-set/');
    expect(Object.keys(mail.environment).sort()).toEqual(
      [ENV.SENDER_EMAIL, ENV.SES_CONFIGURATION_SET].sort(),
    );
  });

  it('alarms on the account’s SES bounce and complaint rates at half the levels AWS reviews at', () => {
    const { stack, alerts } = opsStack();
    new Mail(stack, 'Mail', { senderEmail: 'no-reply@bashke.example.org', alerts });
    const template = Template.fromStack(stack);
    for (const [metricName, threshold] of [
      ['Reputation.BounceRate', 0.025],
      ['Reputation.ComplaintRate', 0.0005],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SES',
        MetricName: metricName,
        // The account's rate, the one AWS reviews: no configuration-set dimension.
        Dimensions: Match.absent(),
        Statistic: 'Maximum',
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^OpsAlerts') }],
      });
    }
    expect([BOUNCE_RATE_ALARM, COMPLAINT_RATE_ALARM]).toEqual([
      SES_REVIEW_BOUNCE_RATE / 2,
      SES_REVIEW_COMPLAINT_RATE / 2,
    ]);
    expect([SES_REVIEW_BOUNCE_RATE, SES_REVIEW_COMPLAINT_RATE]).toEqual([0.05, 0.001]);
  });

  it('refuses a sender that is not one address, naming it', () => {
    const { stack, alerts } = opsStack();
    expect(() => new Mail(stack, 'Mail', { senderEmail: 'bashke.example.org', alerts })).toThrow(
      'senderEmail must be one address like name@domain, got bashke.example.org',
    );
  });
});

describe('OpsDashboard', () => {
  it('refuses more alarms than one status widget shows, naming the count', () => {
    const { stack, workflow } = opsStack();
    const w = workflow('ReferralWorkflow');
    const alarm = w.failedExecutionsAlarm;
    const dashboard = (alarms: number) =>
      new OpsDashboard(stack, `Dashboard${alarms}`, {
        dashboardName: `Bashke-test-${alarms}`,
        workflows: [{ label: w.label, stateMachine: w.stateMachine }],
        functions: [],
        api: new HttpApi(stack, `Api${alarms}`),
        deadLetterQueue: new sqs.Queue(stack, `Queue${alarms}`),
        alarms: Array.from({ length: alarms }, () => alarm),
      });
    expect(() => dashboard(100)).not.toThrow();
    expect(() => dashboard(101)).toThrow('an alarm status widget shows at most 100 alarms, got 101');
  });
});
