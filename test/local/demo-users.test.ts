import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_USERS, demoSignInUsers } from '../../local/demo-users';
import { defaultSub } from '../../local/token';
import { resolveCaller } from '../../shared/auth/caller';
import type { OrgRecord } from '../../shared/data/records';
import { ROLES } from '../../shared/domain/codes';
import type { Organisation } from '../../shared/domain/directory';

const directory = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', 'shared', 'directory', 'korca.json'), 'utf8'),
) as { organisations: Organisation[] };
const orgs = new Map(directory.organisations.map((o) => [o.orgId, o]));

describe('the local sign-in page’s demo users', () => {
  it('offers someone of every role', () => {
    expect([...new Set(DEMO_USERS.map((u) => u.role))].sort()).toEqual([...ROLES].sort());
  });

  it.each(demoSignInUsers().map((u) => [u.email, u] as const))(
    'lets %s through the app’s own caller check, in an organisation of the directory',
    async (_email, user) => {
      const caller = await resolveCaller(
        {
          getOrganisation: async (orgId) => {
            const org = orgs.get(orgId);
            return org ? ({ ...org, openOffers: 0 } as OrgRecord) : undefined;
          },
        },
        {
          sub: user.sub,
          token_use: 'id',
          email: user.email,
          'custom:orgId': user.attributes?.orgId,
          'cognito:groups': user.groups,
        },
      );
      expect(caller.role).toBe(user.groups[0]);
    },
  );

  it('names each non-admin user as the contact the directory holds, and the organisation by its name', () => {
    for (const u of DEMO_USERS) {
      const org = orgs.get(u.orgId);
      expect({ user: u.email, organisation: org?.name }).toEqual({
        user: u.email,
        organisation: u.organisation,
      });
      if (u.role === 'admin') continue;
      const contact = org?.contacts.find((c) => c.email === u.email);
      expect({ user: u.email, name: contact?.name }).toEqual({ user: u.email, name: u.name });
    }
    const coordinator = DEMO_USERS.find((u) => u.role === 'coordinator');
    expect(coordinator?.email).toBe('coordinator@prefecture-korca.example.org');
    const council = DEMO_USERS.find((u) => u.role === 'council');
    const contact = orgs.get(council?.orgId ?? '')?.contacts.find((c) => c.email === council?.email);
    expect(contact?.roles).toContain('council-member');
  });

  it('is the same user as `npm run token` makes for the role and organisation', () => {
    for (const [u, signIn] of DEMO_USERS.map((d, i) => [d, demoSignInUsers()[i]] as const)) {
      expect(signIn?.sub).toBe(defaultSub(u.orgId, u.role));
    }
    expect(new Set(demoSignInUsers().map((u) => u.sub)).size).toBe(DEMO_USERS.length);
  });
});
