import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Api } from '../../infra/constructs/api';
import { BashkeWorkflow } from '../../infra/constructs/bashke-workflow';
import { Mail } from '../../infra/constructs/mail';
import { OpsAlerts } from '../../infra/constructs/ops-alerts';
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
  it('makes two workflows in one stack, each with its own log group and failed-executions alarm', () => {
    const { stack, workflow } = opsStack();
    workflow('AssessmentWorkflow');
    workflow('ClosureWorkflow');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^OpsAlerts') }],
    });
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
    const api = new Api(stack, 'Api', {
      userPool: signIn.userPool,
      userPoolClients: [signIn.appClient],
      logKey: new OpsKey(stack, 'OpsKey'),
      logRetention: logs.RetentionDays.ONE_WEEK,
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

  it('refuses a route without methods, naming the path', () => {
    const { api, handler } = apiStack();
    expect(() => api.addRoute('/cases', [], handler('ListCasesFn'))).toThrow(
      'route /cases needs at least one method',
    );
  });
});

describe('Mail', () => {
  it('grants sending from the sender address through its configuration set only', () => {
    const stack = new Stack(new App(), 'Test', { env: ENVIRONMENT });
    const mail = new Mail(stack, 'Mail', { senderEmail: 'no-reply@bashke.example.org' });
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

  it('refuses a sender that is not one address, naming it', () => {
    const stack = new Stack(new App(), 'Test', { env: ENVIRONMENT });
    expect(() => new Mail(stack, 'Mail', { senderEmail: 'bashke.example.org' })).toThrow(
      'senderEmail must be one address like name@domain, got bashke.example.org',
    );
  });
});
