/**
 * Bashkë's launcher, as other tools use it (bench/, scripts/): start and stop the whole stack
 * as `npm start` does, read what a running stack wrote, mint a token for it, the demo
 * referral, the whole-case walker of `npm run demo -- --to-closure` (the e2e tests drive it).
 * The engine it runs on is re-exported whole through its own public entry
 * (local/engine/index.ts), never through its internals.
 */

export {
  CaseClient,
  type CaseClientOptions,
  continueCase,
  type FoundTask,
  type PageKind,
  pageKind,
  planChoices,
  type WalkChoices,
  type WalkResult,
  walkCase,
} from './demo-case';
export { type MeetingWalkOptions, type MeetingWalkResult, walkMeeting } from './demo-meeting';
export { demoReferral } from './demo-referral';
export * from './engine';
export { DynamoDbProxy, type ProxiedRequest, type ProxyFault } from './runtime/dynamodb-proxy';
export { freePortBase, portPlan } from './runtime/ports';
export { type SpawnedStack, spawnStack, stopStack } from './runtime/spawn-stack';
export { type RuntimeFile, readRuntimeFile, resolveDataDir, runtimeFilePath } from './runtime-file';
export { mintLocalToken } from './token';
