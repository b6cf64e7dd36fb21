/**
 * Test tiers as jest projects: `unit` (pure, fast, non-UTC time zone, no Java), `infra` (CDK
 * synth and template assertions), `workflow` (state machines on the local engine's control
 * plane) and `store` (DynamoStore on DynamoDB Local); those two need Java 17+. TypeScript and
 * the ESM-only middy packages are compiled to CommonJS by swc; no type checking here
 * (`npm run typecheck` does that).
 */

/** @type {(syntax: 'typescript' | 'ecmascript') => [string, Record<string, unknown>]} */
const swc = (syntax) => [
  '@swc/jest',
  {
    swcrc: false,
    jsc: { parser: { syntax }, target: 'es2022' },
    module: { type: 'commonjs' },
  },
];

/** @type {import('jest').Config} */
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  cacheDirectory: '<rootDir>/.jest-cache',
  transform: {
    '^.+\\.ts$': swc('typescript'),
    '^.+\\.m?js$': swc('ecmascript'),
  },
  // middy 7 and jose 6 ship ESM only: middy's bare specifiers resolve to its entry file, and
  // swc compiles both.
  moduleNameMapper: { '^@middy/([^/]+)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  transformIgnorePatterns: ['/node_modules/(?!(?:@middy|jose)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  setupFiles: ['<rootDir>/test/support/test-env.js'],
  testPathIgnorePatterns: ['/node_modules/', '/cdk.out/'],
  modulePathIgnorePatterns: ['<rootDir>/cdk.out/'],
};

/**
 * The tiers on DynamoDB Local (Java): one DynamoDB Local per run, however many of these
 * projects run (see test/support/dynamodb-setup.ts).
 */
const dynamoDbLocal = {
  globalSetup: '<rootDir>/test/support/dynamodb-setup.ts',
  globalTeardown: '<rootDir>/test/support/dynamodb-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  // Only the root config's timeout applies (a project's testTimeout is ignored): synth,
  // workflow and stack tests need the headroom; unit tests finish in milliseconds anyway.
  testTimeout: 120_000,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      // A non-UTC zone, so code that leans on the process's local zone fails here.
      globalSetup: '<rootDir>/test/support/global-setup.js',
    },
    {
      ...base,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      // CDK synth bundles every function with esbuild.
    },
    {
      ...base,
      displayName: 'workflow',
      // The synthesized state machines on the engine's control plane, data on DynamoDB Local.
      testMatch: ['<rootDir>/test/workflow/**/*.test.ts'],
      ...dynamoDbLocal,
    },
    {
      ...base,
      displayName: 'store',
      // DynamoStore, and the use cases on it, on DynamoDB Local: needs Java 17+.
      testMatch: ['<rootDir>/test/store/**/*.test.ts'],
      ...dynamoDbLocal,
    },
    {
      ...base,
      displayName: 'local',
      // The embedded local runtime (local/): worker threads, gateway, token issuer, services.
      testMatch: ['<rootDir>/test/local/**/*.test.ts'],
    },
    {
      ...base,
      displayName: 'docs',
      // README examples, docs/openapi.json and the demo directory checked against the code.
      testMatch: ['<rootDir>/test/docs/**/*.test.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      // The whole stack started as `npm start` would, driven through HTTP and the inbox.
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      // A pid ledger per run; afterwards every process this run started must be gone.
      globalSetup: '<rootDir>/test/support/e2e-setup.js',
      globalTeardown: '<rootDir>/test/support/e2e-teardown.js',
    },
  ],
};
