import { runMeetingStep } from '../../functions/dispatch-due/meetings';
import type { MemberCaller } from '../../shared/auth/caller';
import type { CaseRecord, MeetingDueItem, TaskRecord } from '../../shared/data/records';
import { issueActionToken } from '../../shared/domain/action-token';
import { createMeeting, recordMinutes } from '../../shared/meetings/meetings';
import { withFirstReminder } from '../../shared/tasks/task-context';
import { taskIdFor } from '../../shared/tasks/task-id';
import { type ConsoleWorld, startConsoleWorld } from '../support/console-world';
import { caseTask, createReferralArgs, offerTask } from '../support/fixtures';
import { dropStoreTables } from '../support/store-table';

/**
 * The console's task pages on DynamoDB Local (issue 11): the task list in its groups, a task's
 * page with the emailed link's form, its completion through the task API's use case (the same
 * single use as the link), and who may open what.
 */

let world: ConsoleWorld;
beforeEach(async () => {
  world = await startConsoleWorld('console-tasks');
});
afterEach(dropStoreTables);

const CASE_ID = createReferralArgs().caseItem.caseId;
const OFFER_ID = offerTask().taskId;
const REF = 'KOR-2026-0042';
const CANARY = 'CANARY5e1d';
const NOW = new Date('2026-12-01T09:00:00.000Z');
const VATRA = 'focal.point@vatra.example.org';
const SOCIAL = 'economic.aid@social-services-korca.example.org';

/** A profile whose fields the offer page must not show carry the canary. */
const PERSON = {
  ageGroup: 'adult',
  needs: ['shelter', 'legal'],
  riskLevel: 'high',
  gender: `${CANARY}-gender`,
  nationality: `${CANARY}-nationality`,
  language: `${CANARY}-language`,
} as unknown as CaseRecord['person'];

/** A case of korca referred by the police, stored as intake writes it. */
async function seedCase(extra: Partial<CaseRecord> = {}) {
  const base = createReferralArgs();
  await world.db.store.createReferral({
    ...base,
    caseItem: {
      ...base.caseItem,
      reference: REF,
      region: 'korca',
      referringOrgId: 'police-korca',
      socialWorkerOrgId: `${CANARY}-social-worker`,
      officerSub: `${CANARY}-officer`,
      interviewDate: '2026-11-28',
      person: PERSON,
      createdAt: '2026-11-30T09:00:00.000Z',
      updatedAt: '2026-11-30T09:00:00.000Z',
      ...extra,
    },
  });
}

/** The case offered to Vatra, its offer armed with a workflow token (the offer step's work). */
async function seedOffer(): Promise<void> {
  await seedCase();
  const due = '2026-12-02T09:00:00.000Z';
  await world.db.store.openOffer({
    caseId: CASE_ID,
    expectedVersion: 1,
    afterTaskId: undefined,
    task: offerTask({ orgId: 'ngo-vatra', createdAt: NOW.toISOString(), dueAt: due, expiresAt: due }),
    now: NOW.toISOString(),
  });
  const { hash } = issueActionToken();
  await world.db.store.armTask({
    taskId: OFFER_ID,
    caseId: CASE_ID,
    sfnTaskToken: 'sfn-offer-1',
    link: { hash, taskId: OFFER_ID, expiresAt: due },
  });
}

/** An open task of the case (with its first reminder, as open-task writes it). */
async function openTask(task: TaskRecord): Promise<TaskRecord> {
  const t = withFirstReminder(world.deps.tasks, task, new Date(task.createdAt));
  expect(await world.db.store.openTask({ task: t, actor: { role: 'system' }, now: t.createdAt })).toBe(
    'opened',
  );
  return t;
}

/** A case Vatra holds, in assistance. */
const assisted = () =>
  seedCase({ status: 'IN_ASSISTANCE', acceptedOrgId: 'ngo-vatra', acceptedAt: '2026-11-30T10:00:00.000Z' });

const PLAN_ITEM = 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6';

async function seedPlanItem(): Promise<TaskRecord> {
  await assisted();
  return openTask(
    caseTask({
      taskId: PLAN_ITEM,
      kind: 'PLAN_ITEM',
      service: 'economic-aid',
      orgId: 'social-services-korca',
      createdAt: '2026-11-30T12:00:00.000Z',
      dueAt: '2026-12-20T16:00:00.000Z',
    }),
  );
}

const vatra = () => world.signIn('ngo', 'ngo-vatra', VATRA);
const socialServices = () => world.signIn('localgov', 'social-services-korca', SOCIAL);

/** The rows (`<tr>`) of the table under the heading that starts with `heading`. */
function section(body: string, heading: string): string {
  const at = body.indexOf(`<h2>${heading}`);
  if (at < 0) return '';
  const next = body.indexOf('<h2>', at + 4);
  return body.slice(at, next < 0 ? undefined : next);
}

describe('an NGO and its offer', () => {
  it('finds the offer in its task list, due soon, with a link to its page', async () => {
    await seedOffer();
    const m = await vatra();
    const list = await m.get('/console/tasks');
    expect(list.status).toBe(200);
    const soon = section(list.body, 'Due in the next 3 days');
    expect(soon).toContain(`<a href="/console/tasks/${OFFER_ID}">Accept or decline the referral</a>`);
    expect(soon).toContain(REF);
    // On the reader's clock (Tirana, UTC+1).
    expect(soon).toContain('2 Dec 2026, 10:00');
    expect(soon).toContain('<span class="tag warn">Due soon</span>');
    expect(list.body).not.toContain(CANARY);
  });

  it('shows the decision facts and no identity, and accepts once: one answer, the task closed', async () => {
    await seedOffer();
    const m = await vatra();
    const view = await m.get(`/console/tasks/${OFFER_ID}`);
    expect(view.status).toBe(200);
    const facts = /<dl class="facts">.*?<\/dl>/.exec(view.body)?.[0];
    expect(facts).toBe(
      '<dl class="facts"><dt>Region</dt><dd>Korçë</dd><dt>Age group</dt><dd>Adult</dd>' +
        '<dt>Needs</dt><dd>Shelter, Legal</dd><dt>Risk level</dt><dd>High</dd>' +
        '<dt>Answer by</dt><dd>2 Dec 2026, 10:00</dd></dl>',
    );
    expect(view.body).toContain(`Case ${REF} is offered to`);
    expect(view.body).not.toContain(CANARY);
    expect(view.body).not.toContain('2026-11-28');
    // The emailed link's two forms, posting here with the session's CSRF token.
    const forms = view.body.match(/<form method="post" action="\/console\/tasks\/[^"]+" novalidate>/g) ?? [];
    expect(forms).toHaveLength(2);
    expect(view.body).toContain(`<input type="hidden" name="_csrf" value="${m.csrf}">`);
    expect(view.body).toContain('name="decision" value="accept"');

    const done = await m.post(`/console/tasks/${OFFER_ID}`, [['decision', 'accept']]);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/console/tasks?done=${OFFER_ID}`);
    expect(world.answered).toEqual([
      { token: 'sfn-offer-1', output: { taskId: OFFER_ID, result: 'accept' } },
    ]);
    expect(await world.db.store.getTask(OFFER_ID)).toMatchObject({
      status: 'DONE',
      result: 'accept',
      completedBy: { role: 'ngo', orgId: 'ngo-vatra' },
    });

    const back = await m.get(done.location as string);
    expect(back.body).toMatch(/<div class="notice" role="status">.*You accepted case KOR-2026-0042/);
    expect(back.body).not.toContain(`href="/console/tasks/${OFFER_ID}"`);

    // A second answer has no second effect: the 410 page, nothing written, no second answer.
    const after = await world.db.items();
    const again = await m.post(`/console/tasks/${OFFER_ID}`, [
      ['decision', 'decline'],
      ['reason', 'changed our mind'],
    ]);
    expect(again.status).toBe(410);
    expect(again.body).toContain('This has already been done');
    expect((await m.post(`/console/tasks/${OFFER_ID}`, [['decision', 'accept']])).status).toBe(410);
    expect((await m.get(`/console/tasks/${OFFER_ID}`)).status).toBe(410);
    expect(world.answered).toHaveLength(1);
    expect(await world.db.items()).toEqual(after);
  });

  it('answers a decline without a reason with the form again (400): errors marked, nothing written', async () => {
    await seedOffer();
    const m = await vatra();
    const before = await world.db.items();
    const res = await m.post(`/console/tasks/${OFFER_ID}`, [
      ['decision', 'decline'],
      ['reason', ''],
    ]);
    expect(res.status).toBe(400);
    expect(res.body).toContain('<div class="summary" role="alert"');
    expect(res.body).toContain(
      '<li><a href="#reason">Give the reason on one line, in up to 500 characters.</a></li>',
    );
    expect(res.body).toContain('<span class="field-error" id="reason-error">');
    expect(res.body).toMatch(/<input id="reason"[^>]*aria-invalid="true" aria-describedby="reason-error">/);
    expect(res.body).not.toContain(CANARY);
    expect(await world.db.items()).toEqual(before);
    expect(world.answered).toEqual([]);
  });

  it('keeps what was typed when the answer is refused', async () => {
    await seedOffer();
    const m = await vatra();
    const res = await m.post(`/console/tasks/${OFFER_ID}`, [
      ['decision', 'decline'],
      ['reason', `${'x'.repeat(501)} "<b>"`],
    ]);
    expect(res.status).toBe(400);
    expect(res.body).toContain(`value="${'x'.repeat(501)} &quot;&lt;b&gt;&quot;"`);
  });

  it('refuses a field given twice or a form of another kind (400), and a bad CSRF token (403)', async () => {
    await seedOffer();
    const m = await vatra();
    const before = await world.db.items();
    for (const fields of [
      [
        ['decision', 'accept'],
        ['decision', 'decline'],
      ],
      [['result', 'done']],
    ] as [string, string][][]) {
      const res = await m.post(`/console/tasks/${OFFER_ID}`, fields);
      expect(res.status).toBe(400);
      expect(res.body).toContain('<div class="summary" role="alert"');
    }
    const twice = await m.post(`/console/tasks/${OFFER_ID}`, [
      ['decision', 'accept'],
      ['decision', 'decline'],
    ]);
    expect(twice.body).toContain(
      '<a href="#answer">The answer was not complete. Check it and send it again.</a>',
    );
    const forged = await m.post(`/console/tasks/${OFFER_ID}`, [
      ['_csrf', 'x'.repeat(43)],
      ['decision', 'accept'],
    ]);
    expect(forged.status).toBe(403);
    expect(await world.db.items()).toEqual(before);
    expect(world.answered).toEqual([]);
  });
});

describe('who may open a task', () => {
  it('gives another NGO a 404 for the offer, by GET and POST, and changes nothing', async () => {
    await seedOffer();
    const other = await world.signIn('ngo', 'ngo-linza', 'focal.point@linza.example.org');
    const before = await world.db.items();
    expect((await other.get(`/console/tasks/${OFFER_ID}`)).status).toBe(404);
    expect((await other.post(`/console/tasks/${OFFER_ID}`, [['decision', 'accept']])).status).toBe(404);
    const list = await other.get('/console/tasks');
    expect(list.status).toBe(200);
    expect(list.body).not.toContain(OFFER_ID);
    expect(list.body).not.toContain(REF);
    expect(await world.db.items()).toEqual(before);
    expect(world.answered).toEqual([]);
  });

  it('gives the police 403 on the task pages, and council members 403 on the task list', async () => {
    await seedOffer();
    const police = await world.signIn('police', 'police-korca', 'antitrafficking@police-korca.example.org');
    expect((await police.get('/console/tasks')).status).toBe(403);
    expect((await police.get(`/console/tasks/${OFFER_ID}`)).status).toBe(403);
    expect((await police.post(`/console/tasks/${OFFER_ID}`, [['decision', 'accept']])).status).toBe(403);
    expect((await police.get('/console/action-items')).status).toBe(403);
    const council = await world.signIn(
      'council',
      'university-korca',
      'awareness@university-korca.example.org',
    );
    expect((await council.get('/console/tasks')).status).toBe(403);
    // A case task is not a council member's, even of their own organisation.
    expect((await council.get(`/console/tasks/${OFFER_ID}`)).status).toBe(404);
    const ngo = await vatra();
    expect((await ngo.get('/console/action-items')).status).toBe(403);
    expect(world.answered).toEqual([]);
  });

  it('answers 404 for a task id that is not one', async () => {
    const m = await vatra();
    expect((await m.get('/console/tasks/not-a-task')).status).toBe(404);
    expect((await m.get('/console/tasks/6f1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a70')).status).toBe(404);
  });
});

describe('a local-government department and its plan item', () => {
  it('lists the plan item, shows its service and reference, and completes it from the console', async () => {
    await seedPlanItem();
    const m = await socialServices();
    const list = await m.get('/console/tasks');
    expect(list.status).toBe(200);
    expect(section(list.body, 'Open')).toContain(
      `<a href="/console/tasks/${PLAN_ITEM}">Plan item: Economic aid</a>`,
    );
    const view = await m.get(`/console/tasks/${PLAN_ITEM}`);
    expect(view.status).toBe(200);
    expect(view.body).toContain(`Case ${REF}, for`);
    expect(view.body).toContain('<dt>Service</dt><dd>Economic aid</dd>');
    expect(view.body).toContain('Due by 20 Dec 2026, 17:00.');
    expect(view.body).not.toContain(CANARY);
    expect(view.body).not.toContain('Korçë</dd>'); // no profile, no offer facts

    const done = await m.post(`/console/tasks/${PLAN_ITEM}`, [['result', 'done']]);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/console/tasks?done=${PLAN_ITEM}`);
    expect(await world.db.store.getTask(PLAN_ITEM)).toMatchObject({
      status: 'DONE',
      result: 'done',
      completedBy: { role: 'localgov', orgId: 'social-services-korca' },
    });
    expect((await world.db.store.getCase(CASE_ID))?.openTasks).toEqual({});
    const back = await m.get(done.location as string);
    expect(back.body).toContain('Your answer for case KOR-2026-0042 is recorded.');
    expect(back.body).toContain('There are no open tasks.');
  });

  it('refuses "not possible" without a reason, in Albanian too, changing nothing', async () => {
    await seedPlanItem();
    const m = await world.signIn('localgov', 'social-services-korca', SOCIAL, 'sq');
    const before = await world.db.items();
    const res = await m.post(`/console/tasks/${PLAN_ITEM}`, [['result', 'not-possible']]);
    expect(res.status).toBe(400);
    expect(res.body).toContain('<h2 id="error-summary-title">Ka një problem</h2>');
    expect(res.body).toContain('Shkruani arsyen në një rresht, deri në 500 shkronja.');
    expect(res.body).toContain('<dt>Shërbimi</dt><dd>Ndihmë ekonomike</dd>');
    expect(await world.db.items()).toEqual(before);
  });

  it('does not give the department the case’s other tasks', async () => {
    await seedPlanItem();
    const review = await openTask(
      caseTask({
        taskId: 'f1e2d3c4-b5a6-4978-8a6b-5c4d3e2f1a0b',
        kind: 'PLAN_REVIEW',
        orgId: 'social-services-korca',
      }),
    );
    const m = await socialServices();
    expect((await m.get(`/console/tasks/${review.taskId}`)).status).toBe(404);
    expect((await m.get('/console/tasks')).body).not.toContain(review.taskId);
  });
});

describe('the task list', () => {
  const ids = {
    late: '0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d',
    soon: '1a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d',
    later: '2a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d',
  };

  async function seedThree() {
    await assisted();
    const at = '2026-11-30T12:00:00.000Z';
    await openTask(
      caseTask({
        taskId: ids.late,
        kind: 'REFLECTION_REVIEW',
        orgId: 'ngo-vatra',
        createdAt: at,
        dueAt: '2026-11-30T22:59:59.999Z',
      }),
    );
    await openTask(
      caseTask({
        taskId: ids.soon,
        kind: 'FOLLOW_UP',
        orgId: 'ngo-vatra',
        createdAt: at,
        dueAt: '2026-12-03T22:59:59.999Z',
      }),
    );
    await openTask(
      caseTask({
        taskId: ids.later,
        kind: 'FOLLOW_UP',
        orgId: 'ngo-vatra',
        createdAt: at,
        dueAt: '2026-12-10T22:59:59.999Z',
      }),
    );
  }

  it('groups the open tasks: overdue, due in the next 3 days, later; and moves them as time passes', async () => {
    await seedThree();
    const m = await vatra();
    const body = (await m.get('/console/tasks')).body;
    const late = section(body, 'Overdue (1)');
    expect(late).toContain(ids.late);
    expect(late).toContain('Review of the recovery and reflection period');
    expect(late).toContain('<span class="tag bad">Overdue</span>');
    expect(section(body, 'Due in the next 3 days (1)')).toContain(ids.soon);
    expect(section(body, 'Open (1)')).toContain(ids.later);
    expect(body.indexOf('<h2>Overdue')).toBeLessThan(body.indexOf('<h2>Due in the next'));

    // A week on (signed in again: the session has lapsed).
    world.setNow(new Date('2026-12-08T09:00:00.000Z'));
    const later = (await (await vatra()).get('/console/tasks')).body;
    expect(section(later, 'Overdue (2)')).toContain(ids.soon);
    expect(section(later, 'Due in the next 3 days (1)')).toContain(ids.later);
    expect(later).not.toContain('<h2>Open');
  });

  it('shows an overdue task as overdue on its page, and lists closed tasks without a form to open', async () => {
    await seedThree();
    const m = await vatra();
    const page = await m.get(`/console/tasks/${ids.late}`);
    expect(page.body).toContain('<span class="tag bad">Overdue</span>');
    expect(page.body).toContain('name="reflection" value="completed"');
    const done = await m.post(`/console/tasks/${ids.late}`, [['reflection', 'completed']]);
    expect(done.status).toBe(303);
    const closed = await m.get('/console/tasks?status=done');
    expect(closed.status).toBe(200);
    expect(closed.body).toContain('<h1>Closed tasks</h1>');
    expect(closed.body).toMatch(
      /<td>Review of the recovery and reflection period<\/td><td>KOR-2026-0042<\/td>.*?<td>Done<\/td>/,
    );
    expect(closed.body).not.toContain(`href="/console/tasks/${ids.late}"`);
    expect((await m.get('/console/tasks')).body).not.toContain(ids.late);
  });

  it('pages with the use case’s cursor and refuses a cursor that is not one (400)', async () => {
    const m = await vatra();
    expect((await m.get('/console/tasks?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
  });

  it('shows only the tasks sent to the signed-in contact when asked', async () => {
    await seedThree();
    const caseWorker = await world.signIn('ngo', 'ngo-vatra', 'social.worker@vatra.example.org');
    const focal = await vatra();
    // Case work goes to case workers: the focal point has none of it addressed to them.
    expect((await caseWorker.get('/console/tasks?mine=true')).body).toContain(ids.late);
    expect((await focal.get('/console/tasks?mine=true')).body).toContain('There are no open tasks.');
    expect((await focal.get('/console/tasks')).body).toContain(ids.late);
  });
});

describe('a council member’s action items', () => {
  const COORDINATOR: MemberCaller = {
    sub: 'coordinator-prefecture-korca',
    email: 'coordinator@prefecture-korca.example.org',
    orgId: 'prefecture-korca',
    role: 'coordinator',
    orgKind: 'prefecture',
    regions: ['korca'],
  };

  /** A meeting held yesterday whose minutes gave the university an action item. */
  async function actionItem(): Promise<TaskRecord> {
    const d = world.deps.meetings;
    world.setNow(new Date('2026-11-29T09:00:00.000Z'));
    const [meeting] = await createMeeting(d, COORDINATOR, {
      region: 'korca',
      title: 'Këshilli vendor kundër trafikimit',
      agenda: ['Rastet e tremujorit'],
      place: 'Prefektura, salla 2',
      start: '2026-11-30T10:00',
      end: '2026-11-30T11:00',
      invite: { orgIds: ['university-korca', 'ngo-help-for-children'] },
    });
    if (!meeting) throw new Error('no meeting');
    world.setNow(NOW);
    const stored = await world.db.store.getMeeting(meeting.meetingId);
    if (stored?.step === undefined || stored.stepAt === undefined) throw new Error('no step');
    const item: MeetingDueItem = {
      type: 'MEETING',
      dueAt: stored.stepAt,
      ref: meeting.meetingId,
      meetingId: meeting.meetingId,
      step: stored.step,
    };
    expect(
      await runMeetingStep(
        { ...d.complete, ...d, store: world.db.store, actionBaseUrl: d.publicBaseUrl },
        item,
        () => world.db.store.listOrganisations(),
        NOW,
      ),
    ).toBe('ended');
    const recorded = await recordMinutes(
      d,
      COORDINATOR,
      { meetingId: meeting.meetingId },
      {
        summary: 'The group reviewed the quarter.',
        decisions: [
          {
            text: 'Awareness',
            actions: [
              {
                title: 'Hold an awareness session for students',
                orgId: 'university-korca',
                dueDate: '2026-12-20',
              },
            ],
          },
        ],
      },
    );
    const task = await world.db.store.getTask(taskIdFor(recorded.minutesTaskId as string, 'action', 0, 0));
    if (!task) throw new Error('no action item');
    return task;
  }

  it('lists the university’s action item and completes it from its page', async () => {
    const task = await actionItem();
    const m = await world.signIn('council', 'university-korca', 'awareness@university-korca.example.org');
    const list = await m.get('/console/action-items');
    expect(list.status).toBe(200);
    expect(list.body).toContain('<h1>My action items</h1>');
    expect(list.body).toContain(
      `<a href="/console/tasks/${task.taskId}">Action item: Hold an awareness session for students</a>`,
    );
    expect(list.body).toContain('Këshilli vendor kundër trafikimit (2026-11-30)');

    const view = await m.get(`/console/tasks/${task.taskId}`);
    expect(view.status).toBe(200);
    expect(view.body).toContain('Meeting &quot;Këshilli vendor kundër trafikimit (2026-11-30)&quot;');
    expect(view.body).toContain('<p><strong>Hold an awareness session for students</strong></p>');
    expect(view.body).toContain(`<a href="/console/action-items">Back to my action items</a>`);

    const before = await world.db.items();
    const bad = await m.post(`/console/tasks/${task.taskId}`, [['result', 'not-possible']]);
    expect(bad.status).toBe(400);
    expect(await world.db.items()).toEqual(before);

    const done = await m.post(`/console/tasks/${task.taskId}`, [['result', 'done']]);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/console/action-items?done=${task.taskId}`);
    expect(await world.db.store.getTask(task.taskId)).toMatchObject({ status: 'DONE', result: 'done' });
    const back = await m.get(done.location as string);
    expect(back.body).toContain('Your answer for the meeting');
    expect((await m.post(`/console/tasks/${task.taskId}`, [['result', 'done']])).status).toBe(410);
  });

  it('keeps another organisation’s action item from a council member (404)', async () => {
    const task = await actionItem();
    const other = await world.signIn(
      'council',
      'ngo-help-for-children',
      'focal.point@help-for-children.example.org',
    );
    expect((await other.get(`/console/tasks/${task.taskId}`)).status).toBe(404);
    expect((await other.get('/console/action-items')).body).not.toContain(task.taskId);
  });
});
