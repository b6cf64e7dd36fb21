import { openTask } from '../../functions/open-task/open-task';
import { scheduleStage } from '../../functions/schedule-stage/schedule-stage';
import type { CaseRecord, DueItem, OrgRecord, TaskRecord } from '../../shared/data/records';
import type { CompleteTaskArgs } from '../../shared/data/store';
import { DEFAULT_DEADLINES, followUpSchedule } from '../../shared/domain/deadlines';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import { completeTask } from '../../shared/tasks/complete-task';
import { caseTask, createReferralArgs, directory } from '../support/fixtures';

/**
 * The check-ins (3, 6 and 12 months by default) count from the end of the assistance plan:
 * `followUpFrom`, the instant the plan review that moves the case to FOLLOW_UP was completed,
 * not from the NGO's acceptance. A case accepted in January whose assistance ended in June
 * has its first check-in in September.
 */

const ORGS: OrgRecord[] = directory().organisations.map((o) => ({ ...o, openOffers: 0 }));
const CALENDAR = { timeZone: 'Europe/Tirane', holidays: new Set<string>() };
const ACCEPTED_AT = '2026-01-15T09:00:00.000Z';
/** 10 June 2026, 10:00 in Tirana: the review that ended assistance. */
const FOLLOW_UP_FROM = '2026-06-10T08:00:00.000Z';

const clock = (now: string) => ({
  now: () => new Date(now),
  deadlines: DEFAULT_DEADLINES,
  reminders: DEFAULT_REMINDERS,
  calendar: CALENDAR,
});

function inFollowUp(changes: Partial<CaseRecord> = {}): CaseRecord {
  return {
    ...createReferralArgs().caseItem,
    status: 'FOLLOW_UP',
    acceptedOrgId: 'ngo-different-and-equal',
    acceptedAt: ACCEPTED_AT,
    followUpFrom: FOLLOW_UP_FROM,
    ...changes,
  };
}

const stageInput = (item: CaseRecord, sequence: number) => ({
  caseId: item.caseId,
  reference: item.reference,
  region: item.region,
  cycle: 1,
  sequence,
});

describe('follow-up check-ins', () => {
  it('start counting when the plan review that ends assistance is completed', async () => {
    const calls: CompleteTaskArgs[] = [];
    const item = inFollowUp({ status: 'IN_ASSISTANCE', followUpFrom: undefined });
    const out = await completeTask(
      {
        ...clock(FOLLOW_UP_FROM),
        store: {
          getCase: async () => item,
          getTask: async () => undefined,
          listOrganisations: async () => ORGS,
          getMeeting: async () => undefined,
          completeTask: async (args) => {
            calls.push(args);
            return true;
          },
        },
        callback: { succeed: async () => 'ok' },
      },
      {
        task: caseTask({ kind: 'PLAN_REVIEW' }),
        raw: { decision: 'complete' },
        actor: { role: 'link', orgId: 'ngo-different-and-equal' },
      },
    );
    expect(out).toMatchObject({ kind: 'done', result: 'complete' });
    expect(calls[0]).toMatchObject({
      caseStatus: { from: ['IN_ASSISTANCE'], to: 'FOLLOW_UP' },
      caseFacts: { followUpFrom: FOLLOW_UP_FROM },
    });
  });

  it('are scheduled 3, 6 and 12 months after followUpFrom, not after acceptance (accepted January, ended June: September)', async () => {
    const item = inFollowUp();
    const puts: DueItem[] = [];
    const deps = {
      ...clock('2026-06-10T08:05:00.000Z'),
      store: {
        getCase: async () => item,
        putDue: async (due: DueItem) => {
          puts.push(due);
          return true;
        },
      },
    };
    for (const sequence of [1, 2, 3])
      await scheduleStage(deps, { ...stageInput(item, sequence), stage: 'follow-up' });

    // Each stage starts at local midnight followUpLeadDays (14) calendar days before its
    // check-in (10 September, 10 December 2026 and 10 June 2027), when followUpSchedule opens
    // it. Counted from acceptance the first would be in April.
    expect(puts.map((p) => [p.type, p.dueAt])).toEqual([
      ['START_STAGE', '2026-08-26T22:00:00.000Z'],
      ['START_STAGE', '2026-11-25T23:00:00.000Z'],
      ['START_STAGE', '2027-05-26T22:00:00.000Z'],
    ]);
    const schedule = followUpSchedule(DEFAULT_DEADLINES, new Date(FOLLOW_UP_FROM), CALENDAR);
    expect(puts.map((p) => p.dueAt)).toEqual(schedule.map((f) => f.opensAt.toISOString()));
  });

  it('open at local midnight across the October clock change, not 14 × 24 hours before the check-in', async () => {
    // Ended 3 August 2026, 10:00 in Tirana: the check-in is 3 November, 10:00 CET (09:00Z);
    // 14 days earlier is 20 October, still summer time, so midnight there is 22:00Z the day
    // before. 14 × 24 hours before the check-in would be 20 October 11:00 CEST.
    const item = inFollowUp({ followUpFrom: '2026-08-03T08:00:00.000Z' });
    const puts: DueItem[] = [];
    const deps = {
      ...clock('2026-08-03T08:05:00.000Z'),
      store: {
        getCase: async () => item,
        putDue: async (due: DueItem) => {
          puts.push(due);
          return true;
        },
      },
    };

    const out = await scheduleStage(deps, { ...stageInput(item, 1), stage: 'follow-up' });

    expect(out).toEqual({ scheduled: true, at: '2026-10-19T22:00:00.000Z' });
    expect(puts.map((p) => p.dueAt)).toEqual(['2026-10-19T22:00:00.000Z']);
    const [first] = followUpSchedule(DEFAULT_DEADLINES, new Date(item.followUpFrom ?? ''), CALENDAR);
    expect(first?.checkInAt.toISOString()).toBe('2026-11-03T09:00:00.000Z');
    expect(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Tirane',
        dateStyle: 'short',
        timeStyle: 'medium',
      }).format(new Date(out.at ?? '')),
    ).toBe('20/10/2026, 00:00:00');
  });

  it('open at once when the opening day has already begun', async () => {
    const item = inFollowUp({ followUpFrom: '2026-08-03T08:00:00.000Z' });
    const puts: DueItem[] = [];
    const now = '2026-10-20T05:00:00.000Z';
    const deps = {
      ...clock(now),
      store: {
        getCase: async () => item,
        putDue: async (due: DueItem) => {
          puts.push(due);
          return true;
        },
      },
    };

    const out = await scheduleStage(deps, { ...stageInput(item, 1), stage: 'follow-up' });

    expect(out).toEqual({ scheduled: true, at: now });
    expect(puts.map((p) => p.dueAt)).toEqual([now]);
  });

  it('are due on their check-in date counted from followUpFrom, as followUpSchedule gives them', async () => {
    const item = inFollowUp();
    const opened: TaskRecord[] = [];
    const deps = {
      ...clock('2026-08-27T08:00:00.000Z'),
      actionBaseUrl: 'https://api.bashke.test',
      mailer: {
        send: async () => {
          throw new Error('no mail in this test');
        },
      },
      store: {
        getCase: async () => item,
        getTask: async () => undefined,
        listOrganisations: async () => ORGS,
        getOrganisation: async (orgId: string) => ORGS.find((o) => o.orgId === orgId),
        openTask: async (args: { task: TaskRecord }) => {
          opened.push(args.task);
          return 'opened' as const;
        },
        // As after a run that emailed it: nothing is sent, the due instant is what is looked at.
        armTask: async () => ({ kind: 'emailed-before' as const }),
        rearmTask: async () => true,
        markEmailed: async () => {},
        keepAnswerToken: async () => {},
      },
    };
    for (const sequence of [1, 2, 3])
      await openTask(deps, { ...stageInput(item, sequence), kind: 'FOLLOW_UP' });

    const schedule = followUpSchedule(DEFAULT_DEADLINES, new Date(FOLLOW_UP_FROM), CALENDAR);
    expect(schedule.map((f) => f.checkInAt.toISOString())).toEqual([
      '2026-09-10T08:00:00.000Z',
      '2026-12-10T09:00:00.000Z',
      '2027-06-10T08:00:00.000Z',
    ]);
    // The end of each check-in's day in Tirana.
    expect(opened.map((t) => t.dueAt)).toEqual([
      '2026-09-10T21:59:59.999Z',
      '2026-12-10T22:59:59.999Z',
      '2027-06-10T21:59:59.999Z',
    ]);
    expect(opened.map((t) => t.dueAt)).toEqual(schedule.map((f) => f.dueAt.toISOString()));
  });
});
