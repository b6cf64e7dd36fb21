import { NEEDS } from '../../shared/domain/codes';
import { referralRequestSchema } from '../../shared/domain/referral';
import { fieldIssues } from '../../shared/http/zod-issues';
import { referralRequest } from '../support/fixtures';

type Body = Record<string, unknown>;

/** The field issues for `input`, as the API would report them ([] when valid). */
function issues(input: unknown) {
  const result = referralRequestSchema.safeParse(input);
  return result.success ? [] : fieldIssues(result.error);
}

/** The valid request with the value at `path` replaced (or removed when `value` is `REMOVE`). */
const REMOVE = Symbol('remove');
function withValue(path: string, value: unknown): Body {
  const body = referralRequest() as unknown as Body;
  const segments = path.split('/').slice(1);
  const last = segments.pop() as string;
  let target = body;
  for (const s of segments) target = target[s] as Body;
  if (value === REMOVE) delete target[last];
  else target[last] = value;
  return body;
}

/** Required fields and the code a missing or null value gets (zod reports enums as invalid_value). */
const REQUIRED: Array<[string, string]> = [
  ['/region', 'invalid_type'],
  ['/interviewDate', 'invalid_type'],
  ['/socialWorkerPresent', 'invalid_type'],
  ['/socialWorkerOrgId', 'invalid_type'],
  ['/person', 'invalid_type'],
  ['/person/ageGroup', 'invalid_value'],
  ['/person/gender', 'invalid_value'],
  ['/person/nationality', 'invalid_type'],
  ['/person/language', 'invalid_type'],
  ['/person/needs', 'invalid_type'],
  ['/person/riskLevel', 'invalid_value'],
  ['/consent', 'invalid_type'],
  ['/consent/given', 'invalid_type'],
];

const STRINGS = [
  '/region',
  '/interviewDate',
  '/socialWorkerOrgId',
  '/preferredNgoId',
  '/person/ageGroup',
  '/person/gender',
  '/person/nationality',
  '/person/language',
  '/person/riskLevel',
];

describe('referralRequestSchema', () => {
  it('accepts a complete request', () => {
    expect(issues(referralRequest())).toEqual([]);
  });

  it('accepts a request with a preferred NGO', () => {
    expect(issues({ ...referralRequest(), preferredNgoId: 'ngo-vatra' })).toEqual([]);
  });

  it.each(REQUIRED)('reports %s as %s when it is missing', (path, code) => {
    expect(issues(withValue(path, REMOVE))).toEqual([{ path, code }]);
  });

  it.each(REQUIRED)('reports %s as %s when it is null', (path, code) => {
    expect(issues(withValue(path, null))).toEqual([{ path, code }]);
  });

  it('reports invalid_type at /preferredNgoId when it is null', () => {
    expect(issues(withValue('/preferredNgoId', null))).toEqual([
      { path: '/preferredNgoId', code: 'invalid_type' },
    ]);
  });

  it.each([
    ['/region', 42],
    ['/interviewDate', 20260310],
    ['/socialWorkerPresent', 'true'],
    ['/socialWorkerPresent', 1],
    ['/socialWorkerOrgId', ['ngo-vatra']],
    ['/person', 'adult'],
    ['/person', []],
    ['/person/needs', 'shelter'],
    ['/person/needs', { 0: 'shelter' }],
    ['/consent', true],
    ['/consent/given', 'yes'],
  ])('reports a wrong-typed %s (%p)', (path, value) => {
    const found = issues(withValue(path, value));

    expect(found.length).toBeGreaterThan(0);
    expect(found.every((i) => i.path === path)).toBe(true);
  });

  it.each([null, [], 'referral', 42, true])('reports invalid_type at the root for a body of %p', (body) => {
    expect(issues(body)).toEqual([{ path: '', code: 'invalid_type' }]);
  });

  it.each(STRINGS)('refuses an empty %s', (path) => {
    const found = issues(withValue(path, ''));

    expect(found.length).toBeGreaterThan(0);
    expect(found.every((i) => i.path === path)).toBe(true);
  });

  it.each(STRINGS)('refuses a whitespace-only %s', (path) => {
    const found = issues(withValue(path, ' \t\u00a0'));

    expect(found.length).toBeGreaterThan(0);
    expect(found.every((i) => i.path === path)).toBe(true);
  });

  it.each([
    ['', 'role'],
    ['/person', 'name'],
    ['/person', 'dateOfBirth'],
    ['/consent', 'signedBy'],
  ])('reports unrecognized_keys at "%s" for an extra key %s', (path, key) => {
    const body = referralRequest() as unknown as Body;
    const target = path === '' ? body : (body[path.slice(1)] as Body);
    target[key] = 'x';

    expect(issues(body)).toEqual([{ path, code: 'unrecognized_keys' }]);
  });

  it.each([
    ['', '__proto__'],
    ['', 'constructor'],
    ['/person', '__proto__'],
    ['/person', 'constructor'],
    ['/consent', '__proto__'],
  ])('reports unrecognized_keys at "%s" for a JSON %s key and pollutes nothing', (path, key) => {
    const opening = { '': '{', '/person': '"person":{', '/consent': '"consent":{' }[path] as string;
    const json = JSON.stringify(referralRequest()).replace(opening, `${opening}"${key}":{"polluted":true},`);
    const body: unknown = JSON.parse(json);

    const found = issues(body);

    expect(found).toEqual([{ path, code: 'unrecognized_keys' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not hand back the own __proto__ key of a parsed body', () => {
    const body: unknown = JSON.parse(
      JSON.stringify(referralRequest()).replace('{"region"', '{"__proto__":{"isAdmin":true},"region"'),
    );

    const result = referralRequestSchema.safeParse(body);

    expect(result.success).toBe(false);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it.each(['QQ', 'EU', 'al', 'ALB', 'A', '8L'])(
    'refuses nationality %p, which is not an ISO 3166-1 code',
    (code) => {
      expect(issues(withValue('/person/nationality', code))).toEqual([
        { path: '/person/nationality', code: 'custom' },
      ]);
    },
  );

  it.each(['AL', 'GR', 'IT', 'UA'])('accepts nationality %p', (code) => {
    expect(issues(withValue('/person/nationality', code))).toEqual([]);
  });

  it.each(['xx', 'SQ', 'alb', 'sq-AL', 'e'])(
    'refuses language %p, which is not an ISO 639-1 code',
    (code) => {
      expect(issues(withValue('/person/language', code))).toEqual([
        { path: '/person/language', code: 'custom' },
      ]);
    },
  );

  it.each(['sq', 'en', 'uk', 'ar'])('accepts language %p', (code) => {
    expect(issues(withValue('/person/language', code))).toEqual([]);
  });

  it.each(['housing', 'Shelter', 'psychosocial', ''])('refuses the unknown need %p', (need) => {
    expect(issues(withValue('/person/needs', ['shelter', need]))).toEqual([
      { path: '/person/needs/1', code: 'invalid_value' },
    ]);
  });

  it('refuses a need named twice', () => {
    expect(issues(withValue('/person/needs', ['legal', 'shelter', 'legal']))).toEqual([
      { path: '/person/needs', code: 'custom' },
    ]);
  });

  it('refuses an empty list of needs', () => {
    expect(issues(withValue('/person/needs', []))).toEqual([{ path: '/person/needs', code: 'too_small' }]);
  });

  it('accepts every need at once', () => {
    expect(issues(withValue('/person/needs', [...NEEDS]))).toEqual([]);
  });

  it('refuses a huge array of needs with one issue, not one per element', () => {
    const found = issues(withValue('/person/needs', new Array(100_000).fill('shelter')));

    expect(found).toEqual([{ path: '/person/needs', code: 'too_big' }]);
  });

  it.each(['adult ', 'Adult', 'minor'])('refuses the age group %p', (ageGroup) => {
    expect(issues(withValue('/person/ageGroup', ageGroup))).toEqual([
      { path: '/person/ageGroup', code: 'invalid_value' },
    ]);
  });

  it.each([
    '2026-02-30',
    '2026-02-29',
    '2026-13-01',
    '2026-04-31',
    '2026-00-10',
    '2026-3-10',
    '10/03/2026',
    '2026-03-10T00:00:00Z',
    ' 2026-03-10',
    '2026-03-10\n',
    '+02026-03-10',
    '２０２６-03-10',
  ])('refuses the interview date %p', (date) => {
    expect(issues(withValue('/interviewDate', date))).toEqual([{ path: '/interviewDate', code: 'custom' }]);
  });

  it.each(['2028-02-29', '2026-12-31', '2026-03-29'])('accepts the interview date %p', (date) => {
    expect(issues(withValue('/interviewDate', date))).toEqual([]);
  });

  it.each([
    'Korce',
    'korçë',
    'korce-',
    '-korce',
    'kor--ce',
    'kor ce',
    'k',
    'a'.repeat(65),
    'korce\u0000',
    'kor\u200bce',
    'korce\r\n',
  ])('refuses the region slug %p', (region) => {
    expect(issues(withValue('/region', region))).toHaveLength(1);
  });

  it('reports every failing field at once', () => {
    const body = { ...referralRequest(), region: 'korce!', socialWorkerPresent: 'yes', consent: {} };

    expect(issues(body).map((i) => i.path)).toEqual(['/region', '/socialWorkerPresent', '/consent/given']);
  });

  it('returns the parsed request unchanged when it is valid', () => {
    const result = referralRequestSchema.parse(referralRequest());

    expect(result).toEqual(referralRequest());
  });
});
