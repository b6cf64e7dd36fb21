import { acceptCase } from '../../functions/accept-case/accept-case';
import { closeOffer } from '../../functions/close-offer/close-offer';
import { markUnassigned } from '../../functions/mark-unassigned/mark-unassigned';
import { prepareOffer } from '../../functions/prepare-offer/prepare-offer';
import { sendOffer } from '../../functions/send-offer/send-offer';
import type { CaseRecord } from '../../shared/data/records';
import type { Mailer, OutgoingEmail } from '../../shared/email/mailer';
import { assertHeaderSafe, HeaderInjectionError } from '../../shared/email/mailer';
import { noticeEmail, offerEmail } from '../../shared/email/templates';
import { NO_PREVIOUS_OFFER } from '../../shared/workflow/task-input';
import { directory } from '../support/fixtures';
import { MemoryStore } from '../support/memory-store';

class RecordingMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  async send(email: OutgoingEmail) {
    for (const h of [email.subject, ...email.to]) assertHeaderSafe(h);
    this.sent.push(email);
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

async function runWholeFlow() {
  const store = new MemoryStore();
  const dir = directory();
  // A coordinator in the region, so notices have somewhere to go.
  const police = dir.organisations.find((o) => o.orgId === 'police-korce');
  police?.contacts.push({
    name: 'Coordinator',
    email: 'coord@example.org',
    language: 'en',
    roles: ['coordinator'],
  });
  await store.seedDirectory(dir);
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
  const deps = {
    store,
    mailer,
    now,
    offerDeadlineHours: 24,
    timeZone: 'Europe/Tirane',
    actionBaseUrl: 'https://api.example.org/',
  };

  const first = await prepareOffer(deps, { caseId: CASE_ID, afterTaskId: NO_PREVIOUS_OFFER });
  if (!first.found) throw new Error('no offer');
  const facts = { reference: item.reference, region: item.region };
  await sendOffer(deps, {
    caseId: CASE_ID,
    taskId: first.taskId,
    orgId: first.orgId,
    reference: item.reference,
    taskToken: 'token-1',
  });
  await closeOffer(deps, {
    caseId: CASE_ID,
    taskId: first.taskId,
    orgId: first.orgId,
    ...facts,
    outcome: 'timed_out',
  });
  const second = await prepareOffer(deps, { caseId: CASE_ID, afterTaskId: first.taskId });
  if (!second.found) throw new Error('no second offer');
  await sendOffer(deps, {
    caseId: CASE_ID,
    taskId: second.taskId,
    orgId: second.orgId,
    reference: item.reference,
    taskToken: 'token-2',
  });
  const task = await store.getTask(second.taskId);
  const link = task?.actionHash ? await store.getActionLink(task.actionHash) : undefined;
  if (!task || !link) throw new Error('no link');
  await store.decideTask({ hash: link.hash, task, decision: 'accept', now: now().toISOString() });
  await acceptCase(deps, { caseId: CASE_ID, taskId: second.taskId });
  return { mailer, store };
}

describe('emails', () => {
  it('carry no canary from the referral in any header, subject or body part', async () => {
    const { mailer } = await runWholeFlow();
    expect(mailer.sent.length).toBeGreaterThanOrEqual(3);
    for (const email of mailer.sent) {
      for (const part of [email.subject, email.text, email.html, ...email.to])
        expect(part).not.toContain(CANARY);
    }
  });

  it('name the case reference, the deadline with its UTC offset and the link in the offer', async () => {
    const email = offerEmail({
      to: ['a@example.org'],
      language: 'en',
      reference: 'KOR-2026-0042',
      deadline: new Date('2026-07-01T10:00:00.000Z'),
      timeZone: 'Europe/Tirane',
      link: 'https://api.example.org/actions/abc',
    });
    expect(email.subject).toContain('KOR-2026-0042');
    expect(email.text).toContain('2026-07-01 12:00 (UTC+02:00)');
    expect(email.text).toContain('https://api.example.org/actions/abc');
    expect(email.html).toContain('href="https://api.example.org/actions/abc"');
  });

  it('escapes HTML in organisation names', () => {
    const email = noticeEmail({
      to: ['a@example.org'],
      language: 'sq',
      kind: 'accepted',
      reference: 'KOR-2026-0042',
      orgName: '<script>alert(1)</script> & Co',
    });
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
  });

  it('refuses CR/LF in header fields', () => {
    expect(() => assertHeaderSafe('Subject\r\nBcc: x@example.org')).toThrow(HeaderInjectionError);
    expect(() => assertHeaderSafe('plain subject')).not.toThrow();
  });

  it('sends the offer once when the callback step is retried, keeping the first link', async () => {
    const store = new MemoryStore();
    await store.seedDirectory(directory());
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
    const deps = {
      store,
      mailer,
      now: () => new Date('2026-03-10T10:00:00.000Z'),
      offerDeadlineHours: 24,
      timeZone: 'Europe/Tirane',
      actionBaseUrl: 'https://api.example.org',
    };
    const offer = await prepareOffer(deps, { caseId: CASE_ID, afterTaskId: NO_PREVIOUS_OFFER });
    // A retried PrepareOffer answers with the same task instead of offering twice.
    expect(await prepareOffer(deps, { caseId: CASE_ID, afterTaskId: NO_PREVIOUS_OFFER })).toEqual(offer);
    if (!offer.found) throw new Error('no offer');

    const input = { caseId: CASE_ID, taskId: offer.taskId, orgId: offer.orgId, reference: item.reference };
    await sendOffer(deps, { ...input, taskToken: 'token-1' });
    const hash = (await store.getTask(offer.taskId))?.actionHash;
    await sendOffer(deps, { ...input, taskToken: 'token-2' });

    expect(mailer.sent).toHaveLength(1);
    expect(await store.getTask(offer.taskId)).toMatchObject({ actionHash: hash, sfnTaskToken: 'token-2' });
  });

  it('marks a case UNASSIGNED once and tells the coordinators once', async () => {
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
    expect(mailer.sent).toHaveLength(1);
  });
});
