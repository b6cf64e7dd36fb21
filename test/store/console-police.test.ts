import type { Directory } from '../../shared/domain/directory';
import {
  type ConsoleResponse,
  type ConsoleWorld,
  korcaDirectory,
  type Member,
  startConsoleWorld,
} from '../support/console-world';
import { dropStoreTables } from '../support/store-table';

/**
 * The police pages on DynamoDB Local: the referral form through createReferral (one case per
 * form, whatever is clicked twice), its errors beside the fields with nothing written, and
 * the unit's referrals list.
 */

/** The demo directory and a second region the Korça unit does not work in. */
function twoRegions(): Directory {
  const base = korcaDirectory();
  return { ...base, regions: [...base.regions, { regionId: 'tirana', code: 'TIR', name: 'Tiranë' }] };
}

let world: ConsoleWorld;
let officer: Member;
beforeEach(async () => {
  world = await startConsoleWorld('console-police', twoRegions());
  officer = await world.signIn('police', 'police-korca', 'antitrafficking@police-korca.example.org');
});
afterEach(dropStoreTables);

type Fields = [string, string][];

/** A complete, valid form as the browser sends it (the world's today is 2026-12-01). */
function validForm(key: string): Fields {
  return [
    ['idempotencyKey', key],
    ['region', 'korca'],
    ['interviewDate', '2026-11-30'],
    ['socialWorkerPresent', 'yes'],
    ['socialWorkerOrgId', 'ngo-vatra'],
    ['ageGroup', 'adult'],
    ['gender', 'female'],
    ['nationality', 'AL'],
    ['language', 'sq'],
    ['needs', 'shelter'],
    ['needs', 'legal'],
    ['riskLevel', 'high'],
    ['consentGiven', 'yes'],
    ['consentLocalGovernment', 'yes'],
    ['preferredNgoId', 'ngo-vatra'],
  ];
}

const replace = (fields: Fields, name: string, value: string | undefined): Fields => {
  const kept = fields.filter(([k]) => k !== name);
  return value === undefined ? kept : [...kept, [name, value]];
};

function hiddenKey(body: string): string {
  const m = /<input type="hidden" name="idempotencyKey" value="([^"]*)">/.exec(body);
  if (!m?.[1]) throw new Error('no idempotency key on the form');
  return m[1];
}

/** One `<h1>`, and every visible control has a `<label for>` naming its id. */
function expectAccessibleForm(res: ConsoleResponse) {
  expect(res.body.match(/<h1[\s>]/g)).toHaveLength(1);
  const controls = [...res.body.matchAll(/<(input|select|textarea)\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => !/type="hidden"/.test(tag));
  for (const control of controls) {
    const id = /\sid="([^"]+)"/.exec(control)?.[1];
    expect(id).toBeDefined();
    expect(res.body).toContain(`<label for="${id}">`);
  }
}

/** The error text shown beside field `id`. */
const fieldError = (body: string, id: string) =>
  new RegExp(`<span class="field-error" id="${id}-error">([^<]+)</span>`).exec(body)?.[1];

describe('the referral form', () => {
  it('refers through the form: one case, one workflow start, the case page with the reference', async () => {
    const form = await officer.get('/console/referrals/new');
    expect(form.status).toBe(200);
    expect(form.headers['cache-control']).toBe('no-store');
    expectAccessibleForm(form);
    // Every question of the request, as native controls; no identity field on the form.
    for (const id of [
      'region',
      'interviewDate',
      'socialWorkerPresent-0',
      'socialWorkerOrgId',
      'ageGroup-0',
      'gender-0',
      'nationality',
      'language',
      'needs-0',
      'riskLevel-0',
      'consentGiven-0',
      'consentLocalGovernment-0',
      'consentOrganisations-0',
      'preferredNgoId',
    ]) {
      expect(form.body).toContain(`id="${id}"`);
    }
    expect(form.body).toContain('type="date"');
    expect(form.body).not.toMatch(/name="(name|firstName|lastName|dateOfBirth|address)"/);
    // Only the unit's region is offered.
    expect(form.body).toContain('<option value="korca" selected>');
    expect(form.body).not.toContain('value="tirana"');
    const key = hiddenKey(form.body);
    expect(key).toMatch(/^[A-Za-z0-9_-]{8,128}$/);

    const sent = await officer.post('/console/referrals/new', validForm(key));
    expect(sent.status).toBe(303);
    const location = sent.location as string;
    expect(location).toMatch(/^\/console\/cases\/[0-9a-f-]{36}\?created=1$/);
    const caseId = location.slice('/console/cases/'.length, -'?created=1'.length);

    const cases = (await world.db.items()).filter((i) => i.sk === 'CASE');
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({
      caseId,
      region: 'korca',
      interviewDate: '2026-11-30',
      socialWorkerPresent: true,
      socialWorkerOrgId: 'ngo-vatra',
      preferredNgoId: 'ngo-vatra',
      person: {
        ageGroup: 'adult',
        gender: 'female',
        nationality: 'AL',
        language: 'sq',
        needs: ['shelter', 'legal'],
        riskLevel: 'high',
      },
      consent: { given: true, localGovernment: true },
      referringOrgId: 'police-korca',
    });
    expect(world.started).toEqual([{ caseId, reference: 'KOR-2026-0001', region: 'korca' }]);

    const shown = await officer.get(location);
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('class="notice"');
    expect(shown.body).toContain('Its reference number is KOR-2026-0001.');
    expect(shown.body).toMatch(/<h1>Case KOR-2026-0001<\/h1>/);
    expect(shown.body.match(/<h1[\s>]/g)).toHaveLength(1);
    expect(shown.body).toContain('<ol class="timeline">');
    expect(shown.body).toContain('Referred by the police');
  });

  it('a double POST of the same form makes one case and starts its one workflow', async () => {
    const key = hiddenKey((await officer.get('/console/referrals/new')).body);
    const [first, second] = await Promise.all([
      officer.post('/console/referrals/new', validForm(key)),
      officer.post('/console/referrals/new', validForm(key)),
    ]);
    const third = await officer.post('/console/referrals/new', validForm(key));
    expect([first.status, second.status, third.status]).toEqual([303, 303, 303]);
    expect(second.location).toBe(first.location);
    expect(third.location).toBe(first.location);
    expect((await world.db.items()).filter((i) => i.sk === 'CASE')).toHaveLength(1);
    // A replay starts the workflow named after the case again with the same input: Step
    // Functions keeps one execution per name, so these are one start.
    expect(new Set(world.started.map((s) => JSON.stringify(s))).size).toBe(1);
  });

  it('a new form is a new key: two forms make two cases', async () => {
    const a = hiddenKey((await officer.get('/console/referrals/new')).body);
    const b = hiddenKey((await officer.get('/console/referrals/new')).body);
    expect(a).not.toBe(b);
    await officer.post('/console/referrals/new', validForm(a));
    await officer.post('/console/referrals/new', validForm(b));
    expect((await world.db.items()).filter((i) => i.sk === 'CASE')).toHaveLength(2);
  });

  describe('refuses bad input with the errors beside the fields, writing nothing', () => {
    async function refused(fields: Fields) {
      const before = await world.db.items();
      const res = await officer.post('/console/referrals/new', fields);
      expect(res.status).toBe(400);
      expect(await world.db.items()).toEqual(before);
      expect(world.started).toEqual([]);
      expectAccessibleForm(res);
      expect(res.body).toContain('class="summary"');
      return res;
    }

    it('missing fields: each named beside its field and linked from the summary, the answers kept', async () => {
      const key = hiddenKey((await officer.get('/console/referrals/new')).body);
      let fields = validForm(key);
      for (const name of ['interviewDate', 'ageGroup', 'needs', 'consentGiven', 'socialWorkerOrgId']) {
        fields = replace(fields, name, undefined);
      }
      const res = await refused(fields);
      expect(fieldError(res.body, 'interviewDate')).toBe('Enter the date of the interview.');
      expect(fieldError(res.body, 'ageGroup')).toBe('Choose the age group.');
      expect(fieldError(res.body, 'needs')).toBe('Choose at least one need.');
      expect(fieldError(res.body, 'consentGiven')).toBe('Say whether the person consented to the referral.');
      expect(fieldError(res.body, 'socialWorkerOrgId')).toBe(
        'Choose the social worker’s organisation from the list.',
      );
      expect(res.body).toContain('<a href="#interviewDate">Enter the date of the interview.</a>');
      expect(res.body).toContain('<a href="#ageGroup-0">Choose the age group.</a>');
      expect(res.body).toContain('<a href="#needs-0">');
      // What was entered is still there, and the same key, so a corrected send is one case.
      expect(res.body).toContain('<option value="AL" selected>');
      expect(res.body).toMatch(/id="gender-0" name="gender" value="female" checked/);
      expect(res.body).toMatch(/id="riskLevel-2" name="riskLevel" value="high" checked/);
      expect(hiddenKey(res.body)).toBe(key);
      expect(res.body).toContain('aria-invalid="true"');

      const fixed = await officer.post('/console/referrals/new', validForm(key));
      expect(fixed.status).toBe(303);
    });

    it('an identity field smuggled into the form', async () => {
      const key = hiddenKey((await officer.get('/console/referrals/new')).body);
      for (const smuggled of [
        ['name', 'Ana Hoxha'],
        ['person.dateOfBirth', '2001-04-02'],
        ['person[address]', 'Rruga e Kavajës 1'],
      ] as const) {
        const res = await refused([...validForm(key), [smuggled[0], smuggled[1]]]);
        expect(res.body).toContain('Do not enter anything that identifies the person');
        expect(res.body).toContain('<a href="#person">');
        expect(res.body).not.toContain(smuggled[1]);
      }
    });

    it('a region the unit does not work in (though the directory has it)', async () => {
      const key = hiddenKey((await officer.get('/console/referrals/new')).body);
      const res = await refused(replace(validForm(key), 'region', 'tirana'));
      expect(fieldError(res.body, 'region')).toBe('Choose a region your unit works in.');
      expect(res.body).toContain('<a href="#region">');
    });

    it('a far-future or too old interview date, an unknown country, an adult without consent', async () => {
      const key = hiddenKey((await officer.get('/console/referrals/new')).body);
      const future = await refused(replace(validForm(key), 'interviewDate', '2099-01-01'));
      expect(fieldError(future.body, 'interviewDate')).toBe(
        'The date of the interview cannot be in the future.',
      );
      expect(future.body).toContain('value="2099-01-01"');
      const old = await refused(replace(validForm(key), 'interviewDate', '2026-09-01'));
      expect(fieldError(old.body, 'interviewDate')).toMatch(/within the last 30 days/);
      const bad = await refused(replace(validForm(key), 'interviewDate', '2026-02-30'));
      expect(fieldError(bad.body, 'interviewDate')).toBe('Enter the date of the interview.');
      const country = await refused(replace(validForm(key), 'nationality', 'QQ'));
      expect(fieldError(country.body, 'nationality')).toBe('Choose the nationality from the list.');
      const consent = await refused(replace(validForm(key), 'consentGiven', 'no'));
      expect(fieldError(consent.body, 'consentGiven')).toMatch(/only with their consent/);
    });

    it('a tampered key: refused, and the form comes back with a fresh one', async () => {
      const res = await refused(replace(validForm('x'), 'idempotencyKey', 'no spaces allowed'));
      expect(res.body).toContain('The form had expired');
      expect(hiddenKey(res.body)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('speaks Albanian to an Albanian reader', async () => {
      const sq = await world.signIn(
        'police',
        'police-korca',
        'antitrafficking@police-korca.example.org',
        'sq',
      );
      const key = hiddenKey((await sq.get('/console/referrals/new')).body);
      const res = await sq.post('/console/referrals/new', replace(validForm(key), 'riskLevel', undefined));
      expect(res.status).toBe(400);
      expect(res.body).toContain('<h2 id="error-summary-title">Ka një problem</h2>');
      expect(fieldError(res.body, 'riskLevel')).toBe('Zgjidhni nivelin e rrezikut.');
    });
  });

  it('a form already used for another referral is a 409 with a fresh key, nothing more written', async () => {
    const key = hiddenKey((await officer.get('/console/referrals/new')).body);
    await officer.post('/console/referrals/new', validForm(key));
    const before = await world.db.items();
    const res = await officer.post('/console/referrals/new', replace(validForm(key), 'riskLevel', 'low'));
    expect(res.status).toBe(409);
    expect(res.body).toContain('This form was sent before');
    expect(hiddenKey(res.body)).not.toBe(key);
    // The use case took a reference number before the refusal (numbers may have gaps): nothing else changed.
    const notCounter = (items: Record<string, unknown>[]) => items.filter((i) => i.sk !== 'COUNTER');
    expect(notCounter(await world.db.items())).toEqual(notCounter(before));
  });

  it('is for police only: other roles get 403 on the form and its POST', async () => {
    const ngo = await world.signIn('ngo', 'ngo-vatra', 'focal.point@vatra.example.org');
    const coordinator = await world.signIn(
      'coordinator',
      'prefecture-korca',
      'coordinator@prefecture-korca.example.org',
    );
    const council = await world.signIn(
      'council',
      'prefecture-korca',
      'secretariat@prefecture-korca.example.org',
    );
    for (const m of [ngo, coordinator, council]) {
      expect((await m.get('/console/referrals/new')).status).toBe(403);
      expect((await m.post('/console/referrals/new', validForm('abcdefgh12345'))).status).toBe(403);
      expect((await m.get('/console/referrals')).status).toBe(403);
    }
    expect((await world.db.items()).filter((i) => i.sk === 'CASE')).toHaveLength(0);
  });
});

describe('the referrals list', () => {
  it('shows the unit’s referrals with reference, region, date and status, each linked to its case', async () => {
    const empty = await officer.get('/console/referrals');
    expect(empty.status).toBe(200);
    expect(empty.body).toContain('There are no cases to show.');

    const key = hiddenKey((await officer.get('/console/referrals/new')).body);
    const sent = await officer.post('/console/referrals/new', validForm(key));
    const list = await officer.get('/console/referrals');
    expect(list.status).toBe(200);
    expectAccessibleForm(list);
    expect(list.body).toContain(`<a href="${sent.location?.replace('?created=1', '')}">KOR-2026-0001</a>`);
    expect(list.body).toContain('Korçë');
    expect(list.body).toContain('1 Dec 2026');
    expect(list.body).toContain('<span class="tag">Referred</span>');
    const filtered = await officer.get('/console/referrals?status=CLOSED');
    expect(filtered.body).not.toContain('KOR-2026-0001');
    expect(filtered.body).toContain('<option value="CLOSED" selected>');
  });

  it('pages with the list’s cursor', async () => {
    for (let i = 0; i < 26; i++) {
      const key = hiddenKey((await officer.get('/console/referrals/new')).body);
      expect((await officer.post('/console/referrals/new', validForm(key))).status).toBe(303);
    }
    const refs = (body: string) => body.match(/KOR-2026-00\d\d/g) ?? [];
    const first = await officer.get('/console/referrals');
    expect(refs(first.body)).toHaveLength(25);
    const next = /<a href="(\/console\/referrals\?cursor=[A-Za-z0-9_-]+)" rel="next">Next page<\/a>/.exec(
      first.body,
    );
    expect(next?.[1]).toBeDefined();
    const second = await officer.get((next as RegExpExecArray)[1] as string);
    // One case on the second page, none seen twice: the 26 referrals across both.
    expect(refs(second.body)).toHaveLength(1);
    expect(new Set([...refs(first.body), ...refs(second.body)]).size).toBe(26);
    expect(second.body).not.toContain('rel="next"');
    expect(second.body).toContain('Back to the first page');
  });
});
