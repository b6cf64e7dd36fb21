import type { OrgRecord, Region } from './records';
import type { Store } from './store';

/** How long an organisation or region record (or its absence) is trusted without reading the table again. */
export const DIRECTORY_TTL_MS = 60_000;

/** Bound on cached entries: a flood of distinct unknown organisation ids cannot grow memory without end. */
export const DIRECTORY_CACHE_MAX_ENTRIES = 1_000;

export interface DirectoryCacheOptions {
  /** @default DIRECTORY_TTL_MS */
  readonly ttlMs?: number;
  /** Epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** @default DIRECTORY_CACHE_MAX_ENTRIES */
  readonly maxEntries?: number;
}

interface Entry {
  readonly expiresAt: number;
  readonly value: Promise<OrgRecord | Region | undefined>;
}

/**
 * The directory as one container sees it: organisation and region records read from the table
 * at most once per TTL, misses included, so every request can check its caller's organisation without a
 * read of its own and a flood of tokens naming unknown organisations does not reach the table.
 * Concurrent lookups of one id share one read; a failed read is not cached.
 *
 * The directory changes by seeding and administration, rarely: a record up to one TTL old is
 * good enough for who belongs where (kind, regions, contacts). Its `openOffers` count is live
 * data and may be just as old here: read the store when the count itself matters.
 */
export class DirectoryCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(
    private readonly store: Pick<Store, 'getOrganisation' | 'getRegion'>,
    options: DirectoryCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DIRECTORY_TTL_MS;
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? DIRECTORY_CACHE_MAX_ENTRIES;
  }

  getOrganisation(orgId: string): Promise<OrgRecord | undefined> {
    return this.cached(`org:${orgId}`, () => this.store.getOrganisation(orgId));
  }

  /** A region (its code names the references, its coordinators are told): as rarely changed as an organisation. */
  getRegion(regionId: string): Promise<Region | undefined> {
    return this.cached(`region:${regionId}`, () => this.store.getRegion(regionId));
  }

  private cached<T extends OrgRecord | Region>(
    key: string,
    read: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const at = this.now();
    const cached = this.entries.get(key);
    // Keys are kind-prefixed: an entry under `org:` holds an organisation, under `region:` a region.
    if (cached && cached.expiresAt > at) return cached.value as Promise<T | undefined>;
    if (cached) this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.evict(at);

    const value = read();
    const entry: Entry = { expiresAt: at + this.ttlMs, value };
    this.entries.set(key, entry);
    // Only this entry is dropped: a newer one for the same key may have replaced it meanwhile.
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  /**
   * Drops the entry of an organisation this container just changed, so its next lookup reads
   * the table. Other containers see the change when their entry expires (one TTL at most).
   */
  forget(orgId: string): void {
    this.entries.delete(`org:${orgId}`);
  }

  /** Drops expired entries, then the oldest ones (a Map keeps insertion order) until there is room. */
  private evict(at: number): void {
    for (const [id, entry] of this.entries) if (entry.expiresAt <= at) this.entries.delete(id);
    for (const id of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) break;
      this.entries.delete(id);
    }
  }
}
