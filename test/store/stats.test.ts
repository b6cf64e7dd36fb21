import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { MeetingStore } from '../../shared/data/meeting-store';
import type { CaseRecord, TaskRecord } from '../../shared/data/records';
import type { ROLES } from '../../shared/domain/codes';
import type { Directory, Organisation } from '../../shared/domain/directory';
import { STATS_CSV_COLUMNS, statsReportSchema } from '../../shared/stats/stats';
import { accessTable } from '../support/access-doc';
import { MemoryAudit } from '../support/audit';
import { dropStoreTables, storeTable } from '../support/store-table';

process.env.TABLE_NAME = 'unused';
process.env.AUDIT_TABLE_NAME = 'audit';
process.env.TIME_ZONE = 'Europe/Tirane';
process.env.AWS_REGION = 'eu-central-1';
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
// The handler module reads its environment at load: import it after it is set.
const { statsRoute } =
  require('../../functions/stats-api/handler') as typeof import('../../functions/stats-api/handler');

type Role = (typeof ROLES)[number];
type Data = 'own' | 'foreign';

const NOW = new Date('2027-06-15T10:00:00.000Z');
const TZ = 'Europe/Tirane';

const org = (orgId: string, kind: Organisation['kind'], region: string, name = orgId): Organisation => ({
  orgId,
  name,
  kind,
  regions: [region],
  services: kind === 'ngo' ? ['shelter'] : [],
  capacity: 5,
  childProtection: false,
  contacts: [
    { name: 'Kontakt', email: `focal@${orgId}.example.org`, language: 'sq', roles: ['focal-point'] },
  ],
});

const DIRECTORY: Directory = {
  regions: [
    { regionId: 'korca', code: 'KOR', name: 'Korçë' },
    { regionId: 'vlora', code: 'VLO', name: 'Vlorë' },
  ],
  organisations: [
    org('police-korca', 'police', 'korca'),
    org('police-vlora', 'police', 'vlora'),
    org('ngo-korca', 'ngo', 'korca', 'Amaro Drom'),
    org('ngo-vlora', 'ngo', 'vlora', 'Vatra'),
    org('dept-korca', 'department', 'korca'),
    org('dept-vlora', 'department', 'vlora'),
    org('municipality-korca', 'municipality', 'korca', 'Bashkia Korçë'),
    org('municipality-vlora', 'municipality', 'vlora'),
    org('prefecture-korca', 'prefecture', 'korca', 'Prefektura Korçë'),
    org('prefecture-vlora', 'prefecture', 'vlora'),
  ],
};

/** The caller's organisation per role: own works in korca (the region asked for), foreign in vlora only. */
const CALLER_ORG: Record<Role, Record<Data, string>> = {
  police: { own: 'police-korca', foreign: 'police-vlora' },
  ngo: { own: 'ngo-korca', foreign: 'ngo-vlora' },
  localgov: { own: 'dept-korca', foreign: 'dept-vlora' },
  council: { own: 'municipality-korca', foreign: 'municipality-vlora' },
  coordinator: { own: 'prefecture-korca', foreign: 'prefecture-vlora' },
  admin: { own: 'prefecture-korca', foreign: 'prefecture-vlora' },
};

/** The statistics matrix as docs/access.md writes it: the test checks the document. */
function documentedMatrix(): { routes: string[]; rows: { role: Role; data: Data; cells: string[] }[] } {
  const { header, body } = accessTable('stats-access-matrix');
  return {
    routes: header.slice(2),
    rows: body.map(([role, data, ...cells]) => ({ role: role as Role, data: data as Data, cells })),
  };
}

let store: MeetingStore;
let counter = 0;
const context = {
  awsRequestId: 'req-1',
  functionName: 'f',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;
const uuid = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

/** A referral of `region` at `createdAt` through the store, accepted `acceptDays` later when given. */
async function refer(region: string, createdAt: string, acceptDays?: number): Promise<CaseRecord> {
  const caseId = uuid();
  const acceptedAt =
    acceptDays === undefined
      ? undefined
      : new Date(Date.parse(createdAt) + acceptDays * 86_400_000).toISOString();
  const item: CaseRecord = {
    caseId,
    reference: `KOR-${createdAt.slice(0, 4)}-${String(counter).padStart(4, '0')}`,
    region,
    status: acceptedAt ? 'ACCEPTED' : 'REFERRED',
    version: 1,
    interviewDate: createdAt.slice(0, 10),
    socialWorkerPresent: true,
    socialWorkerOrgId: `ngo-${region}`,
    person: {
      ageGroup: 'adult',
      gender: 'female',
      nationality: 'AL',
      language: 'sq',
      needs: ['shelter'],
      riskLevel: 'high',
    },
    consentGiven: true,
    consent: { given: true },
    referringOrgId: `police-${region}`,
    officerSub: 'officer-1',
    offeredOrgIds: [`ngo-${region}`],
    ...(acceptedAt ? { acceptedOrgId: `ngo-${region}`, acceptedAt } : {}),
    createdAt,
    updatedAt: acceptedAt ?? createdAt,
  };
  const result = await store.createReferral({
    caseItem: item,
    event: { caseId, at: createdAt, type: 'REFERRED', actor: 'police', status: 'REFERRED' },
    idempotency: {
      scope: `police-${region}`,
      key: caseId,
      requestHash: 'h',
      response: { caseId, reference: item.reference, status: 'REFERRED' },
      createdAt,
    },
  });
  expect(result).toBe('created');
  return item;
}

async function openTask(item: CaseRecord, kind: TaskRecord['kind'], orgId: string, dueAt: string) {
  const task: TaskRecord = {
    taskId: uuid(),
    kind,
    subject: 'case',
    caseId: item.caseId,
    orgId,
    status: 'OPEN',
    createdAt: '2027-05-01T09:00:00.000Z',
    dueAt,
    sequence: 1,
  };
  expect(await store.openTask({ task, actor: { role: 'system' }, now: task.createdAt })).toBe('opened');
}

function call(
  role: Role,
  orgId: string,
  query: Record<string, string>,
): Promise<APIGatewayProxyStructuredResultV2> {
  const route = statsRoute(
    { store, directory: store, now: () => NOW, timeZone: TZ },
    new MemoryAudit(),
  ) as unknown as (e: unknown, ctx: Context) => Promise<APIGatewayProxyStructuredResultV2>;
  const event = {
    version: '2.0',
    routeKey: 'GET /stats',
    rawPath: '/stats',
    rawQueryString: '',
    headers: {},
    queryStringParameters: query,
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'GET', path: '/stats', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      authorizer: {
        jwt: {
          claims: {
            sub: `${role}-${orgId}`,
            token_use: 'id',
            'custom:orgId': orgId,
            'cognito:groups': `[${role}]`,
            email: `someone@${orgId}.example.org`,
          },
          scopes: [],
        },
      },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
  return route(event, context);
}

const PAST = '2027-06-01T09:00:00.000Z';

beforeAll(async () => {
  ({ store } = await storeTable('stats', DIRECTORY));
  // 2026: 6 in March (accepted after 1 day), 7 in November (after 3 days), 2 in December.
  // 2027: 5 on 31 January after 23:00 UTC (February in Tirana, accepted after half a day), 3 in May.
  // Not counted: 2025's, a referral at 23:30 UTC on 31 December 2027 (2028 in Tirana), and vlora's.
  const seeds: [string, string, number | undefined, number][] = [
    ['korca', '2025-06-10T09:00:00.000Z', 1, 4],
    ['korca', '2026-03-10T09:00:00.000Z', 1, 6],
    ['korca', '2026-11-10T09:00:00.000Z', 3, 7],
    ['korca', '2026-12-10T09:00:00.000Z', undefined, 2],
    ['korca', '2027-01-31T23:30:00.000Z', 0.5, 5],
    ['korca', '2027-05-10T09:00:00.000Z', undefined, 3],
    ['korca', '2027-12-31T23:30:00.000Z', undefined, 1],
    ['vlora', '2027-03-10T09:00:00.000Z', 1, 9],
  ];
  const made: CaseRecord[] = [];
  for (const [region, at, accept, n] of seeds)
    for (let i = 0; i < n; i++) made.push(await refer(region, at, accept));
  const item = made.find((c) => c.createdAt.startsWith('2027-05')) as CaseRecord;
  // ngo-korca: 6 overdue follow-ups, 2 overdue needs assessments, 1 not yet due.
  for (let i = 0; i < 6; i++) await openTask(item, 'FOLLOW_UP', 'ngo-korca', PAST);
  for (let i = 0; i < 2; i++) await openTask(item, 'NEEDS_ASSESSMENT', 'ngo-korca', PAST);
  await openTask(item, 'FOLLOW_UP', 'ngo-korca', '2027-07-01T09:00:00.000Z');
  // vlora's NGO: not an organisation of korca.
  await openTask(item, 'OFFER', 'ngo-vlora', PAST);
});

afterAll(async () => {
  await dropStoreTables();
});

describe('GET /stats on DynamoDB Local', () => {
  it('answers the year against the year before, suppressed, for the region asked for', async () => {
    const res = await call('coordinator', 'prefecture-korca', { year: '2027', region: 'korca' });

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['Content-Type']).toBe('application/json');
    const report = statsReportSchema.parse(JSON.parse(String(res.body)));
    expect(report.referrals).toEqual([
      { region: 'korca', year: 2027, months: [0, 5, 0, 0, '<5', 0, 0, 0, 0, 0, 0, 0], total: 'withheld' },
      { region: 'korca', year: 2026, months: [0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 7, '<5'], total: 'withheld' },
    ]);
    expect(report.acceptance).toEqual([
      { region: 'korca', year: 2027, accepted: 5, medianDays: 0.5 },
      { region: 'korca', year: 2026, accepted: 13, medianDays: 3 },
    ]);
    expect(report.overdue.map((o) => o.orgId)).toEqual([
      'ngo-korca',
      'municipality-korca',
      'dept-korca',
      'police-korca',
      'prefecture-korca',
    ]);
    const ngo = report.overdue[0];
    expect({
      followUp: ngo?.kinds.FOLLOW_UP,
      assessment: ngo?.kinds.NEEDS_ASSESSMENT,
      total: ngo?.total,
    }).toEqual({ followUp: 6, assessment: '<5', total: 'withheld' });
    expect(String(res.body)).not.toMatch(/caseId|KOR-\d{4}-\d{4}|officer|00000000-0000/);
  });

  it('reports last year and the one before with ?year=2026, and every region of the caller without ?region', async () => {
    const res = await call('council', 'municipality-korca', { year: '2026' });
    const report = statsReportSchema.parse(JSON.parse(String(res.body)));

    expect(report.regions).toEqual(['korca']);
    expect(report.referrals.map((r) => [r.year, r.total])).toEqual([
      [2026, 'withheld'],
      [2025, 'withheld'],
    ]);
    expect(report.referrals[1]?.months[5]).toBe('<5');
  });

  it('answers the same figures as CSV with a header row', async () => {
    const res = await call('coordinator', 'prefecture-korca', {
      year: '2027',
      region: 'korca',
      format: 'csv',
    });

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['Content-Type']).toBe('text/csv; charset=utf-8');
    expect(res.headers?.['Content-Disposition']).toBe('attachment; filename="bashke-stats-2027.csv"');
    const lines = String(res.body).split('\r\n');
    expect(lines[0]).toBe(STATS_CSV_COLUMNS.join(','));
    expect(lines).toEqual(
      expect.arrayContaining([
        'referrals,korca,2027,2,,,,5',
        'referrals,korca,2027,5,,,,<5',
        'referrals,korca,2027,total,,,,withheld',
        'referrals,korca,2026,3,,,,6',
        'accepted,korca,2026,,,,,13',
        'median_days_to_acceptance,korca,2027,,,,,0.5',
        'overdue_tasks,,,,ngo-korca,Amaro Drom,FOLLOW_UP,6',
        'overdue_tasks,,,,ngo-korca,Amaro Drom,NEEDS_ASSESSMENT,<5',
      ]),
    );
  });

  it('answers a bad query with a problem naming the field', async () => {
    const res = await call('coordinator', 'prefecture-korca', { year: '2030' });

    expect(res.statusCode).toBe(400);
    expect(res.headers?.['Content-Type']).toBe('application/problem+json');
    expect(JSON.parse(String(res.body)).errors).toEqual([{ path: '/query/year', code: 'too_big' }]);
  });
});

const MATRIX = documentedMatrix();

describe('docs/access.md, the statistics matrix', () => {
  it('has a row for every role, own and foreign, and the one route', () => {
    const roles = ['police', 'ngo', 'localgov', 'council', 'coordinator', 'admin'];
    expect(MATRIX.rows.map((r) => `${r.role}/${r.data}`)).toEqual(
      roles.flatMap((r) => [`${r}/own`, `${r}/foreign`]),
    );
    expect(MATRIX.routes).toEqual(['GET /stats']);
  });

  const cells = MATRIX.rows.flatMap((row) => row.cells.map((cell) => [row.role, row.data, cell] as const));
  it.each(cells)('%s (%s region) GET /stats?region=korca → %s', async (role, data, cell) => {
    const res = await call(role, CALLER_ORG[role][data], { region: 'korca', year: '2027' });
    const body = JSON.parse(String(res.body));

    expect(res.statusCode).toBe(Number(cell));
    if (res.statusCode === 200) statsReportSchema.parse(body);
    else expect(body.status).toBe(Number(cell));
  });
});
