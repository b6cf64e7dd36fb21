import { type ActionLinkDeps, submitAction, viewAction } from '../../functions/action-link/action-link';
import { prepareOffer } from '../../functions/prepare-offer/prepare-offer';
import { sendOffer } from '../../functions/send-offer/send-offer';
import { deriveActionToken, hashActionToken, isWellFormedToken } from '../../shared/domain/action-token';
import type { Mailer, OutgoingEmail } from '../../shared/email/mailer';
import { NO_PREVIOUS_OFFER } from '../../shared/workflow/task-input';
import { CASE_ID, createReferralArgs, directory } from '../support/fixtures';
import { MemoryStore } from '../support/memory-store';

/**
 * The offer step killed at each point inside it, then run again with the same Step
 * Functions task token (the local engine after a crash) or with a new one (a retried
 * attempt). Every run must end with at least one offer email whose link works through the
 * action-link use case; only a stop between the mail service accepting and the record being
 * written may send a second copy, and then both copies' links work.
 */

const TOKEN = 'sfn-task-token-attempt-1';
const NEW_TOKEN = 'sfn-task-token-attempt-2';
const BASE_URL = 'https://api.bashke.test';
const REFERENCE = createReferralArgs().caseItem.reference;

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

  async send(email: OutgoingEmail): Promise<void> {
    const fault = this.fault;
    this.fault = undefined;
    if (fault === 'before') throw new Killed('killed before the mail service accepted');
    this.accepted.push(structuredClone(email));
    if (fault === 'after') throw new Killed('killed after the mail service accepted');
  }

  /** The action tokens of every offer email accepted, in order. */
  tokens(): string[] {
    return this.accepted.map((m) => {
      const match = /\/actions\/([A-Za-z0-9_-]+)/.exec(m.text);
      if (!match?.[1]) throw new Error('an offer email without a link');
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

async function setUp() {
  const store = new MemoryStore();
  await store.seedDirectory(directory());
  await store.createReferral(createReferralArgs());
  const now = () => new Date('2026-03-10T10:00:00.000Z');
  const offer = await prepareOffer({ store, now }, { caseId: CASE_ID, afterTaskId: NO_PREVIOUS_OFFER });
  if (!offer.found) throw new Error('the fixture directory has an NGO for the case');
  const mailer = new FlakyMailer();
  const deps = {
    store,
    mailer,
    now,
    offerDeadlineHours: 24,
    timeZone: 'Europe/Tirane',
    actionBaseUrl: BASE_URL,
  };
  const event = (taskToken: string) => ({
    caseId: CASE_ID,
    taskId: offer.taskId,
    orgId: offer.orgId,
    reference: REFERENCE,
    taskToken,
  });
  const run = (taskToken = TOKEN) => sendOffer(deps, event(taskToken));
  const callback = new RecordingCallback();
  const actionDeps: ActionLinkDeps = { store, callback, now: () => new Date('2026-03-10T11:00:00.000Z') };
  return { store, mailer, run, taskId: offer.taskId, callback, actionDeps };
}

type World = Awaited<ReturnType<typeof setUp>>;

/** Every emailed link shows its confirm page; the first accepts, answering the current task token. */
async function expectEveryLinkWorks(w: World, currentToken: string): Promise<void> {
  const tokens = w.mailer.tokens();
  expect(tokens.length).toBeGreaterThan(0);
  for (const token of tokens) {
    expect(await viewAction(w.actionDeps, token)).toMatchObject({
      kind: 'confirm',
      offer: { reference: REFERENCE },
    });
  }
  const [first] = tokens;
  expect(
    await submitAction(w.actionDeps, first as string, new URLSearchParams({ decision: 'accept' })),
  ).toMatchObject({
    kind: 'done',
    decision: 'accept',
  });
  expect(w.callback.answered).toEqual([
    { token: currentToken, output: { decision: 'accept', taskId: w.taskId } },
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

describe('sendOffer run again after a stop', () => {
  it('runs once: one email, the link works, the task emailed and armed with the token', async () => {
    const w = await setUp();
    expect(await w.run()).toEqual({ emailed: true });
    expect(w.mailer.accepted).toHaveLength(1);
    expect(await w.store.getTask(w.taskId)).toMatchObject({
      sfnTaskToken: TOKEN,
      actionHash: deriveActionToken(TOKEN, w.taskId).hash,
      emailedAt: expect.any(String),
    });
    await expectEveryLinkWorks(w, TOKEN);
  });

  it('killed before arming: the run again sends one email whose link works', async () => {
    const w = await setUp();
    w.store.failNext('armOffer', new Killed('killed before arming'));
    await expect(w.run()).rejects.toThrow(Killed);
    expect(w.mailer.accepted).toHaveLength(0);

    expect(await w.run()).toEqual({ emailed: true });
    expect(w.mailer.accepted).toHaveLength(1);
    await expectEveryLinkWorks(w, TOKEN);
  });

  it('killed after arming, before sending: the run again re-arms nothing, sends one email with the first deadline', async () => {
    const w = await setUp();
    w.mailer.killNext('before');
    await expect(w.run()).rejects.toThrow(Killed);
    const armed = await w.store.getTask(w.taskId);
    expect(armed?.actionHash).toBeDefined();
    const before = w.store.items();

    // Later: the deadline must still be the first run's (the state's timer did not restart).
    const later = await w.run();
    expect(later).toEqual({ emailed: true });
    expect(w.mailer.accepted).toHaveLength(1);
    const after = await w.store.getTask(w.taskId);
    expect(after).toMatchObject({ actionHash: armed?.actionHash, deadline: armed?.deadline });
    expect(w.store.items().filter((i) => String(i.pk).startsWith('ACTION#'))).toEqual(
      before.filter((i) => String(i.pk).startsWith('ACTION#')),
    );
    await expectEveryLinkWorks(w, TOKEN);
  });

  it('killed after the mail service accepted, before marking emailed: two copies with the same, working link', async () => {
    const w = await setUp();
    w.mailer.killNext('after');
    await expect(w.run()).rejects.toThrow(Killed);
    expect(w.mailer.accepted).toHaveLength(1);

    expect(await w.run()).toEqual({ emailed: true });
    expect(w.mailer.accepted).toHaveLength(2);
    const [a, b] = w.mailer.tokens();
    expect(a).toBe(b);
    await expectEveryLinkWorks(w, TOKEN);
  });

  it('killed while marking emailed: two copies at most, the same working link', async () => {
    const w = await setUp();
    w.store.failNext('markEmailed', new Killed('killed while marking emailed'));
    await expect(w.run()).rejects.toThrow(Killed);

    expect(await w.run()).toEqual({ emailed: true });
    expect(w.mailer.accepted).toHaveLength(2);
    expect(new Set(w.mailer.tokens()).size).toBe(1);
    await expectEveryLinkWorks(w, TOKEN);
  });

  it('killed after marking emailed, before returning: the run again sends nothing', async () => {
    const w = await setUp();
    await w.run();
    const before = w.store.items();

    expect(await w.run()).toEqual({ emailed: false });
    expect(w.mailer.accepted).toHaveLength(1);
    expect(w.store.items()).toEqual(before);
    await expectEveryLinkWorks(w, TOKEN);
  });
});

describe('sendOffer in a new attempt (new task token)', () => {
  it('after the email went out: only the callback token is swapped, no second email, the link answers the new attempt', async () => {
    const w = await setUp();
    await w.run(TOKEN);

    expect(await w.run(NEW_TOKEN)).toEqual({ emailed: false });
    expect(w.mailer.accepted).toHaveLength(1);
    expect(await w.store.getTask(w.taskId)).toMatchObject({ sfnTaskToken: NEW_TOKEN });
    await expectEveryLinkWorks(w, NEW_TOKEN);
  });

  it('after arming, before any email: one email with the new link, which works', async () => {
    const w = await setUp();
    w.mailer.killNext('before');
    await expect(w.run(TOKEN)).rejects.toThrow(Killed);

    expect(await w.run(NEW_TOKEN)).toEqual({ emailed: true });
    expect(w.mailer.tokens()).toEqual([deriveActionToken(NEW_TOKEN, w.taskId).token]);
    await expectEveryLinkWorks(w, NEW_TOKEN);
  });

  it('after an unrecorded email: both emails links work, each answering the new attempt', async () => {
    const w = await setUp();
    w.mailer.killNext('after');
    await expect(w.run(TOKEN)).rejects.toThrow(Killed);

    expect(await w.run(NEW_TOKEN)).toEqual({ emailed: true });
    const tokens = w.mailer.tokens();
    expect(tokens).toHaveLength(2);
    expect(new Set(tokens).size).toBe(2);
    await expectEveryLinkWorks(w, NEW_TOKEN);
  });

  it('the second link of the task decides it as well as the first', async () => {
    const w = await setUp();
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
    ).toMatchObject({ kind: 'done', decision: 'decline' });
    expect(w.callback.answered).toEqual([
      { token: NEW_TOKEN, output: { decision: 'decline', taskId: w.taskId } },
    ]);
  });
});

describe('sendOffer on a closed offer', () => {
  it('refuses to arm or email once the task was decided, with a step error', async () => {
    const w = await setUp();
    await w.run();
    await expectEveryLinkWorks(w, TOKEN);

    await expect(w.run(NEW_TOKEN)).rejects.toThrow('the offer is not open');
    expect(w.mailer.accepted).toHaveLength(1);
  });

  it('refuses a task of another case', async () => {
    const w = await setUp();
    await expect(
      sendOffer(
        {
          store: w.store,
          mailer: w.mailer,
          now: () => new Date('2026-03-10T10:00:00.000Z'),
          offerDeadlineHours: 24,
          timeZone: 'Europe/Tirane',
          actionBaseUrl: BASE_URL,
        },
        {
          caseId: '0b7d5f9e-1c2a-4e3b-8f4d-5a6b7c8d9e0f',
          taskId: w.taskId,
          orgId: 'ngo-different-and-equal',
          reference: REFERENCE,
          taskToken: TOKEN,
        },
      ),
    ).rejects.toThrow('the offer is not open');
    expect(w.mailer.accepted).toHaveLength(0);
  });
});
