/**
 * The local engine's one public entry: everything needed to run a synthesized CDK cloud
 * assembly on one machine — read it (assembly), run its functions (lambda), its state
 * machines (sfn, with its HTTP server), its HTTP APIs (gateway, with a local JWT issuer and
 * the managed login's OAuth endpoints in auth), its tables (DynamoDB Local) and its email (SES emulator) on one clock (clock), with
 * its schedules, an admin endpoint for the clock and a refusing endpoint for every AWS
 * service it does not emulate, its EventBridge (event-pattern rules, PutEvents, SES events). It knows nothing of the app it runs (README.md).
 */
export * from './assembly/read-assembly';
export * from './auth/issuer';
export * from './auth/oauth-server';
export * from './auth/users-file';
export * from './clock/runtime-clock';
export * from './events/event-bus';
export * from './events/event-pattern';
export * from './events/events-server';
export * from './events/ses-events';
export * from './gateway/http-gateway';
export * from './lambda/worker-pool';
export type * from './model';
export * from './runtime/admin-server';
export * from './runtime/refuse-server';
export * from './runtime/schedules';
export * from './services/dynamodb-local';
export * from './services/java-runtime';
export * from './services/ses-local';
export * from './sfn/conformance';
export * from './sfn/control-plane';
export * from './sfn/http-server';
export * from './tables';
