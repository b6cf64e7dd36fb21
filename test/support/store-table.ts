/**
 * DynamoStore on a fresh DynamoDB Local table, for the `store` tier's use-case tests (they
 * replaced the in-memory fake: test on the real thing). Fault injection wraps one call of one
 * method on the store instance; nothing else of the store changes.
 */
import { MeetingStore } from '../../shared/data/meeting-store';
import type { Store } from '../../shared/data/store';
import type { Directory } from '../../shared/domain/directory';
import { createTestTable, type Item, type TestTable } from './dynamodb-local';

/** The Store method names, for fault injection. */
export type StoreMethod = {
  [K in keyof Store]: Store[K] extends (...args: never[]) => unknown ? K : never;
}[keyof Store];

export interface StoreTable {
  readonly store: MeetingStore;
  readonly table: TestTable;
  /** Every stored item (key attributes included), sorted by key. */
  items(): Promise<Item[]>;
}

const open: TestTable[] = [];

/** A new table and its store, with the directory seeded when given. Dropped by `dropStoreTables`. */
export async function storeTable(label: string, directory?: Directory): Promise<StoreTable> {
  const table = await createTestTable(label);
  open.push(table);
  const store = new MeetingStore(table.client, table.tableName);
  if (directory) await seedDirectory(store, directory);
  return { store, table, items: () => table.items() };
}

/** Drops every table `storeTable` made (call in afterEach). */
export async function dropStoreTables(): Promise<void> {
  await Promise.all(open.splice(0).map((t) => t.drop()));
}

export async function seedDirectory(store: Store, directory: Directory): Promise<void> {
  for (const region of directory.regions) await store.seedRegion(region);
  for (const org of directory.organisations) await store.seedOrganisation(org);
}

function swap(store: Store, method: StoreMethod, next: (run: () => Promise<unknown>) => Promise<unknown>) {
  const original = (store[method] as (...a: unknown[]) => Promise<unknown>).bind(store);
  Object.assign(store, {
    [method]: async (...args: unknown[]) => {
      // One call only: the instance property goes, the prototype's method shows again.
      delete (store as unknown as Record<string, unknown>)[method];
      return next(() => original(...args));
    },
  });
}

/** The next call of `method` rejects with `error` and writes nothing; later calls behave normally. */
export function failNext(store: Store, method: StoreMethod, error: Error): void {
  swap(store, method, async () => {
    throw error;
  });
}

/** The next call of `method` succeeds in the table, but its answer is lost (a timeout after the commit). */
export function loseReplyOnce(store: Store, method: StoreMethod, error: Error): void {
  swap(store, method, async (run) => {
    await run();
    throw error;
  });
}
