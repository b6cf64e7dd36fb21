/**
 * The audit trail on DynamoDB Local (issue 12, "Audit"): every read and write of a case, a task
 * or the directory leaves a record, refusals too; records are only ever added; a coordinator
 * of the case's region reads a case's trail, and nobody else; no data goes out without its
 * record. The routes are the real handlers' factories on a real table and a real audit table.
 */
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { AuditEntry, AuditLog } from '../../shared/audit/audit';
import { AuditStore } from '../../shared/data/audit-store';
import { DeliveryStore } from '../../shared/data/delivery-store';
import { DirectoryCache } from '../../shared/data/directory-cache';
import type { Role } from '../../shared/domain/codes';
import type { Directory } from '../../shared/domain/directory';
import { workflowStep } from '../../shared/workflow/step-handler';
import { apiRequest, claimsFor } from '../support/api-event';
import { createTestTable, type TestTable } from '../support/dynamodb-local';
import { directory, referralRequest } from '../support/fixtures';
import { dropStoreTables, type StoreTable, storeTable } from '../support/store-table';

process.env.TABLE_NAME = 'unused';
process.env.AUDIT_TABLE_NAME = 'unused';
process.env.STATE_MACHINE_ARN = 'arn:aws:states:eu-central-1:111111111111:stateMachine:referral';
process.env.TIME_ZONE = 'Europe/Tirane';
process.env.INTERVIEW_MAX_AGE_DAYS = '30';
process.env.AWS_REGION = 'eu-central-1';
// Handler modules read their environment at load: import them after it is set.
const { createReferralRoute } =
  require('../../functions/create-referral/handler') as typeof import('../../functions/create-referral/handler');
const { readCasesRoute } =
  require('../../functions/read-cases/handler') as typeof import('../../functions/read-cases/handler');
const { directoryApiRoute } =
  require('../../functions/directory-api/handler') as typeof import('../../functions/directory-api/handler');
const { DirectoryStore } =
  require('../../shared/data/directory-store') as typeof import('../../shared/data/directory-store');

type Route = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

const NOW = new Date('2026-03-11T10:00:00.000Z');
let requests = 0;
const context = () =>
  ({
    awsRequestId: `req-${++requests}`,
    functionName: 'f',
    getRemainingTimeInMillis: () => 10_000,
  }) as unknown as Context;

function testDirectory(): Directory {
  const base = directory();
  const prefecture = (orgId: string, region: string) => ({
    orgId,
    name: orgId,
    kind: 'prefecture' as const,
    regions: [region],
    services: [],
    capacity: 0,
    childProtection: false,
    contacts: [
      {
        name: 'Koordinatori',
        email: `${orgId}@example.org`,
        language: 'sq' as const,
        roles: ['coordinator' as const],
      },
    ],
  });
  return {
    ...base,
    organisations: [
      ...base.organisations,
      prefecture('prefecture-korce', 'korce'),
      prefecture('prefecture-tirane', 'tirane'),
    ],
  };
}

let world: StoreTable;
let auditTable: TestTable;
let audit: AuditStore;
let referrals: Route;
let reads: Route;
let caseId: string;

beforeAll(async () => {
  world = await storeTable('audit', testDirectory());
  auditTable = await createTestTable('audit-trail');
  audit = new AuditStore(auditTable.client, auditTable.tableName);
  const directoryCache = new DirectoryCache(world.store);
  referrals = createReferralRoute(
    {
      store: world.store,
      directory: directoryCache,
      workflow: { start: async () => undefined },
      now: () => NOW,
      timeZone: 'Europe/Tirane',
      interviewMaxAgeDays: 30,
    },
    audit,
  ) as Route;
  reads = readCasesRoute(
    {
      store: world.store,
      directory: directoryCache,
      auditTrail: audit,
      now: () => NOW,
      deliveries: new DeliveryStore(world.table.client, world.table.tableName),
    },
    audit,
  ) as Route;
  const res = await referrals(
    apiRequest('POST', 'POST /referrals', claimsFor('police', 'police-korce'), {
      headers: { 'content-type': 'application/json', 'idempotency-key': 'key-audit-0001' },
      body: JSON.stringify(referralRequest()),
    }),
    context(),
  );
  expect(res.statusCode).toBe(201);
  caseId = (JSON.parse(String(res.body)) as { caseId: string }).caseId;
});
afterAll(async () => {
  await auditTable.drop();
  await dropStoreTables();
});

const trailAs = async (role: Role, orgId: string, query?: Record<string, string>) =>
  reads(
    apiRequest('GET', 'GET /cases/{caseId}/audit', claimsFor(role, orgId), {
      pathParameters: { caseId },
      ...(query ? { queryStringParameters: query } : {}),
    }),
    context(),
  );

const read = (role: Role, orgId: string, id = caseId) =>
  reads(
    apiRequest('GET', 'GET /cases/{caseId}', claimsFor(role, orgId), { pathParameters: { caseId: id } }),
    context(),
  );

/** The case's records as stored, oldest first. */
async function stored(): Promise<AuditEntry[]> {
  const { items } = await audit.caseTrail(caseId, { limit: 100 });
  return items.reverse();
}

describe('the audit trail', () => {
  it('records the intake and every look at the case, refused ones too, with who, what and the result', async () => {
    expect((await read('police', 'police-korce')).statusCode).toBe(200);
    // An NGO the case was never offered to: the same 404 as an unknown case, and recorded.
    expect((await read('ngo', 'ngo-vatra')).statusCode).toBe(404);
    // A role that sees no case at all.
    expect((await read('council', 'prefecture-korce')).statusCode).toBe(403);

    const records = await stored();
    const brief = records.map((r) => [r.action, r.actor.role, r.actor.orgId, r.result, r.status]);
    expect(brief).toEqual([
      ['POST /referrals', 'police', 'police-korce', 'allowed', 201],
      ['GET /cases/{caseId}', 'police', 'police-korce', 'allowed', 200],
      ['GET /cases/{caseId}', 'ngo', 'ngo-vatra', 'refused', 404],
    ]);
    for (const r of records) {
      expect(r).toMatchObject({ channel: 'api', actor: { kind: 'member' }, subject: { caseId } });
      expect(r.actor.sub).toBe(`${r.actor.role}-${r.actor.orgId}`);
      expect(Date.parse(r.at)).not.toBeNaN();
    }
    // Nothing of what the case says: not the person, not the body.
    const text = JSON.stringify(await auditTable.items());
    const person = referralRequest().person as Record<string, unknown>;
    for (const value of Object.values(person)) {
      if (typeof value === 'string' && value.length > 3) expect(text).not.toContain(value);
    }
  });

  it('records a refusal before anything was read: a council member on a case route, an organisation not in the directory', async () => {
    const before = (await auditTable.items()).length;
    expect((await read('coordinator', 'prefecture-nowhere')).statusCode).toBe(403);
    const all = await auditTable.items();
    expect(all.length).toBe(before + 1);
    const denied = all.find((i) => i.actor && (i.actor as { orgId?: string }).orgId === 'prefecture-nowhere');
    expect(denied).toMatchObject({
      result: 'denied',
      status: 403,
      actor: { kind: 'member', role: 'coordinator' },
    });
    // The council member's 403 of the test above named the case it asked for? No: a role that
    // sees no cases is refused before the id is read, so its record has no subject.
    const council = all.find((i) => (i.actor as { role?: string }).role === 'council');
    expect(council).toMatchObject({ result: 'denied', status: 403, subject: {} });
    expect(String(council?.pk)).toMatch(/^DAY#2\d{3}-\d{2}-\d{2}$/);
  });

  it('records one record per case a list hands out', async () => {
    const res = await reads(apiRequest('GET', 'GET /cases', claimsFor('police', 'police-korce')), context());
    expect(res.statusCode).toBe(200);
    const listed = (JSON.parse(String(res.body)) as { items: { caseId: string }[] }).items;
    expect(listed.map((c) => c.caseId)).toEqual([caseId]);
    expect((await stored()).at(-1)).toMatchObject({
      action: 'GET /cases',
      subject: { caseId },
      result: 'allowed',
    });
  });

  it('lets a coordinator of the case region read the trail, newest first, page by page; nobody else', async () => {
    const first = await trailAs('coordinator', 'prefecture-korce', { limit: '2' });
    expect(first.statusCode).toBe(200);
    const page = JSON.parse(String(first.body)) as { items: AuditEntry[]; nextCursor?: string };
    expect(page.items).toHaveLength(2);
    expect((page.items[0]?.at ?? '') >= (page.items[1]?.at ?? '')).toBe(true);
    expect(page.nextCursor).toEqual(expect.any(String));
    const rest = await trailAs('coordinator', 'prefecture-korce', {
      limit: '100',
      cursor: page.nextCursor as string,
    });
    const all = [...page.items, ...(JSON.parse(String(rest.body)) as { items: AuditEntry[] }).items];
    expect(all.map((e) => e.action)).toContain('POST /referrals');
    // Reading the trail is itself recorded: both pages' reads are in it now.
    expect((await stored()).filter((e) => e.action === 'GET /cases/{caseId}/audit')).toHaveLength(2);

    expect((await trailAs('coordinator', 'prefecture-tirane')).statusCode).toBe(404);
    for (const [role, org] of [
      ['police', 'police-korce'],
      ['ngo', 'ngo-vatra'],
      ['council', 'prefecture-korce'],
      ['admin', 'prefecture-korce'],
    ] as const) {
      expect((await trailAs(role, org)).statusCode).toBe(403);
    }
    const forged = await trailAs('coordinator', 'prefecture-korce', {
      cursor: Buffer.from('ORG#x', 'utf8').toString('base64url'),
    });
    expect(forged.statusCode).toBe(400);
  });

  it('adds only: a record whose key exists is refused, and the table holds the first', async () => {
    const entry: AuditEntry = {
      at: '2026-03-11T10:00:00.000Z',
      requestId: 'fixed-request',
      channel: 'api',
      action: 'GET /cases/{caseId}',
      actor: { kind: 'member', role: 'police', orgId: 'police-korce', sub: 's' },
      subject: { caseId: 'add-only-case' },
      result: 'allowed',
      status: 200,
    };
    await audit.record([entry]);
    await expect(audit.record([{ ...entry, result: 'denied' }])).rejects.toThrow(/conditional/i);
    const { items } = await audit.caseTrail('add-only-case', { limit: 10 });
    expect(items).toEqual([entry]);
  });

  it('gives no data without its record: a read whose record cannot be written is a 503; a write keeps its answer', async () => {
    const failing: AuditLog = {
      record: async () => {
        throw Object.assign(new Error('down'), { name: 'ProvisionedThroughputExceededException' });
      },
    };
    const directoryCache = new DirectoryCache(world.store);
    const blind = readCasesRoute(
      {
        store: world.store,
        directory: directoryCache,
        auditTrail: audit,
        now: () => NOW,
        deliveries: new DeliveryStore(world.table.client, world.table.tableName),
      },
      failing,
    ) as Route;
    const res = await blind(
      apiRequest('GET', 'GET /cases/{caseId}', claimsFor('police', 'police-korce'), {
        pathParameters: { caseId },
      }),
      context(),
    );
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['Retry-After']).toEqual(expect.any(String));
    expect(String(res.body)).not.toContain(caseId);
    expect(String(res.body)).not.toContain('KOR-');

    const writer = directoryApiRoute(
      {
        directoryStore: new DirectoryStore(world.table.client, world.table.tableName),
        directory: directoryCache,
        now: () => NOW,
      },
      failing,
    ) as Route;
    const before = await world.items();
    const change = await writer(
      apiRequest(
        'POST',
        'POST /directory/organisations/{orgId}/deactivation',
        claimsFor('coordinator', 'prefecture-korce'),
        {
          pathParameters: { orgId: 'municipality-korce' },
        },
      ),
      context(),
    );
    // The change happened: its answer stands (the failure is logged and counted, AuditWriteFailed).
    expect(change.statusCode).toBe(200);
    expect(await world.items()).not.toEqual(before);
  });

  it('records a workflow step that names a case, by the system; a step whose record fails fails, to be retried', async () => {
    const step = workflowStep('PrepareOffer', async () => ({ ok: true }), { audit });
    await expect(step({ caseId, reference: 'KOR-2026-0001' }, context())).resolves.toEqual({ ok: true });
    expect((await stored()).at(-1)).toMatchObject({
      channel: 'workflow',
      action: 'PrepareOffer',
      actor: { kind: 'system' },
      subject: { caseId },
      result: 'allowed',
    });
    const failing = workflowStep('PrepareOffer', async () => ({ ok: true }), {
      audit: { record: async () => Promise.reject(new Error('down')) },
    });
    await expect(failing({ caseId }, context())).rejects.toThrow('down');
  });

  it('exports everything held about the case to its coordinators, without credentials, and records the export', async () => {
    const res = await reads(
      apiRequest('GET', 'GET /cases/{caseId}/export', claimsFor('coordinator', 'prefecture-korce'), {
        pathParameters: { caseId },
      }),
      context(),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['Content-Disposition']).toMatch(
      /^attachment; filename="case-KOR-2026-\d{4}\.json"$/,
    );
    const exported = JSON.parse(String(res.body)) as {
      case: { caseId: string; person: unknown; consent: unknown };
      timeline: { type: string }[];
      tasks: unknown[];
      audit: AuditEntry[];
    };
    expect(exported.case).toMatchObject({ caseId, person: referralRequest().person });
    expect(exported.timeline.map((e) => e.type)).toContain('REFERRED');
    expect(exported.audit.map((e) => e.action)).toContain('POST /referrals');
    expect(String(res.body)).not.toMatch(/sfnTaskToken|actionHash/);
    // The export itself is in the trail now.
    expect((await stored()).at(-1)).toMatchObject({
      action: 'GET /cases/{caseId}/export',
      result: 'allowed',
    });
    for (const [role, org, status] of [
      ['police', 'police-korce', 403],
      ['ngo', 'ngo-tjeter-vizion', 403],
      ['coordinator', 'prefecture-tirane', 404],
    ] as const) {
      const refused = await reads(
        apiRequest('GET', 'GET /cases/{caseId}/export', claimsFor(role, org), { pathParameters: { caseId } }),
        context(),
      );
      expect({ role, status: refused.statusCode }).toEqual({ role, status });
    }
  });
});
