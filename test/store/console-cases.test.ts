import { eventWords } from '../../functions/console/pages/cases';
import { prepareOffer } from '../../functions/prepare-offer/prepare-offer';
import type { Directory } from '../../shared/domain/directory';
import { NO_PREVIOUS_OFFER } from '../../shared/workflow/task-input';
import {
  type ConsoleResponse,
  type ConsoleWorld,
  korcaDirectory,
  type Member,
  startConsoleWorld,
} from '../support/console-world';
import { dropStoreTables } from '../support/store-table';

/**
 * The case pages on DynamoDB Local, for each role docs/access.md names: police (their unit's
 * referrals), an NGO (cases offered to it now or accepted by it), coordinators (their
 * regions', with the offer history); council, local government and admins see no case data.
 */

/** The demo directory and a police unit of another region. */
function withTirana(): Directory {
  const base = korcaDirectory();
  return {
    regions: [...base.regions, { regionId: 'tirana', code: 'TIR', name: 'Tiranë' }],
    organisations: [
      ...base.organisations,
      {
        orgId: 'police-tirana',
        name: 'State Police Tirana — Anti-Trafficking Unit',
        kind: 'police',
        regions: ['tirana'],
        services: [],
        capacity: 0,
        childProtection: false,
        contacts: [
          {
            name: 'Duty officer',
            email: 'duty@police-tirana.example.org',
            language: 'en',
            roles: ['focal-point'],
          },
        ],
      },
    ],
  };
}

let world: ConsoleWorld;
let officer: Member;
let caseId: string;
beforeEach(async () => {
  world = await startConsoleWorld('console-cases', withTirana());
  officer = await world.signIn('police', 'police-korca', 'antitrafficking@police-korca.example.org');
  caseId = await refer();
});
afterEach(dropStoreTables);

/** A referral through the form (the person chose Vatra, so Vatra is offered it first). */
async function refer(): Promise<string> {
  const form = await officer.get('/console/referrals/new');
  const key = /name="idempotencyKey" value="([^"]+)"/.exec(form.body)?.[1] as string;
  const sent = await officer.post('/console/referrals/new', [
    ['idempotencyKey', key],
    ['region', 'korca'],
    ['interviewDate', '2026-11-30'],
    ['socialWorkerPresent', 'yes'],
    ['socialWorkerOrgId', 'ngo-vatra'],
    ['ageGroup', 'adult'],
    ['gender', 'female'],
    ['nationality', 'XK'],
    ['language', 'sq'],
    ['needs', 'shelter'],
    ['riskLevel', 'medium'],
    ['consentGiven', 'yes'],
    ['preferredNgoId', 'ngo-vatra'],
  ]);
  expect(sent.status).toBe(303);
  return /\/console\/cases\/([0-9a-f-]{36})/.exec(sent.location as string)?.[1] as string;
}

/** The workflow's first step: the offer to the NGO that fits. */
async function offer(): Promise<string> {
  world.setNow(new Date('2026-12-01T09:05:00.000Z'));
  const { calendar, reminders } = world.deps.tasks;
  const made = await prepareOffer(
    { store: world.deps.store, calendar, reminders, now: world.now, offerDeadlineHours: 24 },
    { caseId, afterTaskId: NO_PREVIOUS_OFFER },
  );
  if (!made.found) throw new Error('no NGO for the case');
  return made.orgId;
}

function expectOneH1AndLabels(res: ConsoleResponse) {
  expect(res.body.match(/<h1[\s>]/g)).toHaveLength(1);
  for (const m of res.body.matchAll(/<(input|select|textarea)\b[^>]*>/g)) {
    if (/type="hidden"/.test(m[0])) continue;
    const id = /\sid="([^"]+)"/.exec(m[0])?.[1];
    expect(res.body).toContain(`<label for="${id}">`);
  }
}

describe('the case page', () => {
  it('shows the police their referral: facts, profile, status and their part of the timeline', async () => {
    await offer();
    const res = await officer.get(`/console/cases/${caseId}`);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expectOneH1AndLabels(res);
    expect(res.body).toContain('<h1>Case KOR-2026-0001</h1>');
    expect(res.body).toContain('<dt>Date of the interview</dt><dd>30 Nov 2026</dd>');
    expect(res.body).toContain('<dt>Nationality</dt><dd>Kosovo</dd>');
    expect(res.body).toContain('<dt>Needs</dt><dd>Shelter</dd>');
    expect(res.body).toContain('<dt>Referred by</dt><dd>State Police Korça — Anti-Trafficking Unit</dd>');
    // The notice of a new referral only right after sending it.
    expect(res.body).not.toContain('class="notice"');
    // Police are told of REFERRED, not of the offer; they never see the offer history.
    expect(res.body).toContain('<time datetime="2026-12-01T09:00:00.000Z">1 Dec 2026, 10:00</time>');
    expect(res.body).toContain('Referred by the police');
    expect(res.body).not.toContain('Offered to an NGO</strong>');
    expect(res.body).not.toContain('Offers to NGOs');
  });

  it('shows the NGO it is offered to the case and its timeline from the offer; another NGO gets 404', async () => {
    const orgId = await offer();
    expect(orgId).toBe('ngo-vatra');
    const vatra = await world.signIn('ngo', 'ngo-vatra', 'focal.point@vatra.example.org', 'sq');
    const res = await vatra.get(`/console/cases/${caseId}`);
    expect(res.status).toBe(200);
    expectOneH1AndLabels(res);
    expect(res.body).toContain('<h1>Rasti KOR-2026-0001</h1>');
    expect(res.body).toContain('<span class="tag">I ofruar një OJF-je</span>');
    expect(res.body).toContain('<strong>I ofruar një OJF-je</strong>');
    // The NGO's timeline starts at its offer: the referral before it is not shown.
    expect(res.body).not.toContain('Referuar nga policia');
    expect(res.body).toContain('<dt>Shtetësia</dt><dd>Kosovë</dd>');
    expect(res.body).not.toContain('Ofertat për OJF-të');

    const iom = await world.signIn('ngo', 'ngo-iom', 'focal.point@iom.example.org');
    expect((await iom.get(`/console/cases/${caseId}`)).status).toBe(404);
    const list = await iom.get('/console/cases');
    expect(list.status).toBe(200);
    expect(list.body).not.toContain('KOR-2026-0001');
  });

  it('shows coordinators of the region the case with its offer history and whole timeline', async () => {
    await offer();
    const coordinator = await world.signIn(
      'coordinator',
      'prefecture-korca',
      'coordinator@prefecture-korca.example.org',
    );
    const res = await coordinator.get(`/console/cases/${caseId}`);
    expect(res.status).toBe(200);
    expectOneH1AndLabels(res);
    expect(res.body).toContain('<h2>Offers to NGOs</h2>');
    expect(res.body).toContain('<td>Psycho-Social Center &quot;Vatra&quot; (Vlora)</td>');
    expect(res.body).toContain('Waiting for an answer');
    expect(res.body).toContain('Referred by the police');
    expect(res.body).toContain('<strong>Offered to an NGO</strong>');
    expect(res.body).toContain('By Bashkë (automatically).');
  });

  it('names every kind of event in words, in both languages', () => {
    expect(eventWords('en', 'NEEDS_ASSESSMENT_DONE', 'NEEDS_ASSESSMENT')).toBe('Needs assessment: done');
    expect(eventWords('sq', 'PLAN_ITEM_DUE_MOVED')).toBe('Veprim i planit: afati u zhvendos');
    expect(eventWords('en', 'CLOSURE_CONFIRMATION_TIMED_OUT')).toBe('Closure confirmation: not done in time');
    expect(eventWords('sq', 'OFFER_DECLINED', 'OFFER')).toBe('OJF-ja e refuzoi ofertën');
    expect(eventWords('en', 'SOMETHING_NEW')).toBe('Other event');
  });

  it('refuses every role that sees no case data with 403, and others’ cases with 404', async () => {
    const council = await world.signIn(
      'council',
      'prefecture-korca',
      'secretariat@prefecture-korca.example.org',
    );
    const localgov = await world.signIn(
      'localgov',
      'municipality-korca',
      'child.protection@municipality-korca.example.org',
    );
    const admin = await world.signIn('admin', 'prefecture-korca', 'coordinator@prefecture-korca.example.org');
    for (const m of [council, localgov, admin]) {
      const res = await m.get(`/console/cases/${caseId}`);
      expect(res.status).toBe(403);
      expect(res.body).not.toContain('KOR-2026-0001');
      expect((await m.get('/console/cases/6f1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b')).status).toBe(403);
      expect((await m.get('/console/cases')).status).toBe(403);
    }
    const tirana = await world.signIn('police', 'police-tirana', 'duty@police-tirana.example.org');
    expect((await tirana.get(`/console/cases/${caseId}`)).status).toBe(404);
    expect((await tirana.get('/console/cases/not-a-case')).status).toBe(404);
    expect((await officer.get('/console/cases/6f1c2b0e-8d4a-4f6e-9b7a-2c3d4e5f6a7b')).status).toBe(404);
  });
});

describe('the cases list', () => {
  it('lists what each reader may see, with a status filter', async () => {
    await offer();
    const vatra = await world.signIn('ngo', 'ngo-vatra', 'focal.point@vatra.example.org');
    const coordinator = await world.signIn(
      'coordinator',
      'prefecture-korca',
      'coordinator@prefecture-korca.example.org',
    );
    for (const m of [vatra, coordinator, officer]) {
      const res = await m.get('/console/cases');
      expect(res.status).toBe(200);
      expectOneH1AndLabels(res);
      expect(res.body).toContain(`<a href="/console/cases/${caseId}">KOR-2026-0001</a>`);
      expect(res.body).toContain('<span class="tag">Offered to an NGO</span>');
      const offered = await m.get('/console/cases?status=OFFERED');
      expect(offered.body).toContain('KOR-2026-0001');
      const closed = await m.get('/console/cases?status=CLOSED');
      expect(closed.body).not.toContain('KOR-2026-0001');
      // An unknown status is no filter (all statuses), not an error.
      expect((await m.get('/console/cases?status=nonsense')).body).toContain('KOR-2026-0001');
    }
    const tirana = await world.signIn('police', 'police-tirana', 'duty@police-tirana.example.org');
    expect((await tirana.get('/console/cases')).body).not.toContain('KOR-2026-0001');
  });

  it('answers a cursor it did not give with 400', async () => {
    const coordinator = await world.signIn(
      'coordinator',
      'prefecture-korca',
      'coordinator@prefecture-korca.example.org',
    );
    expect((await coordinator.get('/console/cases?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
  });

  it('records each signed-in page in the audit trail, and shows a case’s trail to its coordinators only', async () => {
    await officer.get(`/console/cases/${caseId}`);
    const looked = world.audit.entries.filter((e) => e.action === 'GET /console/cases/{caseId}');
    expect(looked).toEqual([
      expect.objectContaining({
        channel: 'console',
        actor: expect.objectContaining({ kind: 'member', role: 'police', orgId: 'police-korca' }),
        subject: { caseId },
        result: 'allowed',
        status: 200,
      }),
    ]);
    // The referral the form made is in it too, and a page without a session leaves nothing.
    expect(
      world.audit.entries.some(
        (e) => e.action === 'POST /console/referrals/new' && e.subject.caseId === caseId,
      ),
    ).toBe(true);
    const before = world.audit.entries.length;
    expect((await world.request({ method: 'GET', path: `/console/cases/${caseId}` })).status).toBe(302);
    expect(world.audit.entries.length).toBe(before);

    const coordinator = await world.signIn(
      'coordinator',
      'prefecture-korca',
      'coordinator@prefecture-korca.example.org',
    );
    const casePage = await coordinator.get(`/console/cases/${caseId}`);
    expect(casePage.body).toContain(`href="/console/cases/${caseId}/audit"`);
    const trail = await coordinator.get(`/console/cases/${caseId}/audit`);
    expect(trail.status).toBe(200);
    expectOneH1AndLabels(trail);
    expect(trail.body).toContain('Audit trail of case KOR-2026-0001');
    expect(trail.body).toContain('<code>GET /console/cases/{caseId}</code>');
    expect(trail.body).toContain('Police officer, ');
    // The police unit sees no link and may not open it.
    expect((await officer.get(`/console/cases/${caseId}`)).body).not.toContain('/audit');
    expect((await officer.get(`/console/cases/${caseId}/audit`)).status).toBe(403);
    const tirana = await world.signIn('police', 'police-tirana', 'duty@police-tirana.example.org');
    expect((await tirana.get(`/console/cases/${caseId}/audit`)).status).toBe(403);
  });
});
