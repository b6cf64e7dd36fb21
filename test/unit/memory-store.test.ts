import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { CaseRecord } from '../../shared/data/records';
import { actionLink, CASE_ID, createReferralArgs, directory, offerTask, T0 } from '../support/fixtures';
import { MemoryStore } from '../support/memory-store';

const t = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

async function seeded(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.seedDirectory(directory());
  return store;
}

async function withOpenOffer() {
  const store = await seeded();
  await store.createReferral(createReferralArgs());
  const task = offerTask();
  const link = actionLink();
  await store.openOffer({ caseId: CASE_ID, expectedVersion: 1, afterTaskId: undefined, task, now: t(1) });
  await store.armOffer({ taskId: task.taskId, caseId: CASE_ID, sfnTaskToken: 'sfn-token-1', link });
  return { store, task, link };
}

describe('MemoryStore', () => {
  describe('seedDirectory', () => {
    it('stores every region and organisation with no open offers', async () => {
      const store = await seeded();

      const orgs = await store.listOrganisations();

      expect(orgs.map((o) => o.orgId)).toEqual(
        directory()
          .organisations.map((o) => o.orgId)
          .sort(),
      );
      expect(orgs.every((o) => o.openOffers === 0)).toBe(true);
      expect(await store.getRegion('korce')).toEqual({ regionId: 'korce', code: 'KOR', name: 'Korçë' });
    });

    it('keeps the live offer count when the directory is seeded again', async () => {
      const { store, task } = await withOpenOffer();

      await store.seedDirectory(directory());

      expect((await store.getOrganisation(task.orgId))?.openOffers).toBe(1);
    });

    it('reports false when seeding an organisation that exists', async () => {
      const store = await seeded();
      const org = directory().organisations[0];
      if (!org) throw new Error('fixture has organisations');

      expect(await store.seedOrganisation(org)).toBe(false);
    });
  });

  describe('copies', () => {
    it('does not let a caller change a stored case through the object it read', async () => {
      const store = await seeded();
      await store.createReferral(createReferralArgs());
      const read = (await store.getCase(CASE_ID)) as CaseRecord & { person: { needs: string[] } };

      read.person.needs.push('medical');
      (read as { status: string }).status = 'CLOSED';

      const again = await store.getCase(CASE_ID);
      expect(again?.status).toBe('REFERRED');
      expect(again?.person.needs).toEqual(['shelter', 'legal']);
    });

    it('does not let a caller change a stored case through the object it wrote', async () => {
      const store = await seeded();
      const args = createReferralArgs();
      await store.createReferral(args);

      (args.caseItem.person.needs as string[]).push('medical');

      expect((await store.getCase(CASE_ID))?.person.needs).toEqual(['shelter', 'legal']);
    });

    it('returns items() as a snapshot that later writes do not change', async () => {
      const store = await seeded();
      const before = store.items();

      await store.createReferral(createReferralArgs());

      expect(before).toHaveLength(directory().regions.length + directory().organisations.length);
      expect(store.items().length).toBeGreaterThan(before.length);
    });

    it('leaves out attributes whose value is undefined, as the document client does', async () => {
      const store = await seeded();
      const args = createReferralArgs();
      await store.createReferral({ ...args, caseItem: { ...args.caseItem, preferredNgoId: undefined } });

      const stored = await store.getCase(CASE_ID);

      expect(stored && 'preferredNgoId' in stored).toBe(false);
    });
  });

  describe('failNext', () => {
    it('rejects the next call with the given error and writes nothing', async () => {
      const store = await seeded();
      const before = store.items();
      const fault = new Error('ProvisionedThroughputExceededException');
      store.failNext('createReferral', fault);

      await expect(store.createReferral(createReferralArgs())).rejects.toBe(fault);

      expect(store.items()).toEqual(before);
    });

    it('fails only once', async () => {
      const store = await seeded();
      store.failNext('createReferral', new Error('throttled'));
      await store.createReferral(createReferralArgs()).catch(() => undefined);

      const result = await store.createReferral(createReferralArgs());

      expect(result).toBe('created');
    });

    it('leaves other methods alone', async () => {
      const store = await seeded();
      store.failNext('decideTask', new Error('throttled'));

      const result = await store.createReferral(createReferralArgs());

      expect(result).toBe('created');
    });
  });

  describe('nextCounter', () => {
    it('starts at 1 and counts up by one per call, per key', async () => {
      const store = await seeded();

      const taken = [
        await store.nextCounter('KOR#2026'),
        await store.nextCounter('KOR#2026'),
        await store.nextCounter('TIR#2026'),
        await store.nextCounter('KOR#2026'),
      ];

      expect(taken).toEqual([1, 2, 1, 3]);
      expect(store.items().find((i) => i.pk === 'COUNTER#KOR#2026')).toEqual({
        pk: 'COUNTER#KOR#2026',
        sk: 'COUNTER',
        value: 3,
      });
    });
  });

  describe('createReferral', () => {
    it('writes the case, its first event and the idempotency record with its TTL', async () => {
      const store = await seeded();

      const result = await store.createReferral(createReferralArgs());

      expect(result).toBe('created');
      expect(await store.getCase(CASE_ID)).toEqual(createReferralArgs().caseItem);
      expect(await store.listEvents(CASE_ID)).toEqual([createReferralArgs().event]);
      expect(await store.getIdempotency('police-korce', 'idem-key-1')).toEqual(
        createReferralArgs().idempotency,
      );
      const stored = store.items().find((i) => i.pk === 'IDEMPOTENCY#police-korce#idem-key-1');
      expect(stored?.ttl).toBe(Date.parse(T0) / 1000 + 24 * 3600);
    });

    it('writes nothing and answers idempotency-exists when the key was used', async () => {
      const store = await seeded();
      await store.createReferral(createReferralArgs());
      const before = store.items();
      const base = createReferralArgs();

      const result = await store.createReferral({
        ...base,
        caseItem: { ...base.caseItem, caseId: '0b7d5f9e-1c2a-4e3b-8f4d-5a6b7c8d9e0f' },
      });

      expect(result).toBe('idempotency-exists');
      expect(store.items()).toEqual(before);
    });

    it('throws and writes nothing when only the case id is taken', async () => {
      const store = await seeded();
      await store.createReferral(createReferralArgs());
      const before = store.items();
      const base = createReferralArgs();

      const attempt = store.createReferral({
        ...base,
        idempotency: { ...base.idempotency, key: 'idem-key-2' },
      });

      await expect(attempt).rejects.toThrow('transaction cancelled');
      expect(store.items()).toEqual(before);
    });
  });

  describe('openOffer', () => {
    it('moves the case to OFFERED, appends the org, bumps the version and the org count, and records an event', async () => {
      const store = await seeded();
      await store.createReferral(createReferralArgs());

      const opened = await store.openOffer({
        caseId: CASE_ID,
        expectedVersion: 1,
        afterTaskId: undefined,
        task: offerTask(),
        now: t(1),
      });

      expect(opened).toBe(true);
      expect(await store.getCase(CASE_ID)).toMatchObject({
        status: 'OFFERED',
        version: 2,
        offeredOrgId: 'ngo-different-and-equal',
        offeredOrgIds: ['ngo-different-and-equal'],
        currentOfferTaskId: 'task-1',
        updatedAt: t(1),
      });
      expect((await store.getOrganisation('ngo-different-and-equal'))?.openOffers).toBe(1);
      expect(await store.getTask('task-1')).toEqual(offerTask());
      expect((await store.listEvents(CASE_ID)).map((e) => e.type)).toEqual(['REFERRED', 'OFFERED']);
    });

    it('writes nothing when the task exists already', async () => {
      const store = await seeded();
      await store.createReferral(createReferralArgs());
      await store.openOffer({
        caseId: CASE_ID,
        expectedVersion: 1,
        afterTaskId: undefined,
        task: offerTask(),
        now: t(1),
      });
      const before = store.items();

      const again = await store.openOffer({
        caseId: CASE_ID,
        expectedVersion: 2,
        afterTaskId: 'task-1',
        task: offerTask(),
        now: t(2),
      });

      expect(again).toBe(false);
      expect(store.items()).toEqual(before);
    });

    it('throws and writes nothing when the case lacks its offered list', async () => {
      const store = await seeded();
      const base = createReferralArgs();
      const { offeredOrgIds: _omitted, ...withoutList } = base.caseItem;
      await store.createReferral({ ...base, caseItem: withoutList as CaseRecord });
      const before = store.items();

      const attempt = store.openOffer({
        caseId: CASE_ID,
        expectedVersion: 1,
        afterTaskId: undefined,
        task: offerTask(),
        now: t(1),
      });

      await expect(attempt).rejects.toThrow('does not exist');
      expect(store.items()).toEqual(before);
    });
  });

  describe('armOffer', () => {
    it('stores the token, the link hash and the deadline on the task', async () => {
      const { store } = await withOpenOffer();

      expect(await store.getTask('task-1')).toMatchObject({
        sfnTaskToken: 'sfn-token-1',
        actionHash: actionLink().hash,
        deadline: actionLink().expiresAt,
      });
      expect(await store.getActionLink(actionLink().hash)).toEqual(actionLink());
    });

    it('keeps the earlier link when another attempt arms a new one before any email', async () => {
      const { store, link } = await withOpenOffer();
      const newer = actionLink({ hash: 'c'.repeat(64) });

      const replaced = await store.armOffer({
        taskId: 'task-1',
        caseId: CASE_ID,
        sfnTaskToken: 'sfn-token-2',
        link: newer,
      });

      expect(replaced).toEqual({ kind: 'armed' });
      expect(await store.getActionLink(link.hash)).toEqual(link);
      expect(await store.getActionLink(newer.hash)).toEqual(newer);
      expect(await store.getTask('task-1')).toMatchObject({
        sfnTaskToken: 'sfn-token-2',
        actionHash: newer.hash,
      });
    });

    it('answers armed-before with the first deadline for the same link, and writes nothing', async () => {
      const { store, link } = await withOpenOffer();
      const before = store.items();

      const again = await store.armOffer({
        taskId: 'task-1',
        caseId: CASE_ID,
        sfnTaskToken: 'sfn-token-1',
        link: { ...link, expiresAt: '2026-03-12T00:00:00.000Z' },
      });

      expect(again).toEqual({ kind: 'armed-before', deadline: link.expiresAt, emailed: false });
      expect(store.items()).toEqual(before);
      await store.markEmailed('task-1', t(2));
      expect(
        await store.armOffer({ taskId: 'task-1', caseId: CASE_ID, sfnTaskToken: 'sfn-token-1', link }),
      ).toEqual({ kind: 'armed-before', deadline: link.expiresAt, emailed: true });
    });

    it('answers emailed-before for a new link once an email went out, and writes nothing', async () => {
      const { store } = await withOpenOffer();
      await store.markEmailed('task-1', t(2));
      const before = store.items();

      const armed = await store.armOffer({
        taskId: 'task-1',
        caseId: CASE_ID,
        sfnTaskToken: 'sfn-token-2',
        link: actionLink({ hash: 'c'.repeat(64) }),
      });

      expect(armed).toEqual({ kind: 'emailed-before' });
      expect(store.items()).toEqual(before);
    });

    it('refuses a task that is no longer open, or of another case, and writes nothing', async () => {
      const { store, task, link } = await withOpenOffer();
      await store.lapseTask(task, t(10));
      const before = store.items();
      const other = actionLink({ hash: 'e'.repeat(64) });

      const armed = await store.armOffer({
        taskId: 'task-1',
        caseId: CASE_ID,
        sfnTaskToken: 'x',
        link: other,
      });
      const elsewhere = await store.armOffer({
        taskId: 'task-1',
        caseId: 'another',
        sfnTaskToken: 'x',
        link: other,
      });
      const missing = await store.armOffer({
        taskId: 'task-9',
        caseId: CASE_ID,
        sfnTaskToken: 'x',
        link: other,
      });

      expect([armed, elsewhere, missing]).toEqual([
        { kind: 'closed' },
        { kind: 'closed' },
        { kind: 'closed' },
      ]);
      expect(store.items()).toEqual(before);
      expect(await store.getActionLink(link.hash)).toEqual(link);
    });
  });

  describe('decideTask', () => {
    it('uses the link, decides the task, lowers the org count and records the decision', async () => {
      const { store, task, link } = await withOpenOffer();

      const decided = await store.decideTask({
        hash: link.hash,
        task,
        decision: 'decline',
        declineReason: 'no bed free',
        now: t(5),
      });

      expect(decided).toBe(true);
      expect(await store.getActionLink(link.hash)).toEqual({ ...link, usedAt: t(5) });
      expect(await store.getTask(task.taskId)).toMatchObject({
        status: 'DECIDED',
        decision: 'decline',
        declineReason: 'no bed free',
        decidedAt: t(5),
      });
      expect((await store.getOrganisation(task.orgId))?.openOffers).toBe(0);
      expect((await store.listEvents(CASE_ID)).at(-1)).toEqual({
        caseId: CASE_ID,
        at: t(5),
        type: 'OFFER_DECLINED',
        actor: 'action-link',
        orgId: task.orgId,
        taskId: task.taskId,
      });
    });

    it.each([
      ['the link is unknown', { hash: 'f'.repeat(64) }, 5],
      ['the link expires at that instant', {}, 24 * 60 + 1],
      ['the link expired', {}, 24 * 60 + 2],
    ])('refuses and writes nothing when %s', async (_label, override, minutes) => {
      const { store, task, link } = await withOpenOffer();
      const before = store.items();

      const decided = await store.decideTask({
        hash: link.hash,
        task,
        decision: 'accept',
        now: t(minutes),
        ...override,
      });

      expect(decided).toBe(false);
      expect(store.items()).toEqual(before);
    });

    it('refuses and writes nothing when the organisation has no open offers on record', async () => {
      const store = await seeded();
      await store.createReferral(createReferralArgs());
      // The offer went to one NGO; a task naming another one, whose count is 0, cannot be decided.
      await store.openOffer({
        caseId: CASE_ID,
        expectedVersion: 1,
        afterTaskId: undefined,
        task: offerTask(),
        now: t(1),
      });
      const stray = offerTask({ orgId: 'ngo-vatra' });
      await store.armOffer({ taskId: stray.taskId, caseId: CASE_ID, sfnTaskToken: 'x', link: actionLink() });
      const before = store.items();

      const decided = await store.decideTask({
        hash: actionLink().hash,
        task: stray,
        decision: 'accept',
        now: t(5),
      });

      expect(decided).toBe(false);
      expect(store.items()).toEqual(before);
    });
  });

  describe('lapseTask', () => {
    it('times the task out, lowers the org count and records it', async () => {
      const { store, task } = await withOpenOffer();

      expect(await store.lapseTask(task, t(60))).toBe(true);

      expect(await store.getTask(task.taskId)).toMatchObject({ status: 'TIMED_OUT', decidedAt: t(60) });
      expect((await store.getOrganisation(task.orgId))?.openOffers).toBe(0);
      expect((await store.listEvents(CASE_ID)).at(-1)?.type).toBe('OFFER_TIMED_OUT');
    });

    it('refuses a second lapse and writes nothing', async () => {
      const { store, task } = await withOpenOffer();
      await store.lapseTask(task, t(60));
      const before = store.items();

      expect(await store.lapseTask(task, t(61))).toBe(false);
      expect(store.items()).toEqual(before);
    });
  });

  describe('markEmailed', () => {
    it('rejects with ConditionalCheckFailedException for an unknown task', async () => {
      const store = await seeded();

      await expect(store.markEmailed('task-unknown', t(1))).rejects.toBeInstanceOf(
        ConditionalCheckFailedException,
      );
      expect(await store.getTask('task-unknown')).toBeUndefined();
    });
  });

  describe('appendEvent', () => {
    it('lists events in time order', async () => {
      const store = await seeded();
      await store.appendEvent({ caseId: CASE_ID, at: t(2), type: 'NOTE', actor: 'system' });
      await store.appendEvent({ caseId: CASE_ID, at: t(1), type: 'NOTE', actor: 'system' });

      const events = await store.listEvents(CASE_ID);

      expect(events.map((e) => e.at)).toEqual([t(1), t(2)]);
    });
  });
});
