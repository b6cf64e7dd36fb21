import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { WorkflowStarter } from '../../functions/create-referral/create-referral';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { MemoryAudit } from '../support/audit';
import { directory, referralRequest } from '../support/fixtures';
import {
  dropStoreTables,
  failNext,
  loseReplyOnce,
  type StoreTable,
  storeTable,
} from '../support/store-table';

process.env.TABLE_NAME = 'table';
process.env.AUDIT_TABLE_NAME = 'audit';
process.env.STATE_MACHINE_ARN = 'arn:aws:states:eu-central-1:111111111111:stateMachine:referral';
process.env.TIME_ZONE = 'Europe/Tirane';
process.env.INTERVIEW_MAX_AGE_DAYS = '30';
process.env.AWS_REGION = 'eu-central-1';
process.env.POWERTOOLS_DEV = 'false';
// The 503s this file provokes are expected: keep their warnings out of the test output.
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
// Handler modules read their environment at load: import them after it is set.
const { createReferralRoute } =
  require('../../functions/create-referral/handler') as typeof import('../../functions/create-referral/handler');

const NOW = new Date('2026-03-11T10:00:00.000Z');
const KEY = 'retry-key-0001';
const context = {
  awsRequestId: 'req-retry',
  functionName: 'f',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

const timeout = () =>
  Object.assign(new Error('socket timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
const throttled = () =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });
const cancelledBusy = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }, { Code: 'TransactionConflict' }],
  });

/** Starts like Step Functions with a deterministic name: a second start of one case is a no-op. */
class StatesFake implements WorkflowStarter {
  readonly executions = new Set<string>();
  readonly failures: Error[] = [];
  async start(input: { caseId: string }) {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.executions.add(input.caseId);
  }
}

afterEach(dropStoreTables);

async function setup() {
  const world = await storeTable('intake-retry', directory());
  const { store } = world;
  const states = new StatesFake();
  let n = 0;
  const route = createReferralRoute(
    {
      store,
      directory: new DirectoryCache(store),
      workflow: states,
      now: () => NOW,
      newId: () => `00000000-0000-4000-8000-00000000000${++n}`,
      timeZone: 'Europe/Tirane',
      interviewMaxAgeDays: 30,
    },
    new MemoryAudit(),
  );
  const post = async () =>
    (await route(
      {
        version: '2.0',
        routeKey: 'POST /referrals',
        rawPath: '/referrals',
        rawQueryString: '',
        headers: { 'content-type': 'application/json', 'idempotency-key': KEY },
        body: JSON.stringify(referralRequest()),
        isBase64Encoded: false,
        requestContext: {
          http: {
            method: 'POST',
            path: '/referrals',
            protocol: 'HTTP/1.1',
            sourceIp: '127.0.0.1',
            userAgent: 'jest',
          },
          authorizer: {
            jwt: {
              claims: {
                sub: 'officer-1',
                token_use: 'id',
                'custom:orgId': 'police-korce',
                'cognito:groups': '[police]',
              },
              scopes: [],
            },
          },
        },
      } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer,
      context,
    )) as APIGatewayProxyStructuredResultV2;
  return { store, world, states, post };
}

/** Every item but the reference counters: a failed intake may take a number (gaps are allowed). */
async function itemsButCounters(world: StoreTable) {
  return (await world.items()).filter((item) => !String(item.pk).startsWith('COUNTER#'));
}

/** Cases in the table, each with what the intake writes beside it. */
async function cases(world: StoreTable) {
  const { store } = world;
  const ids = (await world.items())
    .filter((item) => String(item.pk).startsWith('CASE#') && item.sk === 'CASE')
    .map((item) => String(item.caseId));
  return Promise.all(
    ids.map(async (caseId) => ({ caseId, events: (await store.listEvents(caseId)).length })),
  );
}

function expect503(res: APIGatewayProxyStructuredResultV2) {
  expect(res.statusCode).toBe(503);
  expect(res.headers?.['Content-Type']).toBe('application/problem+json');
  expect(Number(res.headers?.['Retry-After'])).toBeGreaterThan(0);
}

describe('intake under overload: 503, nothing half-written, and a retry with the same key completes', () => {
  it.each<[string, () => Error]>([
    ['times out', timeout],
    ['is throttled', throttled],
    ['is cancelled because its items were busy', cancelledBusy],
  ])(
    'when the transaction %s before writing: nothing stored, the retry creates the case',
    async (_l, error) => {
      const { store, world, states, post } = await setup();
      const before = await itemsButCounters(world);
      failNext(store, 'createReferral', error());

      const first = await post();

      expect503(first);
      expect(await itemsButCounters(world)).toEqual(before);
      expect(states.executions.size).toBe(0);

      const retry = await post();

      expect(retry.statusCode).toBe(201);
      const { caseId } = JSON.parse(String(retry.body));
      expect(await cases(world)).toEqual([{ caseId, events: 1 }]);
      expect([...states.executions]).toEqual([caseId]);
    },
  );

  it('when the transaction committed but its answer timed out: the retry answers with that case and starts it', async () => {
    const { store, world, states, post } = await setup();
    loseReplyOnce(store, 'createReferral', timeout());

    const first = await post();

    expect503(first);
    const [stored] = await cases(world);
    expect(stored?.events).toBe(1);
    expect(states.executions.size).toBe(0);

    const retry = await post();

    expect(retry.statusCode).toBe(201);
    expect(JSON.parse(String(retry.body))).toMatchObject({ caseId: stored?.caseId, status: 'REFERRED' });
    expect(await cases(world)).toHaveLength(1);
    expect([...states.executions]).toEqual([stored?.caseId]);
  });

  it.each<[string, () => Error]>([
    ['is throttled', throttled],
    ['times out', timeout],
  ])(
    'when the workflow start %s after the transaction: the retry starts it, one case, one execution',
    async (_l, error) => {
      const { world, states, post } = await setup();
      states.failures.push(error());

      const first = await post();

      expect503(first);
      expect(await cases(world)).toHaveLength(1);
      expect(states.executions.size).toBe(0);

      const retry = await post();
      const again = await post();

      expect(retry.statusCode).toBe(201);
      // The same answer (DynamoDB keeps no key order in the stored response's map).
      expect(JSON.parse(String(again.body))).toEqual(JSON.parse(String(retry.body)));
      const { caseId } = JSON.parse(String(retry.body));
      expect(await cases(world)).toEqual([{ caseId, events: 1 }]);
      expect([...states.executions]).toEqual([caseId]);
    },
  );

  it('when the replay read is throttled: 503 and nothing more stored, then the retry answers the same', async () => {
    const { store, world, states, post } = await setup();
    const first = await post();
    expect(first.statusCode).toBe(201);
    const before = await itemsButCounters(world);
    // The idempotency record is read only once the transaction refused a replay.
    failNext(store, 'getIdempotency', throttled());

    expect503(await post());
    expect(await itemsButCounters(world)).toEqual(before);

    const retry = await post();
    expect(retry.statusCode).toBe(201);
    expect(JSON.parse(String(retry.body))).toEqual(JSON.parse(String(first.body)));
    expect(states.executions.size).toBe(1);
  });
});
