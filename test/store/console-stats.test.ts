import { getStats } from '../../functions/stats-api/stats-api';
import { resolveCaller } from '../../shared/auth/caller';
import { sessionClaims } from '../../shared/console/app';
import type { CaseRecord, TaskRecord } from '../../shared/data/records';
import type { Role } from '../../shared/domain/codes';
import { statsCsv } from '../../shared/stats/stats';
import { type ConsoleWorld, startConsoleWorld } from '../support/console-world';
import { dropStoreTables } from '../support/store-table';

/**
 * The statistics pages on DynamoDB Local (issue 11; docs/stats.md): the figures of GET /stats
 * as tables and charts, suppressed as the API suppresses them, a year against the one before,
 * and the CSV download; coordinators and council members only.
 */

const NOW = new Date('2027-06-15T10:00:00.000Z');
const COORDINATOR = 'coordinator@prefecture-korca.example.org';
const COUNCIL = 'council@municipality-korca.example.org';

let world: ConsoleWorld;
let counter = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

/** A referral of Korçë at `createdAt`, accepted `acceptDays` later when given. */
async function refer(createdAt: string, acceptDays?: number): Promise<CaseRecord> {
  const caseId = uuid();
  const acceptedAt =
    acceptDays === undefined
      ? undefined
      : new Date(Date.parse(createdAt) + acceptDays * 86_400_000).toISOString();
  const item: CaseRecord = {
    caseId,
    reference: `KOR-${createdAt.slice(0, 4)}-${String(counter).padStart(4, '0')}`,
    region: 'korca',
    status: acceptedAt ? 'ACCEPTED' : 'REFERRED',
    version: 1,
    interviewDate: createdAt.slice(0, 10),
    socialWorkerPresent: true,
    socialWorkerOrgId: 'ngo-vatra',
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
    referringOrgId: 'police-korca',
    officerSub: 'officer-1',
    offeredOrgIds: ['ngo-vatra'],
    ...(acceptedAt ? { acceptedOrgId: 'ngo-vatra', acceptedAt } : {}),
    createdAt,
    updatedAt: acceptedAt ?? createdAt,
  };
  const result = await world.db.store.createReferral({
    caseItem: item,
    event: { caseId, at: createdAt, type: 'REFERRED', actor: 'police', status: 'REFERRED' },
    idempotency: {
      scope: 'police-korca',
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
  expect(await world.db.store.openTask({ task, actor: { role: 'system' }, now: task.createdAt })).toBe(
    'opened',
  );
}

/**
 * Two years of Korçë's referrals. 2026: 6 in March (accepted after 1 day), 7 in November
 * (after 6 days), 3 in October and 2 in December (not accepted): the two small cells hide 5,
 * so the year's total (18) is shown. 2027: 5 on 31 January at 23:30 UTC (February in Tirana,
 * accepted after half a day) and 3 in May: one small cell, so the total (8) is withheld.
 * 2025: 4 in June. Overdue now: IOM 6 follow-ups and 2 needs assessments (total 8, withheld).
 */
beforeAll(async () => {
  world = await startConsoleWorld('console-stats');
  world.setNow(NOW);
  const seeds: [string, number | undefined, number][] = [
    ['2025-06-10T09:00:00.000Z', 1, 4],
    ['2026-03-10T09:00:00.000Z', 1, 6],
    ['2026-10-10T09:00:00.000Z', undefined, 3],
    ['2026-11-10T09:00:00.000Z', 6, 7],
    ['2026-12-10T09:00:00.000Z', undefined, 2],
    ['2027-01-31T23:30:00.000Z', 0.5, 5],
    ['2027-05-10T09:00:00.000Z', undefined, 3],
  ];
  const made: CaseRecord[] = [];
  for (const [at, accept, n] of seeds) for (let i = 0; i < n; i++) made.push(await refer(at, accept));
  const item = made.at(-1) as CaseRecord;
  const past = '2027-06-01T09:00:00.000Z';
  for (let i = 0; i < 6; i++) await openTask(item, 'FOLLOW_UP', 'ngo-iom', past);
  for (let i = 0; i < 2; i++) await openTask(item, 'NEEDS_ASSESSMENT', 'ngo-iom', past);
  await openTask(item, 'FOLLOW_UP', 'ngo-iom', '2027-07-01T09:00:00.000Z');
});
afterAll(dropStoreTables);

/** The cells of the table whose caption is `caption`, row by row. */
function tableRows(body: string, caption: string): string[][] {
  const at = body.indexOf(`<caption>${caption}</caption>`);
  expect(at).toBeGreaterThan(-1);
  const html = body.slice(at, body.indexOf('</table>', at));
  return [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((r) =>
    [...(r[1] ?? '').matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((c) =>
      (c[1] ?? '').replace(/<[^>]+>/g, ''),
    ),
  );
}

describe('the statistics page', () => {
  it('shows small numbers as <5 and never the number, nor a total that would tell it', async () => {
    const m = await world.signIn('coordinator', 'prefecture-korca', COORDINATOR);
    const res = await m.get('/console/stats?year=2027');

    expect(res.status).toBe(200);
    const months = tableRows(res.body, 'Referrals per month, Korçë');
    expect(months[0]).toEqual(['Month', '2027', '2026']);
    expect(months.slice(1).map((r) => r.slice(1))).toEqual([
      ['0', '0'],
      ['5', '0'],
      ['0', '6'],
      ['0', '0'],
      ['&lt;5', '0'],
      ['0', '0'],
      ['0', '0'],
      ['0', '0'],
      ['0', '0'],
      ['0', '&lt;5'],
      ['0', '7'],
      ['0', '&lt;5'],
      ['withheld', '18'],
    ]);
    // The raw small counts (3 in May, 3 and 2 in 2026) and the withheld totals (8) are nowhere:
    // not in a cell, a chart's text or a bar's tooltip.
    expect(res.body).not.toMatch(/>\s*[1-4]\s*</);
    expect(res.body).not.toMatch(/>\s*8\s*</);
    expect(res.body).not.toMatch(/: [1-4]<\/title>|: 8<\/title>/);
    // A suppressed month draws no bar; a shown one does, with its value.
    expect(res.body).not.toContain('<title>May 2027: ');
    expect(res.body).toMatch(/<rect class="a" [^>]*height="[\d.]+"><title>February 2027: 5<\/title><\/rect>/);
    const overdue = tableRows(res.body, 'Overdue tasks per organisation and kind of task');
    expect(overdue[0]).toEqual(['Organisation', 'Needs assessment', 'Follow-up', 'All overdue tasks']);
    expect(overdue.find((r) => r[0] === 'IOM office Korça')?.slice(1)).toEqual(['&lt;5', '6', 'withheld']);
  });

  it('compares the year with the one before, from a seeded history', async () => {
    const m = await world.signIn('coordinator', 'prefecture-korca', COORDINATOR);
    const res = await m.get('/console/stats?year=2027');

    expect(tableRows(res.body, 'Korçë: 2027 compared with 2026')).toEqual([
      ['Figure', '2027', '2026', 'Change'],
      ['Referrals in the year', 'withheld', '18', '—'],
      ['Accepted by an NGO (first offer round)', '5', '13', '−8'],
      ['Median days from referral to acceptance', '0.5', '6', '−5.5'],
    ]);
    expect(res.body).toContain('<h2>Compared with the previous year</h2>');
    expect(res.body).toContain('2027 is not over');

    const before = await m.get('/console/stats?year=2026');
    expect(tableRows(before.body, 'Korçë: 2026 compared with 2025')).toEqual([
      ['Figure', '2026', '2025', 'Change'],
      ['Referrals in the year', '18', 'withheld', '—'],
      ['Accepted by an NGO (first offer round)', '13', '&lt;5', '—'],
      ['Median days from referral to acceptance', '6', '&lt;5', '—'],
    ]);
    expect(before.body).not.toContain('is not over');
    expect(before.body).toContain('<option value="2026" selected>2026</option>');
  });

  it('draws accessible charts without style attributes or script, each beside its table', async () => {
    const m = await world.signIn('council', 'municipality-korca', COUNCIL);
    const res = await m.get('/console/stats');

    expect(res.status).toBe(200);
    const charts = [
      ...res.body.matchAll(/<svg class="chart" role="img" aria-labelledby="([\w-]+)-title \1-desc"/g),
    ];
    expect(charts.map((c) => c[1])).toEqual(['referrals-korca', 'acceptance', 'overdue']);
    for (const [, id] of charts) {
      expect(res.body).toContain(`<title id="${id}-title">`);
      expect(res.body).toContain(`<desc id="${id}-desc">`);
    }
    expect(res.body).toMatch(/<rect class="a" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+">/);
    expect(res.body).not.toMatch(/style=|<script/i);
    // Council members see statistics only: no case, reference or person.
    expect(res.body).not.toMatch(/KOR-\d{4}-\d{4}|00000000-0000|\/console\/cases|female|Shelter/);
  });

  it('speaks Albanian, with Albanian numbers', async () => {
    const m = await world.signIn('coordinator', 'prefecture-korca', COORDINATOR, 'sq');
    const res = await m.get('/console/stats?year=2027');
    expect(res.body).toContain('<h1>Statistikat</h1>');
    expect(tableRows(res.body, 'Korçë: 2027 krahasuar me 2026')[3]).toEqual([
      'Mediana e ditëve nga referimi te pranimi',
      '0,5',
      '6',
      '−5,5',
    ]);
  });

  it('shows a year it cannot report on as an error next to the year field', async () => {
    const m = await world.signIn('coordinator', 'prefecture-korca', COORDINATOR);
    for (const year of ['2028', '1999', 'abcd']) {
      const res = await m.get(`/console/stats?year=${year}`);
      expect(res.status).toBe(400);
      expect(res.body).toContain('<a href="#year">');
      expect(res.body).toContain('<span class="field-error" id="year-error">');
      expect(res.body).not.toContain('<svg');
    }
    expect((await m.get('/console/stats?region=vlora')).status).toBe(403);
  });
});

describe('the CSV download', () => {
  it('gives the same figures as statsCsv of the same report', async () => {
    const m = await world.signIn('coordinator', 'prefecture-korca', COORDINATOR);
    const res = await m.get('/console/stats.csv?year=2027');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="bashke-stats-2027.csv"');
    const caller = await resolveCaller(
      world.deps.directory,
      sessionClaims({ sub: 'coordinator-1', orgId: 'prefecture-korca', role: 'coordinator' }),
    );
    const { report } = await getStats(world.deps.stats, caller, { year: '2027' });
    expect(res.body).toBe(statsCsv(report));
    expect(res.body).toContain('referrals,korca,2027,5,,,,<5\r\n');
    expect(res.body).toContain('referrals,korca,2026,total,,,,18\r\n');
  });

  it('is linked from the page for the year shown', async () => {
    const m = await world.signIn('council', 'municipality-korca', COUNCIL);
    const res = await m.get('/console/stats?year=2026');
    expect(res.body).toContain('href="/console/stats.csv?year=2026"');
  });
});

describe('who may see the statistics', () => {
  it.each<[Role, string, string]>([
    ['police', 'police-korca', 'antitrafficking@police-korca.example.org'],
    ['ngo', 'ngo-iom', 'focal.point@iom.example.org'],
    ['localgov', 'social-services-korca', 'economic.aid@social-services-korca.example.org'],
    ['admin', 'prefecture-korca', COORDINATOR],
  ])('refuses %s (403) by direct URL, page and download', async (role, orgId, email) => {
    const m = await world.signIn(role, orgId, email);
    expect((await m.get('/console/stats')).status).toBe(403);
    const csv = await m.get('/console/stats.csv');
    expect(csv.status).toBe(403);
    expect(csv.headers['content-type']).toBe('text/html; charset=utf-8');
  });
});
