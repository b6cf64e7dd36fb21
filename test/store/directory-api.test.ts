import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { DeliveryStore } from '../../shared/data/delivery-store';
import { DirectoryCache } from '../../shared/data/directory-cache';
import { DirectoryStore } from '../../shared/data/directory-store';
import { DynamoStore } from '../../shared/data/dynamo-store';
import type { ROLES } from '../../shared/domain/codes';
import type { Organisation } from '../../shared/domain/directory';
import { accessTable } from '../support/access-doc';
import { MemoryAudit } from '../support/audit';
import { createTestTable, type TestTable } from '../support/dynamodb-local';

process.env.TABLE_NAME = 'unused';
process.env.AUDIT_TABLE_NAME = 'audit';
process.env.AWS_REGION = 'eu-central-1';
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
// The handler module reads its environment at load: import it after it is set.
const { directoryApiRoute } =
  require('../../functions/directory-api/handler') as typeof import('../../functions/directory-api/handler');

type Role = (typeof ROLES)[number];
type Data = 'own' | 'foreign';

/** The directory matrix as docs/access.md writes it. */
function documentedMatrix() {
  const { header, body } = accessTable('directory-access-matrix');
  return {
    routes: header.slice(2),
    rows: body.map(([role, data, ...cells]) => ({ role: role as Role, data: data as Data, cells })),
  };
}
const MATRIX = documentedMatrix();

const NOW = new Date('2026-12-01T10:00:00.000Z');
const contact = (email: string, roles: Organisation['contacts'][number]['roles'], extra = {}) => ({
  name: 'Kontakt',
  email,
  language: 'sq' as const,
  roles,
  ...extra,
});
const org = (
  orgId: string,
  kind: Organisation['kind'],
  regions: string[],
  extra: Partial<Organisation> = {},
) =>
  ({
    orgId,
    name: `Org ${orgId}`,
    kind,
    regions,
    services: [],
    capacity: 5,
    childProtection: false,
    contacts: [contact(`focal@${orgId}.example.org`, ['focal-point'])],
    ...(kind === 'department' ? { department: 'social' as const } : {}),
    ...extra,
  }) as Organisation;

const CALLER_ORG: Record<Role, string> = {
  police: 'police-korca',
  ngo: 'ngo-caller',
  localgov: 'dept-caller',
  council: 'municipality-caller',
  coordinator: 'prefecture-korca',
  admin: 'ops-korca',
};

let table: TestTable;
let store: DynamoStore;
let directoryStore: DirectoryStore;
let cache: DirectoryCache;
let counter = 0;
const context = {
  awsRequestId: 'req-1',
  functionName: 'f',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

interface Call {
  readonly routeKey: string;
  readonly path?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly listed?: string;
}

function call(role: Role, c: Call, orgId = CALLER_ORG[role]): Promise<APIGatewayProxyStructuredResultV2> {
  const route = directoryApiRoute({ directoryStore, directory: cache, now: () => NOW }, new MemoryAudit());
  const hasBody = c.body !== undefined || c.rawBody !== undefined;
  const event = {
    version: '2.0',
    routeKey: c.routeKey,
    rawPath: '/',
    rawQueryString: '',
    headers: hasBody ? { 'content-type': 'application/json' } : {},
    ...(c.query ? { queryStringParameters: c.query } : {}),
    pathParameters: c.path ?? {},
    ...(hasBody ? { body: c.rawBody ?? JSON.stringify(c.body) } : {}),
    isBase64Encoded: false,
    requestContext: {
      http: {
        method: c.routeKey.split(' ')[0],
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'jest',
      },
      authorizer: {
        jwt: {
          claims: {
            sub: `sub-${role}`,
            token_use: 'id',
            'custom:orgId': orgId,
            'cognito:groups': `[${role}]`,
          },
          scopes: [],
        },
      },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
  return route(event, context) as Promise<APIGatewayProxyStructuredResultV2>;
}

const bodyOf = (res: APIGatewayProxyStructuredResultV2) => JSON.parse(String(res.body));

/** A fresh organisation of the region: own data is in Korça (the callers' region), foreign in Vlora. */
async function target(data: Data): Promise<string> {
  counter++;
  const id = `target-${counter}`;
  await store.seedOrganisation(
    org(id, 'ngo', [data === 'own' ? 'korca' : 'vlora'], { services: ['shelter'] }),
  );
  return id;
}

const ARRANGE: Record<string, (data: Data) => Promise<Call>> = {
  'GET /directory/organisations': async (data) => ({
    routeKey: 'GET /directory/organisations',
    query: { limit: '100' },
    listed: await target(data),
  }),
  'POST /directory/organisations': async (data) => {
    counter++;
    return {
      routeKey: 'POST /directory/organisations',
      body: org(`new-${counter}`, 'ngo', [data === 'own' ? 'korca' : 'vlora'], { services: ['legal'] }),
    };
  },
  'GET /directory/organisations/{orgId}': async (data) => ({
    routeKey: 'GET /directory/organisations/{orgId}',
    path: { orgId: await target(data) },
  }),
  'PATCH /directory/organisations/{orgId}': async (data) => ({
    routeKey: 'PATCH /directory/organisations/{orgId}',
    path: { orgId: await target(data) },
    body: { version: 0, capacity: 7 },
  }),
  'POST /directory/organisations/{orgId}/deactivation': async (data) => ({
    routeKey: 'POST /directory/organisations/{orgId}/deactivation',
    path: { orgId: await target(data) },
  }),
  'GET /directory/organisations/{orgId}/history': async (data) => ({
    routeKey: 'GET /directory/organisations/{orgId}/history',
    path: { orgId: await target(data) },
  }),
};

beforeAll(async () => {
  table = await createTestTable('directory');
  store = new DynamoStore(table.client, table.tableName);
  directoryStore = new DirectoryStore(table.client, table.tableName);
  cache = new DirectoryCache(store);
  await store.seedRegion({ regionId: 'korca', code: 'KOR', name: 'Korçë' });
  await store.seedRegion({ regionId: 'vlora', code: 'VLO', name: 'Vlorë' });
  for (const o of [
    org('police-korca', 'police', ['korca']),
    org('ngo-caller', 'ngo', ['korca']),
    org('dept-caller', 'department', ['korca']),
    org('municipality-caller', 'municipality', ['korca']),
    org('prefecture-korca', 'prefecture', ['korca'], {
      contacts: [contact('coordinator@prefecture-korca.example.org', ['coordinator'])],
    }),
    org('prefecture-vlora', 'prefecture', ['vlora'], {
      contacts: [contact('coordinator@prefecture-vlora.example.org', ['coordinator'])],
    }),
    org('ops-korca', 'prefecture', ['korca']),
  ])
    await store.seedOrganisation(o);
});

afterAll(async () => {
  await table.drop();
});

describe('docs/access.md, the directory matrix', () => {
  it('has a row for every role, own and foreign, and a column for every directory route', () => {
    const roles = ['police', 'ngo', 'localgov', 'council', 'coordinator', 'admin'];
    expect(MATRIX.rows.map((r) => `${r.role}/${r.data}`)).toEqual(
      roles.flatMap((r) => [`${r}/own`, `${r}/foreign`]),
    );
    expect(MATRIX.routes).toEqual(Object.keys(ARRANGE));
    for (const row of MATRIX.rows)
      for (const cell of row.cells) expect(cell).toMatch(/^(200|201|200 \(not listed\)|403|404)$/);
  });
});

const CELLS = MATRIX.rows.flatMap((row) =>
  row.cells.map((cell, i) => [row.role, row.data, MATRIX.routes[i] as string, cell] as const),
);

describe('the directory matrix, cell by cell', () => {
  it.each(CELLS)('%s (%s data) %s → %s', async (role, data, routeKey, cell) => {
    const arrange = ARRANGE[routeKey];
    if (!arrange) throw new Error(`no arrangement for ${routeKey}`);
    const c = await arrange(data);
    const before = await table.items();
    let res = await call(role, c);
    const ids: string[] = [];
    while (res.statusCode === 200 && c.listed) {
      const page = bodyOf(res) as { items: { orgId: string }[]; nextCursor?: string };
      ids.push(...page.items.map((o) => o.orgId));
      if (!page.nextCursor) break;
      res = await call(role, { ...c, query: { ...c.query, cursor: page.nextCursor } });
    }
    const status = Number(cell.slice(0, 3));
    expect({ status: res.statusCode, body: status < 300 ? undefined : bodyOf(res).status }).toEqual({
      status,
      body: status < 300 ? undefined : status,
    });
    if (c.listed) {
      if (cell === '200') expect(ids).toContain(c.listed);
      if (cell === '200 (not listed)') expect(ids).not.toContain(c.listed);
    }
    if (status >= 400) expect(await table.items()).toEqual(before);
  });
});

async function created(role: Role, o: Organisation) {
  const res = await call(role, { routeKey: 'POST /directory/organisations', body: o });
  expect(res.statusCode).toBe(201);
  return bodyOf(res);
}

const patch = (orgId: string, body: unknown, role: Role = 'coordinator') =>
  call(role, { routeKey: 'PATCH /directory/organisations/{orgId}', path: { orgId }, body });
const history = async (orgId: string) =>
  bodyOf(await call('admin', { routeKey: 'GET /directory/organisations/{orgId}/history', path: { orgId } }))
    .items;

describe('the directory API', () => {
  it('adds an organisation with version 1 and an ORG_CREATED event naming who, never values', async () => {
    const view = await created('coordinator', org('ngo-added', 'ngo', ['korca'], { services: ['legal'] }));
    expect(view).toMatchObject({ orgId: 'ngo-added', version: 1, openOffers: 0 });
    const events = await history('ngo-added');
    expect(events).toEqual([
      {
        at: NOW.toISOString(),
        type: 'ORG_CREATED',
        actor: { role: 'coordinator', orgId: 'prefecture-korca', sub: 'sub-coordinator' },
        fields: ['name', 'kind', 'regions', 'services', 'capacity', 'childProtection', 'contacts'],
        version: 1,
      },
    ]);
    expect(JSON.stringify(await table.items())).not.toMatch(/AUDIT[^}]*focal@ngo-added/);
  });

  it('answers 409 org_exists for an id that exists, and changes nothing', async () => {
    const before = await table.items();
    const res = await call('admin', {
      routeKey: 'POST /directory/organisations',
      body: org('ngo-caller', 'ngo', ['korca']),
    });
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).errors).toEqual([{ path: '', code: 'org_exists' }]);
    expect(await table.items()).toEqual(before);
  });

  it('changes fields at the version read, records the field names, and refuses a stale version with 409', async () => {
    await created('admin', org('ngo-change', 'ngo', ['korca'], { services: ['legal'] }));
    const res = await patch('ngo-change', {
      version: 1,
      capacity: 9,
      contacts: [
        contact('focal@ngo-change.example.org', ['focal-point'], {
          away: {
            from: '2026-12-20T00:00:00+01:00',
            to: '2027-01-05T00:00:00+01:00',
            deputyEmail: 'deputy@ngo-change.example.org',
          },
        }),
        contact('deputy@ngo-change.example.org', ['case-worker', 'cluster-member'], { language: 'en' }),
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toMatchObject({ version: 2, capacity: 9 });
    const events = await history('ngo-change');
    expect(events[1]).toMatchObject({
      type: 'ORG_CHANGED',
      version: 2,
      fields: ['capacity', 'contacts/0/away', 'contacts/1'],
    });
    expect(JSON.stringify(events)).not.toContain('deputy@');

    const before = await table.items();
    const stale = await patch('ngo-change', { version: 1, capacity: 3 });
    expect(stale.statusCode).toBe(409);
    expect(bodyOf(stale).errors).toEqual([{ path: '', code: 'version_conflict' }]);
    expect(await table.items()).toEqual(before);
  });

  it('keeps the live offer count through a change', async () => {
    await created('admin', org('ngo-offers', 'ngo', ['korca'], { services: ['legal'] }));
    await table.client.send(
      new (await import('@aws-sdk/client-dynamodb')).UpdateItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: 'ORG#ngo-offers' }, sk: { S: 'ORG' } },
        UpdateExpression: 'SET openOffers = :n',
        ExpressionAttributeValues: { ':n': { N: '2' } },
      }),
    );
    const res = await patch('ngo-offers', { version: 1, name: 'Renamed' });
    expect(bodyOf(res)).toMatchObject({ name: 'Renamed', openOffers: 2, version: 2 });
    expect((await store.getOrganisation('ngo-offers'))?.openOffers).toBe(2);
  });

  it('makes a change read before a bounce stale (the unreachable mark moves the version)', async () => {
    await created('admin', org('ngo-bounce', 'ngo', ['korca'], { services: ['legal'] }));
    const deliveries = new DeliveryStore(table.client, table.tableName);
    expect(
      await deliveries.markContactUnreachable(
        'ngo-bounce',
        'focal@ngo-bounce.example.org',
        'bounce',
        NOW.toISOString(),
      ),
    ).toBe(true);
    const res = await patch('ngo-bounce', { version: 1, capacity: 1 });
    expect(res.statusCode).toBe(409);
    expect((await directoryStore.getOrganisation('ngo-bounce'))?.version).toBe(2);
  });

  it.each([
    ['a missing version', { capacity: 3 }, '/version', 'invalid_type'],
    ['an unknown key', { version: 1, colour: 'red' }, '', 'unrecognized_keys'],
    ['the id', { version: 1, orgId: 'other' }, '', 'unrecognized_keys'],
    ['a null name', { version: 1, name: null }, '/name', 'invalid_type'],
    ['a whitespace name', { version: 1, name: '   ' }, '/name', 'too_small'],
    ['a name with a line break', { version: 1, name: 'A\r\nBcc: x@y.org' }, '/name', 'custom'],
    ['a department on an NGO', { version: 1, department: 'social' }, '/department', 'custom'],
    [
      'an unknown role',
      { version: 1, contacts: [contact('a@b.example.org', ['boss' as never])] },
      '/contacts/0/roles/0',
      'invalid_value',
    ],
    [
      'a deputy of another organisation',
      {
        version: 1,
        contacts: [
          contact('a@b.example.org', ['focal-point'], {
            away: {
              from: '2026-12-20T00:00:00Z',
              to: '2026-12-21T00:00:00Z',
              deputyEmail: 'focal@ngo-caller.example.org',
            },
          }),
        ],
      },
      '/contacts/0/away/deputyEmail',
      'custom',
    ],
    ['an unknown region', { version: 1, regions: ['korca', 'nowhere'] }, '/regions/1', 'unknown_reference'],
  ])('refuses %s with 400 and its field path, writing nothing', async (_name, body, path, code) => {
    counter++;
    const id = `ngo-bad-${counter}`;
    await created('admin', org(id, 'ngo', ['korca'], { services: ['legal'] }));
    const before = await table.items();
    const res = await patch(id, body, 'admin');
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).errors).toContainEqual({ path, code });
    expect(String(res.body)).not.toMatch(/colour|Bcc|boss/);
    expect(await table.items()).toEqual(before);
  });

  it('refuses malformed JSON and the wrong content type', async () => {
    const id = await target('own');
    const malformed = await call('admin', {
      routeKey: 'PATCH /directory/organisations/{orgId}',
      path: { orgId: id },
      rawBody: '{"version": 0,',
    });
    expect(malformed.statusCode).toBe(400);
  });

  it('refuses a coordinator’s change that would move an organisation into another region (403)', async () => {
    await created('coordinator', org('ngo-move', 'ngo', ['korca'], { services: ['legal'] }));
    const res = await patch('ngo-move', { version: 1, regions: ['korca', 'vlora'] });
    expect(res.statusCode).toBe(403);
    expect((await patch('ngo-move', { version: 1, regions: ['korca', 'vlora'] }, 'admin')).statusCode).toBe(
      200,
    );
    // Now it works in Vlora too: the Korça coordinator still sees it, but may not change it.
    expect((await patch('ngo-move', { version: 2, capacity: 1 })).statusCode).toBe(403);
  });

  it('deactivates: hidden from the list unless asked, still readable, refused as a caller, once in the history', async () => {
    await created('admin', org('ngo-gone', 'ngo', ['korca'], { services: ['legal'] }));
    const first = await call('coordinator', {
      routeKey: 'POST /directory/organisations/{orgId}/deactivation',
      path: { orgId: 'ngo-gone' },
    });
    expect(bodyOf(first)).toMatchObject({ active: false, version: 2 });
    const again = await call('coordinator', {
      routeKey: 'POST /directory/organisations/{orgId}/deactivation',
      path: { orgId: 'ngo-gone' },
    });
    expect(bodyOf(again)).toMatchObject({ active: false, version: 2 });
    expect((await history('ngo-gone')).map((e: { type: string }) => e.type)).toEqual([
      'ORG_CREATED',
      'ORG_DEACTIVATED',
    ]);

    const list = async (query: Record<string, string>) =>
      (
        bodyOf(
          await call('admin', {
            routeKey: 'GET /directory/organisations',
            query: { limit: '100', ...query },
          }),
        ).items as { orgId: string }[]
      ).map((o) => o.orgId);
    expect(await list({})).not.toContain('ngo-gone');
    expect(await list({ includeInactive: 'true' })).toContain('ngo-gone');
    expect(
      (await call('admin', { routeKey: 'GET /directory/organisations/{orgId}', path: { orgId: 'ngo-gone' } }))
        .statusCode,
    ).toBe(200);
    // Its members' tokens are refused like those of an organisation the directory does not hold.
    expect((await call('ngo', { routeKey: 'GET /directory/organisations' }, 'ngo-gone')).statusCode).toBe(
      403,
    );
    expect((await store.getOrganisation('ngo-gone'))?.active).toBe(false);

    const back = await patch('ngo-gone', { version: 2, active: true }, 'admin');
    expect(bodyOf(back)).toMatchObject({ version: 3 });
    expect((await history('ngo-gone')).at(-1)).toMatchObject({ type: 'ORG_REACTIVATED', fields: ['active'] });
  });

  it('filters by region and kind, and pages with a cursor', async () => {
    const list = async (query: Record<string, string>) =>
      bodyOf(await call('admin', { routeKey: 'GET /directory/organisations', query }));
    const prefectures = (await list({ kind: 'prefecture', limit: '100' })).items.map(
      (o: { orgId: string }) => o.orgId,
    );
    expect(prefectures).toEqual(['ops-korca', 'prefecture-korca', 'prefecture-vlora']);
    const vlora = (await list({ region: 'vlora', kind: 'prefecture' })).items.map(
      (o: { orgId: string }) => o.orgId,
    );
    expect(vlora).toEqual(['prefecture-vlora']);
    const first = await list({ kind: 'prefecture', limit: '2' });
    expect(first.items).toHaveLength(2);
    const second = await list({ kind: 'prefecture', limit: '2', cursor: first.nextCursor });
    expect(second.items.map((o: { orgId: string }) => o.orgId)).toEqual(['prefecture-vlora']);
    expect((await list({ cursor: 'bm90LWEtY3Vyc29y' })).status).toBe(400);
    expect((await list({ kind: 'castle' })).errors).toEqual([{ path: '/query/kind', code: 'invalid_value' }]);
  });

  it('forgets the changed organisation in its own cache at once', async () => {
    await created('admin', org('ngo-cached', 'ngo', ['korca'], { services: ['legal'] }));
    expect((await cache.getOrganisation('ngo-cached'))?.capacity).toBe(5);
    await patch('ngo-cached', { version: 1, capacity: 8 }, 'admin');
    expect((await cache.getOrganisation('ngo-cached'))?.capacity).toBe(8);
  });
});
