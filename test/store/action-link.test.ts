import { type ActionLinkDeps, submitAction, viewAction } from '../../functions/action-link/action-link';
import { renderOutcome } from '../../functions/action-link/pages';
import { issueActionToken } from '../../shared/domain/action-token';
import { directory } from '../support/fixtures';
import { MemoryStore } from '../support/memory-store';

const CASE_ID = '6f1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b';
const TASK_ID = '7a1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b';
const T0 = new Date('2026-03-10T09:00:00.000Z');
const DEADLINE = '2026-03-11T09:00:00.000Z';

class FakeCallback {
  readonly sent: Array<{ token: string; output: object }> = [];
  answer: 'ok' | 'closed' = 'ok';
  async succeed(token: string, output: object) {
    this.sent.push({ token, output });
    return this.answer;
  }
}

async function setup() {
  const store = new MemoryStore();
  await store.seedDirectory(directory());
  await store.createReferral({
    caseItem: {
      caseId: CASE_ID,
      reference: 'KOR-2026-0007',
      region: 'korce',
      status: 'REFERRED',
      version: 1,
      interviewDate: '2026-03-10',
      socialWorkerPresent: true,
      socialWorkerOrgId: 'ngo-different-and-equal',
      person: {
        ageGroup: 'adult',
        gender: 'female',
        nationality: 'AL',
        language: 'sq',
        needs: ['shelter'],
        riskLevel: 'low',
      },
      consentGiven: true,
      referringOrgId: 'police-korce',
      officerSub: 'officer-1',
      offeredOrgIds: [],
      createdAt: T0.toISOString(),
      updatedAt: T0.toISOString(),
    },
    event: { caseId: CASE_ID, at: T0.toISOString(), type: 'REFERRED', actor: 'officer-1' },
    idempotency: {
      scope: 'officer-1',
      key: 'key-00000001',
      requestHash: 'h',
      response: { caseId: CASE_ID, reference: 'KOR-2026-0007', status: 'REFERRED' },
      createdAt: T0.toISOString(),
    },
  });
  const task = {
    taskId: TASK_ID,
    kind: 'OFFER' as const,
    caseId: CASE_ID,
    orgId: 'ngo-different-and-equal',
    status: 'OPEN' as const,
    reason: 'REGION_SERVICE_MATCH' as const,
    createdAt: T0.toISOString(),
  };
  await store.openOffer({
    caseId: CASE_ID,
    expectedVersion: 1,
    afterTaskId: undefined,
    task,
    now: T0.toISOString(),
  });
  const { token, hash } = issueActionToken();
  await store.armOffer({
    taskId: TASK_ID,
    caseId: CASE_ID,
    sfnTaskToken: 'sfn-token-1',
    link: { hash, taskId: TASK_ID, expiresAt: DEADLINE },
  });
  const callback = new FakeCallback();
  let now = new Date('2026-03-10T10:00:00.000Z');
  const deps: ActionLinkDeps = { store, callback, now: () => now };
  return { store, callback, deps, token, setNow: (d: Date) => (now = d) };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields);
const html = (r: ReturnType<typeof renderOutcome>) => (typeof r === 'object' ? String(r.body) : '');
const render = (o: Parameters<typeof renderOutcome>[0]) =>
  renderOutcome(o, { requestId: 'req-1', timeZone: 'Europe/Tirane' });

describe('action link', () => {
  it('shows a confirm page on GET and changes nothing', async () => {
    const { store, deps, token, callback } = await setup();
    const before = store.items();

    const outcome = await viewAction(deps, token);

    expect(outcome.kind).toBe('confirm');
    expect(store.items()).toEqual(before);
    expect(callback.sent).toEqual([]);
    const page = render(outcome);
    expect(page).toMatchObject({ statusCode: 200 });
    expect(html(page)).toContain('KOR-2026-0007');
    expect(html(page)).toContain('2026-03-11 10:00 (UTC+01:00)');
    expect(html(page)).not.toMatch(/<script|http-equiv="refresh"/i);
  });

  it('records an accept once and resumes the workflow with the decision and task id only', async () => {
    const { store, deps, token, callback } = await setup();

    const outcome = await submitAction(deps, token, form({ decision: 'accept' }));

    expect(outcome.kind).toBe('done');
    expect(callback.sent).toEqual([
      { token: 'sfn-token-1', output: { decision: 'accept', taskId: TASK_ID } },
    ]);
    expect(await store.getTask(TASK_ID)).toMatchObject({ status: 'DECIDED', decision: 'accept' });
  });

  it('keeps the decline reason in the table, never in the workflow output', async () => {
    const { store, deps, token, callback } = await setup();
    const reason = 'CANARY-REASON <b>full</b>';

    await submitAction(deps, token, form({ decision: 'decline', reason }));

    expect(JSON.stringify(callback.sent)).not.toContain('CANARY');
    expect(await store.getTask(TASK_ID)).toMatchObject({ decision: 'decline', declineReason: reason });
  });

  it('answers a second POST with the 410 page and no second effect', async () => {
    const { store, deps, token, callback } = await setup();
    await submitAction(deps, token, form({ decision: 'accept' }));
    const after = store.items();

    const second = await submitAction(deps, token, form({ decision: 'decline', reason: 'changed my mind' }));

    expect(second.kind).toBe('gone');
    expect(store.items()).toEqual(after);
    expect(callback.sent).toHaveLength(1);
  });

  it('tells the workflow again when the same answer is posted after telling it failed', async () => {
    const { store, deps, token, callback } = await setup();
    const failing = {
      succeed: async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      },
    };
    await expect(
      submitAction({ ...deps, callback: failing }, token, form({ decision: 'accept' })),
    ).rejects.toThrow();
    expect(await store.getTask(TASK_ID)).toMatchObject({ status: 'DECIDED', decision: 'accept' });
    const after = store.items();

    // Another answer than the recorded one, and a GET, do not resume anything.
    expect((await submitAction(deps, token, form({ decision: 'decline', reason: 'no' }))).kind).toBe('gone');
    expect((await viewAction(deps, token)).kind).toBe('gone');
    expect(callback.sent).toEqual([]);

    const retried = await submitAction(deps, token, form({ decision: 'accept' }));

    expect(retried.kind).toBe('done');
    expect(callback.sent).toEqual([
      { token: 'sfn-token-1', output: { decision: 'accept', taskId: TASK_ID } },
    ]);
    expect(store.items()).toEqual(after);
  });

  it('answers the same answer posted again after the workflow had it with the 410 page', async () => {
    const { deps, token, callback } = await setup();
    await submitAction(deps, token, form({ decision: 'accept' }));
    // Step Functions answers a token it has already had with TaskTimedOut.
    callback.answer = 'closed';

    const again = await submitAction(deps, token, form({ decision: 'accept' }));

    expect(again.kind).toBe('gone');
  });

  it('lets exactly one of two concurrent accepts win', async () => {
    const { deps, token, callback } = await setup();
    const results = await Promise.all([
      submitAction(deps, token, form({ decision: 'accept' })),
      submitAction(deps, token, form({ decision: 'accept' })),
    ]);
    expect(results.map((r) => r.kind).sort()).toEqual(['done', 'gone']);
    expect(callback.sent).toHaveLength(1);
  });

  it.each([
    ['decline without a reason', { decision: 'decline' }],
    ['decline with a whitespace reason', { decision: 'decline', reason: '   ' }],
    ['a reason over 500 characters', { decision: 'decline', reason: 'x'.repeat(501) }],
    ['a reason with a control character', { decision: 'decline', reason: 'line\nbreak' }],
    ['an unknown decision', { decision: 'maybe' }],
    ['an extra field', { decision: 'accept', admin: '1' }],
  ])('shows the form again with 400 for %s and uses nothing', async (_l, fields) => {
    const { store, deps, token, callback } = await setup();
    const before = store.items();

    const outcome = await submitAction(deps, token, form(fields as Record<string, string>));

    expect(outcome.kind).toBe('invalid');
    expect(render(outcome)).toMatchObject({ statusCode: 400 });
    expect(store.items()).toEqual(before);
    expect(callback.sent).toEqual([]);
    expect((await viewAction(deps, token)).kind).toBe('confirm');
  });

  it('gives every unusable token the same 410 page on GET and POST, changing nothing', async () => {
    const { store, deps, token, setNow } = await setup();
    const before = store.items();
    const unusable = [
      'x',
      token.slice(0, -1),
      `${token}A`,
      issueActionToken().token,
      '../../etc/passwd',
      '%00',
    ];
    const pages = new Set<string>();
    for (const t of unusable) {
      for (const outcome of [
        await viewAction(deps, t),
        await submitAction(deps, t, form({ decision: 'accept' })),
      ]) {
        expect(outcome.kind).toBe('gone');
        const page = render(outcome);
        expect(page).toMatchObject({ statusCode: 410 });
        pages.add(html(page));
      }
    }
    setNow(new Date(DEADLINE)); // expired at its deadline
    pages.add(html(render(await viewAction(deps, token))));
    pages.add(html(render(await submitAction(deps, token, form({ decision: 'accept' })))));
    expect(pages.size).toBe(1);
    expect(store.items()).toEqual(before);
  });

  it('treats a task that timed out as gone', async () => {
    const { store, deps, token } = await setup();
    const task = await store.getTask(TASK_ID);
    if (!task) throw new Error('no task');
    await store.lapseTask(task, '2026-03-10T11:00:00.000Z');
    expect((await viewAction(deps, token)).kind).toBe('gone');
    expect((await submitAction(deps, token, form({ decision: 'accept' }))).kind).toBe('gone');
  });

  it('shows the 410 page when Step Functions no longer waits for the task', async () => {
    const { deps, token, callback } = await setup();
    callback.answer = 'closed';
    expect((await submitAction(deps, token, form({ decision: 'accept' }))).kind).toBe('gone');
  });

  it('sends no-referrer, no-store and no script on every page', async () => {
    const { deps, token } = await setup();
    for (const outcome of [await viewAction(deps, token), await viewAction(deps, 'bad')]) {
      const page = render(outcome);
      expect(page).toMatchObject({
        headers: expect.objectContaining({ 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' }),
      });
    }
  });
});
