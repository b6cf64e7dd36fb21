import { directorySchema } from '../../shared/domain/directory';
import { fieldIssues } from '../../shared/http/zod-issues';
import { directory } from '../support/fixtures';

function issues(input: unknown) {
  const result = directorySchema.safeParse(input);
  return result.success ? [] : fieldIssues(result.error);
}

type Mutable = {
  regions: Array<Record<string, unknown>>;
  organisations: Array<
    Record<string, unknown> & { regions: string[]; contacts: Array<Record<string, unknown>> }
  >;
};

function mutableDirectory(): Mutable {
  return directory() as unknown as Mutable;
}

function org(d: Mutable, i: number) {
  const found = d.organisations[i];
  if (!found) throw new Error(`the fixture has no organisation ${i}`);
  return found;
}

describe('directorySchema', () => {
  it('accepts the fixture directory', () => {
    expect(issues(directory())).toEqual([]);
  });

  it('reports a duplicate organisation id at the later entry', () => {
    const d = mutableDirectory();
    org(d, 3).orgId = org(d, 2).orgId;

    expect(issues(d)).toEqual([{ path: '/organisations/3/orgId', code: 'custom' }]);
  });

  it('reports an organisation working in a region the directory does not list', () => {
    const d = mutableDirectory();
    org(d, 2).regions = ['korce', 'durres'];

    expect(issues(d)).toEqual([{ path: '/organisations/2/regions/1', code: 'custom' }]);
  });

  it('reports each unknown region of each organisation', () => {
    const d = mutableDirectory();
    org(d, 0).regions = ['shkoder'];
    org(d, 4).regions = ['tirane', 'vlore'];

    expect(issues(d)).toEqual([
      { path: '/organisations/0/regions/0', code: 'custom' },
      { path: '/organisations/4/regions/1', code: 'custom' },
    ]);
  });

  it('reports an organisation kind it does not know', () => {
    const d = mutableDirectory();
    org(d, 1).kind = 'church';

    expect(issues(d)).toEqual([{ path: '/organisations/1/kind', code: 'invalid_value' }]);
  });

  it.each([
    ['a carriage return and line feed', 'Vatra\r\nBcc: attacker@example.org'],
    ['a line feed', 'Vatra\nX'],
    ['a NUL', 'Vatra\u0000'],
    ['a tab', 'Vat\tra'],
    ['a line separator', 'Vatra\u2028X'],
    ['a paragraph separator', 'Vatra\u2029X'],
  ])('refuses an organisation name with %s', (_label, name) => {
    const d = mutableDirectory();
    org(d, 4).name = name;

    expect(issues(d)).toEqual([{ path: '/organisations/4/name', code: 'custom' }]);
  });

  it('refuses a contact name with CR/LF', () => {
    const d = mutableDirectory();
    const contact = org(d, 4).contacts[0];
    if (!contact) throw new Error('the fixture has a contact');
    contact.name = 'Focal\r\nPoint';

    expect(issues(d)).toEqual([{ path: '/organisations/4/contacts/0/name', code: 'custom' }]);
  });

  it('refuses a region name with a line feed', () => {
    const d = mutableDirectory();
    const region = d.regions[0];
    if (!region) throw new Error('the fixture has a region');
    region.name = 'Korçë\n';

    // Trimmed first: a trailing line feed is whitespace and goes; an inner one stays and is refused.
    expect(issues(d)).toEqual([]);
    region.name = 'Kor\nçë';
    expect(issues(d)).toEqual([{ path: '/regions/0/name', code: 'custom' }]);
  });

  it.each(['', '   '])('refuses an empty organisation name %p', (name) => {
    const d = mutableDirectory();
    org(d, 4).name = name;

    expect(issues(d)).toEqual([{ path: '/organisations/4/name', code: 'too_small' }]);
  });

  it.each(['kor', 'K', 'KORCES', 'K0R'])('refuses the region code %p', (code) => {
    const d = mutableDirectory();
    const region = d.regions[0];
    if (!region) throw new Error('the fixture has a region');
    region.code = code;

    expect(issues(d)).toEqual([{ path: '/regions/0/code', code: 'invalid_format' }]);
  });

  it.each([
    ['/organisations/2', 'notes'],
    ['/organisations/2/contacts/0', 'phone'],
    ['/regions/0', 'population'],
    ['', 'version'],
  ])('reports unrecognized_keys at "%s" for an extra key %s', (path, key) => {
    const d = mutableDirectory() as unknown as Record<string, unknown>;
    let target = d;
    for (const s of path.split('/').slice(1)) target = target[s] as Record<string, unknown>;
    target[key] = 'x';

    expect(issues(d)).toEqual([{ path, code: 'unrecognized_keys' }]);
  });

  it.each([
    ['capacity', -1],
    ['capacity', 1001],
    ['capacity', 1.5],
    ['services', ['shelter', 'housing']],
    ['regions', []],
  ])('refuses an organisation whose %s is %p', (field, value) => {
    const d = mutableDirectory();
    (org(d, 2) as Record<string, unknown>)[field] = value;

    expect(issues(d).length).toBeGreaterThan(0);
    expect(issues(d).every((i) => i.path.startsWith(`/organisations/2/${field}`))).toBe(true);
  });

  it('refuses a contact language other than sq and en', () => {
    const d = mutableDirectory();
    const contact = org(d, 2).contacts[0];
    if (!contact) throw new Error('the fixture has a contact');
    contact.language = 'it';

    expect(issues(d)).toEqual([{ path: '/organisations/2/contacts/0/language', code: 'invalid_value' }]);
  });

  it('refuses a directory without regions or organisations', () => {
    expect(issues({ regions: [], organisations: [] })).toEqual([
      { path: '/regions', code: 'too_small' },
      { path: '/organisations', code: 'too_small' },
    ]);
  });
});
