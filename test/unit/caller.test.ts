import {
  callerFromClaims,
  type MemberCaller,
  parseGroups,
  requireReferralRegion,
  requireRole,
  resolveCaller,
} from '../../shared/auth/caller';
import type { OrgRecord } from '../../shared/data/records';
import { ForbiddenError } from '../../shared/errors';
import { directory, referralRequest } from '../support/fixtures';

/** ID-token claims as an HTTP API JWT authorizer passes them (groups flattened to a string). */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: '4f7c1b2a-0000-4000-8000-000000000001',
    token_use: 'id',
    'custom:orgId': 'police-korce',
    'cognito:groups': '[police]',
    email: 'officer@example.org',
    iss: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_example',
    aud: 'client-id',
    ...overrides,
  };
}

describe('callerFromClaims', () => {
  it('reads a caller from a bracketed group string', () => {
    expect(callerFromClaims(claims())).toEqual({
      sub: '4f7c1b2a-0000-4000-8000-000000000001',
      orgId: 'police-korce',
      role: 'police',
      email: 'officer@example.org',
    });
  });

  it('reads a caller from a real array of groups', () => {
    expect(callerFromClaims(claims({ 'cognito:groups': ['ngo'] }))?.role).toBe('ngo');
  });

  it('reads a bare group string without brackets', () => {
    expect(callerFromClaims(claims({ 'cognito:groups': 'council' })).role).toBe('council');
  });

  it('leaves email out when the token has none', () => {
    const { email: _email, ...withoutEmail } = claims();

    expect(callerFromClaims(withoutEmail)).not.toHaveProperty('email');
  });

  it.each([
    ['a bracketed string', '[police ngo]'],
    ['a comma-separated string', '[police,ngo]'],
    ['an array', ['police', 'ngo']],
  ])('refuses two roles given as %s', (_label, groups) => {
    expect(() => callerFromClaims(claims({ 'cognito:groups': groups }))).toThrow(ForbiddenError);
  });

  it('ignores a group that is not a role', () => {
    expect(callerFromClaims(claims({ 'cognito:groups': '[eu-central-1_example_Google police]' })).role).toBe(
      'police',
    );
  });

  it.each([
    ['no role group at all', '[eu-central-1_example_Google]'],
    ['an empty group list', '[]'],
    ['an empty array', []],
    ['a role in another case', '[Police]'],
  ])('refuses %s', (_label, groups) => {
    expect(() => callerFromClaims(claims({ 'cognito:groups': groups }))).toThrow(ForbiddenError);
  });

  it.each([
    ['the organisation is missing', { 'custom:orgId': undefined }],
    ['the organisation is empty', { 'custom:orgId': '' }],
    ['the organisation is not a slug', { 'custom:orgId': 'Police Korce' }],
    ['the groups are missing', { 'cognito:groups': undefined }],
    ['the subject is missing', { sub: undefined }],
    ['the subject is empty', { sub: '' }],
    ['it is an access token', { token_use: 'access' }],
    ['the token use is missing', { token_use: undefined }],
    ['the email is malformed', { email: 'not-an-email' }],
  ])('refuses claims where %s', (_label, overrides) => {
    expect(() => callerFromClaims(claims(overrides))).toThrow(ForbiddenError);
  });

  it.each([null, undefined, 'claims', []])('refuses claims that are %p', (value) => {
    expect(() => callerFromClaims(value)).toThrow(ForbiddenError);
  });

  it('does not put claim values in the error message', () => {
    const canary = 'canary-7f3a9c';

    let message = '';
    try {
      callerFromClaims(claims({ 'custom:orgId': canary.toUpperCase(), 'cognito:groups': `[${canary}]` }));
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).not.toBe('');
    expect(message.toLowerCase()).not.toContain(canary);
  });
});

describe('parseGroups', () => {
  it.each<[string | string[], string[]]>([
    ['[police]', ['police']],
    ['[police ngo]', ['police', 'ngo']],
    ['[ police  ngo ]', ['police', 'ngo']],
    ['police', ['police']],
    ['[]', []],
    [
      ['police', ' ngo '],
      ['police', 'ngo'],
    ],
    [['', 'admin'], ['admin']],
  ])('reads %p as %p', (raw, expected) => {
    expect(parseGroups(raw)).toEqual(expected);
  });
});

describe('requireRole', () => {
  const caller = callerFromClaims(
    claims({ 'cognito:groups': '[council]', 'custom:orgId': 'municipality-korce' }),
  );

  it('lets an allowed role through', () => {
    expect(() => requireRole(caller, 'police', 'council')).not.toThrow();
  });

  it('refuses a role that is not allowed', () => {
    expect(() => requireRole(caller, 'police', 'ngo')).toThrow(ForbiddenError);
  });

  it('refuses everyone when no role is allowed', () => {
    expect(() => requireRole(caller)).toThrow(ForbiddenError);
  });
});

describe('resolveCaller', () => {
  const orgs = new Map<string, OrgRecord>(
    directory().organisations.map((o) => [o.orgId, { ...o, openOffers: 0 }]),
  );
  const lookups: string[] = [];
  const dir = {
    getOrganisation: async (orgId: string) => {
      lookups.push(orgId);
      return orgs.get(orgId);
    },
  };

  it('adds the kind and regions of the organisation the directory holds', async () => {
    const caller = await resolveCaller(dir, claims({ 'custom:orgId': 'police-korce' }));

    expect(caller).toEqual({
      sub: '4f7c1b2a-0000-4000-8000-000000000001',
      orgId: 'police-korce',
      role: 'police',
      email: 'officer@example.org',
      orgKind: 'police',
      regions: ['korce'],
    });
  });

  it('refuses an organisation the directory does not hold with 403', async () => {
    await expect(resolveCaller(dir, claims({ 'custom:orgId': 'police-nowhere' }))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });

  it('refuses unusable claims before asking the directory', async () => {
    lookups.length = 0;

    await expect(resolveCaller(dir, claims({ 'cognito:groups': '[]' }))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect(lookups).toEqual([]);
  });

  it.each([
    ['police', 'ngo-vatra', false],
    ['ngo', 'police-korce', false],
    ['ngo', 'ngo-vatra', true],
    ['coordinator', 'municipality-korce', true],
    ['coordinator', 'ngo-vatra', true],
    ['council', 'municipality-korce', true],
    ['admin', 'police-korce', true],
  ])('lets %s of %s through: %s', async (role, orgId, allowed) => {
    const result = resolveCaller(dir, claims({ 'cognito:groups': `[${role}]`, 'custom:orgId': orgId }));

    if (allowed) await expect(result).resolves.toMatchObject({ role, orgId });
    else await expect(result).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('passes a failing directory read on unchanged (the edge maps it)', async () => {
    const busy = Object.assign(new Error('busy'), { name: 'ThrottlingException' });
    const failing = { getOrganisation: async () => Promise.reject(busy) };

    await expect(resolveCaller(failing, claims())).rejects.toBe(busy);
  });
});

describe('requireReferralRegion', () => {
  const police: MemberCaller = {
    sub: 's',
    orgId: 'police-korce',
    role: 'police',
    orgKind: 'police',
    regions: ['korce', 'pogradec'],
  };

  it.each(['korce', 'pogradec'])(
    'lets a referral for %s, a region of the organisation, through',
    (region) => {
      expect(() => requireReferralRegion(police, { ...referralRequest(), region })).not.toThrow();
    },
  );

  it('refuses a referral for another region with 403', () => {
    expect(() => requireReferralRegion(police, { ...referralRequest(), region: 'tirane' })).toThrow(
      ForbiddenError,
    );
  });

  it.each<[string, unknown]>([
    ['a missing region', { person: {} }],
    ['a region that is not a name', { region: 'Not A Region' }],
    ['a region of the wrong type', { region: 7 }],
    ['an array body', ['tirane']],
    ['a null body', null],
    ['a string body', 'tirane'],
  ])('leaves %s to the schema', (_label, body) => {
    expect(() => requireReferralRegion(police, body)).not.toThrow();
  });
});
