import { type DeliveryEventsDeps, deliveryEvents } from '../../functions/delivery-events/delivery-events';
import { DeliveryStore } from '../../shared/data/delivery-store';
import type { DynamoStore } from '../../shared/data/dynamo-store';
import type { TaskRecord } from '../../shared/data/records';
import { RecordingMailer } from '../../shared/delivery/recording-mailer';
import { deriveActionToken, hashActionToken, issueActionToken } from '../../shared/domain/action-token';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import type { Directory } from '../../shared/domain/directory';
import { emailTask } from '../../shared/tasks/task-mail';
import { CASE_ID, caseTask, createReferralArgs, directory, offerTask } from '../support/fixtures';
import { bounceEvent, complaintEvent, deliveryEvent, sendEvent } from '../support/ses-events';
import { dropStoreTables, type StoreTable, storeTable } from '../support/store-table';
import { RecordingMailer as FakeSes, TickingClock } from '../support/workflow-fakes';

/**
 * SES delivery events on DynamoStore, DeliveryStore and DynamoDB Local: messages recorded by
 * the recording mailer, then SES's events for them as the EventBridge rule hands them over.
 */

const BASE_URL = 'https://api.bashke.test';
const CALENDAR = { timeZone: 'Europe/Tirane', holidays: new Set<string>() };
const REFERENCE = createReferralArgs().caseItem.reference;
const SFN_TOKEN = 'sfn-task-token-attempt-1';
const NGO = 'ngo-different-and-equal';
const FOCAL = 'dne@example.org';
const CASE_WORKER = 'caseworker@example.org';
const COORDINATOR = 'coordinator@example.org';

/** The fixture directory with a case worker beside the NGO's focal point, and a coordinator. */
function deliveryDirectory(): Directory {
  const d = directory();
  return {
    ...d,
    organisations: [
      ...d.organisations.map((o) =>
        o.orgId === NGO
          ? {
              ...o,
              contacts: [
                ...o.contacts,
                {
                  name: 'Case Worker',
                  email: CASE_WORKER,
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
        contacts: [{ name: 'Koordinatorja', email: COORDINATOR, language: 'en', roles: ['coordinator'] }],
      },
    ],
  };
}

interface World {
  readonly table: StoreTable;
  readonly store: DynamoStore;
  readonly deliveries: DeliveryStore;
  readonly ses: FakeSes;
  readonly deps: DeliveryEventsDeps;
  readonly clock: TickingClock;
}

async function world(): Promise<World> {
  const table = await storeTable('delivery-events', deliveryDirectory());
  const { store } = table;
  const deliveries = new DeliveryStore(table.table.client, table.table.tableName);
  const clock = new TickingClock('2026-03-10T10:00:00.000Z');
  const ses = new FakeSes();
  const mailer = new RecordingMailer(ses, deliveries, clock.now);
  await store.createReferral(createReferralArgs());
  const deps: DeliveryEventsDeps = {
    now: clock.now,
    deadlines: DEFAULT_DEADLINES,
    calendar: CALENDAR,
    store,
    deliveries,
    mailer,
    actionBaseUrl: BASE_URL,
  };
  return { table, store, deliveries, ses, deps, clock };
}

/** Opens and arms the task as open-task does (the link derived from the task token), then emails it. */
async function openAndEmail(w: World, task: TaskRecord, sfnTaskToken?: string): Promise<string> {
  await w.store.openTask({ task, actor: { role: 'system' }, now: task.createdAt });
  const { token, hash } = sfnTaskToken ? deriveActionToken(sfnTaskToken, task.taskId) : issueActionToken();
  const armed = await w.store.armTask({
    taskId: task.taskId,
    caseId: task.caseId as string,
    ...(sfnTaskToken ? { sfnTaskToken } : {}),
    link: { hash, taskId: task.taskId, expiresAt: '2026-06-01T00:00:00.000Z' },
  });
  expect(armed.kind).toBe('armed');
  const org = await w.store.getOrganisation(task.orgId);
  await emailTask(
    { now: w.clock.now, calendar: CALENDAR, store: w.store, mailer: w.deps.mailer, actionBaseUrl: BASE_URL },
    task,
    org,
    REFERENCE,
    token,
    new Date(task.dueAt),
  );
  return token;
}

const linkIn = (text: string) => /\/actions\/([A-Za-z0-9_-]{43})/.exec(text)?.[1];

afterEach(() => dropStoreTables());

describe('delivery events (DynamoDB Local)', () => {
  it('marks a hard-bounced case worker unreachable once, tells the coordinator and sends the task to the focal point', async () => {
    const w = await world();
    const task = caseTask();
    const token = await openAndEmail(w, task, SFN_TOKEN);
    expect(w.ses.sent.map((m) => m.to)).toEqual([[CASE_WORKER]]);
    const first = await w.deliveries.getMessage('fake-1');
    expect(first).toMatchObject({ status: 'sent', purpose: 'task', caseId: CASE_ID, taskIds: [task.taskId] });
    expect(first?.recipients).toEqual([CASE_WORKER]);

    const report = await deliveryEvents(w.deps, bounceEvent('fake-1', [CASE_WORKER]));

    expect(report).toEqual({ outcome: 'recorded', unreachable: 1, escalated: 1, notified: 1 });
    const org = await w.store.getOrganisation(NGO);
    expect(org?.contacts.find((c) => c.email === CASE_WORKER)?.reachable).toBe(false);
    expect(org?.contacts.find((c) => c.email === FOCAL)?.reachable).toBeUndefined();
    expect(await w.deliveries.getUnreachable(NGO, CASE_WORKER)).toMatchObject({ reason: 'bounce' });
    const [, escalation, notice] = w.ses.sent;
    expect(w.ses.sent).toHaveLength(3);
    // The task, to the focal point, with the link open-task armed (it decides the task).
    expect(escalation?.to).toEqual([FOCAL]);
    expect(escalation?.about).toEqual({ purpose: 'escalation', caseId: CASE_ID, taskIds: [task.taskId] });
    expect(linkIn(escalation?.text ?? '')).toBe(token);
    expect(await w.store.getActionLink(hashActionToken(token))).toMatchObject({ taskId: task.taskId });
    // The coordinator hears of it, by organisation and address only.
    expect(notice?.to).toEqual([COORDINATOR]);
    expect(notice?.text).toContain(CASE_WORKER);
    expect(notice?.text).toContain('Different and Equal');
    expect(notice?.text).not.toContain(REFERENCE);
    expect(await w.deliveries.getMessage('fake-1')).toMatchObject({
      status: 'bounced',
      bouncedRecipients: [CASE_WORKER],
      bouncedAt: '2026-03-10T10:00:05.000Z',
    });

    // EventBridge delivers at least once: the same event again changes nothing, sends nothing.
    const before = await w.table.items();
    expect(await deliveryEvents(w.deps, bounceEvent('fake-1', [CASE_WORKER]))).toEqual({
      outcome: 'repeat',
      unreachable: 0,
      escalated: 0,
      notified: 0,
    });
    expect(await w.table.items()).toEqual(before);
    expect(w.ses.sent).toHaveLength(3);
    // And the case worker is no longer a recipient of the NGO's tasks.
    const next = caseTask({ taskId: 'c5e7a9b1-3d4f-4a6b-8c9d-0e1f2a3b4c5d', kind: 'REFLECTION_REVIEW' });
    await openAndEmail(w, next);
    expect(w.ses.sent[3]?.to).toEqual([FOCAL]);
  });

  it('records the escalation’s own message sent then delivered, once each, with a timeline of recipients but no content', async () => {
    const w = await world();
    const task = caseTask();
    await openAndEmail(w, task, SFN_TOKEN);
    await deliveryEvents(w.deps, bounceEvent('fake-1', [CASE_WORKER]));
    // fake-2 is the escalation to the focal point (fake-3 the coordinator's notice: about no case).
    expect(await w.deliveries.getMessage('fake-2')).toMatchObject({ status: 'sent', purpose: 'escalation' });
    expect(await w.deliveries.getMessage('fake-3')).toBeUndefined();

    expect((await deliveryEvents(w.deps, sendEvent('fake-2', [FOCAL]))).outcome).toBe('repeat');
    expect((await deliveryEvents(w.deps, deliveryEvent('fake-2', [FOCAL]))).outcome).toBe('recorded');
    expect((await deliveryEvents(w.deps, deliveryEvent('fake-2', [FOCAL]))).outcome).toBe('repeat');
    const escalated = await w.deliveries.getMessage('fake-2');
    expect(escalated).toMatchObject({ status: 'delivered', deliveredAt: '2026-03-10T10:00:03.000Z' });
    expect(escalated?.sentAt).toBeDefined();

    const deliveries = await w.deliveries.listTaskDeliveries(task.taskId);
    expect(deliveries.map((d) => [d.messageId, d.status])).toEqual([
      ['fake-1', 'bounced'],
      ['fake-2', 'delivered'],
    ]);

    const timeline = (await w.store.listEvents(CASE_ID)).filter(
      (e) => e.type.startsWith('EMAIL_') || e.type === 'TASK_ESCALATED_UNREACHABLE',
    );
    expect(timeline.map((e) => [e.type, e.recipients])).toEqual(
      expect.arrayContaining([
        ['EMAIL_SENT', [CASE_WORKER]],
        ['EMAIL_BOUNCED', [CASE_WORKER]],
        ['TASK_ESCALATED_UNREACHABLE', [FOCAL]],
        ['EMAIL_SENT', [FOCAL]],
        ['EMAIL_DELIVERED', [FOCAL]],
      ]),
    );
    expect(timeline).toHaveLength(5);
    for (const e of timeline) expect(e.taskId).toBe(task.taskId);
    // Who was emailed, never what: no subject, body or link anywhere in the delivery items.
    const stored = JSON.stringify(
      (await w.table.items()).filter(
        (i) => /^(MSG#|CASE#)/.test(String(i.pk)) || /^DELIVERY#/.test(String(i.sk)),
      ),
    );
    for (const m of w.ses.sent) {
      expect(stored).not.toContain(m.subject);
    }
    expect(stored).not.toContain('/actions/');
  });

  it('sends the tasks of an unreachable focal point to the coordinators, with working links', async () => {
    const w = await world();
    const offer = offerTask();
    const offerToken = await openAndEmail(w, offer, SFN_TOKEN);
    const item = caseTask({
      taskId: 'd6f8b0c2-4e5a-4b7c-9d0e-1f2a3b4c5d6e',
      kind: 'PLAN_ITEM',
      service: 'legal',
    });
    const firstItemToken = await openAndEmail(w, item);
    expect(w.ses.sent.map((m) => m.to)).toEqual([[FOCAL], [FOCAL]]);

    // A complaint about a message with no record (e.g. sent before records existed).
    const report = await deliveryEvents(w.deps, complaintEvent('unknown-message-id', [FOCAL]));

    expect(report).toEqual({ outcome: 'unknown-message', unreachable: 1, escalated: 2, notified: 1 });
    const after = w.ses.sent.slice(2);
    expect(after.map((m) => m.to)).toEqual([[COORDINATOR], [COORDINATOR], [COORDINATOR]]);
    expect(w.ses.to(FOCAL)).toHaveLength(2);
    const offerMail = after.find((m) => m.about?.taskIds?.[0] === offer.taskId);
    expect(linkIn(offerMail?.text ?? '')).toBe(offerToken);
    // The plan item's first token was never stored: a new link, beside the first, decides it.
    const itemMail = after.find((m) => m.about?.taskIds?.[0] === item.taskId);
    const itemToken = linkIn(itemMail?.text ?? '');
    expect(itemToken).toBeDefined();
    expect(itemToken).not.toBe(firstItemToken);
    expect(await w.store.getActionLink(hashActionToken(itemToken ?? ''))).toMatchObject({
      taskId: item.taskId,
      expiresAt: '2026-06-01T00:00:00.000Z',
    });
    expect(await w.store.getActionLink(hashActionToken(firstItemToken))).toMatchObject({
      taskId: item.taskId,
    });
    expect(await w.deliveries.getUnreachable(NGO, FOCAL)).toMatchObject({ reason: 'complaint' });
  });

  it('acts on nobody for a transient bounce, but records it', async () => {
    const w = await world();
    await openAndEmail(w, caseTask(), SFN_TOKEN);
    const report = await deliveryEvents(w.deps, bounceEvent('fake-1', [CASE_WORKER], 'Transient'));
    expect(report).toEqual({ outcome: 'recorded', unreachable: 0, escalated: 0, notified: 0 });
    expect((await w.store.getOrganisation(NGO))?.contacts.every((c) => c.reachable !== false)).toBe(true);
    expect(w.ses.sent).toHaveLength(1);
  });
});

describe('DeliveryStore: the follow-up of a marking', () => {
  it('is claimed by one run at a time, taken up again once the claim lapsed, and never after it is done', async () => {
    const w = await world();
    const at = '2026-03-10T10:00:00.000Z';
    const claim = (now: string, until: string) =>
      w.deliveries.claimUnreachableNotice(NGO, CASE_WORKER, now, until);
    expect(await claim(at, '2026-03-10T10:00:45.000Z')).toBe(false); // nothing marked yet
    await w.deliveries.markContactUnreachable(NGO, CASE_WORKER, 'bounce', at);
    expect(await claim(at, '2026-03-10T10:00:45.000Z')).toBe(true);
    expect(await claim('2026-03-10T10:00:10.000Z', '2026-03-10T10:00:55.000Z')).toBe(false);
    expect(await claim('2026-03-10T10:01:00.000Z', '2026-03-10T10:01:45.000Z')).toBe(true);
    await w.deliveries.markUnreachableNoticed(NGO, CASE_WORKER, '2026-03-10T10:01:05.000Z');
    expect(await claim('2026-03-10T11:00:00.000Z', '2026-03-10T11:00:45.000Z')).toBe(false);
    const record = await w.deliveries.getUnreachable(NGO, CASE_WORKER);
    expect(record).toMatchObject({ noticedAt: '2026-03-10T10:01:05.000Z' });
    expect(record?.claimedUntil).toBeUndefined();
  });
});

describe('DeliveryStore.markContactUnreachable', () => {
  it('changes a contact once, matches the address in any case, and ignores addresses it does not hold', async () => {
    const w = await world();
    expect(
      await w.deliveries.markContactUnreachable(
        NGO,
        'nobody@example.org',
        'bounce',
        '2026-03-10T10:00:00.000Z',
      ),
    ).toBe(false);
    expect(
      await w.deliveries.markContactUnreachable(
        NGO,
        'CaseWorker@Example.org',
        'bounce',
        '2026-03-10T10:00:00.000Z',
      ),
    ).toBe(true);
    expect(
      await w.deliveries.markContactUnreachable(NGO, CASE_WORKER, 'complaint', '2026-03-10T11:00:00.000Z'),
    ).toBe(false);
    expect(
      await w.deliveries.markContactUnreachable(
        'no-such-org',
        CASE_WORKER,
        'bounce',
        '2026-03-10T10:00:00.000Z',
      ),
    ).toBe(false);
    const org = await w.store.getOrganisation(NGO);
    expect(org?.contacts.map((c) => [c.email, c.reachable])).toEqual([
      [FOCAL, undefined],
      [CASE_WORKER, false],
    ]);
    expect(await w.deliveries.getUnreachable(NGO, CASE_WORKER)).toEqual({
      orgId: NGO,
      email: CASE_WORKER,
      reason: 'bounce',
      at: '2026-03-10T10:00:00.000Z',
    });
  });
});
