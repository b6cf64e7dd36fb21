import { type ActionLinkDeps, submitAction, viewAction } from '../../functions/action-link/action-link';
import { dispatchDue } from '../../functions/dispatch-due/dispatch-due';
import { LINK_MARGIN_MS, linkMarginMs, openTask } from '../../functions/open-task/open-task';
import { prepareOffer } from '../../functions/prepare-offer/prepare-offer';
import type { MeetingStore } from '../../shared/data/meeting-store';
import type { CaseRecord } from '../../shared/data/records';
import { deriveActionToken, hashActionToken, isWellFormedToken } from '../../shared/domain/action-token';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import type { TaskKind } from '../../shared/domain/tasks';
import type { Mailer, OutgoingEmail, SendResult } from '../../shared/email/mailer';
import { taskIdFor } from '../../shared/tasks/task-id';
import { CaseClosedError, CaseStateError, NO_PREVIOUS_OFFER } from '../../shared/workflow/task-input';
import { dispatchDeps } from '../support/dispatch';
import { CASE_ID, createReferralArgs, directory } from '../support/fixtures';
import { dropStoreTables, failNext, storeTable } from '../support/store-table';

/**
 * The human-task step killed at each point inside it, then run again with the same Step
 * Functions task token (the local engine after a crash) or with a new one (a retried
 * attempt), on DynamoStore and DynamoDB Local. Every run must end with at least one email
 * whose link works through the action-link use case; only a stop between the mail service
 * accepting and the record being written may send a second copy, and then both copies'
 * links work.
 */

const TOKEN = 'sfn-task-token-attempt-1';
const NEW_TOKEN = 'sfn-task-token-attempt-2';
const BASE_URL = 'https://api.bashke.test';
const REFERENCE = createReferralArgs().caseItem.reference;
const REGION = createReferralArgs().caseItem.region;
const NOW = new Date('2026-03-10T10:00:00.000Z');
/** A fixed calendar: Tirana's zone, one public holiday (Thursday 12 March 2026, made up). */
const CALENDAR = { timeZone: 'Europe/Tirane', holidays: new Set(['2026-03-12']) };

/** A process dying: nothing after it ran. */
class Killed extends Error {
  override readonly name = 'Killed';
}

/** A mail service that can die before or after it accepts one message. */
class FlakyMailer implements Mailer {
  readonly accepted: OutgoingEmail[] = [];
  private fault: 'before' | 'after' | undefined;

  killNext(when: 'before' | 'after'): void {
    this.fault = when;
  }

  async send(email: OutgoingEmail): Promise<SendResult> {
    const fault = this.fault;
    this.fault = undefined;
    if (fault === 'before') throw new Killed('killed before the mail service accepted');
    this.accepted.push(structuredClone(email));
    if (fault === 'after') throw new Killed('killed after the mail service accepted');
    return { status: 'sent', messageId: `m${this.accepted.length}` };
  }

  /** The action tokens of every email accepted, in order. */
  tokens(): string[] {
    return this.accepted.map((m) => {
      const match = /\/actions\/([A-Za-z0-9_-]+)/.exec(m.text);
      if (!match?.[1]) throw new Error('a task email without a link');
      expect(m.html).toContain(`${BASE_URL}/actions/${match[1]}`);
      return match[1];
    });
  }
}

class RecordingCallback {
  readonly answered: Array<{ token: string; output: object }> = [];
  async succeed(token: string, output: object): Promise<'ok' | 'closed'> {
    this.answered.push({ token, output });
    return 'ok';
  }
}

afterEach(dropStoreTables);

/** A case of the fixture directory; an offer opened by PrepareOffer unless the case says otherwise. */
async function setUp(changes: Partial<CaseRecord> = {}) {
  const { store, items } = await storeTable('open-task', directory());
  const base = createReferralArgs();
  await store.createReferral({ ...base, caseItem: { ...base.caseItem, ...changes } });
  const now = () => NOW;
  const mailer = new FlakyMailer();
  const callback = new RecordingCallback();
  const deps = {
    store,
    mailer,
    callback,
    now,
    deadlines: DEFAULT_DEADLINES,
    reminders: DEFAULT_REMINDERS,
    calendar: CALENDAR,
    actionBaseUrl: BASE_URL,
  };
  const actionDeps: ActionLinkDeps = {
    store,
    callback,
    now: () => new Date('2026-03-10T11:00:00.000Z'),
    deadlines: DEFAULT_DEADLINES,
    reminders: DEFAULT_REMINDERS,
    calendar: CALENDAR,
  };
  const event = (kind: TaskKind, extra: Record<string, unknown> = {}) => ({
    caseId: CASE_ID,
    reference: REFERENCE,
    region: REGION,
    cycle: 1,
    sequence: 1,
    kind,
    ...extra,
  });
  return { store, items, mailer, callback, deps, actionDeps, event };
}

async function offerWorld() {
  const w = await setUp();
  const offer = await prepareOffer(
    {
      store: w.store,
      now: () => NOW,
      offerDeadlineHours: 24,
      reminders: DEFAULT_REMINDERS,
      calendar: CALENDAR,
    },
    { caseId: CASE_ID, afterTaskId: NO_PREVIOUS_OFFER },
  );
  if (!offer.found) throw new Error('the fixture directory has an NGO for the case');
  const run = (taskToken = TOKEN) => openTask(w.deps, w.event('OFFER', { taskId: offer.taskId, taskToken }));
  return { ...w, run, taskId: offer.taskId };
}

type World = Awaited<ReturnType<typeof offerWorld>>;

/** Every emailed link shows its confirm page; the first accepts, answering the current task token. */
async function expectEveryLinkWorks(w: World, currentToken: string): Promise<void> {
  const tokens = w.mailer.tokens();
  expect(tokens.length).toBeGreaterThan(0);
  for (const token of tokens) {
    expect(await viewAction(w.actionDeps, token)).toMatchObject({
      kind: 'confirm',
      task: { kind: 'OFFER', reference: REFERENCE },
    });
  }
  const [first] = tokens;
  expect(
    await submitAction(w.actionDeps, first as string, new URLSearchParams({ decision: 'accept' })),
  ).toMatchObject({ kind: 'done', result: 'accept' });
  expect(w.callback.answered).toEqual([
    { token: currentToken, output: { result: 'accept', taskId: w.taskId } },
  ]);
  // Single use across every link of the task.
  for (const token of tokens) expect(await viewAction(w.actionDeps, token)).toEqual({ kind: 'gone' });
}

describe('deriveActionToken', () => {
  it('is stable for one attempt, differs between attempts and tasks, and has the shape of a random token', () => {
    const a = deriveActionToken(TOKEN, 'task-1');
    expect(deriveActionToken(TOKEN, 'task-1')).toEqual(a);
    expect(deriveActionToken(NEW_TOKEN, 'task-1').token).not.toBe(a.token);
    expect(deriveActionToken(TOKEN, 'task-2').token).not.toBe(a.token);
    expect(isWellFormedToken(a.token)).toBe(true);
    expect(a.hash).toBe(hashActionToken(a.token));
    // 256 bits, and nothing of the key shows in it.
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(32);
    expect(a.token).not.toContain(TOKEN.slice(0, 8));
  });

  it('refuses an empty key', () => {
    expect(() => deriveActionToken('', 'task-1')).toThrow('task token');
  });
});

describe('linkMarginMs', () => {
  it('is a minute, or a tenth of a deadline shorter than ten minutes', () => {
    expect(linkMarginMs(24)).toBe(LINK_MARGIN_MS);
    expect(linkMarginMs(0.1)).toBe(36_000);
  });
});

describe('openTask (offer) run again after a stop', () => {
  it('runs once: one email, the link expires a margin before the deadline, the task emailed and armed', async () => {
    const w = await offerWorld();
    expect(await w.run()).toEqual({ taskId: w.taskId, emailed: true });
    expect(w.mailer.accepted).toHaveLength(1);
    const { hash } = deriveActionToken(TOKEN, w.taskId);
    const expiry = new Date(NOW.getTime() + 24 * 3_600_000 - LINK_MARGIN_MS).toISOString();
    expect(await w.store.getTask(w.taskId)).toMatchObject({
      sfnTaskToken: TOKEN,
      actionHash: hash,
      linkExpiresAt: expiry,
      emailedAt: NOW.toISOString(),
    });
    expect(await w.store.getActionLink(hash)).toMatchObject({ expiresAt: expiry, taskId: w.taskId });
    // The email names the link's expiry (11 March, 10:59 in Tirana).
    expect(w.mailer.accepted[0]?.text).toContain('2026-03-11 10:59');
    await expectEveryLinkWorks(w, TOKEN);
  });

  it('killed before arming: the run again sends one email whose link works', async () => {
    const w = await offerWorld();
    failNext(w.store, 'armTask', new Killed('killed before arming'));
    await expect(w.run()).rejects.toThrow(Killed);
    expect(w.mailer.accepted).toHaveLength(0);

    expect(await w.run()).toEqual({ taskId: w.taskId, emailed: true });
    expect(w.mailer.accepted).toHaveLength(1);
    await expectEveryLinkWorks(w, TOKEN);
  });

  it('killed after arming, before sending: the run again re-arms nothing, sends one email with the first expiry', async () => {
    const w = await offerWorld();
    w.mailer.killNext('before');
    await expect(w.run()).rejects.toThrow(Killed);
    const armed = await w.store.getTask(w.taskId);
    expect(armed?.actionHash).toBeDefined();
    const links = async () => (await w.items()).filter((i) => String(i.pk).startsWith('ACTION#'));
    const before = await links();

    // Later: the expiry must still be the first run's (the state's timer did not restart).
    const later = { ...w.deps, now: () => new Date(NOW.getTime() + 3_600_000) };
    expect(await openTask(later, w.event('OFFER', { taskId: w.taskId, taskToken: TOKEN }))).toEqual({
      taskId: w.taskId,
      emailed: true,
    });
    expect(w.mailer.accepted).toHaveLength(1);
    expect(w.mailer.accepted[0]?.text).toContain('2026-03-11 10:59');
    const after = await w.store.getTask(w.taskId);
    expect(after).toMatchObject({ actionHash: armed?.actionHash, linkExpiresAt: armed?.linkExpiresAt });
    expect(await links()).toEqual(before);
    await expectEveryLinkWorks(w, TOKEN);
  });

  it('killed after the mail service accepted, before marking emailed: two copies with the same, working link', async () => {
    const w = await offerWorld();
    w.mailer.killNext('after');
    await expect(w.run()).rejects.toThrow(Killed);
    expect(w.mailer.accepted).toHaveLength(1);

    expect(await w.run()).toEqual({ taskId: w.taskId, emailed: true });
    expect(w.mailer.accepted).toHaveLength(2);
    const [a, b] = w.mailer.tokens();
    expect(a).toBe(b);
    await expectEveryLinkWorks(w, TOKEN);
  });

  it('killed while marking emailed: two copies at most, the same working link', async () => {
    const w = await offerWorld();
    failNext(w.store, 'markEmailed', new Killed('killed while marking emailed'));
    await expect(w.run()).rejects.toThrow(Killed);

    expect(await w.run()).toEqual({ taskId: w.taskId, emailed: true });
    expect(w.mailer.accepted).toHaveLength(2);
    expect(new Set(w.mailer.tokens()).size).toBe(1);
    await expectEveryLinkWorks(w, TOKEN);
  });

  it('killed after marking emailed, before returning: the run again sends nothing and writes nothing', async () => {
    const w = await offerWorld();
    await w.run();
    const before = await w.items();

    expect(await w.run()).toEqual({ taskId: w.taskId, emailed: false });
    expect(w.mailer.accepted).toHaveLength(1);
    expect(await w.items()).toEqual(before);
    await expectEveryLinkWorks(w, TOKEN);
  });
});

describe('openTask (offer) in a new attempt (new task token)', () => {
  it('after the email went out: only the callback token is swapped, no second email, the link answers the new attempt', async () => {
    const w = await offerWorld();
    await w.run(TOKEN);

    expect(await w.run(NEW_TOKEN)).toEqual({ taskId: w.taskId, emailed: false });
    expect(w.mailer.accepted).toHaveLength(1);
    expect(await w.store.getTask(w.taskId)).toMatchObject({
      sfnTaskToken: NEW_TOKEN,
      actionHash: deriveActionToken(TOKEN, w.taskId).hash,
    });
    await expectEveryLinkWorks(w, NEW_TOKEN);
  });

  it('after arming, before any email: one email with the new link, which works', async () => {
    const w = await offerWorld();
    w.mailer.killNext('before');
    await expect(w.run(TOKEN)).rejects.toThrow(Killed);

    expect(await w.run(NEW_TOKEN)).toEqual({ taskId: w.taskId, emailed: true });
    expect(w.mailer.tokens()).toEqual([deriveActionToken(NEW_TOKEN, w.taskId).token]);
    await expectEveryLinkWorks(w, NEW_TOKEN);
  });

  it('after an unrecorded email: both emails links work, each answering the new attempt', async () => {
    const w = await offerWorld();
    w.mailer.killNext('after');
    await expect(w.run(TOKEN)).rejects.toThrow(Killed);

    expect(await w.run(NEW_TOKEN)).toEqual({ taskId: w.taskId, emailed: true });
    const tokens = w.mailer.tokens();
    expect(tokens).toHaveLength(2);
    expect(new Set(tokens).size).toBe(2);
    await expectEveryLinkWorks(w, NEW_TOKEN);
  });

  it('the second link of the task completes it as well as the first', async () => {
    const w = await offerWorld();
    w.mailer.killNext('after');
    await expect(w.run(TOKEN)).rejects.toThrow(Killed);
    await w.run(NEW_TOKEN);
    const [, second] = w.mailer.tokens();

    expect(
      await submitAction(
        w.actionDeps,
        second as string,
        new URLSearchParams({ decision: 'decline', reason: 'full' }),
      ),
    ).toMatchObject({ kind: 'done', result: 'decline' });
    expect(w.callback.answered).toEqual([
      { token: NEW_TOKEN, output: { result: 'decline', taskId: w.taskId } },
    ]);
    expect(await w.store.getTask(w.taskId)).toMatchObject({ status: 'DECLINED', note: 'full' });
  });
});

/**
 * The new token is kept on the done task with a TASK_ANSWER item on the due-time index, and
 * the sweep tells that token the recorded result.
 */
async function expectAnswerRelayed(store: MeetingStore, taskId: string): Promise<void> {
  const task = await store.getTask(taskId);
  expect(task?.sfnTaskToken).toBe(NEW_TOKEN);
  const answered: { token: string; output: unknown }[] = [];
  const report = await dispatchDue(
    dispatchDeps({
      store,
      taskClock: {
        now: () => NOW,
        deadlines: DEFAULT_DEADLINES,
        reminders: DEFAULT_REMINDERS,
        calendar: CALENDAR,
      },
      callback: {
        succeed: async (token, output) => {
          answered.push({ token, output });
          return 'ok';
        },
      },
      mailer: { send: async () => ({ status: 'sent' as const, messageId: 'm' }) },
      now: () => new Date('2026-03-10T12:00:00.000Z'),
    }),
  );
  expect(report).toMatchObject({ answered: 1 });
  expect(answered).toEqual([{ token: NEW_TOKEN, output: { taskId, result: task?.result } }]);
}

describe('openTask (offer) on a closed offer', () => {
  it('answers a new attempt of an offer done before it waited with the recorded result, sending nothing', async () => {
    const w = await offerWorld();
    await w.run();
    await expectEveryLinkWorks(w, TOKEN);

    expect(await w.run(NEW_TOKEN)).toEqual({ taskId: w.taskId, emailed: false });
    // The step does not answer its own workflow (see notOpen); the sweep relays the answer.
    await expectAnswerRelayed(w.store, w.taskId);
    expect(w.mailer.accepted).toHaveLength(1);
  });

  it('refuses an offer that timed out, with a step error', async () => {
    const w = await offerWorld();
    const task = await w.store.getTask(w.taskId);
    if (!task) throw new Error('no task');
    await w.store.lapseTask(task, NOW.toISOString());

    await expect(w.run()).rejects.toThrow(CaseStateError);
    expect(w.mailer.accepted).toHaveLength(0);
  });

  it('refuses a task of another case', async () => {
    const w = await offerWorld();
    const other = '0b7d5f9e-1c2a-4e3b-8f4d-5a6b7c8d9e0f';
    const base = createReferralArgs();
    await w.store.createReferral({
      caseItem: { ...base.caseItem, caseId: other },
      event: { ...base.event, caseId: other },
      idempotency: { ...base.idempotency, key: 'idem-key-2' },
    });

    await expect(
      openTask(w.deps, { ...w.event('OFFER', { taskId: w.taskId, taskToken: TOKEN }), caseId: other }),
    ).rejects.toThrow('the task is missing');
    expect(w.mailer.accepted).toHaveLength(0);
  });
});

describe('openTask for the other kinds', () => {
  const ACCEPTED_AT = '2026-03-10T09:30:00.000Z';
  const accepted = {
    status: 'ACCEPTED' as const,
    acceptedOrgId: 'ngo-different-and-equal',
    acceptedAt: ACCEPTED_AT,
  };

  it('opens a needs assessment with a derived id, due three working days after acceptance, and emails it', async () => {
    const w = await setUp(accepted);

    const out = await openTask(w.deps, w.event('NEEDS_ASSESSMENT', { taskToken: TOKEN }));

    const taskId = taskIdFor(CASE_ID, 'NEEDS_ASSESSMENT', 1, 1);
    expect(out).toEqual({ taskId, emailed: true });
    // Tue 10 March 10:30 in Tirana + 3 working days, Thursday a holiday: Monday 16 March, 10:30.
    expect(await w.store.getTask(taskId)).toMatchObject({
      kind: 'NEEDS_ASSESSMENT',
      subject: 'case',
      orgId: 'ngo-different-and-equal',
      status: 'OPEN',
      sequence: 1,
      dueAt: '2026-03-16T09:30:00.000Z',
      sfnTaskToken: TOKEN,
      actionHash: deriveActionToken(TOKEN, taskId).hash,
      emailedAt: NOW.toISOString(),
    });
    // Links of waited tasks outlive their due instant by linkGraceDays, whichever execution waits.
    expect(await w.store.getActionLink(deriveActionToken(TOKEN, taskId).hash)).toMatchObject({
      expiresAt: new Date(Date.parse('2026-03-16T09:30:00.000Z') + 150 * 86_400_000).toISOString(),
    });
    expect((await w.store.getCase(CASE_ID))?.openTasks).toEqual({ [taskId]: 'NEEDS_ASSESSMENT' });
    expect(w.mailer.accepted).toHaveLength(1);
    expect(w.mailer.accepted[0]?.to).toEqual(['dne@example.org']);
    expect(w.mailer.accepted[0]?.text).toContain(REFERENCE);
  });

  it('run again opens nothing new and sends nothing', async () => {
    const w = await setUp(accepted);
    const first = await openTask(w.deps, w.event('NEEDS_ASSESSMENT', { taskToken: TOKEN }));
    const before = await w.items();

    expect(await openTask(w.deps, w.event('NEEDS_ASSESSMENT', { taskToken: TOKEN }))).toEqual({
      taskId: first.taskId,
      emailed: false,
    });
    expect(await w.items()).toEqual(before);
    expect(w.mailer.accepted).toHaveLength(1);
  });

  it('answers a new task token at once when the task was done before it waited', async () => {
    const w = await setUp(accepted);
    const { taskId } = await openTask(w.deps, w.event('NEEDS_ASSESSMENT', { taskToken: TOKEN }));
    const form = new URLSearchParams([
      ['needs', 'shelter'],
      ['needs', 'legal'],
    ]);
    expect(await submitAction(w.actionDeps, w.mailer.tokens()[0] as string, form)).toMatchObject({
      kind: 'done',
    });
    expect(w.callback.answered).toHaveLength(1);

    expect(await openTask(w.deps, w.event('NEEDS_ASSESSMENT', { taskToken: NEW_TOKEN }))).toEqual({
      taskId,
      emailed: false,
    });
    await expectAnswerRelayed(w.store, taskId as string);
    expect(w.mailer.accepted).toHaveLength(1);
  });

  it('opens a standalone child protection task for a child, with a random link, due the same working day', async () => {
    const child = { ...createReferralArgs().caseItem.person, ageGroup: 'child' as const };
    const w = await setUp({ person: child });

    const out = await openTask(w.deps, w.event('CHILD_PROTECTION'));

    expect(out).toMatchObject({ emailed: true });
    const task = await w.store.getTask(out.taskId as string);
    expect(task).toMatchObject({ kind: 'CHILD_PROTECTION', orgId: 'municipality-korce', status: 'OPEN' });
    expect(task).not.toHaveProperty('sfnTaskToken');
    // 0 working days from Tuesday 11:00 in Tirana: the end of that working day.
    expect(new Date(task?.dueAt ?? '').getTime()).toBeGreaterThan(NOW.getTime());
    expect(task?.dueAt.slice(0, 10)).toBe('2026-03-10');
    expect(w.mailer.accepted[0]?.to).toEqual(['council@example.org']);
  });

  it('opens nothing for child protection on an adult case', async () => {
    const w = await setUp();
    const before = await w.items();

    expect(await openTask(w.deps, w.event('CHILD_PROTECTION'))).toEqual({ taskId: null, emailed: false });
    expect(await w.items()).toEqual(before);
    expect(w.mailer.accepted).toEqual([]);
  });

  it('throws CaseClosedError for a withdrawn case, writing and sending nothing', async () => {
    const w = await setUp({ ...accepted, status: 'WITHDRAWN' });
    const before = await w.items();

    await expect(openTask(w.deps, w.event('NEEDS_ASSESSMENT', { taskToken: TOKEN }))).rejects.toThrow(
      CaseClosedError,
    );
    expect(await w.items()).toEqual(before);
    expect(w.mailer.accepted).toEqual([]);
  });

  it('fails loudly when the directory has no organisation for the task', async () => {
    const w = await setUp({ ...accepted, acceptedOrgId: 'ngo-gone' });
    await expect(openTask(w.deps, w.event('NEEDS_ASSESSMENT', { taskToken: TOKEN }))).rejects.toThrow(
      CaseStateError,
    );
  });
});
