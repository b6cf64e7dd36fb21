import * as z from 'zod';
import { ValidationError } from '../errors';
import { fieldIssues } from './zod-issues';

/** Page size of the list routes (`?limit=`): 1 to 100, 25 when absent. */
export const PAGE_LIMIT = { min: 1, max: 100, default: 25 } as const;

/**
 * Decimal digits only: `Number()` (and `z.coerce`) would also take `0x10`, `1e1`, ` 5 ` or
 * `0b11` as a page size.
 */
export const limitParam = z
  .string()
  .regex(/^[0-9]{1,3}$/)
  .transform(Number)
  .pipe(z.number().int().min(PAGE_LIMIT.min).max(PAGE_LIMIT.max))
  .default(PAGE_LIMIT.default);

/** A stored item's key on the index, as DynamoDB hands it back (`LastEvaluatedKey`). */
const indexKeySchema = z.strictObject({
  pk: z.string().min(1).max(200),
  sk: z.string().min(1).max(200),
  gsi1pk: z.string().min(1).max(200),
  gsi1sk: z.string().min(1).max(200),
});
export type IndexKey = z.infer<typeof indexKeySchema>;

/**
 * What a cursor holds: the index key to continue after and, for a list that reads several
 * partitions one after the other (a coordinator of two regions), which one.
 */
const cursorSchema = z.strictObject({ p: z.string().min(1).max(200), k: indexKeySchema });
export type Cursor = z.infer<typeof cursorSchema>;

const INVALID_CURSOR = new ValidationError(
  [{ path: '/query/cursor', code: 'invalid_cursor' }],
  'the cursor is not one this list gave',
);

/** `nextCursor`: base64url of the JSON of the partition and the key to continue after. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/**
 * Reads a cursor from the query. Anything that is not a cursor of this list, for one of the
 * partitions `allowed` (the caller's own: a cursor cannot open another organisation's list),
 * is a 400 `invalid_cursor`; the value is never echoed.
 */
export function decodeCursor(raw: string | undefined, allowed: readonly string[]): Cursor | undefined {
  if (raw === undefined) return undefined;
  if (raw.length > 2000 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw INVALID_CURSOR;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw INVALID_CURSOR;
  }
  const cursor = cursorSchema.safeParse(parsed);
  if (!cursor.success || !allowed.includes(cursor.data.p) || cursor.data.k.gsi1pk !== cursor.data.p) {
    throw INVALID_CURSOR;
  }
  return cursor.data;
}

/** A list route's answer: `nextCursor` only when there may be more. */
export interface ListPage<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/** Reads past this many index pages for one answer at most (filters may keep few items). */
const MAX_READS = 5;

/**
 * Collects up to `limit` items that `keep` accepts from partitions read in order, each page
 * by `read`. A full answer continues after its last item (whose key `keyOf` gives), so
 * nothing is skipped or repeated; an answer cut short by MAX_READS (a page may then hold fewer
 * than `limit` items) continues where the reading stopped.
 */
export async function collectPage<R, T>(args: {
  readonly partitions: readonly string[];
  readonly cursor: Cursor | undefined;
  readonly limit: number;
  readonly read: (
    partition: string,
    start: IndexKey | undefined,
    limit: number,
  ) => Promise<{ items: R[]; next?: Record<string, unknown> }>;
  readonly keep: (item: R) => Promise<T | undefined>;
  readonly keyOf: (item: R, partition: string) => IndexKey;
}): Promise<ListPage<T>> {
  const items: T[] = [];
  let index = args.cursor ? args.partitions.indexOf(args.cursor.p) : 0;
  let start: IndexKey | undefined = args.cursor?.k;
  let reads = 0;
  while (index < args.partitions.length) {
    const partition = args.partitions[index] as string;
    const page = await args.read(partition, start, args.limit);
    reads++;
    for (const [i, record] of page.items.entries()) {
      const kept = await args.keep(record);
      if (kept === undefined) continue;
      items.push(kept);
      if (items.length === args.limit) {
        const more =
          i < page.items.length - 1 || page.next !== undefined || index < args.partitions.length - 1;
        return more
          ? { items, nextCursor: encodeCursor({ p: partition, k: args.keyOf(record, partition) }) }
          : { items };
      }
    }
    if (page.next) {
      start = page.next as IndexKey;
    } else {
      index++;
      start = undefined;
    }
    if (reads >= MAX_READS && start) {
      return { items, nextCursor: encodeCursor({ p: partition, k: start }) };
    }
  }
  return { items };
}

/** Parses a route's query string parameters; issues point into `/query`, never echo values. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const parsed = schema.safeParse(query ?? {});
  if (!parsed.success) {
    throw new ValidationError(fieldIssues(parsed.error).map((i) => ({ ...i, path: `/query${i.path}` })));
  }
  return parsed.data;
}
