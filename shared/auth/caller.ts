import * as z from 'zod';
import { noteActor } from '../audit/audit';
import type { OrgRecord } from '../data/records';
import { isActive } from '../domain/active';
import { ROLES, type Role } from '../domain/codes';
import type { Organisation } from '../domain/directory';
import { slug } from '../domain/referral';
import { ForbiddenError } from '../errors';

/** Who is calling, as read from the Cognito ID token's claims. */
export interface Caller {
  readonly sub: string;
  readonly email?: string;
  readonly orgId: string;
  readonly role: Role;
}

const claimsSchema = z.object({
  sub: z.string().min(1),
  token_use: z.literal('id'),
  'custom:orgId': z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
  'cognito:groups': z.union([z.string(), z.array(z.string())]),
  email: z.email().optional(),
});

/**
 * API Gateway HTTP APIs flatten array claims into a bracketed string (`[police]`,
 * `[police ngo]`); a Lambda authorizer or a test may pass a real array. Both are read.
 */
export function parseGroups(raw: string | readonly string[]): string[] {
  if (Array.isArray(raw)) return raw.map((g) => g.trim()).filter(Boolean);
  const text = (raw as string).trim();
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return inner
    .split(/[\s,]+/)
    .map((g) => g.trim())
    .filter(Boolean);
}

/**
 * The one reader of identity claims. Anything short of an ID token with an organisation
 * and exactly one known role group is refused with 403: API Gateway already rejected
 * requests without a valid token (401), so what reaches here is authenticated but unusable.
 */
export function callerFromClaims(claims: unknown): Caller {
  const parsed = claimsSchema.safeParse(claims);
  if (!parsed.success) throw new ForbiddenError('the token does not identify a member of the group');
  const groups = parseGroups(parsed.data['cognito:groups']).filter((g) =>
    (ROLES as readonly string[]).includes(g),
  );
  if (groups.length !== 1) throw new ForbiddenError('the token must carry exactly one role');
  return {
    sub: parsed.data.sub,
    orgId: parsed.data['custom:orgId'],
    role: groups[0] as Role,
    ...(parsed.data.email ? { email: parsed.data.email } : {}),
  };
}

/** Refuses callers whose role may not use the operation. */
export function requireRole(caller: Caller, ...allowed: Role[]): void {
  if (!allowed.includes(caller.role)) throw new ForbiddenError('this role may not use this operation');
}

/** Where a route reads organisation records: a per-container cache (shared/data/directory-cache.ts). */
export interface OrganisationDirectory {
  getOrganisation(orgId: string): Promise<OrgRecord | undefined>;
}

/** A caller whose organisation is in the directory, with the regions it works in. */
export interface MemberCaller extends Caller {
  readonly orgKind: Organisation['kind'];
  readonly regions: readonly string[];
}

/**
 * Roles that act for some kinds of organisation only. A police or NGO token must name an
 * organisation of that kind: otherwise a wrongly set `custom:orgId` would let a police officer
 * read as an NGO, or an NGO worker refer as police. Local-government staff sit in a department,
 * a municipality or a commune. Coordinators, council members and admins sit in many kinds of
 * organisation (prefecture, municipality, department, NGO).
 */
export const ROLE_KINDS: Partial<Record<Role, ReadonlySet<Organisation['kind']>>> = {
  police: new Set(['police']),
  ngo: new Set(['ngo']),
  localgov: new Set(['department', 'municipality', 'commune']),
};

/** True when a member of an organisation of the kind may hold the role (ROLE_KINDS). */
export function roleFitsKind(role: Role, kind: Organisation['kind']): boolean {
  const kinds = ROLE_KINDS[role];
  return kinds === undefined || kinds.has(kind);
}

/**
 * The one way a route learns who calls: the token's claims, then the directory. A token whose
 * organisation the directory does not hold (or holds as another kind than the role needs) is
 * refused with 403 on every route, before anything else is read.
 */
export async function resolveCaller(
  directory: OrganisationDirectory,
  claims: unknown,
): Promise<MemberCaller> {
  const caller = callerFromClaims(claims);
  // Named before the directory is asked: a refusal below is audited under this member.
  noteActor({ kind: 'member', sub: caller.sub, role: caller.role, orgId: caller.orgId });
  const org = await directory.getOrganisation(caller.orgId);
  // A deactivated organisation stays stored for its history, but its members no longer act.
  if (!org || !isActive(org)) throw new ForbiddenError('the organisation is not in the directory');
  if (!roleFitsKind(caller.role, org.kind)) {
    throw new ForbiddenError('the organisation cannot hold this role');
  }
  return { ...caller, orgKind: org.kind, regions: [...org.regions] };
}

/** True when the caller's organisation works in the region. */
export function coversRegion(caller: MemberCaller, region: string): boolean {
  return caller.regions.includes(region);
}

/**
 * Police refer only for a region their organisation works in. Reads the region of a body not
 * yet validated: a region that is not even a well-formed name is left to the schema (400 with
 * its field path), a well-formed one outside the caller's regions is refused with 403.
 */
export function requireReferralRegion(caller: MemberCaller, body: unknown): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
  const region = slug.safeParse((body as { region?: unknown }).region);
  if (region.success && !coversRegion(caller, region.data)) {
    throw new ForbiddenError('the organisation does not refer for this region');
  }
}
