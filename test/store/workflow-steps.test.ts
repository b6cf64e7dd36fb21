import { acceptCase } from '../../functions/accept-case/accept-case';
import { closeOffer } from '../../functions/close-offer/close-offer';
import { markUnassigned } from '../../functions/mark-unassigned/mark-unassigned';
import { openTask } from '../../functions/open-task/open-task';
import { prepareOffer } from '../../functions/prepare-offer/prepare-offer';
import { deriveActionToken } from '../../shared/domain/action-token';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import type { Mailer, OutgoingEmail, SendResult } from '../../shared/email/mailer';
import { NO_PREVIOUS_OFFER } from '../../shared/workflow/task-input';
import { CASE_ID, createReferralArgs, directory } from '../support/fixtures';
import { dropStoreTables, storeTable } from '../support/store-table';
import { TickingClock } from '../support/workflow-fakes';

/**
 * Every referral step run twice has one effect (ARCHITECTURE.md, principle 8): the second
 * run of a step that finished changes nothing and sends nothing, and a run after a stop
 * between the state change and the email still sends the email. On DynamoStore and
 * DynamoDB Local.
 */

const REFERENCE = createReferralArgs().caseItem.reference;
const REGION = createReferralArgs().caseItem.region;
const OFFICER = 'officer@police.example.org';
const COORDINATOR = 'coord@example.org';

class Killed extends Error {
  override readonly name = 'Killed';
}

class CountingMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  failNext = false;
  async send(email: OutgoingEmail): Promise<SendResult> {
    if (this.failNext) {
      this.failNext = false;
      throw new Killed('killed before the mail service accepted');
    }
    this.sent.push(email);
    return { status: 'sent', messageId: `m${this.sent.length}` };
  }
}

afterEach(dropStoreTables);

async function setUp() {
  const dir = directory();
  dir.organisations
    .find((o) => o.orgId === 'police-korce')
    ?.contacts.push({ name: 'Coordinator', email: COORDINATOR, language: 'en', roles: ['coordinator'] });
  const { store, items } = await storeTable('workflow-steps', dir);
  const base = createReferralArgs();
  await store.createReferral({ ...base, caseItem: { ...base.caseItem, officerEmail: OFFICER } });
  const mailer = new CountingMailer();
  const { now } = new TickingClock('2026-03-10T10:00:00.000Z');
  const deps = {
    store,
    mailer,
    now,
    offerDeadlineHours: 24,
    deadlines: DEFAULT_DEADLINES,
    reminders: DEFAULT_REMINDERS,
    calendar: { timeZone: 'Europe/Tirane', holidays: new Set<string>() },
    callback: { succeed: async () => 'ok' as const },
    actionBaseUrl: 'https://api.bashke.test',
  };
  return { store, items, mailer, deps };
}

type World = Awaited<ReturnType<typeof setUp>>;

/** PrepareOffer and the offer's OpenTask as the workflow runs them; returns the offer. */
async function offered(w: World, after: string = NO_PREVIOUS_OFFER) {
  const offer = await prepareOffer(w.deps, { caseId: CASE_ID, afterTaskId: after });
  if (!offer.found) throw new Error('expected an NGO');
  await openTask(w.deps, {
    caseId: CASE_ID,
    reference: REFERENCE,
    region: REGION,
    cycle: 1,
    sequence: 1,
    kind: 'OFFER',
    taskId: offer.taskId,
    taskToken: `token-${offer.taskId}`,
  });
  return offer;
}

/** The NGO's answer through the emailed link, as the store records it. */
async function decide(w: World, taskId: string, decision: 'accept' | 'decline') {
  const task = await w.store.getTask(taskId);
  if (!task) throw new Error('no task');
  const { hash } = deriveActionToken(`token-${taskId}`, taskId);
  expect(
    await w.store.completeTask({
      task,
      hash,
      status: decision === 'accept' ? 'DONE' : 'DECLINED',
      result: decision,
      outcome: { decision },
      actor: { role: 'link', orgId: task.orgId },
      now: w.deps.now().toISOString(),
    }),
  ).toBe(true);
}

const toCoordinator = (w: World) => w.mailer.sent.filter((m) => m.to.includes(COORDINATOR));
const toOfficer = (w: World) => w.mailer.sent.filter((m) => m.to.includes(OFFICER));

describe('prepareOffer run twice', () => {
  it('answers with the same task and opens one offer', async () => {
    const w = await setUp();
    const input = { caseId: CASE_ID, afterTaskId: NO_PREVIOUS_OFFER };
    const first = await prepareOffer(w.deps, input);
    const before = await w.items();

    expect(await prepareOffer(w.deps, input)).toEqual(first);
    expect(await w.items()).toEqual(before);
    expect((await w.store.getCase(CASE_ID))?.offeredOrgIds).toHaveLength(1);
  });
});

describe('closeOffer run twice', () => {
  it.each(['declined', 'timed_out'] as const)(
    '(%s) frees the offer once and tells the coordinators once',
    async (outcome) => {
      const w = await setUp();
      const offer = await offered(w);
      if (outcome === 'declined') await decide(w, offer.taskId, 'decline');
      const input = {
        caseId: CASE_ID,
        taskId: offer.taskId,
        orgId: offer.orgId,
        reference: REFERENCE,
        region: REGION,
        outcome,
      };

      expect(await closeOffer(w.deps, input)).toEqual({ notified: 1 });
      const before = await w.items();
      expect(await closeOffer(w.deps, input)).toEqual({ notified: 0 });

      expect(await w.items()).toEqual(before);
      expect(toCoordinator(w)).toHaveLength(1);
      expect(toCoordinator(w)[0]?.subject).toContain(REFERENCE);
      expect((await w.store.getOrganisation(offer.orgId))?.openOffers).toBe(0);
    },
  );

  it('stopped after the lapse, before the notice: the run again still tells the coordinators', async () => {
    const w = await setUp();
    const offer = await offered(w);
    const input = {
      caseId: CASE_ID,
      taskId: offer.taskId,
      orgId: offer.orgId,
      reference: REFERENCE,
      region: REGION,
      outcome: 'timed_out' as const,
    };
    w.mailer.failNext = true;
    await expect(closeOffer(w.deps, input)).rejects.toThrow(Killed);
    expect((await w.store.getTask(offer.taskId))?.status).toBe('TIMED_OUT');

    expect(await closeOffer(w.deps, input)).toEqual({ notified: 1 });
    expect(toCoordinator(w)).toHaveLength(1);
    expect((await w.store.getOrganisation(offer.orgId))?.openOffers).toBe(0);
  });
});

describe('acceptCase run twice', () => {
  it('accepts once and tells the officer once', async () => {
    const w = await setUp();
    const offer = await offered(w);
    await decide(w, offer.taskId, 'accept');
    const input = { caseId: CASE_ID, taskId: offer.taskId };

    expect(await acceptCase(w.deps, input)).toEqual({ officerEmailed: true });
    const before = await w.items();
    expect(await acceptCase(w.deps, input)).toEqual({ officerEmailed: false });

    expect(await w.items()).toEqual(before);
    expect(toOfficer(w)).toHaveLength(1);
    expect(await w.store.getCase(CASE_ID)).toMatchObject({ status: 'ACCEPTED', acceptedOrgId: offer.orgId });
  });

  it('stopped after accepting, before the email: the run again still tells the officer', async () => {
    const w = await setUp();
    const offer = await offered(w);
    await decide(w, offer.taskId, 'accept');
    const input = { caseId: CASE_ID, taskId: offer.taskId };
    w.mailer.failNext = true;
    await expect(acceptCase(w.deps, input)).rejects.toThrow(Killed);
    expect((await w.store.getCase(CASE_ID))?.status).toBe('ACCEPTED');

    expect(await acceptCase(w.deps, input)).toEqual({ officerEmailed: true });
    expect(toOfficer(w)).toHaveLength(1);
    expect(await acceptCase(w.deps, input)).toEqual({ officerEmailed: false });
    expect(toOfficer(w)).toHaveLength(1);
  });

  it('refuses an offer that was declined', async () => {
    const w = await setUp();
    const offer = await offered(w);
    await decide(w, offer.taskId, 'decline');
    await expect(acceptCase(w.deps, { caseId: CASE_ID, taskId: offer.taskId })).rejects.toThrow(
      'not accepted',
    );
    expect(toOfficer(w)).toHaveLength(0);
  });
});

describe('markUnassigned run twice', () => {
  const input = { caseId: CASE_ID, reference: REFERENCE, region: REGION };

  it('marks the case once and tells the coordinators once', async () => {
    const w = await setUp();
    expect(await markUnassigned(w.deps, input)).toEqual({ notified: 1 });
    const before = await w.items();
    expect(await markUnassigned(w.deps, input)).toEqual({ notified: 0 });

    expect(await w.items()).toEqual(before);
    expect(toCoordinator(w)).toHaveLength(1);
    expect((await w.store.getCase(CASE_ID))?.status).toBe('UNASSIGNED');
    expect((await w.store.listEvents(CASE_ID)).map((e) => e.type)).toEqual(['REFERRED', 'UNASSIGNED']);
  });

  it('stopped after the status change, before the notice: the run again still tells the coordinators', async () => {
    const w = await setUp();
    w.mailer.failNext = true;
    await expect(markUnassigned(w.deps, input)).rejects.toThrow(Killed);
    expect((await w.store.getCase(CASE_ID))?.status).toBe('UNASSIGNED');

    expect(await markUnassigned(w.deps, input)).toEqual({ notified: 1 });
    expect(await markUnassigned(w.deps, input)).toEqual({ notified: 0 });
    expect(toCoordinator(w)).toHaveLength(1);
  });

  it('never unassigns an accepted case, and tells nobody', async () => {
    const w = await setUp();
    const offer = await offered(w);
    await decide(w, offer.taskId, 'accept');
    await acceptCase(w.deps, { caseId: CASE_ID, taskId: offer.taskId });

    await expect(markUnassigned(w.deps, input)).rejects.toThrow('cannot be marked unassigned');
    expect((await w.store.getCase(CASE_ID))?.status).toBe('ACCEPTED');
    expect(toCoordinator(w)).toHaveLength(0);
  });
});
