import { acceptCase } from '../../functions/accept-case/accept-case';
import { closeOffer } from '../../functions/close-offer/close-offer';
import { markUnassigned } from '../../functions/mark-unassigned/mark-unassigned';
import { openTask } from '../../functions/open-task/open-task';
import { prepareOffer } from '../../functions/prepare-offer/prepare-offer';
import type { CaseRecord } from '../../shared/data/records';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import type { Mailer, OutgoingEmail } from '../../shared/email/mailer';
import { assertHeaderSafe } from '../../shared/email/mailer';
import { NO_PREVIOUS_OFFER } from '../../shared/workflow/task-input';
import { directory } from '../support/fixtures';
import { dropStoreTables, storeTable } from '../support/store-table';

/** Every email of a whole referral, on DynamoStore and DynamoDB Local: none carries the person. */

class RecordingMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  async send(email: OutgoingEmail) {
    for (const h of [email.subject, ...email.to]) assertHeaderSafe(h);
    this.sent.push(email);
    return { status: 'sent' as const, messageId: `m${this.sent.length}` };
  }
}

const CASE_ID = '6f1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b';
const CANARY = 'CANARY';

/**
 * A case whose every free string is a canary. The schema would refuse most of these, which
 * is the point: even if one slipped into the table, no email may carry it.
 */
function canaryCase(): CaseRecord {
  return {
    caseId: CASE_ID,
    reference: 'KOR-2026-0042',
    region: 'korce',
    status: 'REFERRED',
    version: 1,
    interviewDate: '2026-03-10',
    socialWorkerPresent: true,
    socialWorkerOrgId: `${CANARY}-sw`,
    person: {
      ageGroup: 'adult',
      gender: `${CANARY}-gender` as 'female',
      nationality: `${CANARY}-nat`,
      language: `${CANARY}-lang`,
      needs: ['shelter'],
      riskLevel: `${CANARY}-risk` as 'low',
    },
    consentGiven: true,
    referringOrgId: 'police-korce',
    officerSub: `${CANARY}-sub`,
    officerEmail: 'officer@police.example.org',
    offeredOrgIds: [],
    createdAt: '2026-03-10T09:00:00.000Z',
    updatedAt: '2026-03-10T09:00:00.000Z',
  };
}

afterEach(dropStoreTables);

/** The human-task step's deps beside the other steps' (one object serves them all). */
function stepDeps(
  store: Awaited<ReturnType<typeof storeTable>>['store'],
  mailer: Mailer,
  now: () => Date,
  actionBaseUrl: string,
) {
  return {
    store,
    mailer,
    now,
    offerDeadlineHours: 24,
    deadlines: DEFAULT_DEADLINES,
    reminders: DEFAULT_REMINDERS,
    calendar: { timeZone: 'Europe/Tirane', holidays: new Set<string>() },
    callback: { succeed: async () => 'ok' as const },
    actionBaseUrl,
  };
}

/** The offer step's input for a task, as the workflow passes it. */
const offerInput = (caseId: string, reference: string, taskId: string, taskToken: string) => ({
  caseId,
  reference,
  region: 'korce',
  cycle: 1,
  sequence: 1,
  kind: 'OFFER' as const,
  taskId,
  taskToken,
});

async function runWholeFlow() {
  const dir = directory();
  // A coordinator in the region, so notices have somewhere to go.
  const police = dir.organisations.find((o) => o.orgId === 'police-korce');
  police?.contacts.push({
    name: 'Coordinator',
    email: 'coord@example.org',
    language: 'en',
    roles: ['coordinator'],
  });
  const { store } = await storeTable('emails', dir);
  const item = canaryCase();
  await store.createReferral({
    caseItem: item,
    event: { caseId: CASE_ID, at: item.createdAt, type: 'REFERRED', actor: 'x' },
    idempotency: {
      scope: 's',
      key: 'k',
      requestHash: 'h',
      response: { caseId: CASE_ID, reference: item.reference, status: 'REFERRED' },
      createdAt: item.createdAt,
    },
  });
  const mailer = new RecordingMailer();
  const now = () => new Date('2026-03-10T10:00:00.000Z');
  const deps = stepDeps(store, mailer, now, 'https://api.example.org/');

  const first = await prepareOffer(deps, { caseId: CASE_ID, afterTaskId: NO_PREVIOUS_OFFER });
  if (!first.found) throw new Error('no offer');
  const facts = { reference: item.reference, region: item.region };
  await openTask(deps, offerInput(CASE_ID, item.reference, first.taskId, 'token-1'));
  await closeOffer(deps, {
    caseId: CASE_ID,
    taskId: first.taskId,
    orgId: first.orgId,
    ...facts,
    outcome: 'timed_out',
  });
  const second = await prepareOffer(deps, { caseId: CASE_ID, afterTaskId: first.taskId });
  if (!second.found) throw new Error('no second offer');
  await openTask(deps, offerInput(CASE_ID, item.reference, second.taskId, 'token-2'));
  const task = await store.getTask(second.taskId);
  const link = task?.actionHash ? await store.getActionLink(task.actionHash) : undefined;
  if (!task || !link) throw new Error('no link');
  await store.completeTask({
    task,
    hash: link.hash,
    status: 'DONE',
    result: 'accept',
    outcome: { decision: 'accept' },
    actor: { role: 'link', orgId: task.orgId },
    now: now().toISOString(),
  });
  await acceptCase(deps, { caseId: CASE_ID, taskId: second.taskId });
  return { mailer, store };
}

describe('emails of a whole flow', () => {
  it('carry no canary from the referral in any header, subject or body part', async () => {
    const { mailer } = await runWholeFlow();
    expect(mailer.sent.length).toBeGreaterThanOrEqual(3);
    for (const email of mailer.sent) {
      for (const part of [email.subject, email.text, email.html, ...email.to])
        expect(part).not.toContain(CANARY);
    }
  });

  it('sends the offer once when the callback step is retried, keeping the first link', async () => {
    const { store } = await storeTable('emails', directory());
    const item = {
      ...canaryCase(),
      socialWorkerOrgId: 'ngo-vatra',
      person: {
        ...canaryCase().person,
        gender: 'female' as const,
        nationality: 'AL',
        language: 'sq',
        riskLevel: 'low' as const,
      },
    };
    await store.createReferral({
      caseItem: item,
      event: { caseId: CASE_ID, at: item.createdAt, type: 'REFERRED', actor: 'x' },
      idempotency: {
        scope: 's',
        key: 'k',
        requestHash: 'h',
        response: { caseId: CASE_ID, reference: item.reference, status: 'REFERRED' },
        createdAt: item.createdAt,
      },
    });
    const mailer = new RecordingMailer();
    const deps = stepDeps(
      store,
      mailer,
      () => new Date('2026-03-10T10:00:00.000Z'),
      'https://api.example.org',
    );
    const offer = await prepareOffer(deps, { caseId: CASE_ID, afterTaskId: NO_PREVIOUS_OFFER });
    // A retried PrepareOffer answers with the same task instead of offering twice.
    expect(await prepareOffer(deps, { caseId: CASE_ID, afterTaskId: NO_PREVIOUS_OFFER })).toEqual(offer);
    if (!offer.found) throw new Error('no offer');

    await openTask(deps, offerInput(CASE_ID, item.reference, offer.taskId, 'token-1'));
    const hash = (await store.getTask(offer.taskId))?.actionHash;
    await openTask(deps, offerInput(CASE_ID, item.reference, offer.taskId, 'token-2'));

    expect(mailer.sent).toHaveLength(1);
    expect(await store.getTask(offer.taskId)).toMatchObject({ actionHash: hash, sfnTaskToken: 'token-2' });
  });

  it('marks a case UNASSIGNED once and tells the coordinators and the officer once', async () => {
    const { store } = await runWholeFlow();
    const mailer = new RecordingMailer();
    const deps = { store, mailer, now: () => new Date('2026-03-12T10:00:00.000Z') };
    // Accepted cases are not unassigned by a stray retry... but a fresh case is:
    const fresh = {
      ...canaryCase(),
      caseId: '11111111-1111-4111-8111-111111111111',
      reference: 'KOR-2026-0043',
    };
    await store.createReferral({
      caseItem: fresh,
      event: { caseId: fresh.caseId, at: fresh.createdAt, type: 'REFERRED', actor: 'x' },
      idempotency: {
        scope: 's',
        key: 'k2',
        requestHash: 'h',
        response: { caseId: fresh.caseId, reference: fresh.reference, status: 'REFERRED' },
        createdAt: fresh.createdAt,
      },
    });
    const input = { caseId: fresh.caseId, reference: fresh.reference, region: fresh.region };
    expect(await markUnassigned(deps, input)).toEqual({ notified: 1 });
    expect(await markUnassigned(deps, input)).toEqual({ notified: 0 });
    expect((await store.getCase(fresh.caseId))?.status).toBe('UNASSIGNED');
    // The coordinators' notice, and the officer's that the case waits on them.
    expect(mailer.sent).toHaveLength(fresh.officerEmail ? 2 : 1);
  });
});
