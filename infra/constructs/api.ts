import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

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

export interface ApiProps {
  /** The pool whose ID tokens the JWT authorizer accepts. */
  readonly userPool: cognito.IUserPool;
  /** The app clients the tokens must be issued to (their `aud`). */
  readonly userPoolClients: readonly cognito.IUserPoolClient[];
  /** Encrypts the access-log group. */
  readonly logKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** @default 50 requests per second, bursts of 100 */
  readonly throttle?: apigw.ThrottleSettings;
  /** @default 'Bashkë API' */
  readonly description?: string;
}

export interface RouteOptions {
  /**
   * No authorizer: the route is open to anyone. Only for routes whose request carries its
   * own credential (e.g. an emailed single-use token).
   * @default false (the JWT authorizer)
   */
  readonly public?: boolean;
}

/**
 * The HTTP API: one auto-deployed `$default` stage, throttled, with access logs by route
 * key in an encrypted log group; a JWT authorizer for the user pool that every route gets
 * unless it is declared public.
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly accessLogs: logs.LogGroup;
  readonly authorizer: apigw.IHttpRouteAuthorizer;
  /** One integration per function, shared by all its routes. */
  private readonly integrations = new Map<lambda.IFunction, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    // `Default`: the API and what hangs off it keep the logical ids they had before this construct.
    this.httpApi = new apigw.HttpApi(this, 'Default', {
      apiName: id,
      createDefaultStage: false,
      description: props.description ?? 'Bashkë API',
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    this.authorizer = new HttpUserPoolAuthorizer('CognitoAuthorizer', props.userPool, {
      userPoolClients: [...props.userPoolClients],
      identitySource: ['$request.header.Authorization'],
    });
  }

  /** The API's base URL, e.g. `https://abc123.execute-api.eu-central-1.amazonaws.com`. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }

  /**
   * Routes `methods` on `path` to `handler`, behind the JWT authorizer unless
   * `options.public`. E.g. `api.addRoute('/cases/{caseId}', [HttpMethod.GET], getCase)`.
   */
  addRoute(
    path: string,
    methods: readonly apigw.HttpMethod[],
    handler: lambda.IFunction,
    options: RouteOptions = {},
  ): apigw.HttpRoute[] {
    if (methods.length === 0) throw new Error(`route ${path} needs at least one method`);
    return this.httpApi.addRoutes({
      path,
      methods: [...methods],
      integration: this.integrationOf(handler),
      authorizer: options.public ? new apigw.HttpNoneAuthorizer() : this.authorizer,
    });
  }

  /**
   * The function's integration. Its id is the function's construct id without a trailing
   * `Fn` (`CreateReferralFn` → `CreateReferral`): it names the integration and the invoke
   * permissions in the template.
   */
  private integrationOf(handler: lambda.IFunction): HttpLambdaIntegration {
    let integration = this.integrations.get(handler);
    if (!integration) {
      integration = new HttpLambdaIntegration(handler.node.id.replace(/Fn$/, ''), handler);
      this.integrations.set(handler, integration);
    }
    return integration;
  }
}
