/**
 * What the embedded runtime runs, read from the synthesized cloud assembly (cdk.out) with
 * every intrinsic resolved to a local value. Nothing here is written by hand: routes,
 * environments and workflows all come from the templates.
 */

export interface LocalFunction {
  readonly logicalId: string;
  readonly stackName: string;
  /** Local physical name: `<stackName>-<logicalId>`. */
  readonly name: string;
  readonly arn: string;
  /** Absolute path of the asset folder in cdk.out. */
  readonly assetDir: string;
  /** File inside the asset, e.g. `index.mjs` (from Handler `index.handler`). */
  readonly handlerFile: string;
  /** Exported function name, e.g. `handler`. */
  readonly handlerExport: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

export interface LocalTable {
  readonly logicalId: string;
  readonly stackName: string;
  readonly name: string;
  readonly arn: string;
  readonly keySchema: ReadonlyArray<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
  readonly attributeDefinitions: ReadonlyArray<{ AttributeName: string; AttributeType: 'S' | 'N' | 'B' }>;
  readonly globalSecondaryIndexes: ReadonlyArray<{
    IndexName: string;
    KeySchema: ReadonlyArray<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
    Projection: { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
  }>;
  readonly ttlAttribute?: string;
}

export interface LocalStateMachine {
  readonly logicalId: string;
  readonly stackName: string;
  readonly name: string;
  readonly arn: string;
  /** The ASL as JSON text, function ARNs resolved to LocalFunction.arn. */
  readonly definition: string;
}

export interface LocalRoute {
  /** As API Gateway names it: `POST /referrals`, `GET /actions/{token}`. */
  readonly routeKey: string;
  readonly method: string;
  readonly path: string;
  /** The Lambda proxy integration's target. */
  readonly functionArn: string;
  readonly authorizationType: 'NONE' | 'JWT';
}

export interface LocalHttpApi {
  readonly logicalId: string;
  readonly stackName: string;
  readonly routes: readonly LocalRoute[];
  /** The JWT authorizer (issuer and audience resolved); absent when no route uses one. */
  readonly jwt?: { readonly issuer: string; readonly audience: readonly string[] };
}

export interface LocalSchedule {
  readonly logicalId: string;
  readonly stackName: string;
  /** `rate(1 minute)`, `cron(...)` or (Scheduler only) `at(...)`, as in the template. */
  readonly expression: string;
  /** IANA zone the expression is read in (Scheduler's ScheduleExpressionTimezone). @default 'UTC' */
  readonly timeZone?: string;
  readonly targets: ReadonlyArray<{ readonly arn: string; readonly input?: string }>;
}

/** A target of an event-pattern rule (a Lambda function or a state machine of the app). */
export interface LocalRuleTarget {
  readonly id: string;
  readonly arn: string;
  /** Constant JSON text sent instead of the event. */
  readonly input?: string;
  /** JSONPath (`$.detail`) of the part of the event sent. */
  readonly inputPath?: string;
  /** `InputPathsMap` (name → JSONPath) and `InputTemplate` with `<name>` placeholders. */
  readonly inputTransformer?: {
    readonly inputPathsMap: Readonly<Record<string, string>>;
    readonly inputTemplate: string;
  };
}

/** An EventBridge rule with an event pattern, on a bus. */
export interface LocalEventRule {
  readonly logicalId: string;
  readonly stackName: string;
  /** The bus's name: `default`, or the local name of a bus of the app. */
  readonly busName: string;
  /** The pattern, parsed. */
  readonly eventPattern: Readonly<Record<string, unknown>>;
  readonly targets: readonly LocalRuleTarget[];
}

/** An event bus of the template (`AWS::Events::EventBus`), besides `default`. */
export interface LocalEventBus {
  readonly logicalId: string;
  readonly stackName: string;
  readonly name: string;
  readonly arn: string;
}

/** An SES configuration set and its enabled EventBridge destinations. */
export interface LocalConfigurationSet {
  readonly logicalId: string;
  readonly stackName: string;
  readonly name: string;
  readonly eventBridgeDestinations: ReadonlyArray<{
    readonly name: string;
    /** The bus's name (`default` or a bus of the app). */
    readonly busName: string;
    /** Lower-case SES event types: send, delivery, bounce, complaint, reject, ... */
    readonly matchingEventTypes: readonly string[];
  }>;
}

/**
 * A Cognito user-pool client with what its OAuth settings resolve to locally: the local
 * sign-in server (auth/oauth-server.ts) accepts only these clients, redirect URIs and scopes.
 */
export interface LocalUserPoolClient {
  readonly logicalId: string;
  readonly stackName: string;
  /** The local client id (`localClientId`), what a `Ref` to the client yields. */
  readonly clientId: string;
  readonly userPoolId: string;
  /** `AllowedOAuthFlows` (`code`, `implicit`, …); none unless `AllowedOAuthFlowsUserPoolClient`. */
  readonly oauthFlows: readonly string[];
  readonly scopes: readonly string[];
  /** `CallbackURLs`, resolved (e.g. under endpoints.gatewayUrl). */
  readonly callbackUrls: readonly string[];
  /** `LogoutURLs`, resolved. */
  readonly logoutUrls: readonly string[];
}

export interface LocalApp {
  readonly region: string;
  readonly accountId: string;
  readonly functions: readonly LocalFunction[];
  readonly tables: readonly LocalTable[];
  readonly stateMachines: readonly LocalStateMachine[];
  readonly httpApis: readonly LocalHttpApi[];
  readonly schedules: readonly LocalSchedule[];
  readonly eventBuses: readonly LocalEventBus[];
  readonly eventRules: readonly LocalEventRule[];
  readonly configurationSets: readonly LocalConfigurationSet[];
  readonly userPoolClients: readonly LocalUserPoolClient[];
  /** Stack outputs, resolved: outputs[stackName][OutputKey]. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Local values the templates' intrinsics resolve to. */
export interface LocalEndpoints {
  /** Base URL of the HTTP gateway (no trailing slash): what an API's ApiEndpoint resolves to. */
  readonly gatewayUrl: string;
  /** The issuer the local token minter signs with (the Cognito user pool's ProviderURL). */
  readonly issuer: string;
  /**
   * Base URL (no trailing slash) of the local stand-in for a user-pool domain's managed login
   * (its `/oauth2/authorize`, `/oauth2/token` and `/logout`): what the domain's
   * `https://<prefix>.auth.<region>.amazoncognito.com` becomes in a function's environment.
   * Without it an environment naming such a domain is an AssemblyError. @default none
   */
  readonly signIn?: string;
}

/** Result of invoking a function, as Lambda reports it. */
export type InvokeResult =
  | { readonly ok: true; readonly payload: unknown }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string };

/** Runs a function by ARN or name; the worker pool implements it. */
export interface FunctionInvoker {
  invoke(functionArnOrName: string, payload: unknown): Promise<InvokeResult>;
}
