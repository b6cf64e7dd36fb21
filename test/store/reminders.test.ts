import { dispatchDue } from '../../functions/dispatch-due/dispatch-due';
import { prepareOffer } from '../../functions/prepare-offer/prepare-offer';
import { keys } from '../../shared/data/keys';
import type { TaskRecord } from '../../shared/data/records';
import { hashActionToken } from '../../shared/domain/action-token';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import type { Directory } from '../../shared/domain/directory';
import { DEFAULT_REMINDERS, firstReminder } from '../../shared/domain/reminders';
import type { Mailer, OutgoingEmail, SendResult } from '../../shared/email/mailer';
import { type TaskClock, withFirstReminder } from '../../shared/tasks/task-context';
import { NO_PREVIOUS_OFFER } from '../../shared/workflow/task-input';
import { dispatchDeps } from '../support/dispatch';
import { CASE_ID, caseTask, createReferralArgs, directory } from '../support/fixtures';
import { dropStoreTables, storeTable } from '../support/store-table';

/**
 * The reminder engine on DynamoStore and DynamoDB Local: reminder times on a moving clock,
 * exactly once with runs at once and after a crash, digests, quiet hours, the escalation
 * chain, and nothing for finished work.
 */

const WORKER = 'worker@example.org';
const FOCAL = 'dne@example.org';
const COORDINATOR = 'coordinator@example.org';
const CALENDAR = { timeZone: 'Europe/Tirane', holidays: new Set<string>() };
const CLOCK: TaskClock = {
  now: () => new Date(),
  deadlines: DEFAULT_DEADLINES,
  reminders: DEFAULT_REMINDERS,
  calendar: CALENDAR,
};
/** Monday 2 March 2026 10:00 in Tirana (UTC+1); due Thursday 5 March 10:00. */
const CREATED = '2026-03-02T09:00:00.000Z';
const DUE = '2026-03-05T09:00:00.000Z';

class Killed extends Error {
  override readonly name = 'Killed';
}

/** Records each message with the runtime instant it went; can die before accepting one. */
class ClockedMailer implements Mailer {
  readonly sent: Array<OutgoingEmail & { at: string }> = [];
  at = '';
  failAt: number | undefined;

  async send(email: OutgoingEmail): Promise<SendResult> {
    if (this.failAt !== undefined && this.sent.length === this.failAt) {
      this.failAt = undefined;
      throw new Killed('killed before the mail service accepted');
    }
    this.sent.push({ ...structuredClone(email), at: this.at });
    return { status: 'sent', messageId: `m${this.sent.length}` };
  }

  to(address: string) {
    return this.sent.filter((m) => m.to.includes(address));
  }
}

/** The fixture directory with a case worker beside the focal point, and a coordinator. */
function withTeam(): Directory {
  const d = directory();
  return {
    ...d,
    organisations: [
      ...d.organisations.map((o) =>
        o.orgId === 'ngo-different-and-equal'
          ? {
              ...o,
              contacts: [
                ...o.contacts,
                {
                  name: 'Case worker',
                  email: WORKER,
                  language: 'en' as const,
                  roles: ['case-worker' as const],
                },
              ],
            }
          : o,
      ),
      {
        orgId: 'prefecture-korce',
        name: 'Prefektura Korçë',
        kind: 'prefecture',
        regions: ['korce'],
        services: [],
        capacity: 0,
        childProtection: false,
        contacts: [{ name: 'Koordinatori', email: COORDINATOR, language: 'sq', roles: ['coordinator'] }],
      },
    ],
  };
}

afterEach(dropStoreTables);

async function setUp(dir: Directory = withTeam()) {
  const { store, table } = await storeTable('reminders', dir);
  await store.createReferral(createReferralArgs());
  const mailer = new ClockedMailer();
  const dispatch = (at: string, extra: Partial<Parameters<typeof dispatchDeps>[0]> = {}) => {
    mailer.at = at;
    return dispatchDue(dispatchDeps({ store, mailer, now: () => new Date(at), taskClock: CLOCK, ...extra }));
  };
  const open = async (overrides: Partial<TaskRecord> = {}) => {
    const task = withFirstReminder(
      CLOCK,
      caseTask({ createdAt: CREATED, dueAt: DUE, ...overrides }),
      new Date(overrides.createdAt ?? CREATED),
    );
    expect(await store.openTask({ task, actor: { role: 'system' }, now: task.createdAt })).toBe('opened');
    return task;
  };
  return { store, table, mailer, dispatch, open };
}

/** Runtime instants from `from` to `to` every `stepMinutes`, one minute past the step. */
function every(from: string, to: string, stepMinutes: number): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from) + 60_000; t <= Date.parse(to); t += stepMinutes * 60_000) {
    out.push(new Date(t).toISOString());
  }
  return out;
}

/** `YYYY-MM-DD HH:MM` in Tirana. */
const local = (iso: string) =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Tirane',
    dateStyle: 'short',
    timeStyle: 'short',
  }).format(new Date(iso));

describe('reminders on a moving clock', () => {
  it('reminds before, on and after the deadline, escalates once per level, and stops at the limit', async () => {
    const w = await setUp();
    const task = await w.open();
    // Every hour for two weeks, as the one-minute schedule would (catching up in between).
    const overdue: Readonly<Record<string, number>>[] = [];
    for (const at of every(CREATED, '2026-03-16T09:00:00.000Z', 60)) {
      const report = await w.dispatch(at);
      if (Object.keys(report.reminders.overdueByOrg).length > 0) overdue.push(report.reminders.overdueByOrg);
    }

    expect(w.mailer.to(WORKER).map((m) => local(m.at).slice(0, 13))).toEqual([
      '2026-03-04 08', // half time was Tuesday 22:00: quiet hours, so the start of Wednesday
      '2026-03-04 10', // one working day before
      '2026-03-05 10', // on the deadline
      '2026-03-06 08', // overdue, every working day...
      '2026-03-09 08', // ...over the weekend
      '2026-03-10 08',
      '2026-03-11 08',
      '2026-03-12 08', // the fifth and last
    ]);
    expect(w.mailer.to(FOCAL).map((m) => local(m.at).slice(0, 13))).toEqual(['2026-03-06 08']);
    expect(w.mailer.to(COORDINATOR).map((m) => local(m.at).slice(0, 13))).toEqual(['2026-03-09 08']);
    // Each in the recipient's language, with the case reference and a working link where they act.
    expect(w.mailer.to(WORKER)[0]?.text).toMatch(/KOR-2026-0001[\s\S]*\/actions\/[A-Za-z0-9_-]{43}/);
    expect(w.mailer.to(COORDINATOR)[0]?.text).toContain('KOR-2026-0001');
    expect(w.mailer.to(COORDINATOR)[0]?.text).not.toMatch(/\/actions\//);
    // Each link is live: the table holds its hash (the task had been emailed: one more link).
    const token = /\/actions\/([A-Za-z0-9_-]{43})/.exec(w.mailer.to(WORKER).at(-1)?.text ?? '')?.[1] ?? '';
    expect((await w.table.items()).some((i) => i.pk === `ACTION#${hashActionToken(token)}`)).toBe(true);

    const stored = await w.store.getTask(task.taskId);
    expect(stored).toMatchObject({ overdueAt: expect.any(String), escalatedAt: expect.any(String) });
    expect(stored?.reminderAt).toBeUndefined();
    expect((await w.table.items()).filter((i) => String(i.pk).startsWith('DUE#'))).toEqual([]);
    const events = (await w.store.listEvents(CASE_ID)).map((e) => e.type);
    expect(events.filter((t) => t === 'NEEDS_ASSESSMENT_OVERDUE')).toHaveLength(1);
    // The `OverdueTasks` figure: one run, the one that marked it, counts the task for its organisation.
    expect(overdue).toEqual([{ [task.orgId]: 1 }]);
  }, 120_000);

  it('sends nothing for a task done before its reminder, and removes its pending one in the same write', async () => {
    const w = await setUp();
    const task = await w.open();
    const stored = (await w.store.getTask(task.taskId)) as TaskRecord;
    expect(
      await w.store.completeTask({
        task: stored,
        status: 'DONE',
        result: 'complete',
        outcome: { needs: ['shelter'] },
        actor: { role: 'ngo', orgId: stored.orgId },
        now: '2026-03-03T10:00:00.000Z',
      }),
    ).toBe(true);
    expect((await w.table.items()).filter((i) => i.type === 'REMINDER')).toEqual([]);
    for (const at of every(CREATED, '2026-03-12T09:00:00.000Z', 12 * 60)) await w.dispatch(at);
    expect(w.mailer.sent).toEqual([]);
  });

  it('sends nothing after a withdrawal cancels the task', async () => {
    const w = await setUp();
    const task = await w.open();
    await w.dispatch('2026-03-04T07:01:00.000Z');
    const sent = w.mailer.sent.length;
    const stored = (await w.store.getTask(task.taskId)) as TaskRecord;
    expect(
      await w.store.completeTask({
        task: stored,
        status: 'CANCELLED',
        actor: { role: 'police', orgId: 'police-korce' },
        now: '2026-03-04T08:00:00.000Z',
      }),
    ).toBe(true);
    expect((await w.table.items()).filter((i) => i.type === 'REMINDER')).toEqual([]);
    for (const at of every('2026-03-04T08:00:00.000Z', '2026-03-14T09:00:00.000Z', 6 * 60))
      await w.dispatch(at);
    expect(w.mailer.sent).toHaveLength(sent);
  });

  it('names the coordinator to ask in the footer, and the organisation it is for', async () => {
    const w = await setUp();
    await w.open();
    await w.dispatch('2026-03-04T09:01:00.000Z');
    const [reminder] = w.mailer.to(WORKER);
    expect(reminder?.text).toContain(COORDINATOR);
    expect(reminder?.text).toContain('Different and Equal');
  });

  it("takes an offer's pending reminder with it when the offer lapses", async () => {
    const w = await setUp();
    const offer = await prepareOffer(
      {
        store: w.store,
        now: () => new Date(CREATED),
        offerDeadlineHours: 24,
        reminders: DEFAULT_REMINDERS,
        calendar: CALENDAR,
      },
      { caseId: CASE_ID, afterTaskId: NO_PREVIOUS_OFFER },
    );
    expect(offer.found).toBe(true);
    const pending = () => w.table.items().then((all) => all.filter((i) => i.type === 'REMINDER'));
    expect(await pending()).toHaveLength(1);
    const task = (await w.store.getTask(offer.taskId ?? '')) as TaskRecord;
    expect(await w.store.lapseTask(task, '2026-03-03T09:00:00.000Z')).toBe(true);
    expect(await pending()).toEqual([]);
  });

  it('moves the pending reminder with the deadline', async () => {
    const w = await setUp();
    const task = await w.open();
    const stored = (await w.store.getTask(task.taskId)) as TaskRecord;
    const later = '2026-03-12T09:00:00.000Z';
    const now = new Date('2026-03-03T08:00:00.000Z');
    const reminder = firstReminder({ ...stored, dueAt: later }, DEFAULT_REMINDERS, CALENDAR, now);
    expect(
      await w.store.moveTaskDue({
        task: stored,
        dueAt: later,
        ...(reminder ? { reminder } : {}),
        actor: { role: 'coordinator', orgId: 'prefecture-korce' },
        now: now.toISOString(),
      }),
    ).toBe(true);
    const pending = (await w.table.items()).filter((i) => i.type === 'REMINDER');
    expect(pending.map((i) => i.dueAt)).toEqual([reminder?.reminderAt]);
    // The old Thursday deadline passes in silence; the new one is reminded.
    for (const at of every('2026-03-05T08:00:00.000Z', '2026-03-06T12:00:00.000Z', 60)) await w.dispatch(at);
    expect(w.mailer.sent).toEqual([]);
    for (const at of every('2026-03-06T12:00:00.000Z', '2026-03-12T12:00:00.000Z', 60)) await w.dispatch(at);
    expect(w.mailer.to(WORKER).map((m) => local(m.at).slice(0, 13))).toEqual([
      '2026-03-07 10', // half of the time from creation to the new deadline
      '2026-03-11 10',
      '2026-03-12 10',
    ]);
    expect((await w.store.listEvents(CASE_ID)).map((e) => e.type)).toContain('NEEDS_ASSESSMENT_DUE_MOVED');
  }, 60_000);
});

describe('exactly once', () => {
  const AT = '2026-03-04T09:01:00.000Z'; // Wednesday 10:01: one working day before

  it('sends each reminder once when two runs sweep at the same time', async () => {
    const w = await setUp();
    const ids = ['1', '2', '3'].map((n) => `b4d6f8a0-2c3e-4a5b-9d7f-1e3a5c7e9b${n}d`);
    for (const taskId of ids) await w.open({ taskId });
    // Past the half-time step (quiet) and at the one-working-day step.
    await w.dispatch('2026-03-04T07:01:00.000Z');
    const morning = w.mailer.to(WORKER).length;
    const reports = await Promise.all([w.dispatch(AT), w.dispatch(AT), w.dispatch(AT)]);
    expect(reports.reduce((n, r) => n + r.reminders.due, 0)).toBe(3);
    // Each reminder once: the runs split the three between them (a digest each, or one for all).
    const links = w.mailer
      .to(WORKER)
      .slice(morning)
      .flatMap((m) => m.text.match(/\/actions\/[A-Za-z0-9_-]{43}/g) ?? []);
    expect(links).toHaveLength(3);
    expect(new Set(links).size).toBe(3);
  });

  it('sends each reminder once after a run dies mid-send and a later one takes over', async () => {
    const w = await setUp();
    await w.open();
    await w.dispatch('2026-03-04T07:01:00.000Z'); // the quiet-hours copy goes at 08:00
    const before = w.mailer.sent.length;
    // Thursday 10:01: the worker and (as case team) nobody else; make the focal point a case worker too.
    w.mailer.failAt = before;
    await expect(w.dispatch(AT)).rejects.toThrow(Killed);
    expect(w.mailer.sent).toHaveLength(before);
    // A run at once finds it held; after the claim lapses, the next run sends it, once.
    expect((await w.dispatch('2026-03-04T09:02:00.000Z')).reminders.due).toBe(0);
    const later = new Date(Date.parse(AT) + (DEFAULT_REMINDERS.claimSeconds + 60) * 1000).toISOString();
    expect((await w.dispatch(later)).reminders).toMatchObject({ due: 1, sent: 1, emails: 1 });
    expect((await w.dispatch(later)).reminders.due).toBe(0);
    expect(w.mailer.to(WORKER)).toHaveLength(before + 1);
  });

  it('writes only to whoever has not had it when a run died between two recipients', async () => {
    const d = withTeam();
    const two = {
      ...d,
      organisations: d.organisations.map((o) =>
        o.orgId === 'ngo-different-and-equal'
          ? {
              ...o,
              contacts: [
                ...o.contacts,
                {
                  name: 'Second worker',
                  email: 'second@example.org',
                  language: 'sq' as const,
                  roles: ['case-worker' as const],
                },
              ],
            }
          : o,
      ),
    };
    const w = await setUp(two);
    await w.open();
    await w.dispatch('2026-03-04T07:01:00.000Z');
    const before = w.mailer.sent.length;
    w.mailer.failAt = before + 1; // the first of the two goes, the run dies before the second
    await expect(w.dispatch(AT)).rejects.toThrow(Killed);
    const later = new Date(Date.parse(AT) + (DEFAULT_REMINDERS.claimSeconds + 60) * 1000).toISOString();
    await w.dispatch(later);
    const at10 = w.mailer.sent.slice(before);
    expect(at10.map((m) => m.to[0]).sort()).toEqual(['second@example.org', WORKER]);
  });
});

describe('digest and quiet hours', () => {
  it('sends five reminders due for one person in one run as one email listing five links', async () => {
    const w = await setUp();
    for (let n = 0; n < 5; n += 1) await w.open({ taskId: `c4d6f8a0-2c3e-4a5b-9d7f-1e3a5c7e9b${n}d` });
    const report = await w.dispatch('2026-03-04T09:01:00.000Z');
    expect(report.reminders).toMatchObject({ due: 5, sent: 5, emails: 1 });
    const [digest] = w.mailer.to(WORKER);
    expect(digest?.text.match(/\/actions\/[A-Za-z0-9_-]{43}/g)).toHaveLength(5);
    expect(new Set(digest?.text.match(/\/actions\/[A-Za-z0-9_-]{43}/g)).size).toBe(5);
    expect(digest?.about).toMatchObject({ purpose: 'reminder', caseId: CASE_ID });
    expect(digest?.about?.taskIds).toHaveLength(5);
  });

  it('holds a reminder that falls in quiet hours until 08:00 in the recipient zone, and each zone has its own', async () => {
    const d = withTeam();
    const zoned = {
      ...d,
      organisations: d.organisations.map((o) =>
        o.orgId === 'ngo-different-and-equal'
          ? {
              ...o,
              contacts: [
                ...o.contacts,
                {
                  name: 'Remote worker',
                  email: 'ny@example.org',
                  language: 'en' as const,
                  roles: ['case-worker' as const],
                  timeZone: 'America/New_York',
                },
              ],
            }
          : o,
      ),
    };
    const w = await setUp(zoned);
    await w.open();
    // Tuesday 22:00 Tirana (16:00 New York): the half-time reminder.
    const report = await w.dispatch('2026-03-03T21:01:00.000Z');
    expect(report.reminders).toMatchObject({ due: 1, emails: 1, deferred: 1 });
    expect(w.mailer.sent.map((m) => m.to[0])).toEqual(['ny@example.org']);
    await w.dispatch('2026-03-04T06:59:00.000Z');
    expect(w.mailer.to(WORKER)).toHaveLength(0);
    await w.dispatch('2026-03-04T07:00:30.000Z'); // 08:00 in Tirana
    expect(w.mailer.to(WORKER)).toHaveLength(1);
  });
});

describe('a sweep reads only what is due', () => {
  it('drains a backlog larger than its batch over the next runs, each reminder once', async () => {
    const w = await setUp();
    const ids = Array.from(
      { length: 30 },
      (_, n) => `d4d6f8a0-2c3e-4a5b-9d7f-${String(n).padStart(12, '0')}`,
    );
    for (const taskId of ids) await w.open({ taskId, orgId: 'ngo-tjeter-vizion' });
    const first = await w.dispatch('2026-03-04T09:01:00.000Z', { batchSize: 2 });
    expect(first.more).toBe(true);
    expect(first.reminders.due).toBeLessThanOrEqual(16);
    expect(first.read).toBeLessThanOrEqual(16);
    let total = first.reminders.due;
    for (let minute = 2; total < 30 && minute < 40; minute += 1) {
      const at = new Date(Date.parse('2026-03-04T09:00:00.000Z') + minute * 60_000).toISOString();
      total += (await w.dispatch(at, { batchSize: 2 })).reminders.due;
    }
    expect(total).toBe(30);
    const idle = await w.dispatch('2026-03-04T09:59:00.000Z', { batchSize: 2 });
    expect(idle).toMatchObject({ read: 0, reminders: { due: 0 } });
  }, 60_000);

  it('gives a task from before reminders its chain from its old due item', async () => {
    const w = await setUp();
    const task = caseTask({ createdAt: CREATED, dueAt: DUE });
    expect(await w.store.openTask({ task, actor: { role: 'system' }, now: CREATED })).toBe('opened');
    // What the store wrote before reminders: a TASK_DUE item at the due instant.
    await w.store.putDue({
      type: 'TASK_DUE',
      dueAt: DUE,
      ref: task.taskId,
      caseId: CASE_ID,
      taskId: task.taskId,
    });
    await w.dispatch('2026-03-05T09:01:00.000Z');
    await w.dispatch('2026-03-05T09:02:00.000Z');
    expect(w.mailer.to(WORKER)).toHaveLength(1);
    expect(await w.store.getTask(task.taskId)).toMatchObject({ reminderAt: expect.any(String) });
    expect(
      (await w.table.items()).some(
        (i) => i.pk === keys.due(task.taskId, DUE, 'TASK_DUE').pk && i.type === 'TASK_DUE',
      ),
    ).toBe(false);
  });
});
