import * as z from 'zod';
import { noteSubject } from '../../shared/audit/audit';
import { type MemberCaller, type OrganisationDirectory, requireRole } from '../../shared/auth/caller';
import type {
  DirectoryActor,
  DirectoryEvent,
  DirectoryStore,
  VersionedOrg,
} from '../../shared/data/directory-store';
import { ORGS_PARTITION } from '../../shared/data/keys';
import type { Role } from '../../shared/domain/codes';
import {
  DEPARTMENTS,
  isActive,
  ORG_KINDS,
  type Organisation,
  organisationSchema,
  organisationShape,
} from '../../shared/domain/directory';
import { changedFields, entryOf, eventType } from '../../shared/domain/directory-changes';
import { slug } from '../../shared/domain/referral';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors';
import { collectPage, decodeCursor, type ListPage, limitParam, parseQuery } from '../../shared/http/page';
import { fieldIssues, jsonPointer } from '../../shared/http/zod-issues';

/** Roles that administer the directory (docs/access.md): coordinators for their regions, admins for all. */
export const DIRECTORY_ADMINS: readonly Role[] = ['coordinator', 'admin'];

export interface DirectoryApiDeps {
  readonly directoryStore: Pick<
    DirectoryStore,
    | 'getOrganisation'
    | 'listOrganisationsPage'
    | 'getRegion'
    | 'createOrganisation'
    | 'replaceOrganisation'
    | 'listHistory'
  >;
  /** Where callers are resolved; told to forget an organisation this container just changed. */
  readonly directory: OrganisationDirectory & { forget?(orgId: string): void };
  readonly now: () => Date;
}

/** An organisation as the directory routes show it. */
export const organisationViewSchema = organisationShape.extend({
  /** Offers waiting for its answer now (live data, not part of the directory file). */
  openOffers: z.number().int().min(0),
  /** Name it in the body of a change (`PATCH`): a change made meanwhile answers 409. */
  version: z.number().int().min(0),
});
export type OrganisationView = z.infer<typeof organisationViewSchema>;

export const organisationListSchema = z.strictObject({
  items: z.array(organisationViewSchema),
  nextCursor: z.string().optional(),
});

export const directoryEventViewSchema = z.strictObject({
  at: z.iso.datetime(),
  type: z.enum(['ORG_CREATED', 'ORG_CHANGED', 'ORG_DEACTIVATED', 'ORG_REACTIVATED']),
  actor: z.strictObject({ role: z.string(), orgId: z.string().optional(), sub: z.string() }),
  /** The fields the change touched (JSON Pointer-like, `contacts/1/away`), never their values. */
  fields: z.array(z.string()),
  version: z.number().int().min(1),
});
export const directoryHistorySchema = z.strictObject({ items: z.array(directoryEventViewSchema) });

export const organisationsQuerySchema = z.strictObject({
  region: slug.optional(),
  kind: z.enum(ORG_KINDS).optional(),
  /** Deactivated organisations are hidden unless `true`. */
  includeInactive: z.enum(['true', 'false']).optional(),
  limit: limitParam,
  cursor: z.string().optional(),
});

export const orgIdParamsSchema = z.strictObject({ orgId: slug });

/**
 * A change: the fields to replace (`contacts` as a whole list) and the version read. `department:
 * null` removes it (an organisation that stops being a department).
 */
export const organisationPatchSchema = organisationShape
  .omit({ orgId: true, department: true })
  .partial()
  .extend({
    department: z.enum(DEPARTMENTS).nullable().optional(),
    version: z.number().int().min(0),
  });

function toView(org: VersionedOrg): OrganisationView {
  return { ...entryOf(org), openOffers: org.openOffers ?? 0, version: org.version };
}

function actorOf(caller: MemberCaller): DirectoryActor {
  return { role: caller.role, orgId: caller.orgId, sub: caller.sub };
}

/** Coordinators see the organisations of their regions; admins all of them. */
function maySee(caller: MemberCaller, regions: readonly string[]): boolean {
  return caller.role === 'admin' || regions.some((r) => caller.regions.includes(r));
}

/** Coordinators change an organisation only when every region it works in is theirs; admins any. */
function requireChange(caller: MemberCaller, regions: readonly string[]): void {
  if (caller.role !== 'admin' && !regions.every((r) => caller.regions.includes(r)))
    throw new ForbiddenError('the organisation works in a region of another coordinator');
}

async function visibleOrg(deps: DirectoryApiDeps, caller: MemberCaller, params: unknown) {
  requireRole(caller, ...DIRECTORY_ADMINS);
  const parsed = orgIdParamsSchema.safeParse(params);
  if (!parsed.success) throw new NotFoundError('no such organisation');
  noteSubject({ directory: true, orgId: parsed.data.orgId });
  const org = await deps.directoryStore.getOrganisation(parsed.data.orgId);
  if (!org || !maySee(caller, org.regions)) throw new NotFoundError('no such organisation');
  return org;
}

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ValidationError(fieldIssues(parsed.error));
  return parsed.data;
}

/** Regions the directory does not hold: 400 `unknown_reference` at each. */
async function requireRegions(deps: DirectoryApiDeps, regions: readonly string[]): Promise<void> {
  const issues = [];
  for (const [i, r] of regions.entries())
    if (!(await deps.directoryStore.getRegion(r)))
      issues.push({ path: jsonPointer(['regions', i]), code: 'unknown_reference' });
  if (issues.length) throw new ValidationError(issues);
}

const STALE = () =>
  new ConflictError('the organisation changed meanwhile: read it again', 'version_conflict');

/** Entries read per page of the directory's index. */
const READ_PAGE = 100;

/** GET /directory/organisations: by id; `?region=`, `?kind=`, `?includeInactive=true`. */
export async function listOrganisations(
  deps: DirectoryApiDeps,
  caller: MemberCaller,
  query: unknown,
): Promise<ListPage<OrganisationView>> {
  requireRole(caller, ...DIRECTORY_ADMINS);
  const q = parseQuery(organisationsQuerySchema, query);
  const cursor = decodeCursor(q.cursor, [ORGS_PARTITION]);
  return collectPage({
    partitions: [ORGS_PARTITION],
    cursor,
    limit: q.limit,
    // Filters keep few of the directory's entries: read full pages (a full answer continues after
    // its last item, so reading ahead skips nothing).
    read: (_p, start) =>
      deps.directoryStore.listOrganisationsPage({ limit: READ_PAGE, ...(start ? { start } : {}) }),
    keep: async (org) =>
      maySee(caller, org.regions) &&
      (q.includeInactive === 'true' || isActive(org)) &&
      (q.region === undefined || org.regions.includes(q.region)) &&
      (q.kind === undefined || org.kind === q.kind)
        ? toView(org)
        : undefined,
    keyOf: (org) => ({ pk: `ORG#${org.orgId}`, sk: 'ORG', gsi1pk: ORGS_PARTITION, gsi1sk: org.orgId }),
  });
}

/** GET /directory/organisations/{orgId} (deactivated ones too: history points at them). */
export async function getOrganisation(
  deps: DirectoryApiDeps,
  caller: MemberCaller,
  params: unknown,
): Promise<OrganisationView> {
  return toView(await visibleOrg(deps, caller, params));
}

/** GET /directory/organisations/{orgId}/history: its audit events, oldest first. */
export async function organisationHistory(
  deps: DirectoryApiDeps,
  caller: MemberCaller,
  params: unknown,
): Promise<z.infer<typeof directoryHistorySchema>> {
  const org = await visibleOrg(deps, caller, params);
  const events = await deps.directoryStore.listHistory(org.orgId);
  return {
    items: events.map((e) => ({
      at: e.at,
      type: e.type,
      actor: { role: e.actor.role, ...(e.actor.orgId ? { orgId: e.actor.orgId } : {}), sub: e.actor.sub },
      fields: [...e.fields],
      version: e.version,
    })),
  };
}

/** POST /directory/organisations: a new organisation; 409 `org_exists` when the id is taken. */
export async function createOrganisation(
  deps: DirectoryApiDeps,
  caller: MemberCaller,
  readBody: () => unknown,
): Promise<OrganisationView> {
  requireRole(caller, ...DIRECTORY_ADMINS);
  const org = parseBody(organisationSchema, readBody());
  noteSubject({ directory: true, orgId: org.orgId });
  requireChange(caller, org.regions);
  await requireRegions(deps, org.regions);
  const at = deps.now().toISOString();
  const created = await deps.directoryStore.createOrganisation(org, {
    orgId: org.orgId,
    at,
    actor: actorOf(caller),
    fields: changedFields(undefined, org),
  });
  if (!created) throw new ConflictError('an organisation with this id exists', 'org_exists');
  deps.directory.forget?.(org.orgId);
  return toView({ ...org, openOffers: 0, version: 1 });
}

async function write(
  deps: DirectoryApiDeps,
  caller: MemberCaller,
  current: VersionedOrg,
  next: Organisation,
): Promise<OrganisationView | undefined> {
  const before = entryOf(current);
  const fields = changedFields(before, next);
  if (!fields.length) return toView(current);
  const event: Omit<DirectoryEvent, 'version'> = {
    orgId: current.orgId,
    at: deps.now().toISOString(),
    type: eventType(before, next),
    actor: actorOf(caller),
    fields,
  };
  if (!(await deps.directoryStore.replaceOrganisation(next, current.version, event))) return undefined;
  deps.directory.forget?.(current.orgId);
  return toView({ ...next, openOffers: current.openOffers ?? 0, version: current.version + 1 });
}

/**
 * PATCH /directory/organisations/{orgId}: replaces the fields given (the contacts as a whole
 * list) while the organisation is at the body's `version`; 409 `version_conflict` otherwise.
 * The result must be a valid organisation (the body's field paths name what is not).
 */
export async function changeOrganisation(
  deps: DirectoryApiDeps,
  caller: MemberCaller,
  params: unknown,
  readBody: () => unknown,
): Promise<OrganisationView> {
  const current = await visibleOrg(deps, caller, params);
  requireChange(caller, current.regions);
  const { version, department, ...patch } = parseBody(organisationPatchSchema, readBody());
  const merged: Record<string, unknown> = { ...entryOf(current), ...patch };
  if (department === null) delete merged.department;
  else if (department !== undefined) merged.department = department;
  const next = parseBody(organisationSchema, merged);
  requireChange(caller, next.regions);
  if (patch.regions) await requireRegions(deps, next.regions);
  if (version !== current.version) throw STALE();
  const written = await write(deps, caller, current, next);
  if (!written) throw STALE();
  return written;
}

/** Tries of a deactivation that meets a concurrent change (it names no version: it reads again). */
const DEACTIVATION_ATTEMPTS = 3;

/**
 * POST /directory/organisations/{orgId}/deactivation: the organisation stays stored (its cases,
 * tasks and history point at it) but gets no offers, tasks or mail, and its members no longer
 * sign in. Again for one already deactivated: 200, nothing written.
 */
export async function deactivateOrganisation(
  deps: DirectoryApiDeps,
  caller: MemberCaller,
  params: unknown,
): Promise<OrganisationView> {
  for (let attempt = 1; ; attempt++) {
    const current = await visibleOrg(deps, caller, params);
    requireChange(caller, current.regions);
    if (!isActive(current)) return toView(current);
    const written = await write(deps, caller, current, { ...entryOf(current), active: false });
    if (written) return written;
    if (attempt >= DEACTIVATION_ATTEMPTS) throw STALE();
  }
}
