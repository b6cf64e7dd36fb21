import type { TaskRecord } from '../../shared/data/records';
import { agendaReview } from '../../shared/meetings/agenda-review';
import { CASE_ID, caseTask, createReferralArgs, directory } from '../support/fixtures';
import { dropStoreTables, storeTable } from '../support/store-table';

/**
 * The agenda's review of who did not act, read from DynamoStore on DynamoDB Local: tasks
 * opened and closed through the store, the organisations' lists read a page at a time.
 */

const NOW = '2026-06-10T08:00:00.000Z';
const SINCE = '2026-05-10T08:00:00.000Z';
const DNE = 'ngo-different-and-equal';

afterEach(dropStoreTables);

let n = 0;
const nextId = () => {
  n += 1;
  return `c0ffee00-0000-4000-8000-${String(n).padStart(12, '0')}`;
};

async function setUp() {
  const { store } = await storeTable('agenda-review', directory());
  const base = createReferralArgs();
  await store.createReferral({
    ...base,
    caseItem: { ...base.caseItem, status: 'IN_ASSISTANCE', acceptedOrgId: DNE },
  });
  const open = async (changes: Partial<TaskRecord>) => {
    const task = caseTask({
      taskId: nextId(),
      kind: 'PLAN_ITEM',
      createdAt: '2026-01-02T08:00:00.000Z',
      ...changes,
    });
    expect(await store.openTask({ task, actor: { role: 'system' }, now: task.createdAt })).toBe('opened');
    return task;
  };
  const close = async (task: TaskRecord, at: string, reason?: string) => {
    const closed = await store.completeTask({
      task,
      status: reason === undefined ? 'DONE' : 'DECLINED',
      result: reason === undefined ? 'done' : 'not-possible',
      outcome: reason === undefined ? { result: 'done' } : { result: 'not-possible', reason },
      ...(reason === undefined ? {} : { note: reason }),
      actor: { role: 'link', orgId: task.orgId },
      now: at,
    });
    expect(closed).toBe(true);
  };
  return { store, open, close };
}

describe('agendaReview on DynamoDB Local', () => {
  it('counts overdue and not-possible tasks per organisation and kind across pages, with reasons only', async () => {
    const { store, open, close } = await setUp();
    // Different and Equal: three overdue plan items (two pages of two), one not yet due.
    for (const day of ['01', '02', '03']) await open({ orgId: DNE, dueAt: `2026-06-${day}T08:00:00.000Z` });
    await open({ orgId: DNE, dueAt: '2026-06-20T08:00:00.000Z' });
    // Closed: done (ignored); not possible since the last meeting, once for a task overdue for
    // months (due long before `since`); not possible before the last meeting (ignored).
    await close(await open({ orgId: DNE, dueAt: '2026-05-01T08:00:00.000Z' }), '2026-05-20T08:00:00.000Z');
    await close(
      await open({ orgId: DNE, dueAt: '2026-01-05T08:00:00.000Z' }),
      '2026-06-05T08:00:00.000Z',
      'no school place for KOR-2026-0001',
    );
    await close(
      await open({ orgId: DNE, dueAt: '2026-07-01T08:00:00.000Z' }),
      '2026-06-06T08:00:00.000Z',
      'no budget',
    );
    await close(
      await open({ orgId: DNE, dueAt: '2026-07-02T08:00:00.000Z' }),
      '2026-06-07T08:00:00.000Z',
      ' no budget',
    );
    await close(
      await open({ orgId: DNE, dueAt: '2026-04-01T08:00:00.000Z' }),
      '2026-05-01T08:00:00.000Z',
      'too old',
    );
    await open({ orgId: DNE, kind: 'PLAN_REVIEW', dueAt: '2026-06-09T08:00:00.000Z' });
    // The municipality: one overdue child-protection task. Vatra works only in Tirana.
    await open({ orgId: 'municipality-korce', kind: 'CHILD_PROTECTION', dueAt: '2026-06-09T20:00:00.000Z' });
    await open({ orgId: 'ngo-vatra', dueAt: '2026-06-01T08:00:00.000Z' });

    const reads: { orgId: string; open: boolean; start: boolean }[] = [];
    const listOrgTasks: typeof store.listOrgTasks = (orgId, isOpen, page) => {
      reads.push({ orgId, open: isOpen, start: page.start !== undefined });
      return store.listOrgTasks(orgId, isOpen, page);
    };
    const rows = await agendaReview(
      {
        store: { listOrganisations: () => store.listOrganisations(), listOrgTasks },
        now: () => new Date(NOW),
        pageLimit: 2,
      },
      { region: 'korce', since: SINCE },
    );

    expect(rows).toEqual([
      {
        orgId: 'municipality-korce',
        orgName: 'Bashkia Korçë',
        kind: 'CHILD_PROTECTION',
        notDone: 1,
        notPossible: 0,
        reasons: [],
        moreReasons: 0,
      },
      {
        orgId: DNE,
        orgName: 'Different and Equal',
        kind: 'PLAN_ITEM',
        notDone: 3,
        notPossible: 3,
        reasons: ['no budget', 'no school place for […]'],
        moreReasons: 0,
      },
      {
        orgId: DNE,
        orgName: 'Different and Equal',
        kind: 'PLAN_REVIEW',
        notDone: 1,
        notPossible: 0,
        reasons: [],
        moreReasons: 0,
      },
    ]);
    // Both of Different and Equal's lists took more than one page; Tirana's NGO was not read.
    expect(reads).toContainEqual({ orgId: DNE, open: true, start: true });
    expect(reads).toContainEqual({ orgId: DNE, open: false, start: true });
    expect(reads.some((r) => r.orgId === 'ngo-vatra')).toBe(false);
    const json = JSON.stringify(rows);
    for (const forbidden of [CASE_ID, 'KOR-2026-0001', 'c0ffee00', 'caseId', 'taskId']) {
      expect(json).not.toContain(forbidden);
    }
  });

  it('has no rows for a region where nobody is behind', async () => {
    const { store, open } = await setUp();
    await open({ orgId: DNE, dueAt: '2026-06-20T08:00:00.000Z' });
    expect(await agendaReview({ store, now: () => new Date(NOW) }, { region: 'korce' })).toEqual([]);
  });
});
