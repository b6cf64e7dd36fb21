import { type ActionLinkDeps, submitAction, viewAction } from '../../functions/action-link/action-link';
import { renderOutcome } from '../../functions/action-link/pages';
import type { TaskRecord } from '../../shared/data/records';
import { issueActionToken } from '../../shared/domain/action-token';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import { withFirstReminder } from '../../shared/tasks/task-context';
import { CASE_ID, caseTask, createReferralArgs, directory } from '../support/fixtures';
import { dropStoreTables, storeTable } from '../support/store-table';

/**
 * A plan review through its emailed link on DynamoStore and DynamoDB Local: the page lists the
 * plan's open items; the review closes one and gives another more time, in the review's own
 * transaction, their reminders with them.
 */

const CALENDAR = { timeZone: 'Europe/Tirane', holidays: new Set<string>() };
const NOW = new Date('2026-06-10T08:00:00.000Z');
const CLOCK = {
  now: () => NOW,
  deadlines: DEFAULT_DEADLINES,
  reminders: DEFAULT_REMINDERS,
  calendar: CALENDAR,
};
const SHELTER = 'e1a2b3c4-d5e6-4f70-8a91-b2c3d4e5f601';
const MEDICAL = 'e1a2b3c4-d5e6-4f70-8a91-b2c3d4e5f602';
const REVIEW = 'e1a2b3c4-d5e6-4f70-8a91-b2c3d4e5f603';

afterEach(dropStoreTables);

async function setUp() {
  const { store, items } = await storeTable('plan-review', directory());
  const base = createReferralArgs();
  await store.createReferral({
    ...base,
    caseItem: { ...base.caseItem, status: 'IN_ASSISTANCE', acceptedOrgId: 'ngo-different-and-equal' },
  });
  const open = async (task: TaskRecord) => {
    const t = withFirstReminder(CLOCK, task, new Date(task.createdAt));
    expect(await store.openTask({ task: t, actor: { role: 'system' }, now: t.createdAt })).toBe('opened');
    return t;
  };
  const created = '2026-06-01T08:00:00.000Z';
  await open(
    caseTask({
      taskId: SHELTER,
      kind: 'PLAN_ITEM',
      service: 'shelter',
      orgId: 'municipality-korce',
      createdAt: created,
      dueAt: '2026-06-20T08:00:00.000Z',
    }),
  );
  await open(
    caseTask({
      taskId: MEDICAL,
      kind: 'PLAN_ITEM',
      service: 'medical',
      orgId: 'ngo-tjeter-vizion',
      createdAt: created,
      dueAt: '2026-06-15T08:00:00.000Z',
    }),
  );
  await open(
    caseTask({ taskId: REVIEW, kind: 'PLAN_REVIEW', createdAt: created, dueAt: '2026-06-12T08:00:00.000Z' }),
  );
  const { token, hash } = issueActionToken();
  await store.armTask({
    taskId: REVIEW,
    caseId: CASE_ID,
    link: { hash, taskId: REVIEW, expiresAt: '2026-09-01T00:00:00.000Z' },
  });
  const deps: ActionLinkDeps = { ...CLOCK, store, callback: { succeed: async () => 'ok' as const } };
  return { store, items, deps, token };
}

describe('a plan review through its link', () => {
  it('lists the open items, each to close or to give more time', async () => {
    const { deps, token } = await setUp();
    const page = renderOutcome(await viewAction(deps, token), { requestId: 'r', timeZone: 'Europe/Tirane' });
    const body = typeof page === 'object' ? String(page.body) : '';
    expect(body).toContain(`name="close" value="${SHELTER}"`);
    expect(body).toContain(`name="reschedule.${MEDICAL}"`);
    expect(body).toContain('Bashkia Korçë');
    expect(body).toContain('<option value="60">');
  });

  it('closes one item and reschedules another in its own write, their reminders with them', async () => {
    const { store, items, deps, token } = await setUp();
    const form = new URLSearchParams([
      ['decision', 'continue'],
      ['close', SHELTER],
      [`reschedule.${MEDICAL}`, '60'],
      [`reschedule.${SHELTER}`, ''],
    ]);
    expect(await submitAction(deps, token, form)).toMatchObject({ kind: 'done', result: 'continue' });

    expect(await store.getTask(SHELTER)).toMatchObject({ status: 'CANCELLED', result: 'closed-by-review' });
    const medical = await store.getTask(MEDICAL);
    expect(medical?.status).toBe('OPEN');
    expect(medical?.dueAt.slice(0, 10)).toBe('2026-08-09');
    expect((await store.getCase(CASE_ID))?.openTasks).toEqual({ [MEDICAL]: 'PLAN_ITEM' });
    const reminders = (await items()).filter((i) => i.type === 'REMINDER');
    expect(reminders.map((i) => i.taskId)).toEqual([MEDICAL]);
    expect(reminders[0]?.dueAt).toBe(medical?.reminderAt);
    const events = (await store.listEvents(CASE_ID)).map((e) => e.type);
    expect(events).toEqual(
      expect.arrayContaining(['PLAN_ITEM_CLOSED', 'PLAN_ITEM_DUE_MOVED', 'PLAN_REVIEW_DONE']),
    );
  });

  it('refuses an item that is not an open plan item of the case, changing nothing', async () => {
    const { items, deps, token } = await setUp();
    const before = await items();
    const out = await submitAction(
      deps,
      token,
      new URLSearchParams([
        ['decision', 'continue'],
        ['close', REVIEW],
      ]),
    );
    expect(out).toMatchObject({ kind: 'invalid' });
    expect(await items()).toEqual(before);
  });
});
