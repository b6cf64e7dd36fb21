import * as z from 'zod';
import { ROLES, type Role } from '../domain/codes';
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
