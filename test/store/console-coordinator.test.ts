import { deactivateOrganisation } from '../../functions/directory-api/directory-api';
import { resolveCaller } from '../../shared/auth/caller';
import { sessionClaims } from '../../shared/console/app';
import type { CaseRecord, TaskRecord } from '../../shared/data/records';
import type { Role } from '../../shared/domain/codes';
import type { Directory } from '../../shared/domain/directory';
import { type ConsoleWorld, korcaDirectory, startConsoleWorld } from '../support/console-world';
import { dropStoreTables } from '../support/store-table';

/**
 * The coordinator's pages on DynamoDB Local (issue 11): the dashboard, the assignment of an
 * UNASSIGNED case through the real use case, and the directory pages; other roles get 403.
 */

const COORDINATOR = 'coordinator@prefecture-korca.example.org';
const NOW = new Date('2026-12-01T09:00:00.000Z');

/** The demo directory and a second region, Vlorë, with an NGO and a coordinator of its own. */
function twoRegions(): Directory {
  const d = korcaDirectory();
  const contact = (
    email: string,
    roles: Directory['organisations'][number]['contacts'][number]['roles'],
  ) => ({
    name: 'Kontakt',
    email,
    language: 'sq' as const,
    roles,
  });
  return {
    regions: [...d.regions, { regionId: 'vlora', code: 'VLO', name: 'Vlorë' }],
    organisations: [
      ...d.organisations,
      {
        orgId: 'ngo-vlora-only',
        name: 'OJF e Vlorës',
        kind: 'ngo',
        regions: ['vlora'],
        services: ['shelter'],
        capacity: 5,
        childProtection: false,
        contacts: [contact('focal@ngo-vlora.example.org', ['focal-point'])],
      },
      {
        orgId: 'prefecture-vlora',
        name: 'Prefektura e Vlorës',
        kind: 'prefecture',
        regions: ['vlora'],
        services: [],
        capacity: 0,
        childProtection: false,
        contacts: [contact('coordinator@prefecture-vlora.example.org', ['coordinator'])],
      },
    ],
  };
}

let world: ConsoleWorld;
let counter = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

beforeEach(async () => {
  world = await startConsoleWorld('console-coordinator', twoRegions());
  world.setNow(NOW);
});
afterEach(dropStoreTables);

/** A referral of Korçë, made UNASSIGNED as the workflow does when no NGO is left. */
async function seedCase(unassigned = true): Promise<CaseRecord> {
  const { store } = world.db;
  const caseId = uuid();
  const at = '2026-11-20T09:00:00.000Z';
  const item: CaseRecord = {
    caseId,
    reference: `KOR-2026-${String(counter).padStart(4, '0')}`,
    region: 'korca',
    status: 'REFERRED',
    version: 1,
    interviewDate: '2026-11-19',
    socialWorkerPresent: true,
    socialWorkerOrgId: 'ngo-vatra',
    person: {
      ageGroup: 'adult',
      gender: 'female',
      nationality: 'AL',
      language: 'sq',
      needs: ['shelter', 'legal'],
      riskLevel: 'high',
    },
    consentGiven: true,
    consent: { given: true },
    referringOrgId: 'police-korca',
    officerSub: 'officer-1',
    offeredOrgIds: ['ngo-vatra'],
    createdAt: at,
    updatedAt: at,
  };
  const created = await store.createReferral({
    caseItem: item,
    event: { caseId, at, type: 'REFERRED', actor: 'police', orgId: 'police-korca', status: 'REFERRED' },
    idempotency: {
      scope: 'police-korca',
      key: caseId,
      requestHash: 'h',
      response: { caseId, reference: item.reference, status: 'REFERRED' },
      createdAt: at,
    },
  });
  expect(created).toBe('created');
  if (unassigned) expect(await store.markUnassigned({ caseId, now: '2026-11-25T09:00:00.000Z' })).toBe(true);
  return item;
}

async function overdueTask(caseId: string, kind: TaskRecord['kind'], orgId: string) {
  const task: TaskRecord = {
    taskId: uuid(),
    kind,
    subject: 'case',
    caseId,
    orgId,
    status: 'OPEN',
    createdAt: '2026-11-01T09:00:00.000Z',
    dueAt: '2026-11-20T09:00:00.000Z',
    sequence: 1,
  };
  expect(await world.db.store.openTask({ task, actor: { role: 'system' }, now: task.createdAt })).toBe(
    'opened',
  );
}

const coordinator = () => world.signIn('coordinator', 'prefecture-korca', COORDINATOR);

/** Every role but the coordinator, each in an organisation it may sit in. */
const OUTSIDERS: readonly [Role, string, string][] = [
  ['police', 'police-korca', 'antitrafficking@police-korca.example.org'],
  ['ngo', 'ngo-iom', 'focal.point@iom.example.org'],
  ['council', 'municipality-korca', 'council@municipality-korca.example.org'],
];

/** The `<input type="radio">` values of the page's form. */
const radios = (body: string) => [...body.matchAll(/type="radio"[^>]* value="([^"]+)"/g)].map((m) => m[1]);

describe('the dashboard', () => {
  it('shows the region’s cases by status, the unassigned ones with an assign action, overdue work and figures', async () => {
    const waiting = await seedCase();
    await seedCase(false);
    for (let i = 0; i < 6; i++) await overdueTask(waiting.caseId, 'FOLLOW_UP', 'ngo-iom');
    await overdueTask(waiting.caseId, 'NEEDS_ASSESSMENT', 'ngo-iom');
    const m = await coordinator();

    const res = await m.get('/console/dashboard');

    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatch(
      /<li><span class="n">1<\/span>Waiting for the coordinator to assign an NGO<\/li>/,
    );
    expect(res.body).toMatch(/<li><span class="n">1<\/span>Referred<\/li>/);
    expect(res.body).toContain(`href="/console/cases/${waiting.caseId}/assign"`);
    expect(res.body).toContain(`aria-label="Assign ${waiting.reference}"`);
    // Overdue work per organisation, suppressed as the statistics are; the total would tell the 1.
    expect(res.body).toMatch(
      /<td>IOM[^<]*<\/td><td class="num">&lt;5<\/td><td class="num">6<\/td><td class="num">withheld<\/td>/,
    );
    expect(res.body).toContain('Referrals in December 2026');
    expect(res.body).toContain('Referrals in 2025');
    for (const href of ['/console/stats', '/console/directory', '/console/meetings', '/console/tasks'])
      expect(res.body).toContain(`href="${href}"`);
    // No person data on the dashboard.
    expect(res.body).not.toMatch(/Shelter|Legal|female/i);
  });

  it('refuses police, NGO, council and admin by direct URL', async () => {
    for (const [role, orgId, email] of [...OUTSIDERS, ['admin', 'prefecture-korca', COORDINATOR] as const]) {
      const m = await world.signIn(role, orgId, email);
      expect((await m.get('/console/dashboard')).status).toBe(403);
    }
  });
});

describe('assigning an UNASSIGNED case', () => {
  it('offers the active NGOs of the case’s region, and the assignment starts the workflow again', async () => {
    const item = await seedCase();
    const m = await coordinator();

    const form = await m.get(`/console/cases/${item.caseId}/assign`);
    expect(form.status).toBe(200);
    const offered = radios(form.body);
    expect(offered).toContain('ngo-iom');
    expect(offered).toContain('ngo-vatra');
    expect(offered).not.toContain('ngo-vlora-only');
    expect(offered).not.toContain('municipality-korca');
    expect(form.body).toContain('name="_csrf"');
    expect(form.body).toContain('<legend>Which NGO takes the case?</legend>');

    const res = await m.post(`/console/cases/${item.caseId}/assign`, [['orgId', 'ngo-iom']]);

    expect(res.status).toBe(303);
    expect(res.location).toBe(`/console/dashboard?assigned=${item.caseId}`);
    expect(world.started).toEqual([
      expect.objectContaining({ caseId: item.caseId, reference: item.reference, region: 'korca' }),
    ]);
    const stored = await world.db.store.getCase(item.caseId);
    expect(stored).toMatchObject({ status: 'REFERRED', preferredNgoId: 'ngo-iom', offeredOrgIds: [] });
    const events = await world.db.store.listEvents(item.caseId);
    expect(events.at(-1)).toMatchObject({ type: 'ASSIGNED', status: 'REFERRED' });

    const back = await m.get(res.location as string);
    expect(back.body).toContain(`Case ${item.reference} was assigned.`);
    expect(back.body).not.toContain(`href="/console/cases/${item.caseId}/assign"`);
  });

  it('shows no notice for a case the query names that was not assigned', async () => {
    const item = await seedCase();
    const m = await coordinator();
    const res = await m.get(`/console/dashboard?assigned=${item.caseId}`);
    expect(res.body).not.toContain('was assigned');
  });

  it('asks again, changing nothing, when no NGO is chosen or one outside the region', async () => {
    const item = await seedCase();
    const m = await coordinator();
    const before = await world.db.items();

    const missing = await m.post(`/console/cases/${item.caseId}/assign`, []);
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('<a href="#orgId-0">Choose the NGO that takes the case.</a>');
    expect(missing.body).toContain('<span class="field-error" id="orgId-error">');

    for (const orgId of ['ngo-vlora-only', 'municipality-korca', 'no-such-org', '<script>', '']) {
      const res = await m.post(`/console/cases/${item.caseId}/assign`, [['orgId', orgId]]);
      expect(res.status).toBe(400);
      expect(res.body).toContain('id="error-summary"');
      expect(res.body).not.toContain('<script>');
    }

    // A deactivated NGO is no longer one the use case accepts.
    const admin = await resolveCaller(
      world.deps.directory,
      sessionClaims({ sub: 'admin-1', orgId: 'prefecture-korca', role: 'admin' }),
    );
    await deactivateOrganisation(world.deps.directoryAdmin, admin, { orgId: 'ngo-linza' });
    const afterDeactivation = await world.db.items();
    const form = await m.get(`/console/cases/${item.caseId}/assign`);
    expect(radios(form.body)).not.toContain('ngo-linza');
    const linza = await m.post(`/console/cases/${item.caseId}/assign`, [['orgId', 'ngo-linza']]);
    expect(linza.status).toBe(400);

    expect(world.started).toEqual([]);
    expect((await world.db.store.getCase(item.caseId))?.status).toBe('UNASSIGNED');
    const changed = (await world.db.items()).filter((i) => !String(i.pk).startsWith('ORG#'));
    expect(changed).toEqual(before.filter((i) => !String(i.pk).startsWith('ORG#')));
    expect(await world.db.items()).toEqual(afterDeactivation);
  });

  it('answers 409 for a case no longer UNASSIGNED, and writes nothing', async () => {
    const item = await seedCase();
    const m = await coordinator();
    expect((await m.post(`/console/cases/${item.caseId}/assign`, [['orgId', 'ngo-iom']])).status).toBe(303);
    const before = await world.db.items();

    const other = await m.post(`/console/cases/${item.caseId}/assign`, [['orgId', 'ngo-vatra']]);
    expect(other.status).toBe(409);
    expect(other.body).toContain(`Case ${item.reference} is no longer waiting for an NGO`);
    expect(other.body).toContain('Nothing was changed.');
    const form = await m.get(`/console/cases/${item.caseId}/assign`);
    expect(form.status).toBe(409);
    expect(form.body).not.toContain('<form method="post" action="/console/cases/');

    expect(await world.db.items()).toEqual(before);
    expect(world.started).toHaveLength(1);
    expect((await world.db.store.getCase(item.caseId))?.preferredNgoId).toBe('ngo-iom');
  });

  it('answers 404 to a coordinator of another region and for an unknown case', async () => {
    const item = await seedCase();
    const vlora = await world.signIn(
      'coordinator',
      'prefecture-vlora',
      'coordinator@prefecture-vlora.example.org',
    );
    expect((await vlora.get(`/console/cases/${item.caseId}/assign`)).status).toBe(404);
    expect((await vlora.post(`/console/cases/${item.caseId}/assign`, [['orgId', 'ngo-iom']])).status).toBe(
      404,
    );
    const m = await coordinator();
    expect((await m.get(`/console/cases/${uuid()}/assign`)).status).toBe(404);
    expect((await m.get('/console/cases/not-a-case/assign')).status).toBe(404);
    expect(world.started).toEqual([]);
  });

  it('refuses police, NGO and council by direct URL, GET and POST', async () => {
    const item = await seedCase();
    const before = await world.db.items();
    for (const [role, orgId, email] of OUTSIDERS) {
      const m = await world.signIn(role, orgId, email);
      expect((await m.get(`/console/cases/${item.caseId}/assign`)).status).toBe(403);
      expect((await m.post(`/console/cases/${item.caseId}/assign`, [['orgId', 'ngo-iom']])).status).toBe(403);
    }
    const sessions = (i: Record<string, unknown>) => String(i.pk).startsWith('SESSION#');
    expect((await world.db.items()).filter((i) => !sessions(i))).toEqual(before.filter((i) => !sessions(i)));
    expect(world.started).toEqual([]);
  });

  it('speaks Albanian', async () => {
    const item = await seedCase();
    const m = await world.signIn('coordinator', 'prefecture-korca', COORDINATOR, 'sq');
    const form = await m.get(`/console/cases/${item.caseId}/assign`);
    expect(form.body).toContain('<html lang="sq">');
    expect(form.body).toContain('Cila OJF e merr rastin?');
    const missing = await m.post(`/console/cases/${item.caseId}/assign`, []);
    expect(missing.body).toContain('Zgjidhni OJF-në që e merr rastin.');
  });
});

describe('the directory pages', () => {
  it('lists the organisations with kind, regions, state and contacts, and says how to change them', async () => {
    const m = await coordinator();
    const res = await m.get('/console/directory');

    expect(res.status).toBe(200);
    expect(res.body).toContain('href="/console/directory/ngo-iom"');
    expect(res.body).toContain('focal.point@iom.example.org');
    expect(res.body).toContain('case worker');
    expect(res.body).toContain('npm run directory -- import &lt;file.json&gt;');
    // A coordinator of Korçë sees Korçë's organisations only.
    expect(res.body).not.toContain('ngo-vlora-only');
    expect(res.body).not.toMatch(/<form method="post" action="\/console\/directory/);
  });

  it('shows an organisation with its contacts and change history; deactivated ones too', async () => {
    const admin = await resolveCaller(
      world.deps.directory,
      sessionClaims({ sub: 'admin-1', orgId: 'prefecture-korca', role: 'admin' }),
    );
    await deactivateOrganisation(world.deps.directoryAdmin, admin, { orgId: 'ngo-linza' });
    const m = await coordinator();

    const list = await m.get('/console/directory');
    expect(list.body).toMatch(
      /ngo-linza">[^<]+<\/a><\/td><td>NGO<\/td><td>korca<\/td><td><span class="tag bad">Deactivated/,
    );
    const res = await m.get('/console/directory/ngo-linza');
    expect(res.status).toBe(200);
    expect(res.body).toContain('focal.point@linza.example.org');
    expect(res.body).toContain('<ol class="timeline">');
    expect(res.body).toContain('Deactivated</strong> by Administrator, ');
    expect(res.body).toContain('<code>active</code>');

    const fresh = await m.get('/console/directory/ngo-iom');
    expect(fresh.body).toContain('No change recorded');
  });

  it('answers 404 for an organisation of another region or none, and lets admins see all', async () => {
    const m = await coordinator();
    expect((await m.get('/console/directory/ngo-vlora-only')).status).toBe(404);
    expect((await m.get('/console/directory/no-such-org')).status).toBe(404);
    const admin = await world.signIn('admin', 'prefecture-korca', COORDINATOR);
    const all = await admin.get('/console/directory');
    expect(all.status).toBe(200);
    expect(all.body).toContain('ngo-vlora-only');
    expect((await admin.get('/console/directory/ngo-vlora-only')).status).toBe(200);
  });

  it('refuses police, NGO and council by direct URL', async () => {
    for (const [role, orgId, email] of OUTSIDERS) {
      const m = await world.signIn(role, orgId, email);
      expect((await m.get('/console/directory')).status).toBe(403);
      expect((await m.get('/console/directory/ngo-iom')).status).toBe(403);
    }
  });
});
