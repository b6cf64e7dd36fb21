import type { OrgRecord, TaskRecord } from '../../shared/data/records';
import type { Page } from '../../shared/data/store';
import {
  AGENDA_REASON_CHARS,
  type AgendaReviewDeps,
  AgendaReviewTooLargeError,
  agendaReview,
  cleanReason,
  countAgendaReview,
} from '../../shared/meetings/agenda-review';
import { CASE_ID, caseTask, directory } from '../support/fixtures';

const NOW = '2026-06-10T08:00:00.000Z';
const SINCE = '2026-05-10T08:00:00.000Z';
const WINDOW = { region: 'korce', since: SINCE, now: NOW };
const ORGS: OrgRecord[] = directory().organisations.map((o) => ({ ...o, openOffers: 0 }));
const MUNICIPALITY = 'municipality-korce';
const DNE = 'ngo-different-and-equal';
const TV = 'ngo-tjeter-vizion';
const VATRA = 'ngo-vatra';

let n = 0;
/** A task of the fixture case with its own id. */
function task(changes: Partial<TaskRecord>): TaskRecord {
  n += 1;
  return caseTask({ taskId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, ...changes });
}

const overdue = (orgId: string, changes: Partial<TaskRecord> = {}) =>
  task({ orgId, kind: 'PLAN_ITEM', dueAt: '2026-06-01T08:00:00.000Z', ...changes });

const notPossible = (orgId: string, note: string, completedAt = '2026-06-01T08:00:00.000Z') =>
  task({
    orgId,
    kind: 'PLAN_ITEM',
    status: 'DECLINED',
    result: 'not-possible',
    outcome: { result: 'not-possible', reason: note },
    note,
    completedAt,
    dueAt: '2026-07-01T08:00:00.000Z',
  });

describe('countAgendaReview', () => {
  it('counts open tasks past their due instant as not done, and not those due later or exactly now', () => {
    const rows = countAgendaReview(
      ORGS,
      [
        overdue(DNE),
        overdue(DNE, { dueAt: '2026-06-10T07:59:59.999Z' }),
        overdue(DNE, { dueAt: NOW }),
        overdue(DNE, { dueAt: '2026-06-11T08:00:00.000Z' }),
      ],
      [],
      WINDOW,
    );
    expect(rows).toEqual([
      {
        orgId: DNE,
        orgName: 'Different and Equal',
        kind: 'PLAN_ITEM',
        notDone: 2,
        notPossible: 0,
        reasons: [],
        moreReasons: 0,
      },
    ]);
  });

  it('ignores tasks done or closed otherwise, and "not possible" from before the previous meeting', () => {
    const done = task({ orgId: DNE, kind: 'PLAN_ITEM', status: 'DONE', result: 'done', completedAt: NOW });
    const declinedOffer = task({
      orgId: DNE,
      kind: 'OFFER',
      status: 'DECLINED',
      result: 'decline',
      note: 'no bed free',
      completedAt: '2026-06-01T08:00:00.000Z',
    });
    const before = notPossible(DNE, 'too early', SINCE);
    const doneButOverdue = overdue(DNE, { status: 'DONE' });
    expect(countAgendaReview(ORGS, [doneButOverdue, done], [done, declinedOffer, before], WINDOW)).toEqual(
      [],
    );
  });

  it('counts not possible since the previous meeting with the reasons, newest first', () => {
    const rows = countAgendaReview(
      ORGS,
      [overdue(TV)],
      [
        notPossible(TV, 'no place in the school', '2026-05-20T08:00:00.000Z'),
        notPossible(TV, 'the family moved away', '2026-06-02T08:00:00.000Z'),
      ],
      WINDOW,
    );
    expect(rows).toEqual([
      {
        orgId: TV,
        orgName: 'Tjetër Vizion',
        kind: 'PLAN_ITEM',
        notDone: 1,
        notPossible: 2,
        reasons: ['the family moved away', 'no place in the school'],
        moreReasons: 0,
      },
    ]);
  });

  it('trims and de-duplicates reasons, shows five and says how many more, each at most 200 characters', () => {
    const long = `${'a'.repeat(300)} end`;
    const closed = [
      notPossible(DNE, '  no budget  ', '2026-06-09T00:00:00.000Z'),
      notPossible(DNE, 'No   budget', '2026-06-08T00:00:00.000Z'),
      notPossible(DNE, long, '2026-06-07T00:00:00.000Z'),
      ...['r1', 'r2', 'r3', 'r4', 'r5'].map((r, i) => notPossible(DNE, r, `2026-06-0${6 - i}T00:00:00.000Z`)),
      notPossible(DNE, '   ', '2026-05-30T00:00:00.000Z'),
    ];
    const [row] = countAgendaReview(ORGS, [], closed, WINDOW);
    expect(row?.notPossible).toBe(9);
    expect(row?.reasons).toEqual(['no budget', `${'a'.repeat(AGENDA_REASON_CHARS - 1)}…`, 'r1', 'r2', 'r3']);
    expect(row?.moreReasons).toBe(2);
    for (const r of row?.reasons ?? []) expect([...r].length).toBeLessThanOrEqual(AGENDA_REASON_CHARS);
  });

  it('ignores organisations outside the region, and tasks of organisations not in the directory', () => {
    const rows = countAgendaReview(
      ORGS,
      [overdue(VATRA), overdue('ngo-unknown'), overdue(DNE)],
      [notPossible(VATRA, 'not in Korçë')],
      WINDOW,
    );
    expect(rows.map((r) => r.orgId)).toEqual([DNE]);
    expect(
      countAgendaReview(ORGS, [overdue(VATRA), overdue(DNE)], [], { ...WINDOW, region: 'tirane' }),
    ).toEqual([expect.objectContaining({ orgId: DNE }), expect.objectContaining({ orgId: VATRA })]);
  });

  it('sorts by organisation name, then kind in lifecycle order', () => {
    const rows = countAgendaReview(
      ORGS,
      [
        overdue(TV, { kind: 'FOLLOW_UP' }),
        overdue(TV, { kind: 'OFFER' }),
        overdue(MUNICIPALITY, { kind: 'CHILD_PROTECTION' }),
        overdue(DNE, { kind: 'PLAN_REVIEW' }),
        overdue(DNE, { kind: 'NEEDS_ASSESSMENT' }),
      ],
      [notPossible(TV, 'no room')],
      WINDOW,
    );
    expect(rows.map((r) => [r.orgName, r.kind])).toEqual([
      ['Bashkia Korçë', 'CHILD_PROTECTION'],
      ['Different and Equal', 'NEEDS_ASSESSMENT'],
      ['Different and Equal', 'PLAN_REVIEW'],
      ['Tjetër Vizion', 'OFFER'],
      ['Tjetër Vizion', 'PLAN_ITEM'],
      ['Tjetër Vizion', 'FOLLOW_UP'],
    ]);
  });

  it('puts no case, task id, reference or contact in a row', () => {
    const closed = [notPossible(DNE, 'case KOR-2026-0042 moved, see 6f1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b')];
    const open = [overdue(DNE, { contactEmails: ['dne@example.org'], reason: 'REGION_SERVICE_MATCH' })];
    const rows = countAgendaReview(ORGS, open, closed, WINDOW);
    const json = JSON.stringify(rows);
    for (const t of [...open, ...closed]) expect(json).not.toContain(t.taskId);
    for (const forbidden of [
      CASE_ID,
      'caseId',
      'taskId',
      'reference',
      'KOR-2026',
      'example.org',
      'sequence',
    ]) {
      expect(json).not.toContain(forbidden);
    }
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual(
      ['kind', 'moreReasons', 'notDone', 'notPossible', 'orgId', 'orgName', 'reasons'].sort(),
    );
    expect(rows[0]?.reasons).toEqual(['case […] moved, see […]']);
  });
});

describe('cleanReason', () => {
  it('makes one line of a reason, cutting at a character, never inside a surrogate pair', () => {
    expect(cleanReason('a\nb\u200bc\td')).toBe('a b c d');
    const emoji = '😀'.repeat(250);
    const cut = cleanReason(emoji);
    expect([...cut]).toHaveLength(AGENDA_REASON_CHARS);
    expect(cut.isWellFormed()).toBe(true);
  });
});

describe('agendaReview', () => {
  /** A store fake over task lists; records each query's arguments. */
  function fake(tasks: TaskRecord[], pageLimitSeen: unknown[] = []): AgendaReviewDeps['store'] {
    return {
      listOrganisations: async () => ORGS,
      listOrgTasks: async (orgId, open, page): Promise<Page<TaskRecord>> => {
        pageLimitSeen.push({ orgId, open, ...page });
        const all = tasks
          .filter((t) => t.orgId === orgId && (t.status === 'OPEN') === open)
          .filter((t) => page.dueBefore === undefined || t.dueAt < page.dueBefore)
          .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
        const from = typeof page.start?.i === 'number' ? page.start.i : 0;
        const items = all.slice(from, from + page.limit);
        return from + page.limit < all.length ? { items, next: { i: from + page.limit } } : { items };
      },
    };
  }

  it('reads the overdue tasks with dueBefore now and every closed page, only for the region', async () => {
    const queries: unknown[] = [];
    const tasks = [
      overdue(DNE),
      overdue(DNE),
      overdue(DNE),
      overdue(DNE, { dueAt: '2026-07-01T00:00:00.000Z' }),
      notPossible(DNE, 'one'),
      notPossible(DNE, 'two'),
      notPossible(DNE, 'three'),
      overdue(VATRA),
    ];
    const deps = { store: fake(tasks, queries), now: () => new Date(NOW), pageLimit: 2 };
    const rows = await agendaReview(deps, { region: 'korce', since: '2026-05-10T10:00:00+02:00' });
    expect(rows).toEqual([expect.objectContaining({ orgId: DNE, notDone: 3, notPossible: 3 })]);
    expect(queries).toContainEqual({ orgId: DNE, open: true, limit: 2, dueBefore: NOW });
    expect(queries).toContainEqual({ orgId: DNE, open: true, limit: 2, dueBefore: NOW, start: { i: 2 } });
    expect(queries).toContainEqual({ orgId: DNE, open: false, limit: 2, start: { i: 2 } });
    expect(queries).not.toContainEqual(expect.objectContaining({ orgId: VATRA }));
  });

  it('counts not possible from 90 days back when no previous meeting is given', async () => {
    const tasks = [
      notPossible(DNE, 'recent', '2026-03-13T08:00:00.000Z'),
      notPossible(DNE, 'too old', '2026-03-12T08:00:00.000Z'),
    ];
    const rows = await agendaReview({ store: fake(tasks), now: () => new Date(NOW) }, { region: 'korce' });
    expect(rows).toEqual([expect.objectContaining({ orgId: DNE, notPossible: 1, reasons: ['recent'] })]);
  });

  it('fails rather than count part of a list longer than it reads, and on a since that is no instant', async () => {
    const tasks = [notPossible(DNE, 'a'), notPossible(DNE, 'b'), notPossible(DNE, 'c')];
    const deps = { store: fake(tasks), now: () => new Date(NOW), pageLimit: 1, maxTasks: 2 };
    await expect(agendaReview(deps, { region: 'korce' })).rejects.toBeInstanceOf(AgendaReviewTooLargeError);
    await expect(agendaReview({ ...deps, maxTasks: 3 }, { region: 'korce' })).resolves.toHaveLength(1);
    await expect(agendaReview(deps, { region: 'korce', since: 'last month' })).rejects.toThrow(RangeError);
  });
});
