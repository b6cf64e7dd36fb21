/**
 * The directory file of `npm run directory` (local/directory-cli.ts): the schema of
 * shared/directory/korca.json, checked whole before anything is written, with every bad entry
 * named by its line; import as upserts with audit events; export in the same schema.
 */
import type { DirectoryActor, DirectoryStore } from '../shared/data/directory-store';
import {
  type Contact,
  DIRECTORY_FIELDS,
  type Directory,
  directorySchema,
  isActive,
  type Organisation,
} from '../shared/domain/directory';
import { changedFields, entryOf } from '../shared/domain/directory-changes';
import { type JsonPath, JsonSyntaxError, locateJson } from './json-lines';

/** One bad entry of a file: its line, the JSON Pointer of the field, the rule it broke. */
export interface FileProblem {
  readonly line: number;
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

export type ReadDirectory =
  | { readonly ok: true; readonly directory: Directory }
  | { readonly ok: false; readonly problems: readonly FileProblem[] };

/** Validates a directory file's text: every problem, each with its line, or the directory. */
export function readDirectoryText(text: string): ReadDirectory {
  let located: ReturnType<typeof locateJson>;
  try {
    located = locateJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError)
      return {
        ok: false,
        problems: [{ line: error.line, path: '', code: 'invalid_json', message: 'not valid JSON' }],
      };
    throw error;
  }
  const parsed = directorySchema.safeParse(located.value);
  if (parsed.success) return { ok: true, directory: parsed.data };
  const problems = parsed.error.issues.map((issue): FileProblem => {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p))) as JsonPath;
    // An unknown key: the line of the (first) key itself, not of its object.
    const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const line = (unknownKey !== undefined && located.keyLine(path, unknownKey)) || located.lineOf(path);
    return { line, path: path.map((p) => `/${p}`).join(''), code: issue.code, message: issue.message };
  });
  return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
}

const CONTACT_KEYS = [
  'name',
  'email',
  'language',
  'timeZone',
  'roles',
  'reachable',
  'active',
  'away',
] as const;
const ORG_KEYS = ['orgId', ...DIRECTORY_FIELDS] as const;

function pick<T extends object>(from: T, order: readonly string[]): T {
  const out: Record<string, unknown> = {};
  const source = from as Record<string, unknown>;
  for (const k of order) if (source[k] !== undefined) out[k] = source[k];
  return out as T;
}

function normaliseContact(c: Contact): Contact {
  const contact = pick(c, CONTACT_KEYS);
  return c.away
    ? { ...contact, away: pick(c.away, ['from', 'to', 'deputyEmail']) as NonNullable<Contact['away']> }
    : contact;
}

/** An organisation as a file holds it: its directory fields only, in the file's key order. */
export function normaliseOrganisation(o: Organisation): Organisation {
  return { ...pick(o, ORG_KEYS), contacts: o.contacts.map(normaliseContact) } as Organisation;
}

/** The one form of a directory: organisations by id, regions by id, keys in schema order. */
export function normaliseDirectory(d: Directory): Directory {
  const byId =
    <T>(key: (x: T) => string) =>
    (a: T, b: T) =>
      key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  return {
    regions: d.regions.map((r) => pick(r, ['regionId', 'code', 'name'])).sort(byId((r) => r.regionId)),
    organisations: d.organisations.map(normaliseOrganisation).sort(byId((o) => o.orgId)),
  };
}

type DirectoryWriter = Pick<
  DirectoryStore,
  'getOrganisation' | 'listAllOrganisations' | 'putRegion' | 'createOrganisation' | 'replaceOrganisation'
>;

export interface ImportOptions {
  /** Deactivates active organisations of the table the file does not name (never deletes). */
  readonly deactivateMissing?: boolean;
  readonly actor: DirectoryActor;
  readonly now: () => Date;
}

export interface ImportResult {
  readonly regions: number;
  readonly created: string[];
  readonly changed: string[];
  readonly unchanged: string[];
  readonly deactivated: string[];
}

/** Attempts of one organisation's write that meets a concurrent change (it reads again). */
const ATTEMPTS = 3;

/**
 * Upserts a validated directory: regions as given; each organisation created, or changed when it
 * differs (its live offer count kept), each with its audit event in the same transaction. An
 * organisation of the table the file does not name is left alone, or with `deactivateMissing`
 * deactivated. Running it twice changes nothing the second time.
 */
export async function importDirectory(
  store: DirectoryWriter,
  directory: Directory,
  options: ImportOptions,
): Promise<ImportResult> {
  const result: ImportResult = { regions: 0, created: [], changed: [], unchanged: [], deactivated: [] };
  for (const region of directory.regions) {
    await store.putRegion(region);
    (result as { regions: number }).regions++;
  }
  const upsert = async (next: Organisation, into: string[]) => {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const at = options.now().toISOString();
      const current = await store.getOrganisation(next.orgId);
      if (!current) {
        const fields = changedFields(undefined, next);
        if (await store.createOrganisation(next, { orgId: next.orgId, at, actor: options.actor, fields })) {
          result.created.push(next.orgId);
          return;
        }
        continue;
      }
      const before = entryOf(current);
      const fields = changedFields(before, next);
      if (!fields.length) {
        result.unchanged.push(next.orgId);
        return;
      }
      const type =
        isActive(current) && !isActive(next)
          ? 'ORG_DEACTIVATED'
          : !isActive(current) && isActive(next)
            ? 'ORG_REACTIVATED'
            : 'ORG_CHANGED';
      if (
        await store.replaceOrganisation(next, current.version, {
          orgId: next.orgId,
          at,
          type,
          actor: options.actor,
          fields,
        })
      ) {
        into.push(next.orgId);
        return;
      }
    }
    throw new Error(
      `the organisation ${next.orgId} kept changing while it was imported; run the import again`,
    );
  };
  for (const org of directory.organisations) await upsert(org, result.changed);
  if (options.deactivateMissing) {
    const named = new Set(directory.organisations.map((o) => o.orgId));
    for (const org of await store.listAllOrganisations())
      if (!named.has(org.orgId) && isActive(org))
        await upsert({ ...normaliseOrganisation(org), active: false }, result.deactivated);
  }
  return result;
}

/** The table's directory in the file's schema (normalised; deactivated entries included). */
export async function exportDirectory(
  store: Pick<DirectoryStore, 'listAllOrganisations' | 'listRegions'>,
): Promise<Directory> {
  const [organisations, regions] = await Promise.all([store.listAllOrganisations(), store.listRegions()]);
  return normaliseDirectory({ regions, organisations });
}

/** A file's text: 2-space JSON and a newline. */
export function renderDirectory(d: Directory): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
