import { type ActionLinkDeps, submitAction, viewAction } from '../../functions/action-link/action-link';
import { renderOutcome } from '../../functions/action-link/pages';
import type { CaseRecord } from '../../shared/data/records';
import { issueActionToken } from '../../shared/domain/action-token';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import { caseTask, createReferralArgs, directory, offerTask } from '../support/fixtures';
import { dropStoreTables, storeTable } from '../support/store-table';

/** The emailed link's use case on DynamoStore and DynamoDB Local: the link's single use is DynamoDB's condition. */

const CASE_ID = createReferralArgs().caseItem.caseId;
const TASK_ID = offerTask().taskId;
const T0 = new Date('2026-03-10T09:00:00.000Z');
const DEADLINE = '2026-03-11T09:00:00.000Z';
const CALENDAR = { timeZone: 'Europe/Tirane', holidays: new Set<string>() };

/**
 * SendTaskSuccess as Step Functions answers it: a token it already had answers TaskTimedOut
 * ('closed'), so of two accepts that both reach it only the first tells the workflow.
 */
class FakeCallback {
  readonly sent: Array<{ token: string; output: object }> = [];
  private readonly had = new Set<string>();
  answer: 'ok' | 'closed' = 'ok';
  async succeed(token: string, output: object) {
    if (this.had.has(token)) return 'closed' as const;
    this.sent.push({ token, output });
    if (this.answer === 'ok') this.had.add(token);
    return this.answer;
  }
}

afterEach(dropStoreTables);

/** An offered case whose offer is armed with a link (the offer step's work). */
async function setup(caseItem: Partial<CaseRecord> = {}) {
  const { store, items } = await storeTable('action-link', directory());
  const base = createReferralArgs();
  await store.createReferral({
    ...base,
    caseItem: { ...base.caseItem, reference: 'KOR-2026-0007', ...caseItem },
  });
  await store.openOffer({
    caseId: CASE_ID,
    expectedVersion: 1,
    afterTaskId: undefined,
    task: offerTask({ createdAt: T0.toISOString(), dueAt: DEADLINE, expiresAt: DEADLINE }),
    now: T0.toISOString(),
  });
  const { token, hash } = issueActionToken();
  await store.armTask({
    taskId: TASK_ID,
    caseId: CASE_ID,
    sfnTaskToken: 'sfn-token-1',
    link: { hash, taskId: TASK_ID, expiresAt: DEADLINE },
  });
  const callback = new FakeCallback();
  let now = new Date('2026-03-10T10:00:00.000Z');
  const deps: ActionLinkDeps = {
    store,
    callback,
    now: () => now,
    deadlines: DEFAULT_DEADLINES,
    reminders: DEFAULT_REMINDERS,
    calendar: CALENDAR,
  };
  return { store, items, callback, deps, token, setNow: (d: Date) => (now = d) };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields);
const html = (r: ReturnType<typeof renderOutcome>) => (typeof r === 'object' ? String(r.body) : '');
const render = (o: Parameters<typeof renderOutcome>[0]) =>
  renderOutcome(o, { requestId: 'req-1', timeZone: 'Europe/Tirane' });

describe('action link', () => {
  it('shows a confirm page on GET and changes nothing', async () => {
    const { items, deps, token, callback } = await setup();
    const before = await items();

    const outcome = await viewAction(deps, token);

    expect(outcome.kind).toBe('confirm');
    expect(await items()).toEqual(before);
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
    expect(callback.sent).toEqual([{ token: 'sfn-token-1', output: { result: 'accept', taskId: TASK_ID } }]);
    expect(await store.getTask(TASK_ID)).toMatchObject({ status: 'DONE', result: 'accept' });
  });

  it('keeps the decline reason in the table, never in the workflow output', async () => {
    const { store, deps, token, callback } = await setup();
    const reason = 'CANARY-REASON <b>full</b>';

    await submitAction(deps, token, form({ decision: 'decline', reason }));

    expect(JSON.stringify(callback.sent)).not.toContain('CANARY');
    expect(await store.getTask(TASK_ID)).toMatchObject({
      status: 'DECLINED',
      result: 'decline',
      note: reason,
    });
  });

  it('answers a second POST with the 410 page and no second effect', async () => {
    const { items, deps, token, callback } = await setup();
    await submitAction(deps, token, form({ decision: 'accept' }));
    const after = await items();

    const second = await submitAction(deps, token, form({ decision: 'decline', reason: 'changed my mind' }));

    expect(second.kind).toBe('gone');
    expect(await items()).toEqual(after);
    expect(callback.sent).toHaveLength(1);
  });

  it('tells the workflow again when the same answer is posted after telling it failed', async () => {
    const { store, items, deps, token, callback } = await setup();
    const failing = {
      succeed: async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      },
    };
    await expect(
      submitAction({ ...deps, callback: failing }, token, form({ decision: 'accept' })),
    ).rejects.toThrow();
    expect(await store.getTask(TASK_ID)).toMatchObject({ status: 'DONE', result: 'accept' });
    const after = await items();

    // Another answer than the recorded one, and a GET, do not resume anything.
    expect((await submitAction(deps, token, form({ decision: 'decline', reason: 'no' }))).kind).toBe('gone');
    expect((await viewAction(deps, token)).kind).toBe('gone');
    expect(callback.sent).toEqual([]);

    const retried = await submitAction(deps, token, form({ decision: 'accept' }));

    expect(retried.kind).toBe('done');
    expect(callback.sent).toEqual([{ token: 'sfn-token-1', output: { result: 'accept', taskId: TASK_ID } }]);
    expect(await items()).toEqual(after);
  });

  it('answers the same answer posted again after the workflow had it with the 410 page', async () => {
    const { deps, token, callback } = await setup();
    await submitAction(deps, token, form({ decision: 'accept' }));
    // Step Functions answers a token it has already had with TaskTimedOut (the fake does too).
    expect(callback.sent).toHaveLength(1);

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
    const { items, deps, token, callback } = await setup();
    const before = await items();

    const outcome = await submitAction(deps, token, form(fields as Record<string, string>));

    expect(outcome.kind).toBe('invalid');
    expect(render(outcome)).toMatchObject({ statusCode: 400 });
    expect(await items()).toEqual(before);
    expect(callback.sent).toEqual([]);
    expect((await viewAction(deps, token)).kind).toBe('confirm');
  });

  it('gives every unusable token the same 410 page on GET and POST, changing nothing', async () => {
    const { items, deps, token, setNow } = await setup();
    const before = await items();
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
    expect(await items()).toEqual(before);
  });

  it('treats a task that timed out as gone', async () => {
    const { store, deps, token } = await setup();
    const task = await store.getTask(TASK_ID);
    if (!task) throw new Error('no task');
    await store.lapseTask(task, '2026-03-10T11:00:00.000Z');
    expect((await viewAction(deps, token)).kind).toBe('gone');
    expect((await submitAction(deps, token, form({ decision: 'accept' }))).kind).toBe('gone');
  });

  it('records the answer when Step Functions no longer waits for the task: the next execution reads it', async () => {
    const { store, deps, token, callback } = await setup();
    callback.answer = 'closed';
    expect((await submitAction(deps, token, form({ decision: 'accept' }))).kind).toBe('done');
    expect(await store.getTask(TASK_ID)).toMatchObject({ status: 'DONE', result: 'accept' });
    expect((await viewAction(deps, token)).kind).toBe('gone');
  });

  it('shows the NGO what it needs to decide: region, age group, needs, risk level, deadline', async () => {
    const { deps, token } = await setup();

    const body = html(render(await viewAction(deps, token)));

    const facts = /<dl class="facts">.*?<\/dl>/.exec(body)?.[0];
    expect(facts).toBe(
      '<dl class="facts"><dt>Rajoni</dt><dd>Korçë</dd><dt>Grupmosha</dt><dd>I rritur</dd>' +
        '<dt>Nevojat</dt><dd>Strehim, Ligjor</dd><dt>Niveli i rrezikut</dt><dd>I lartë</dd>' +
        '<dt>Përgjigjuni deri më</dt><dd>2026-03-11 10:00 (UTC+01:00)</dd></dl>',
    );
  });

  it('shows nothing else of the person on any page: form, invalid answer, thank-you, 410', async () => {
    const canary = 'CANARY7f3a';
    const person = {
      ageGroup: 'child',
      needs: ['medical'],
      riskLevel: 'low',
      gender: `${canary}-gender`,
      nationality: `${canary}-nationality`,
      language: `${canary}-language`,
    } as unknown as CaseRecord['person'];
    const { deps, token } = await setup({
      person,
      officerSub: `${canary}-officer`,
      socialWorkerOrgId: `${canary}-social-worker`,
      interviewDate: '2026-03-09',
    });

    const pages = [
      await viewAction(deps, token),
      await submitAction(deps, token, form({ decision: 'decline' })),
      await submitAction(deps, token, form({ decision: 'accept' })),
      await viewAction(deps, token),
    ].map((o) => html(render(o)));

    expect(pages[0]).toContain(
      '<dd>Fëmijë</dd><dt>Nevojat</dt><dd>Mjekësor</dd><dt>Niveli i rrezikut</dt><dd>I ulët</dd>',
    );
    expect(pages[1]).toContain('role="alert"');
    expect(pages[2]).toContain('Ju e pranuat rastin KOR-2026-0007');
    expect(pages[3]).toContain('Lidhja nuk është më e vlefshme');
    for (const page of pages) {
      expect(page).not.toContain(canary);
      expect(page).not.toContain('2026-03-09');
      expect(page).not.toMatch(/\b(child|medical|low)\b/); // the codes only as the page's words
    }
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

describe('action link of a task of another kind', () => {
  const ASSESSMENT = caseTask();

  /** An accepted case with an open needs assessment, armed with a link (a waited task). */
  async function assessment() {
    const { store, items } = await storeTable('action-link', directory());
    const base = createReferralArgs();
    await store.createReferral({
      ...base,
      caseItem: {
        ...base.caseItem,
        status: 'ACCEPTED',
        acceptedOrgId: ASSESSMENT.orgId,
        acceptedAt: T0.toISOString(),
      },
    });
    expect(await store.openTask({ task: ASSESSMENT, actor: { role: 'system' }, now: T0.toISOString() })).toBe(
      'opened',
    );
    const { token, hash } = issueActionToken();
    await store.armTask({
      taskId: ASSESSMENT.taskId,
      caseId: CASE_ID,
      sfnTaskToken: 'sfn-token-na',
      link: { hash, taskId: ASSESSMENT.taskId, expiresAt: '2026-08-01T00:00:00.000Z' },
    });
    const callback = new FakeCallback();
    const deps: ActionLinkDeps = {
      store,
      callback,
      now: () => new Date('2026-03-11T10:00:00.000Z'),
      deadlines: DEFAULT_DEADLINES,
      reminders: DEFAULT_REMINDERS,
      calendar: CALENDAR,
    };
    return { store, items, callback, deps, token };
  }

  const needs = (...values: string[]) =>
    new URLSearchParams(values.map((v): [string, string] => ['needs', v]));

  it('shows the kind form with its due instant, changing nothing', async () => {
    const { items, deps, token } = await assessment();
    const before = await items();

    const outcome = await viewAction(deps, token);

    expect(outcome).toMatchObject({
      kind: 'confirm',
      task: { kind: 'NEEDS_ASSESSMENT', reference: 'KOR-2026-0001' },
    });
    const page = html(render(outcome));
    expect(page).toContain('name="needs"');
    expect(page).toContain('2026-03-13 23:59');
    expect(await items()).toEqual(before);
  });

  it('records the needs from repeated fields, moves the case to ASSESSED and tells the workflow one word', async () => {
    const { store, deps, token, callback } = await assessment();

    const outcome = await submitAction(deps, token, needs('shelter', 'legal'));

    expect(outcome).toMatchObject({ kind: 'done', result: 'done' });
    expect(render(outcome)).toMatchObject({ statusCode: 200 });
    expect(callback.sent).toEqual([
      { token: 'sfn-token-na', output: { taskId: ASSESSMENT.taskId, result: 'done' } },
    ]);
    expect(await store.getTask(ASSESSMENT.taskId)).toMatchObject({
      status: 'DONE',
      result: 'done',
      outcome: { needs: ['shelter', 'legal'] },
      completedBy: { role: 'link', orgId: ASSESSMENT.orgId },
    });
    expect(await store.getCase(CASE_ID)).toMatchObject({
      status: 'ASSESSED',
      assessedNeeds: ['shelter', 'legal'],
      openTasks: {},
    });
  });

  it.each([
    ['no needs', new URLSearchParams(), ['needs']],
    ['an unknown need', needs('shelter', 'spaceship'), ['needs/1']],
    ['a need twice', needs('legal', 'legal'), ['needs']],
    ['a field of another kind', new URLSearchParams({ decision: 'accept' }), ['needs', 'form']],
  ])('answers %s with the 400 form naming the fields, using nothing', async (_l, fields, named) => {
    const { items, deps, token, callback } = await assessment();
    const before = await items();

    const outcome = await submitAction(deps, token, fields);

    expect(outcome).toMatchObject({ kind: 'invalid' });
    expect(outcome.kind === 'invalid' ? [...outcome.fields].sort() : []).toEqual([...named].sort());
    const page = render(outcome);
    expect(page).toMatchObject({ statusCode: 400 });
    for (const field of named) expect(html(page)).toContain(field);
    expect(await items()).toEqual(before);
    expect(callback.sent).toEqual([]);
    expect((await viewAction(deps, token)).kind).toBe('confirm');
  });

  it('answers a used link like every other bad token: the same 410 page on GET and POST', async () => {
    const { deps, token } = await assessment();
    expect((await submitAction(deps, token, needs('shelter'))).kind).toBe('done');

    const pages = new Set<string>();
    for (const t of [token, issueActionToken().token, 'x', `${token}A`]) {
      for (const outcome of [await viewAction(deps, t), await submitAction(deps, t, needs('legal'))]) {
        expect(outcome.kind).toBe('gone');
        const page = render(outcome);
        expect(page).toMatchObject({ statusCode: 410 });
        pages.add(html(page));
      }
    }
    expect(pages.size).toBe(1);
  });
});
