import { createReferral, type WorkflowStarter } from '../../functions/create-referral/create-referral';
import type { Caller } from '../../shared/auth/caller';
import { ConflictError, ForbiddenError, ValidationError } from '../../shared/errors';
import type { ReferralWorkflowInput } from '../../shared/workflow/task-input';
import { directory, referralRequest } from '../support/fixtures';
import { dropStoreTables, failNext, storeTable } from '../support/store-table';

const police: Caller = {
  sub: 'officer-1',
  email: 'officer@police.example.org',
  orgId: 'police-korce',
  role: 'police',
};
// 23:30 UTC on 9 March is already 10 March in Tirana (UTC+1): "today" must come from the zone.
const NOW = new Date('2026-03-09T23:30:00.000Z');

class RecordingStarter implements WorkflowStarter {
  readonly inputs: ReferralWorkflowInput[] = [];
  failures = 0;
  async start(input: ReferralWorkflowInput) {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('states unavailable');
    }
    this.inputs.push(input);
  }
  get started(): string[] {
    return this.inputs.map((i) => i.caseId);
  }
}

afterEach(dropStoreTables);

async function setup() {
  const { store, items } = await storeTable('create-referral', directory());
  const workflow = new RecordingStarter();
  let n = 0;
  const deps = {
    store,
    workflow,
    now: () => NOW,
    newId: () => `00000000-0000-4000-8000-00000000000${++n}`,
    timeZone: 'Europe/Tirane',
    interviewMaxAgeDays: 30,
  };
  return { store, items, workflow, deps };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createReferral', () => {
  it('creates the case with a reference from the region counter and starts the workflow', async () => {
    const { store, workflow, deps } = await setup();

    const out = await createReferral(deps, {
      caller: police,
      idempotencyKey: 'key-00000001',
      body: referralRequest(),
    });

    expect(out).toEqual({
      caseId: '00000000-0000-4000-8000-000000000001',
      reference: 'KOR-2026-0001',
      status: 'REFERRED',
    });
    // The workflow gets the ids, the reference and the region: what its steps need, no person.
    expect(workflow.inputs).toEqual([{ caseId: out.caseId, reference: 'KOR-2026-0001', region: 'korce' }]);
    const item = await store.getCase(out.caseId);
    expect(item).toMatchObject({
      status: 'REFERRED',
      version: 1,
      officerSub: 'officer-1',
      officerEmail: police.email,
    });
    expect(await store.listEvents(out.caseId)).toHaveLength(1);
  });

  it('numbers references per region and year without reuse', async () => {
    const { deps } = await setup();
    const a = await createReferral(deps, {
      caller: police,
      idempotencyKey: 'key-00000001',
      body: referralRequest(),
    });
    const b = await createReferral(deps, {
      caller: police,
      idempotencyKey: 'key-00000002',
      body: referralRequest(),
    });
    expect([a.reference, b.reference]).toEqual(['KOR-2026-0001', 'KOR-2026-0002']);
  });

  it('answers a replay with the same key and body with the original result, one case, one start', async () => {
    const { items, workflow, deps } = await setup();
    const first = await createReferral(deps, {
      caller: police,
      idempotencyKey: 'key-00000001',
      body: referralRequest(),
    });
    const notCounter = async () => (await items()).filter((i) => !String(i.pk).startsWith('COUNTER#'));
    const before = await notCounter();

    const again = await createReferral(deps, {
      caller: police,
      idempotencyKey: 'key-00000001',
      body: referralRequest(),
    });

    expect(again).toEqual(first);
    // Nothing but the counter moved: the replay took a number it does not use (a gap).
    expect(await notCounter()).toEqual(before);
    expect((await items()).find((i) => String(i.pk).startsWith('COUNTER#'))).toMatchObject({ value: 2 });
    // The same input both times: StartExecution with the same name and input is idempotent.
    expect(workflow.inputs).toEqual([
      { caseId: first.caseId, reference: first.reference, region: 'korce' },
      { caseId: first.caseId, reference: first.reference, region: 'korce' },
    ]);
  });

  it('detects a replay by the transaction, not by a read before it', async () => {
    const { store, deps } = await setup();
    await createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body: referralRequest() });
    const reads: string[] = [];
    const getIdempotency = store.getIdempotency.bind(store);
    store.getIdempotency = async (scope, key) => {
      reads.push('getIdempotency');
      return getIdempotency(scope, key);
    };
    const createReferralTx = store.createReferral.bind(store);
    store.createReferral = async (args) => {
      reads.push('createReferral');
      return createReferralTx(args);
    };

    await createReferral(deps, { caller: police, idempotencyKey: 'key-00000002', body: referralRequest() });
    expect(reads).toEqual(['createReferral']);
    reads.length = 0;
    await createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body: referralRequest() });
    expect(reads).toEqual(['createReferral', 'getIdempotency']);
  });

  it('answers a replay as before even when a rule now refuses the body', async () => {
    const { deps } = await setup();
    const body = { ...referralRequest(), interviewDate: '2026-02-08' };
    const first = await createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body });
    // A day later the interview is older than the 30-day window.
    const later = { ...deps, now: () => new Date('2026-03-10T23:30:00.000Z') };
    await expect(
      createReferral(later, { caller: police, idempotencyKey: 'key-00000001', body }),
    ).resolves.toEqual(first);
    await expect(
      createReferral(later, { caller: police, idempotencyKey: 'key-00000002', body }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('returns 409 when the key is reused with another body', async () => {
    const { deps } = await setup();
    await createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body: referralRequest() });
    const other = { ...referralRequest(), socialWorkerPresent: false };

    const error = await rejection(
      createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body: other }),
    );

    expect(error).toBeInstanceOf(ConflictError);
  });

  it('starts the workflow on replay when the first call stopped before starting it', async () => {
    const { workflow, deps } = await setup();
    workflow.failures = 1;
    await rejection(
      createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body: referralRequest() }),
    );

    const out = await createReferral(deps, {
      caller: police,
      idempotencyKey: 'key-00000001',
      body: referralRequest(),
    });

    expect(workflow.started).toEqual([out.caseId]);
  });

  it('refuses callers who are not police', async () => {
    const { deps } = await setup();
    const ngo: Caller = { ...police, role: 'ngo', orgId: 'ngo-vatra' };
    const error = await rejection(
      createReferral(deps, { caller: ngo, idempotencyKey: 'key-00000001', body: referralRequest() }),
    );
    expect(error).toBeInstanceOf(ForbiddenError);
  });

  it.each([
    ['missing', undefined, 'required'],
    ['too short', 'abc', 'invalid_format'],
    ['with spaces', 'key with spaces', 'invalid_format'],
  ])('requires a well-formed Idempotency-Key (%s)', async (_label, key, code) => {
    const { items, deps } = await setup();
    const before = await items();
    const error = await rejection(
      createReferral(deps, { caller: police, idempotencyKey: key, body: referralRequest() }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toContainEqual({ path: '/headers/idempotency-key', code });
    expect(await items()).toEqual(before);
  });

  it('names identity fields and writes nothing', async () => {
    const { items, workflow, deps } = await setup();
    const before = await items();
    const body = {
      ...referralRequest(),
      name: 'X',
      person: { ...referralRequest().person, dateOfBirth: '2000-01-01', address: 'Y' },
    };

    const error = (await rejection(
      createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body }),
    )) as ValidationError;

    expect(error.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['/name', '/person/dateOfBirth', '/person/address']),
    );
    expect(await items()).toEqual(before);
    expect(workflow.started).toEqual([]);
  });

  it('requires consent for an adult with "consent required"', async () => {
    const { items, deps } = await setup();
    const before = await items();
    const body = { ...referralRequest(), consent: { given: false } };
    const error = (await rejection(
      createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body }),
    )) as ValidationError;
    expect(error.message).toBe('consent required');
    expect(error.issues).toContainEqual({ path: '/consent/given', code: 'consent_required' });
    expect(await items()).toEqual(before);
  });

  it.each(['child', 'unknown'] as const)('does not require consent for a %s', async (ageGroup) => {
    const { deps } = await setup();
    const body = {
      ...referralRequest(),
      person: { ...referralRequest().person, ageGroup },
      consent: { given: false },
    };
    await expect(
      createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body }),
    ).resolves.toMatchObject({
      status: 'REFERRED',
    });
  });

  it('takes "today" in the deployment time zone: an interview dated today in Tirana is accepted', async () => {
    const { deps } = await setup();
    const body = { ...referralRequest(), interviewDate: '2026-03-10' };
    await expect(
      createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body }),
    ).resolves.toBeDefined();
  });

  it.each([
    ['in the future', '2026-03-11', 'in_future'],
    ['older than the configured window', '2026-02-07', 'too_old'],
  ])('refuses an interview date %s', async (_l, interviewDate, code) => {
    const { deps } = await setup();
    const body = { ...referralRequest(), interviewDate };
    const error = (await rejection(
      createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body }),
    )) as ValidationError;
    expect(error.issues).toEqual([{ path: '/interviewDate', code }]);
  });

  it('refuses unknown region, social-worker organisation and preferred NGO, all at once', async () => {
    const { items, deps } = await setup();
    const before = await items();
    const body = {
      ...referralRequest(),
      region: 'nowhere',
      socialWorkerOrgId: 'ngo-nobody',
      preferredNgoId: 'police-korce',
    };
    const error = (await rejection(
      createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body }),
    )) as ValidationError;
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { path: '/region', code: 'unknown_reference' },
        { path: '/socialWorkerOrgId', code: 'unknown_reference' },
        { path: '/preferredNgoId', code: 'unknown_reference' },
      ]),
    );
    expect(await items()).toEqual(before);
  });

  it('leaves a gap when the transaction fails after the counter moved, and never reuses a number', async () => {
    const { store, items, workflow, deps } = await setup();
    failNext(store, 'createReferral', Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    await expect(
      createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body: referralRequest() }),
    ).rejects.toThrow('throttled');
    expect(workflow.started).toEqual([]);

    const out = await createReferral(deps, {
      caller: police,
      idempotencyKey: 'key-00000001',
      body: referralRequest(),
    });
    expect(out.reference).toBe('KOR-2026-0002');
    expect((await items()).filter((i) => String(i.pk).startsWith('CASE#') && i.sk === 'CASE')).toHaveLength(
      1,
    );
  });

  it('answers concurrent calls with one key with one case and one start input', async () => {
    const { items, workflow, deps } = await setup();
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        createReferral(deps, { caller: police, idempotencyKey: 'key-00000001', body: referralRequest() }),
      ),
    );
    // One answer for all (compared as objects: DynamoDB keeps no key order in the stored response).
    for (const r of results) expect(r).toEqual(results[0]);
    expect((await items()).filter((i) => String(i.pk).startsWith('CASE#') && i.sk === 'CASE')).toHaveLength(
      1,
    );
    expect(new Set(workflow.inputs.map((i) => JSON.stringify(i))).size).toBe(1);
  });

  it('numbers concurrent intakes without gaps or repeats when none fails', async () => {
    const { deps } = await setup();
    let n = 0;
    const concurrent = { ...deps, newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` };
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        createReferral(concurrent, {
          caller: police,
          idempotencyKey: `key-concurrent-${i}`,
          body: referralRequest(),
        }),
      ),
    );
    expect(results.map((r) => r.reference).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `KOR-2026-${String(i + 1).padStart(4, '0')}`),
    );
  });
});
