import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { childProtectionTaskId } from '../../functions/case-commands/profile-correction';
import { caseTimeline } from '../../functions/read-cases/read-cases';
import type { MemberCaller } from '../../shared/auth/caller';
import type { DynamoStore } from '../../shared/data/dynamo-store';
import type { CaseRecord } from '../../shared/data/records';
import { DEFAULT_DEADLINES } from '../../shared/domain/deadlines';
import type { Person } from '../../shared/domain/referral';
import { DEFAULT_REMINDERS } from '../../shared/domain/reminders';
import type { OutgoingEmail } from '../../shared/email/mailer';
import { MemoryAudit } from '../support/audit';
import { CASE_ID, createReferralArgs, directory } from '../support/fixtures';
import { dropStoreTables, failNext, storeTable } from '../support/store-table';
import '../support/handler-env';

process.env.ACTION_BASE_URL = 'https://api.bashke.test';
// The handler module reads its environment at load: import it after it is set.
const { caseCommandsRoute } =
  require('../../functions/case-commands/handler') as typeof import('../../functions/case-commands/handler');

/**
 * POST /cases/{caseId}/profile-correction on DynamoStore and DynamoDB Local, through the route
 * (status codes and problem bodies included): what is written, what is refused without a
 * write, and the child path a correction to a child starts, once.
 */

const NOW = new Date('2026-03-11T10:00:00.000Z');
const ROUTE = 'POST /cases/{caseId}/profile-correction';
/** Profile values no email may carry: a correction's values stay in the table. */
const CANARY_NATIONALITY = 'KZ';
const CANARY_LANGUAGE = 'kk';

const context = {
  awsRequestId: 'req-1',
  functionName: 'f',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

afterEach(dropStoreTables);

async function world(person: Partial<Person> = {}, changes: Partial<CaseRecord> = {}) {
  const { store, items } = await storeTable('profile', directory());
  const base = createReferralArgs();
  await store.createReferral({
    ...base,
    caseItem: {
      ...base.caseItem,
      status: 'ACCEPTED',
      acceptedOrgId: 'ngo-different-and-equal',
      acceptedAt: '2026-03-10T12:00:00.000Z',
      offeredOrgIds: ['ngo-different-and-equal'],
      person: { ...base.caseItem.person, ...person },
      ...changes,
    },
  });
  const sent: OutgoingEmail[] = [];
  const deps = {
    store,
    directory: store,
    now: () => NOW,
    deadlines: DEFAULT_DEADLINES,
    reminders: DEFAULT_REMINDERS,
    calendar: { timeZone: 'Europe/Tirane', holidays: new Set<string>() },
    callback: { succeed: async () => 'ok' as const, fail: async () => 'ok' as const },
    workflow: { start: async () => undefined },
    mailer: {
      send: async (m: OutgoingEmail) => {
        sent.push(structuredClone(m));
        return { status: 'sent' as const, messageId: `m${sent.length}` };
      },
    },
    actionBaseUrl: 'https://api.bashke.test',
  };
  const route = caseCommandsRoute(deps, new MemoryAudit()) as unknown as (
    e: unknown,
    c: Context,
  ) => Promise<APIGatewayProxyStructuredResultV2>;
  const correct = async (
    body: unknown,
    who: { role: string; orgId: string } = { role: 'police', orgId: 'police-korce' },
    raw?: string,
  ) => {
    const res = await route(event(body, who, raw), context);
    return { status: res.statusCode, body: JSON.parse(String(res.body)) };
  };
  return { store, items, sent, correct };
}

function event(body: unknown, who: { role: string; orgId: string }, raw?: string) {
  return {
    version: '2.0',
    routeKey: ROUTE,
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    pathParameters: { caseId: CASE_ID },
    body: raw ?? JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      authorizer: {
        jwt: {
          claims: {
            sub: `${who.role}-1`,
            token_use: 'id',
            'custom:orgId': who.orgId,
            'cognito:groups': `[${who.role}]`,
            email: `someone@${who.orgId}.example.org`,
          },
          scopes: [],
        },
      },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

const childTasks = async (store: DynamoStore) => {
  const task = await store.getTask(childProtectionTaskId(CASE_ID));
  return task ? [task] : [];
};

const coordinator: MemberCaller = {
  sub: 'coordinator-1',
  role: 'coordinator',
  orgId: 'municipality-korce',
  orgKind: 'municipality',
  regions: ['korce'],
} as MemberCaller;

describe('POST /cases/{caseId}/profile-correction', () => {
  it('records the correction: the profile, the version up, and an event naming the fields, not the values', async () => {
    const w = await world();
    const res = await w.correct({
      version: 1,
      person: { nationality: CANARY_NATIONALITY, language: CANARY_LANGUAGE, riskLevel: 'high' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 2, person: { nationality: 'KZ', language: 'kk' } });
    const stored = await w.store.getCase(CASE_ID);
    expect(stored).toMatchObject({
      version: 2,
      updatedAt: NOW.toISOString(),
      person: { ...createReferralArgs().caseItem.person, nationality: 'KZ', language: 'kk' },
    });
    const events = (await w.store.listEvents(CASE_ID)).filter((e) => e.type === 'PROFILE_CORRECTED');
    // riskLevel was high already: not a change.
    expect(events).toEqual([
      {
        caseId: CASE_ID,
        at: NOW.toISOString(),
        type: 'PROFILE_CORRECTED',
        actor: 'police',
        actorOrgId: 'police-korce',
        fields: ['nationality', 'language'],
      },
    ]);
    expect(JSON.stringify(events)).not.toMatch(/\bKZ\b|\bkk\b/);
    // An adult stays an adult: no child path, no email.
    expect(await childTasks(w.store)).toEqual([]);
    expect(w.sent).toEqual([]);
  });

  it('shows the event to coordinators and the NGO of the case with its fields, never to the police', async () => {
    const w = await world();
    expect((await w.correct({ version: 1, person: { gender: 'male' } })).status).toBe(200);
    const deps = { store: w.store };
    const params = { caseId: CASE_ID };
    const ngo = {
      ...coordinator,
      role: 'ngo',
      orgId: 'ngo-different-and-equal',
      orgKind: 'ngo',
    } as MemberCaller;
    const police = {
      ...coordinator,
      role: 'police',
      orgId: 'police-korce',
      orgKind: 'police',
    } as MemberCaller;
    const corrected = { type: 'PROFILE_CORRECTED', fields: ['gender'] };
    // The NGO sees the timeline from the offer made to it: the fixture has none, so it is given one.
    await w.store.appendEvent({
      caseId: CASE_ID,
      at: '2026-03-10T11:00:00.000Z',
      type: 'OFFERED',
      actor: 'system',
      orgId: 'ngo-different-and-equal',
      taskId: '0b9c1f7e-3a2d-4c5b-8e6f-7a8b9c0d1e2f',
      status: 'OFFERED',
    });
    expect((await caseTimeline(deps, coordinator, params)).items).toContainEqual(
      expect.objectContaining(corrected),
    );
    expect((await caseTimeline(deps, ngo, params)).items).toContainEqual(expect.objectContaining(corrected));
    expect((await caseTimeline(deps, police, params)).items.map((e) => e.type)).not.toContain(
      'PROFILE_CORRECTED',
    );
  });

  it('refuses a stale version with 409 version_conflict and changes nothing', async () => {
    const w = await world();
    expect((await w.correct({ version: 1, person: { language: 'en' } })).status).toBe(200);
    const before = await w.items();
    const res = await w.correct({ version: 1, person: { ageGroup: 'child' } });
    expect(res).toEqual({
      status: 409,
      body: expect.objectContaining({ status: 409, errors: [{ path: '', code: 'version_conflict' }] }),
    });
    expect(await w.items()).toEqual(before);
    expect(w.sent).toEqual([]);
  });

  it.each([
    ['an unknown profile key', { version: 1, person: { name: 'Canary Person' } }],
    ['an unknown top-level key', { version: 1, person: { language: 'en' }, address: 'x' }],
    ['no field to correct', { version: 1, person: {} }],
    ['an age group intake refuses', { version: 1, person: { ageGroup: 'teen' } }],
    ['empty needs', { version: 1, person: { needs: [] } }],
    ['repeated needs', { version: 1, person: { needs: ['shelter', 'shelter'] } }],
    ['a nationality that is no ISO code', { version: 1, person: { nationality: 'XX' } }],
    ['a null profile', { version: 1, person: null }],
    ['no version', { person: { language: 'en' } }],
    ['a version as a string', { version: '1', person: { language: 'en' } }],
  ])('refuses %s with 400 and changes nothing', async (_label, body) => {
    const w = await world();
    const before = await w.items();
    const res = await w.correct(body);
    expect(res.status).toBe(400);
    expect(res.body.errors.length).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).not.toMatch(/Canary|teen|"XX"/);
    expect(await w.items()).toEqual(before);
  });

  it('refuses malformed JSON with 400 and changes nothing', async () => {
    const w = await world();
    const before = await w.items();
    expect((await w.correct(undefined, undefined, '{"version": 1,')).status).toBe(400);
    expect(await w.items()).toEqual(before);
  });

  it('writes nothing for a correction that changes nothing', async () => {
    const w = await world();
    const before = await w.items();
    const res = await w.correct({ version: 1, person: { ageGroup: 'adult', language: 'sq' } });
    expect(res).toMatchObject({ status: 200, body: { version: 1 } });
    expect(await w.items()).toEqual(before);
  });

  it('refuses a closed case with 409 case_closed', async () => {
    const w = await world({}, { status: 'WITHDRAWN' });
    const res = await w.correct({ version: 1, person: { ageGroup: 'child' } });
    expect(res).toMatchObject({ status: 409, body: { errors: [{ path: '', code: 'case_closed' }] } });
    expect(await childTasks(w.store)).toEqual([]);
  });

  it('lets the NGO of the case correct; an NGO it is only offered to gets 403, a coordinator 403', async () => {
    const w = await world();
    expect(
      (
        await w.correct(
          { version: 1, person: { language: 'en' } },
          { role: 'ngo', orgId: 'ngo-different-and-equal' },
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await w.correct(
          { version: 2, person: { language: 'sq' } },
          { role: 'coordinator', orgId: 'municipality-korce' },
        )
      ).status,
    ).toBe(403);
    const offered = await world({}, { status: 'OFFERED', offeredOrgId: 'ngo-tjeter-vizion' });
    await offered.store.openOffer({
      caseId: CASE_ID,
      expectedVersion: 1,
      afterTaskId: undefined,
      task: {
        taskId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
        kind: 'OFFER',
        subject: 'case',
        caseId: CASE_ID,
        orgId: 'ngo-tjeter-vizion',
        status: 'OPEN',
        createdAt: NOW.toISOString(),
        dueAt: '2026-03-12T10:00:00.000Z',
        expiresAt: '2026-03-12T10:00:00.000Z',
        sequence: 1,
      },
      now: NOW.toISOString(),
    });
    const res = await offered.correct(
      { version: 2, person: { language: 'en' } },
      {
        role: 'ngo',
        orgId: 'ngo-tjeter-vizion',
      },
    );
    expect(res.status).toBe(403);
  });

  it('adult → child: opens and emails exactly one CHILD_PROTECTION task, and a second correction none', async () => {
    const w = await world({ nationality: CANARY_NATIONALITY, language: CANARY_LANGUAGE });
    const first = await w.correct({ version: 1, person: { ageGroup: 'child' } });
    expect(first).toMatchObject({ status: 200, body: { version: 2, person: { ageGroup: 'child' } } });
    const tasks = await childTasks(w.store);
    expect(tasks).toEqual([
      expect.objectContaining({
        kind: 'CHILD_PROTECTION',
        orgId: 'municipality-korce',
        status: 'OPEN',
        emailedAt: NOW.toISOString(),
        reminderStep: expect.any(Number),
      }),
    ]);
    expect(w.sent).toHaveLength(1);
    expect(w.sent[0]?.to).toEqual(['council@example.org']);
    expect(w.sent[0]?.text).toContain('https://api.bashke.test/actions/');
    expect((await w.store.getCase(CASE_ID))?.openTasks).toEqual({
      [tasks[0]?.taskId as string]: 'CHILD_PROTECTION',
    });

    // The same correction again with the new version, and a further one to unknown age.
    expect((await w.correct({ version: 2, person: { ageGroup: 'child' } })).status).toBe(200);
    expect((await w.correct({ version: 2, person: { ageGroup: 'unknown' } })).status).toBe(200);
    expect(await childTasks(w.store)).toHaveLength(1);
    expect(w.sent).toHaveLength(1);
    const opened = (await w.store.listEvents(CASE_ID)).filter((e) => e.type === 'CHILD_PROTECTION_OPENED');
    expect(opened).toHaveLength(1);
    // Nothing of the person in any email.
    for (const m of w.sent) {
      expect(JSON.stringify(m)).not.toMatch(/\bKZ\b|\bkk\b|ageGroup|nationality|"child"|female/);
    }
  });

  it('unknown age counts as a child: adult → unknown opens the task', async () => {
    const w = await world();
    expect((await w.correct({ version: 1, person: { ageGroup: 'unknown' } })).status).toBe(200);
    expect(await childTasks(w.store)).toHaveLength(1);
    expect(w.sent).toHaveLength(1);
  });

  it('child → child: a correction of another field opens no task (intake notified the unit)', async () => {
    const w = await world({ ageGroup: 'child' });
    expect((await w.correct({ version: 1, person: { language: 'en', needs: ['shelter'] } })).status).toBe(
      200,
    );
    expect(await childTasks(w.store)).toEqual([]);
    expect(w.sent).toEqual([]);
  });

  it('finishes the child path when a call stopped between the correction and the task', async () => {
    const w = await world();
    failNext(w.store, 'openTask', new Error('the function stopped'));
    expect((await w.correct({ version: 1, person: { ageGroup: 'child' } })).status).toBe(500);
    expect(await w.store.getCase(CASE_ID)).toMatchObject({ version: 2, person: { ageGroup: 'child' } });
    expect(await childTasks(w.store)).toEqual([]);
    // The caller reads the case again and sends the correction with the version it read.
    expect((await w.correct({ version: 2, person: { ageGroup: 'child' } })).status).toBe(200);
    expect(await childTasks(w.store)).toHaveLength(1);
    expect(w.sent).toHaveLength(1);
  });

  it('opens the same task the referral workflow would: a task already there is not opened again', async () => {
    const w = await world();
    const taskId = childProtectionTaskId(CASE_ID);
    await w.store.openTask({
      task: {
        taskId,
        kind: 'CHILD_PROTECTION',
        subject: 'case',
        caseId: CASE_ID,
        orgId: 'municipality-korce',
        status: 'OPEN',
        createdAt: NOW.toISOString(),
        dueAt: NOW.toISOString(),
        sequence: 1,
        emailedAt: NOW.toISOString(),
      },
      actor: { role: 'system' },
      now: NOW.toISOString(),
    });
    expect((await w.correct({ version: 1, person: { ageGroup: 'child' } })).status).toBe(200);
    expect(w.sent).toEqual([]);
  });
});
