import { getStats, type StatsApiDeps } from '../../functions/stats-api/stats-api';
import type { MemberCaller } from '../../shared/auth/caller';
import type { CaseRecord, OrgRecord, TaskRecord } from '../../shared/data/records';
import { TASK_KINDS } from '../../shared/domain/task-kinds';
import {
  computeStats,
  csvCell,
  medianCell,
  rowTotal,
  STATS_CSV_COLUMNS,
  type StatsInput,
  statsCsv,
  statsReportSchema,
  suppress,
} from '../../shared/stats/stats';

const TIRANE = 'Europe/Tirane';
const NOW = new Date('2027-06-15T10:00:00.000Z');

type CaseFacts = Pick<CaseRecord, 'region' | 'createdAt' | 'acceptedAt' | 'cycle'>;

/** `n` cases of a region referred at `createdAt`, accepted `acceptDays` later when given. */
function cases(n: number, createdAt: string, acceptDays?: number, region = 'korca'): CaseFacts[] {
  return Array.from({ length: n }, () => ({
    region,
    createdAt,
    ...(acceptDays === undefined
      ? {}
      : { acceptedAt: new Date(Date.parse(createdAt) + acceptDays * 86_400_000).toISOString() }),
  }));
}

function input(overrides: Partial<StatsInput> = {}): StatsInput {
  return {
    year: 2027,
    regions: ['korca'],
    timeZone: TIRANE,
    now: NOW,
    cases: [],
    organisations: [],
    openTasks: [],
    ...overrides,
  };
}

const rowOf = (report: ReturnType<typeof computeStats>, year: number, region = 'korca') =>
  report.referrals.find((r) => r.year === year && r.region === region);

describe('suppress', () => {
  it.each([
    [0, 0],
    [1, '<5'],
    [2, '<5'],
    [3, '<5'],
    [4, '<5'],
    [5, 5],
    [17, 17],
  ])('shows %p as %p', (count, shown) => {
    expect(suppress(count)).toBe(shown);
  });
});

describe('medianCell', () => {
  it('is null over no cases and "<5" over one to four', () => {
    expect(medianCell([])).toBeNull();
    expect(medianCell([1])).toBe('<5');
    expect(medianCell([1, 2, 3, 4])).toBe('<5');
  });

  it('is the middle value over an odd count and the mean of the middle two over an even one, one decimal', () => {
    expect(medianCell([9, 1, 3, 2, 40])).toBe(3);
    expect(medianCell([1, 2, 3, 4, 5, 6])).toBe(3.5);
    expect(medianCell([0.04, 0.5, 1 / 3, 2, 7])).toBe(0.5);
    expect(medianCell([1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3])).toBe(0.3);
  });
});

describe('rowTotal (a suppressed cell cannot be worked out from a shown total)', () => {
  it('shows the total of a row without suppressed cells', () => {
    expect(rowTotal([0, 5, 12, 0])).toBe(17);
    expect(rowTotal([0, 0, 0])).toBe(0);
  });

  it('withholds the total of a row with exactly one suppressed cell, whatever the rest', () => {
    for (const hidden of [1, 2, 3, 4]) expect(rowTotal([10, hidden, 20])).toBe('withheld');
  });

  it('withholds the total when two suppressed cells would be pinned down or narrowed', () => {
    // 10 + 7 shown: a total of 19 leaves 2 for two cells, both 1; 25 leaves 8, both 4.
    expect(rowTotal([10, 1, 7, 1])).toBe('withheld');
    expect(rowTotal([10, 4, 7, 4])).toBe('withheld');
    // 3 over two cells: each is 1 or 2, narrower than "<5".
    expect(rowTotal([10, 1, 7, 2])).toBe('withheld');
  });

  it('shows the total when every suppressed cell could still be any of 1 to 4', () => {
    // Two cells hiding 5: (1,4), (2,3), (3,2), (4,1).
    expect(rowTotal([10, 1, 7, 4])).toBe(22);
    expect(rowTotal([10, 2, 7, 3])).toBe(22);
    // Three cells hiding 6 to 9.
    expect(rowTotal([1, 1, 4, 30])).toBe(36);
    expect(rowTotal([3, 3, 3, 30])).toBe(39);
    expect(rowTotal([1, 1, 1, 30])).toBe('withheld');
    expect(rowTotal([4, 4, 4, 30])).toBe('withheld');
  });

  it('never lets subtraction pin a suppressed cell to fewer values than 1 to 4 (exhaustive, up to four cells)', () => {
    const values = [0, 1, 2, 3, 4, 5, 9];
    const rows: number[][] = [[]];
    for (let i = 0; i < 4; i++) {
      const next: number[][] = [];
      for (const r of rows) for (const v of values) next.push([...r, v]);
      rows.splice(0, rows.length, ...next);
    }
    for (const row of rows) {
      const total = rowTotal(row);
      if (total === 'withheld') continue;
      expect(total).toBe(row.reduce((a, b) => a + b, 0));
      // What a reader can work out: the shown cells, the total, each hidden cell 1 to 4.
      const shown = row.map(suppress);
      const hiddenAt = shown.flatMap((c, i) => (c === '<5' ? [i] : []));
      const hiddenSum = total - shown.reduce<number>((a, c) => a + (c === '<5' ? 0 : c), 0);
      for (const i of hiddenAt) {
        const others = hiddenAt.length - 1;
        const possible = [1, 2, 3, 4].filter((v) => hiddenSum - v >= others && hiddenSum - v <= 4 * others);
        expect({ row, cell: i, possible }).toEqual({ row, cell: i, possible: [1, 2, 3, 4] });
      }
    }
  });
});

describe('computeStats', () => {
  it('counts referrals per month on the group’s calendar: 2027-01-31T23:30Z is February in Tirana', () => {
    const report = computeStats(
      input({ cases: [...cases(5, '2027-01-31T23:30:00.000Z'), ...cases(5, '2027-01-31T22:30:00.000Z')] }),
    );

    expect(rowOf(report, 2027)?.months.slice(0, 2)).toEqual([5, 5]);
  });

  it('counts a referral on New Year’s Eve after 23:00 UTC in the new year (Tirana is an hour ahead)', () => {
    const report = computeStats(
      input({ cases: [...cases(6, '2026-12-31T23:10:00.000Z'), ...cases(7, '2026-12-31T22:50:00.000Z')] }),
    );

    expect(rowOf(report, 2027)?.months[0]).toBe(6);
    expect(rowOf(report, 2026)?.months[11]).toBe(7);
  });

  it('suppresses months of 1 to 4, shows 0, and withholds a total that would reveal one', () => {
    const report = computeStats(
      input({ cases: [...cases(3, '2027-03-10T09:00:00.000Z'), ...cases(12, '2027-04-10T09:00:00.000Z')] }),
    );
    const row = rowOf(report, 2027);

    expect(row?.months).toEqual([0, 0, '<5', 12, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(row?.total).toBe('withheld');
  });

  it('reports the year against the year before from a seeded history of two years', () => {
    // 2026: 8 a month in spring, 6 in autumn; 2027 (to June): 10 in January, 5 in May, 2 in June.
    const history = [
      ...cases(8, '2026-03-02T08:00:00.000Z', 1),
      ...cases(8, '2026-04-02T08:00:00.000Z', 2),
      ...cases(6, '2026-10-02T08:00:00.000Z', 3),
      ...cases(10, '2027-01-05T08:00:00.000Z', 0.5),
      ...cases(5, '2027-05-05T08:00:00.000Z'),
      ...cases(2, '2027-06-01T08:00:00.000Z', 1),
      // Another region's and an older year's referrals are not in this report.
      ...cases(9, '2027-01-05T08:00:00.000Z', 1, 'vlora'),
      ...cases(9, '2025-06-05T08:00:00.000Z', 1),
    ];
    const report = computeStats(input({ cases: history }));

    expect(statsReportSchema.parse(report)).toEqual(report);
    expect(report.referrals).toEqual([
      { region: 'korca', year: 2027, months: [10, 0, 0, 0, 5, '<5', 0, 0, 0, 0, 0, 0], total: 'withheld' },
      { region: 'korca', year: 2026, months: [0, 0, 8, 8, 0, 0, 0, 0, 0, 6, 0, 0], total: 22 },
    ]);
    expect(report.acceptance).toEqual([
      { region: 'korca', year: 2027, accepted: 12, medianDays: 0.5 },
      { region: 'korca', year: 2026, accepted: 22, medianDays: 2 },
    ]);
    expect({ year: report.year, previousYear: report.previousYear, regions: report.regions }).toEqual({
      year: 2027,
      previousYear: 2026,
      regions: ['korca'],
    });
  });

  it('suppresses the median over fewer than 5 accepted cases, and leaves out transferred ones', () => {
    const report = computeStats(
      input({
        cases: [
          ...cases(4, '2027-02-01T08:00:00.000Z', 1),
          ...cases(3, '2027-02-01T08:00:00.000Z', 9).map((c) => ({ ...c, cycle: 2 })),
          ...cases(3, '2027-02-01T08:00:00.000Z'),
        ],
      }),
    );

    expect(report.acceptance[0]).toEqual({ region: 'korca', year: 2027, accepted: '<5', medianDays: '<5' });
    expect(rowOf(report, 2027)?.months[1]).toBe(10);
    expect(report.acceptance[1]).toEqual({ region: 'korca', year: 2026, accepted: 0, medianDays: null });
  });

  it('counts overdue open tasks per organisation and kind now, suppressed, for the regions’ organisations', () => {
    const org = (orgId: string, name: string, regions: string[]) =>
      ({ orgId, name, regions }) as Pick<OrgRecord, 'orgId' | 'name' | 'regions'>;
    const task = (
      orgId: string,
      kind: TaskRecord['kind'],
      dueAt: string,
      status: TaskRecord['status'] = 'OPEN',
    ) => ({
      orgId,
      kind,
      dueAt,
      status,
    });
    const past = '2027-06-01T10:00:00.000Z';
    const report = computeStats(
      input({
        organisations: [
          org('ngo-b', 'Vatra', ['korca']),
          org('ngo-a', 'Amaro Drom', ['korca']),
          org('far', 'Far', ['vlora']),
        ],
        openTasks: [
          ...Array.from({ length: 6 }, () => task('ngo-a', 'FOLLOW_UP', past)),
          task('ngo-a', 'OFFER', past),
          // Not overdue: due exactly now, due later, or done.
          task('ngo-a', 'OFFER', NOW.toISOString()),
          task('ngo-a', 'OFFER', '2027-07-01T10:00:00.000Z'),
          task('ngo-a', 'OFFER', past, 'DONE'),
          task('far', 'OFFER', past),
        ],
      }),
    );

    expect(report.overdue.map((o) => o.orgId)).toEqual(['ngo-a', 'ngo-b']);
    const [a, b] = report.overdue;
    expect(a?.kinds.FOLLOW_UP).toBe(6);
    expect(a?.kinds.OFFER).toBe('<5');
    expect(a?.total).toBe('withheld');
    expect(Object.keys(a?.kinds ?? {})).toEqual([...TASK_KINDS]);
    expect(b?.total).toBe(0);
  });

  it('holds no case id, reference or anything of a person', () => {
    const report = computeStats(input({ cases: cases(7, '2027-02-01T08:00:00.000Z', 1) }));
    const text = JSON.stringify(report);

    expect(text).not.toMatch(/caseId|reference|person|KOR-\d{4}|[0-9a-f]{8}-[0-9a-f]{4}/);
  });
});

describe('statsCsv', () => {
  it('has a header row and one row per figure, CRLF, the same cells as the JSON', () => {
    const report = computeStats(input({ cases: cases(3, '2027-03-10T09:00:00.000Z', 1) }));
    const lines = statsCsv(report).split('\r\n');

    expect(lines[0]).toBe(STATS_CSV_COLUMNS.join(','));
    expect(lines).toContain('referrals,korca,2027,3,,,,<5');
    expect(lines).toContain('referrals,korca,2027,total,,,,withheld');
    expect(lines).toContain('referrals,korca,2026,total,,,,0');
    expect(lines).toContain('median_days_to_acceptance,korca,2027,,,,,<5');
    expect(lines).toContain('median_days_to_acceptance,korca,2026,,,,,');
    expect(lines.at(-1)).toBe('');
  });

  it('neutralises cells a spreadsheet would run as a formula, and quotes commas and quotes', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('Vatra, Vlorë')).toBe('"Vatra, Vlorë"');
    expect(csvCell('<5')).toBe('<5');
    expect(csvCell(12)).toBe('12');
    expect(csvCell(null)).toBe('');
  });

  it('neutralises an organisation name that starts like a formula', () => {
    const report = computeStats(
      input({ organisations: [{ orgId: 'ngo-x', name: '=cmd|calc', regions: ['korca'] }] }),
    );

    expect(statsCsv(report)).toContain(",ngo-x,'=cmd|calc,OFFER,0\r\n");
  });
});

describe('getStats', () => {
  const caller = (role: MemberCaller['role'], regions = ['korca']): MemberCaller => ({
    sub: 's',
    orgId: 'org',
    role,
    orgKind: 'prefecture',
    regions,
  });
  const reads: { region: string; createdFrom?: string; createdBefore?: string }[] = [];
  const deps: StatsApiDeps = {
    now: () => NOW,
    timeZone: TIRANE,
    pageLimit: 2,
    store: {
      listOrganisations: async () => [],
      listOrgTasks: async () => ({ items: [] }),
      listErasedCases: async () => ({ items: [] }),
      // Three pages: every one is read.
      listCases: async (region, page) => {
        reads.push({
          region,
          ...(page.createdFrom ? { createdFrom: page.createdFrom } : {}),
          ...(page.createdBefore ? { createdBefore: page.createdBefore } : {}),
        });
        const n = Number(page.start?.n ?? 0);
        return {
          items: cases(2, '2027-01-10T09:00:00.000Z', 1, region) as CaseRecord[],
          ...(n < 2 ? { next: { n: n + 1 } } : {}),
        };
      },
    },
  };

  beforeEach(() => {
    reads.length = 0;
  });

  it('reads every page of the two years only, from midnight of 1 January in Tirana', async () => {
    const { report, format } = await getStats(deps, caller('coordinator'), { year: '2027' });

    expect(format).toBe('json');
    expect(rowOf(report, 2027)?.months[0]).toBe(6);
    expect(reads).toHaveLength(3);
    expect(reads[0]).toEqual({
      region: 'korca',
      createdFrom: '2025-12-31T23:00:00.000Z',
      createdBefore: '2027-12-31T23:00:00.000Z',
    });
  });

  it('reports the current year on the group’s calendar when no year is asked for', async () => {
    const newYear = { ...deps, now: () => new Date('2027-12-31T23:30:00.000Z') };
    const { report } = await getStats(newYear, caller('council'), {});

    expect(report.year).toBe(2028);
  });

  it.each(['police', 'ngo', 'localgov', 'admin'] as const)('refuses %s with 403', async (role) => {
    await expect(getStats(deps, caller(role), {})).rejects.toMatchObject({ name: 'ForbiddenError' });
  });

  it('refuses a region the organisation does not work in with 403', async () => {
    await expect(getStats(deps, caller('coordinator'), { region: 'vlora' })).rejects.toMatchObject({
      name: 'ForbiddenError',
    });
  });

  it.each([
    [{ year: '2028' }, '/query/year', 'too_big'],
    [{ year: '1999' }, '/query/year', 'too_small'],
    [{ year: '27' }, '/query/year', 'invalid_format'],
    [{ format: 'xlsx' }, '/query/format', 'invalid_value'],
    [{ region: 'Korça!' }, '/query/region', 'invalid_format'],
  ])('answers %p with a 400 naming %s', async (query, path, code) => {
    await expect(getStats(deps, caller('coordinator'), query)).rejects.toMatchObject({
      name: 'ValidationError',
      issues: [{ path, code }],
    });
  });

  it('refuses an unknown parameter without naming it', async () => {
    const error = await getStats(deps, caller('coordinator'), { caseId: 'x' }).catch((e: unknown) => e);

    expect(JSON.stringify(error)).not.toContain('caseId');
    expect(error).toMatchObject({ name: 'ValidationError' });
  });
});
