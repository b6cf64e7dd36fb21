import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { OpsAlerts } from './ops-alerts';

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
 * Server errors (HTTP API metric `5xx`, by ApiId) in five minutes that raise the API's 5xx
 * alarm. Not the first: an overloaded request is answered 503 with Retry-After on purpose
 * (SECURITY.md), and the caller retries it. Five in five minutes on a cooperation group's
 * traffic is no single overload.
 */
export const API_5XX_THRESHOLD = 5;

/**
 * p99 of the HTTP API's `Latency` (request in to response out) at which the latency alarm
 * fires, in milliseconds, when it holds for API_LATENCY_PERIODS five-minute periods in a row.
 * A cold start of the heaviest function stays near a second; three seconds for a quarter of
 * an hour is a slow dependency (DynamoDB or SES throttling and retrying, a function close to
 * its early timeout at 9 s), not a cold start.
 */
export const API_LATENCY_P99_MS = 3000;
export const API_LATENCY_PERIODS = 3;

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
  /** Where the 5xx and latency alarms go. */
  readonly alerts: OpsAlerts;
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
 * unless it is declared public; alarms on its server errors and its p99 latency.
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly accessLogs: logs.LogGroup;
  readonly authorizer: apigw.IHttpRouteAuthorizer;
  readonly serverErrorsAlarm: cloudwatch.Alarm;
  readonly latencyAlarm: cloudwatch.Alarm;
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

    const period = Duration.minutes(5);
    const name = `The API of ${Stack.of(this).stackName}`;
    this.serverErrorsAlarm = props.alerts.alarm(this, 'ServerErrorsAlarm', {
      metric: this.httpApi.metricServerError({ period, statistic: 'Sum' }),
      threshold: API_5XX_THRESHOLD,
      description:
        `${name} answered ${API_5XX_THRESHOLD} or more 5xx in 5 minutes: people cannot refer, act on their links ` +
        "or use the console. The developer on call reads the access log (status by routeKey) and the functions' " +
        'errors alarms; 503s are overload or a slow dependency, 500s a bug.',
    });
    this.latencyAlarm = props.alerts.alarm(this, 'LatencyAlarm', {
      metric: this.httpApi.metricLatency({ period, statistic: 'p99' }),
      threshold: API_LATENCY_P99_MS,
      evaluationPeriods: API_LATENCY_PERIODS,
      description:
        `${name} answered its slowest requests (p99) in ${API_LATENCY_P99_MS / 1000} s or more for ` +
        `${API_LATENCY_PERIODS * 5} minutes: requests come close to their timeout. The developer on call checks ` +
        "DynamoDB and SES throttling and the functions' duration on the dashboard.",
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
