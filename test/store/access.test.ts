import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { WorkflowStarter } from '../../functions/create-referral/create-referral';
import { DirectoryCache } from '../../shared/data/directory-cache';
import type { CaseRecord, TaskRecord } from '../../shared/data/records';
import type { Role } from '../../shared/domain/codes';
import type { Directory } from '../../shared/domain/directory';
import { apiRequest, claimsFor } from '../support/api-event';
import { MemoryAudit } from '../support/audit';
import { directory, referralRequest } from '../support/fixtures';
import { dropStoreTables, type StoreTable, storeTable } from '../support/store-table';

process.env.TABLE_NAME = 'table';
process.env.AUDIT_TABLE_NAME = 'audit';
process.env.STATE_MACHINE_ARN = 'arn:aws:states:eu-central-1:111111111111:stateMachine:referral';
process.env.TIME_ZONE = 'Europe/Tirane';
process.env.INTERVIEW_MAX_AGE_DAYS = '30';
process.env.AWS_REGION = 'eu-central-1';
process.env.POWERTOOLS_DEV = 'false';
// The refusals this file provokes are expected: keep their warnings out of the test output.
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
// Handler modules read their environment at load: import them after it is set.
const { createReferralRoute } =
  require('../../functions/create-referral/handler') as typeof import('../../functions/create-referral/handler');
const { readCasesRoute: getCaseRoute } =
  require('../../functions/read-cases/handler') as typeof import('../../functions/read-cases/handler');

type Route = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<unknown>;

const context = {
  awsRequestId: 'req-access',
  functionName: 'f',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

const CASE_ID = '6f1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b';
const NOW = new Date('2026-03-11T10:00:00.000Z');

/** The fixture directory plus a prefecture: the organisation of the coordinator, council and admin rows. */
function testDirectory(): Directory {
  const base = directory();
  return {
    ...base,
    organisations: [
      ...base.organisations,
      {
        orgId: 'prefecture-korce',
        name: 'Prefektura Korçë',
        kind: 'prefecture',
        regions: ['korce'],
        services: [],
        capacity: 0,
        childProtection: false,
        contacts: [
          { name: 'Koordinatori', email: 'coord@example.org', language: 'sq', roles: ['coordinator'] },
        ],
      },
    ],
  };
}

/** The organisation each role's token names when it is in the directory (all work in `korce` only). */
const HOME_ORG: Record<Role, string> = {
  police: 'police-korce',
  ngo: 'ngo-tjeter-vizion',
  localgov: 'municipality-korce',
  coordinator: 'prefecture-korce',
  council: 'prefecture-korce',
  admin: 'prefecture-korce',
};
const SAME_REGION = 'korce';
const OTHER_REGION = 'tirane';

/**
 * A case the caller would read if region did not matter: referred by the caller's organisation
 * (police), offered to it with an open task (ngo), or anyone's (the other roles).
 */
function caseFor(orgId: string, region: string): { item: CaseRecord; task: TaskRecord } {
  const item: CaseRecord = {
    caseId: CASE_ID,
    reference: 'KOR-2026-0001',
    region,
    status: 'OFFERED',
    version: 2,
    interviewDate: '2026-03-10',
    socialWorkerPresent: true,
    socialWorkerOrgId: 'ngo-different-and-equal',
    person: referralRequest().person,
    consentGiven: true,
    referringOrgId: orgId,
    officerSub: 'officer-1',
    offeredOrgIds: [orgId],
    offeredOrgId: orgId,
    currentOfferTaskId: 'task-1',
    createdAt: '2026-03-10T09:00:00.000Z',
    updatedAt: '2026-03-10T09:01:00.000Z',
  };
  const task: TaskRecord = {
    taskId: 'task-1',
    kind: 'OFFER',
    caseId: CASE_ID,
    orgId,
    status: 'OPEN',
    reason: 'REGION_SERVICE_MATCH',
    subject: 'case',
    createdAt: '2026-03-10T09:01:00.000Z',
    dueAt: '2026-03-11T09:01:00.000Z',
    expiresAt: '2026-03-11T09:01:00.000Z',
    sequence: 1,
  };
  return { item, task };
}

class RecordingStarter implements WorkflowStarter {
  readonly started: string[] = [];
  async start(input: { caseId: string }) {
    this.started.push(input.caseId);
  }
}

/**
 * One table for the file: refusals write nothing (each cell compares before and after), and
 * the one cell that refers writes its case with a key no other cell uses.
 */
let world: StoreTable;
beforeAll(async () => {
  world = await storeTable('access', testDirectory());
});
afterAll(dropStoreTables);

async function setup() {
  const { store } = world;
  const directoryCache = new DirectoryCache(store);
  const workflow = new RecordingStarter();
  const referrals = createReferralRoute(
    {
      store,
      directory: directoryCache,
      workflow,
      now: () => NOW,
      timeZone: 'Europe/Tirane',
      interviewMaxAgeDays: 30,
    },
    new MemoryAudit(),
  ) as Route;
  return { store, directoryCache, workflow, referrals };
}

async function post(role: Role, orgId: string, region: string) {
  const { workflow, referrals } = await setup();
  const before = await world.items();
  const res = (await referrals(
    apiRequest('POST', 'POST /referrals', claimsFor(role, orgId), {
      headers: { 'content-type': 'application/json', 'idempotency-key': 'key-00000001' },
      body: JSON.stringify({ ...referralRequest(), region }),
    }),
    context,
  )) as APIGatewayProxyStructuredResultV2;
  return { res, before, after: await world.items(), started: workflow.started };
}

async function get(role: Role, orgId: string, region: string) {
  const { store } = await setup();
  const { item, task } = caseFor(HOME_ORG[role], region);
  const route = getCaseRoute(
    {
      store: {
        getCase: async (id) => (id === CASE_ID ? item : undefined),
        getTask: async () => task,
        getErasedCase: async () => undefined,
        getTasks: async () => new Map(),
        listEvents: async () => [],
        listCases: async () => ({ items: [] }),
      },
      directory: new DirectoryCache(store),
      auditTrail: new MemoryAudit(),
      now: () => NOW,
      deliveries: { listTaskDeliveries: async () => [] },
    },
    new MemoryAudit(),
  ) as Route;
  return (await route(
    apiRequest('GET', 'GET /cases/{caseId}', claimsFor(role, orgId), { pathParameters: { caseId: CASE_ID } }),
    context,
  )) as APIGatewayProxyStructuredResultV2;
}

type Cell = [Role, 'in directory' | 'not in directory', 'same region' | 'other region', number];

const ROLES: Role[] = ['police', 'ngo', 'coordinator', 'council', 'admin'];
const cells = (expected: (role: Role, region: 'same region' | 'other region') => number): Cell[] =>
  ROLES.flatMap((role) =>
    (['same region', 'other region'] as const).flatMap((region): Cell[] => [
      [role, 'in directory', region, expected(role, region)],
      [role, 'not in directory', region, 403],
    ]),
  );

const orgOf = (role: Role, membership: Cell[1]) =>
  membership === 'in directory' ? HOME_ORG[role] : `${role}-nowhere`;
const regionOf = (region: Cell[2]) => (region === 'same region' ? SAME_REGION : OTHER_REGION);

describe('access that follows the directory', () => {
  describe('POST /referrals', () => {
    // Only police refer, and only for a region their organisation works in.
    const table = cells((role, region) => (role === 'police' && region === 'same region' ? 201 : 403));

    it.each(table)('%s, organisation %s, %s: %i', async (role, membership, region, status) => {
      const { res, before, after, started } = await post(role, orgOf(role, membership), regionOf(region));

      expect(res.statusCode).toBe(status);
      if (status === 201) {
        expect(started).toHaveLength(1);
      } else {
        expect(res.headers?.['Content-Type']).toBe('application/problem+json');
        expect(JSON.parse(String(res.body))).toMatchObject({ status: 403, requestId: 'req-access' });
        expect(after).toEqual(before);
        expect(started).toEqual([]);
      }
    });
  });

  describe('GET /cases/{caseId}', () => {
    // Police read their organisation's referrals and NGOs their offers wherever the case is;
    // coordinators only in their organisation's regions (404 elsewhere: existence stays hidden);
    // council and admin never read case details.
    const table = cells((role, region) => {
      if (role === 'council' || role === 'admin') return 403;
      if (role === 'coordinator') return region === 'same region' ? 200 : 404;
      return 200;
    });

    it.each(table)('%s, organisation %s, %s: %i', async (role, membership, region, status) => {
      const res = await get(role, orgOf(role, membership), regionOf(region));

      expect(res.statusCode).toBe(status);
      if (status === 200) expect(JSON.parse(String(res.body))).toMatchObject({ caseId: CASE_ID });
      else expect(res.headers?.['Content-Type']).toBe('application/problem+json');
    });
  });

  describe('a role that does not fit its organisation', () => {
    it.each<[Role, string]>([
      ['police', 'ngo-tjeter-vizion'],
      ['police', 'prefecture-korce'],
      ['ngo', 'police-korce'],
      ['ngo', 'prefecture-korce'],
    ])('refuses %s naming %s with 403 on every route', async (role, orgId) => {
      const posted = await post(role, orgId, SAME_REGION);
      const read = await get(role, orgId, SAME_REGION);

      expect([posted.res.statusCode, read.statusCode]).toEqual([403, 403]);
      expect(posted.after).toEqual(posted.before);
    });
  });

  it('refuses an unknown organisation before reading the body: 403, not 415 or 400', async () => {
    const { referrals } = await setup();
    const res = (await referrals(
      apiRequest('POST', 'POST /referrals', claimsFor('police', 'police-nowhere'), {
        headers: { 'content-type': 'text/plain' },
        body: 'not json',
      }),
      context,
    )) as APIGatewayProxyStructuredResultV2;

    expect(res.statusCode).toBe(403);
  });

  it('leaves a malformed region to the schema: 400 with its field path, not 403', async () => {
    const { res } = await post('police', 'police-korce', 'Not A Region');

    expect(res.statusCode).toBe(400);
    expect(JSON.parse(String(res.body)).errors).toContainEqual({ path: '/region', code: 'invalid_format' });
  });

  it('reads the directory once for a burst of requests from one organisation', async () => {
    const { store, referrals } = await setup();
    const reads = jest.spyOn(store, 'getOrganisation');
    for (let i = 0; i < 5; i++) {
      await referrals(
        apiRequest('POST', 'POST /referrals', claimsFor('police', 'police-nowhere'), {
          headers: { 'content-type': 'application/json', 'idempotency-key': `key-0000000${i}` },
          body: JSON.stringify(referralRequest()),
        }),
        context,
      );
    }

    expect(reads.mock.calls.filter(([id]) => id === 'police-nowhere')).toHaveLength(1);
    reads.mockRestore();
  });
});
