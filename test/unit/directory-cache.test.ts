import { DirectoryCache } from '../../shared/data/directory-cache';
import type { OrgRecord, Region } from '../../shared/data/records';
import { directory } from '../support/fixtures';

const REGION = directory().regions[0] as Region;
const ORG: OrgRecord = { ...(directory().organisations[0] as OrgRecord), openOffers: 0 };

/** A store whose reads are counted per id; `orgs` is what the table holds right now. */
function countingStore(orgs: Map<string, OrgRecord>) {
  const reads: string[] = [];
  let failures = 0;
  return {
    reads,
    failNext() {
      failures++;
    },
    async getOrganisation(orgId: string): Promise<OrgRecord | undefined> {
      reads.push(orgId);
      if (failures > 0) {
        failures--;
        throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      }
      return orgs.get(orgId);
    },
    async getRegion(regionId: string): Promise<Region | undefined> {
      reads.push(`region ${regionId}`);
      return regionId === REGION.code ? REGION : undefined;
    },
  };
}

function setup(options: { ttlMs?: number; maxEntries?: number } = {}) {
  const orgs = new Map([[ORG.orgId, ORG]]);
  const store = countingStore(orgs);
  let clock = 1_000_000;
  const cache = new DirectoryCache(store, { ...options, now: () => clock });
  return {
    orgs,
    store,
    cache,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('DirectoryCache', () => {
  it('reads an organisation once and answers later lookups from memory', async () => {
    const { store, cache } = setup();

    const first = await cache.getOrganisation(ORG.orgId);
    const second = await cache.getOrganisation(ORG.orgId);

    expect(first).toEqual(ORG);
    expect(second).toEqual(ORG);
    expect(store.reads).toEqual([ORG.orgId]);
  });

  it('caches a miss too, so a flood of unknown-organisation tokens reads the table once', async () => {
    const { store, cache } = setup();

    for (let i = 0; i < 50; i++) expect(await cache.getOrganisation('police-nowhere')).toBeUndefined();

    expect(store.reads).toEqual(['police-nowhere']);
  });

  it('reads again once the TTL has passed, and sees the change', async () => {
    const { orgs, store, cache, advance } = setup({ ttlMs: 60_000 });
    expect(await cache.getOrganisation(ORG.orgId)).toEqual(ORG);
    orgs.delete(ORG.orgId);

    advance(59_999);
    expect(await cache.getOrganisation(ORG.orgId)).toEqual(ORG);
    advance(1);
    expect(await cache.getOrganisation(ORG.orgId)).toBeUndefined();

    expect(store.reads).toEqual([ORG.orgId, ORG.orgId]);
  });

  it('lets a cached miss expire, so an organisation added to the directory is seen within the TTL', async () => {
    const { orgs, cache, advance } = setup({ ttlMs: 60_000 });
    expect(await cache.getOrganisation('ngo-new')).toBeUndefined();
    orgs.set('ngo-new', { ...ORG, orgId: 'ngo-new' });

    advance(60_000);

    expect(await cache.getOrganisation('ngo-new')).toMatchObject({ orgId: 'ngo-new' });
  });

  it('shares one read among concurrent lookups of one id', async () => {
    const { store, cache } = setup();

    const all = await Promise.all([1, 2, 3].map(() => cache.getOrganisation(ORG.orgId)));

    expect(all).toEqual([ORG, ORG, ORG]);
    expect(store.reads).toHaveLength(1);
  });

  it('does not cache a failed read: the next lookup reads again', async () => {
    const { store, cache } = setup();
    store.failNext();

    await expect(cache.getOrganisation(ORG.orgId)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(await cache.getOrganisation(ORG.orgId)).toEqual(ORG);

    expect(store.reads).toHaveLength(2);
  });

  it('keeps at most maxEntries ids, dropping the oldest first', async () => {
    const { store, cache } = setup({ maxEntries: 2 });
    await cache.getOrganisation('a-1');
    await cache.getOrganisation('a-2');
    await cache.getOrganisation('a-3');

    await cache.getOrganisation('a-3');
    await cache.getOrganisation('a-2');
    await cache.getOrganisation('a-1');

    expect(store.reads).toEqual(['a-1', 'a-2', 'a-3', 'a-1']);
  });

  it('caches regions beside organisations, an id shared by both kinds naming two entries', async () => {
    const { store, cache, advance } = setup();
    const sameId = REGION.code;

    expect(await cache.getRegion(REGION.code)).toEqual(REGION);
    expect(await cache.getRegion(REGION.code)).toEqual(REGION);
    expect(await cache.getOrganisation(sameId)).toBeUndefined();
    expect(await cache.getRegion('nowhere')).toBeUndefined();
    expect(await cache.getRegion('nowhere')).toBeUndefined();
    expect(store.reads).toEqual([`region ${REGION.code}`, sameId, 'region nowhere']);

    // forget() is for organisations: the region's entry stays until its TTL.
    cache.forget(sameId);
    await cache.getRegion(REGION.code);
    expect(store.reads).toHaveLength(3);
    advance(60_001);
    await cache.getRegion(REGION.code);
    expect(store.reads).toHaveLength(4);
  });
});
