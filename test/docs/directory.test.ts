import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NEEDS } from '../../shared/domain/codes';
import { directorySchema } from '../../shared/domain/directory';
import { chooseNgo } from '../../shared/domain/ngo-choice';

const RAW: unknown = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'shared', 'directory', 'korca.json'), 'utf8'),
);

describe('shared/directory/korca.json', () => {
  const directory = directorySchema.parse(RAW);
  const ngos = directory.organisations.filter((o) => o.kind === 'ngo');

  it('is a valid directory for the one region Korça (KOR)', () => {
    expect(directory.regions).toEqual([{ regionId: 'korca', code: 'KOR', name: 'Korçë' }]);
  });

  it('has the police unit, a coordinator and every NGO of the demo group', () => {
    expect(directory.organisations.filter((o) => o.kind === 'police').map((o) => o.orgId)).toEqual([
      'police-korca',
    ]);
    const coordinators = directory.organisations.flatMap((o) =>
      o.contacts.filter((c) => c.roles.includes('coordinator')),
    );
    expect(coordinators.length).toBeGreaterThan(0);
    expect(ngos).toHaveLength(9);
  });

  it('gives every NGO a focal point, services and room for offers', () => {
    for (const ngo of ngos) {
      expect(ngo.contacts.some((c) => c.roles.includes('focal-point'))).toBe(true);
      expect(ngo.services.length).toBeGreaterThan(0);
      expect(ngo.capacity).toBeGreaterThanOrEqual(2);
      expect(ngo.capacity).toBeLessThanOrEqual(10);
    }
  });

  it('has council and cluster members in several organisations, in both languages', () => {
    const holding = (role: string) =>
      directory.organisations.filter((o) => o.contacts.some((c) => c.roles.includes(role as never)));
    expect(holding('council-member').length).toBeGreaterThanOrEqual(5);
    expect(holding('cluster-member').length).toBeGreaterThanOrEqual(3);
    const members = directory.organisations.flatMap((o) =>
      o.contacts.filter((c) => c.roles.includes('council-member') || c.roles.includes('cluster-member')),
    );
    expect(new Set(members.map((c) => c.language))).toEqual(new Set(['sq', 'en']));
    expect(members.some((c) => c.timeZone !== undefined && c.timeZone !== 'Europe/Tirane')).toBe(true);
  });

  it('has a contact away with a deputy of the same organisation, and every department says what it does', () => {
    const away = directory.organisations.flatMap((o) =>
      o.contacts.filter((c) => c.away).map((c) => ({ o, c })),
    );
    expect(away.length).toBeGreaterThan(0);
    for (const { o, c } of away) expect(o.contacts.map((d) => d.email)).toContain(c.away?.deputyEmail);
    for (const o of directory.organisations.filter((x) => x.kind === 'department'))
      expect(o.department).toBeDefined();
  });

  it('uses fictitious addresses on example.org only', () => {
    for (const o of directory.organisations) {
      for (const c of o.contacts) expect(c.email).toMatch(/@([a-z0-9-]+\.)*example\.org$/);
    }
  });

  it.each(NEEDS.flatMap((need) => [[need, false] as const, [need, true] as const]))(
    'has an NGO to offer a case needing %s (child: %s) to',
    (need, child) => {
      const choice = chooseNgo(
        directory.organisations.map((org) => ({ org, openOffers: 0 })),
        { region: 'korca', needs: [need], child, alreadyOffered: new Set() },
      );
      expect(choice).toBeDefined();
    },
  );
});
