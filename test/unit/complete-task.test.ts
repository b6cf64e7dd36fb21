import type { CaseRecord, OrgRecord, TaskRecord } from '../../shared/data/records';
import type { CompleteTaskArgs } from '../../shared/data/store';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import {
  type CompleteTaskDeps,
  completeTask,
  planItemIssues,
  planItemTasks,
} from '../../shared/tasks/complete-task';
import { taskIdFor } from '../../shared/tasks/task-id';
import { caseTask, createReferralArgs, directory } from '../support/fixtures';

const ORGS: OrgRecord[] = [
  ...directory().organisations.map((o) => ({ ...o, openOffers: 0 })),
  {
    orgId: 'department-social-korce',
    name: 'Drejtoria e Shërbimeve Sociale',
    kind: 'department',
    regions: ['korce'],
    services: ['family', 'employment'],
    capacity: 0,
    childProtection: false,
    contacts: [],
    openOffers: 0,
  },
];

function assessed(changes: Partial<CaseRecord> = {}): CaseRecord {
  return {
    ...createReferralArgs().caseItem,
    status: 'ASSESSED',
    acceptedOrgId: 'ngo-different-and-equal',
    ...changes,
  };
}

const NOW = new Date('2026-03-20T10:00:00.000Z');
const CALENDAR = { timeZone: 'Europe/Tirane', holidays: new Set<string>() };

describe('planItemIssues', () => {
  const issues = (item: CaseRecord, service: string, orgId: string) =>
    planItemIssues(item, [{ service: service as 'shelter', orgId }], ORGS, '/items');

  it('refuses an organisation that is not in the directory or not in the case region', () => {
    expect(issues(assessed(), 'shelter', 'ngo-nowhere')).toEqual([
      { path: '/items/0/orgId', code: 'unknown_reference' },
    ]);
    // Vatra works in Tirana only.
    expect(issues(assessed(), 'shelter', 'ngo-vatra')).toEqual([
      { path: '/items/0/orgId', code: 'unknown_reference' },
    ]);
  });

  it('refuses the wrong kind of provider, or one that does not list the service', () => {
    // Economic aid is local government's; an NGO cannot be given it.
    expect(issues(assessed(), 'economic-aid', 'ngo-different-and-equal')).toEqual([
      { path: '/items/0/orgId', code: 'does_not_provide' },
    ]);
    // Shelter is an NGO's, even where the municipality lists it.
    expect(issues(assessed(), 'shelter', 'municipality-korce')).toEqual([
      { path: '/items/0/orgId', code: 'does_not_provide' },
    ]);
    expect(issues(assessed(), 'medical', 'ngo-different-and-equal')).toEqual([
      { path: '/items/0/orgId', code: 'does_not_provide' },
    ]);
  });

  it('refuses an organisation outside the consent of an adult', () => {
    expect(issues(assessed(), 'medical', 'ngo-tjeter-vizion')).toEqual([
      { path: '/items/0/orgId', code: 'outside_consent' },
    ]);
    expect(issues(assessed(), 'economic-aid', 'department-social-korce')).toEqual([
      { path: '/items/0/orgId', code: 'outside_consent' },
    ]);
  });

  it('allows what the consent names, local government by the consent, and the case NGO always', () => {
    const consent = { given: true, organisations: ['ngo-tjeter-vizion'], localGovernment: true };
    const item = assessed({ consent } as Partial<CaseRecord>);
    expect(issues(item, 'medical', 'ngo-tjeter-vizion')).toEqual([]);
    expect(issues(item, 'economic-aid', 'department-social-korce')).toEqual([]);
    expect(issues(assessed(), 'legal', 'ngo-different-and-equal')).toEqual([]);
  });

  it('allows any right provider of the region for a child, whatever the consent', () => {
    const child = assessed({ person: { ...assessed().person, ageGroup: 'child' } });
    expect(issues(child, 'medical', 'ngo-tjeter-vizion')).toEqual([]);
    expect(issues(child, 'economic-aid', 'department-social-korce')).toEqual([]);
  });

  it('names every item at fault by its index', () => {
    const found = planItemIssues(
      assessed(),
      [
        { service: 'legal', orgId: 'ngo-different-and-equal' },
        { service: 'medical', orgId: 'ngo-tjeter-vizion' },
        { service: 'shelter', orgId: 'ngo-nowhere' },
      ],
      ORGS,
      '/items',
    );
    expect(found.map((i) => i.path)).toEqual(['/items/1/orgId', '/items/2/orgId']);
  });
});

describe('planItemTasks', () => {
  it('derives each item task id from the parent, with its own or the configured due instant', () => {
    const parent = caseTask({ kind: 'ASSISTANCE_PLAN' });
    const tasks = planItemTasks(
      { now: () => NOW, deadlines: DEFAULT_DEADLINES, reminders: DEFAULT_REMINDERS, calendar: CALENDAR },
      parent,
      [
        { service: 'legal', orgId: 'ngo-different-and-equal' },
        { service: 'economic-aid', orgId: 'department-social-korce', dueInDays: 10 },
      ],
      NOW,
    );
    expect(tasks).toEqual([
      expect.objectContaining({
        taskId: taskIdFor(parent.taskId, 'item', 0),
        kind: 'PLAN_ITEM',
        orgId: 'ngo-different-and-equal',
        service: 'legal',
        sequence: 1,
        status: 'OPEN',
      }),
      expect.objectContaining({ taskId: taskIdFor(parent.taskId, 'item', 1), sequence: 2 }),
    ]);
    // 30 days and 10 days later (calendar days in Tirana, end of day).
    expect(tasks[0]?.dueAt.slice(0, 10)).toBe('2026-04-19');
    expect(tasks[1]?.dueAt.slice(0, 10)).toBe('2026-03-30');
  });
});

describe('completeTask', () => {
  function world(item: CaseRecord | undefined, result = true, tasks = new Map<string, TaskRecord>()) {
    const calls: CompleteTaskArgs[] = [];
    const told: Array<{ token: string; output: object }> = [];
    const deps: CompleteTaskDeps = {
      now: () => NOW,
      deadlines: DEFAULT_DEADLINES,
      reminders: DEFAULT_REMINDERS,
      calendar: CALENDAR,
      store: {
        getCase: async () => item,
        getTask: async (id) => tasks.get(id),
        listOrganisations: async () => ORGS,
        getMeeting: async () => undefined,
        completeTask: async (args) => {
          calls.push(args);
          return result;
        },
      },
      callback: {
        succeed: async (token, output) => {
          told.push({ token, output });
          return 'ok';
        },
      },
    };
    return { deps, calls, told };
  }
  const actor = { role: 'link' as const, orgId: 'ngo-different-and-equal' };

  it('records a plan with its item tasks, moves the case, and tells the waiting workflow one word', async () => {
    const w = world(assessed());
    const task = caseTask({ kind: 'ASSISTANCE_PLAN', sfnTaskToken: 'sfn-1' });

    const out = await completeTask(w.deps, {
      task,
      raw: { items: [{ service: 'legal', orgId: 'ngo-different-and-equal' }] },
      actor,
      hash: 'h',
    });

    expect(out).toEqual({ kind: 'done', task: { ...task, status: 'DONE' }, result: 'done' });
    expect(w.calls).toEqual([
      expect.objectContaining({
        hash: 'h',
        status: 'DONE',
        result: 'done',
        caseStatus: { from: ['ASSESSED'], to: 'IN_ASSISTANCE' },
        newTasks: [expect.objectContaining({ kind: 'PLAN_ITEM', orgId: 'ngo-different-and-equal' })],
        now: NOW.toISOString(),
      }),
    ]);
    expect(w.told).toEqual([{ token: 'sfn-1', output: { taskId: task.taskId, result: 'done' } }]);
  });

  it('keeps the reason of a "no" as the note, out of the outcome and the callback', async () => {
    const w = world(assessed());
    const task = caseTask({ kind: 'PLAN_ITEM', sfnTaskToken: 'sfn-1' });

    await completeTask(w.deps, { task, raw: { result: 'not-possible', reason: 'CANARY' }, actor });

    expect(w.calls[0]).toMatchObject({
      status: 'DECLINED',
      note: 'CANARY',
      outcome: { result: 'not-possible' },
    });
    expect(JSON.stringify(w.calls[0]?.outcome)).not.toContain('CANARY');
    expect(JSON.stringify(w.told)).not.toContain('CANARY');
  });

  it('lets a review close plan items no longer needed and give others more time, in its own write', async () => {
    const ids = ['0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', '1a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'];
    const items = new Map(
      ids.map((taskId) => [
        taskId,
        caseTask({ taskId, kind: 'PLAN_ITEM', dueAt: '2026-03-25T09:00:00.000Z' }),
      ]),
    );
    const w = world(
      assessed({
        status: 'IN_ASSISTANCE',
        openTasks: { [ids[0] as string]: 'PLAN_ITEM', [ids[1] as string]: 'PLAN_ITEM' },
      }),
      true,
      items,
    );
    const review = caseTask({ kind: 'PLAN_REVIEW', sfnTaskToken: 'sfn-2' });
    const out = await completeTask(w.deps, {
      task: review,
      raw: { decision: 'continue', close: [ids[0]], reschedule: [{ taskId: ids[1], dueInDays: 30 }] },
      actor,
    });
    expect(out).toMatchObject({ kind: 'done', result: 'continue' });
    expect(w.calls[0]?.closeTasks?.map((t) => t.taskId)).toEqual([ids[0]]);
    const [move] = w.calls[0]?.moveTasks ?? [];
    expect(move?.task.taskId).toBe(ids[1]);
    expect(move?.dueAt.slice(0, 10)).toBe('2026-04-19');
    expect(move?.reminder).toMatchObject({ reminderStep: 0 });
  });

  it('refuses review changes to what is not an open plan item of the case, naming the field', async () => {
    const id = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const w = world(assessed({ status: 'IN_ASSISTANCE', openTasks: {} }));
    const review = caseTask({ kind: 'PLAN_REVIEW' });
    expect(
      await completeTask(w.deps, {
        task: review,
        raw: { decision: 'continue', close: [id], reschedule: [{ taskId: id, dueInDays: 10 }] },
        actor,
      }),
    ).toEqual({
      kind: 'invalid',
      issues: [
        { path: '/close/0', code: 'unknown_reference' },
        { path: '/reschedule/0/taskId', code: 'unknown_reference' },
      ],
    });
    expect(w.calls).toEqual([]);
  });

  it('confirms the closure the NGO proposed, from the status the case is in', async () => {
    const w = world(assessed({ status: 'FOLLOW_UP', closureProposal: 'CLOSED_REFERRED' }));

    await completeTask(w.deps, {
      task: caseTask({ kind: 'CLOSURE_CONFIRMATION' }),
      raw: { decision: 'confirm' },
      actor,
    });

    expect(w.calls[0]).toMatchObject({
      caseStatus: { from: ['FOLLOW_UP'], to: 'CLOSED_REFERRED' },
      caseFacts: { closedAt: NOW.toISOString() },
    });
  });

  it('answers invalid with field paths, writing nothing, for a bad outcome or a plan item outside the consent', async () => {
    const w = world(assessed());

    expect(await completeTask(w.deps, { task: caseTask(), raw: { needs: ['x'] }, actor })).toEqual({
      kind: 'invalid',
      issues: [{ path: '/needs/0', code: 'invalid' }],
    });
    expect(
      await completeTask(w.deps, {
        task: caseTask({ kind: 'ASSISTANCE_PLAN' }),
        raw: { items: [{ service: 'medical', orgId: 'ngo-tjeter-vizion' }] },
        actor,
      }),
    ).toEqual({ kind: 'invalid', issues: [{ path: '/items/0/orgId', code: 'outside_consent' }] });
    expect(w.calls).toEqual([]);
  });

  it('answers gone for a task no longer open, a case that ended or is missing, and a refused write', async () => {
    const raw = { needs: ['shelter'] };
    expect(
      await completeTask(world(assessed()).deps, { task: caseTask({ status: 'DONE' }), raw, actor }),
    ).toEqual({
      kind: 'gone',
    });
    expect(
      await completeTask(world(assessed({ status: 'WITHDRAWN' })).deps, { task: caseTask(), raw, actor }),
    ).toEqual({ kind: 'gone' });
    expect(await completeTask(world(undefined).deps, { task: caseTask(), raw, actor })).toEqual({
      kind: 'gone',
    });
    const refused = world(assessed({ status: 'ACCEPTED' }), false);
    expect(await completeTask(refused.deps, { task: caseTask({ sfnTaskToken: 't' }), raw, actor })).toEqual({
      kind: 'gone',
    });
    expect(refused.told).toEqual([]);
  });
});
