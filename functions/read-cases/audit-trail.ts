import * as z from 'zod';
import type { AuditEntry, AuditReader } from '../../shared/audit/audit';
import { coversRegion, type MemberCaller, requireRole } from '../../shared/auth/caller';
import { readableCase } from '../../shared/auth/case-access';
import type { Store } from '../../shared/data/store';
import { ROLES } from '../../shared/domain/codes';
import { caseIdParamsSchema, slug } from '../../shared/domain/referral';
import { NotFoundError, ValidationError } from '../../shared/errors';
import { limitParam, parseQuery } from '../../shared/http/page';

export interface AuditTrailDeps {
  readonly store: Pick<Store, 'getCase' | 'getTask' | 'getErasedCase'>;
  readonly auditTrail: AuditReader;
}

export const auditEntrySchema = z.strictObject({
  at: z.iso.datetime(),
  requestId: z.string(),
  channel: z.enum(['api', 'console', 'link', 'workflow']),
  /** The route key, the console page or the workflow step. */
  action: z.string(),
  actor: z.strictObject({
    kind: z.enum(['member', 'link', 'system', 'unknown']),
    /** The user's id in the user pool (a member), never a name. */
    sub: z.string().optional(),
    role: z.enum(ROLES).optional(),
    orgId: slug.optional(),
  }),
  subject: z.strictObject({
    caseId: z.string().optional(),
    taskId: z.string().optional(),
    meetingId: z.string().optional(),
    orgId: slug.optional(),
    directory: z.literal(true).optional(),
  }),
  result: z.enum(['allowed', 'denied', 'refused', 'failed']),
  status: z.number().int().optional(),
});
export const auditTrailSchema = z.strictObject({
  items: z.array(auditEntrySchema),
  nextCursor: z.string().optional(),
});

const auditQuerySchema = z.strictObject({ limit: limitParam, cursor: z.string().optional() });

/** A trail cursor: the sort key to continue after, in the case's own partition only. */
const SORT_KEY = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#[A-Za-z0-9_.:-]{1,200}#\d{3}$/;
const INVALID_CURSOR = new ValidationError(
  [{ path: '/query/cursor', code: 'invalid_cursor' }],
  'the cursor is not one this list gave',
);

function decodeTrailCursor(raw: string | undefined, pk: string): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  if (raw.length > 400 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw INVALID_CURSOR;
  const sk = Buffer.from(raw, 'base64url').toString('utf8');
  if (!SORT_KEY.test(sk)) throw INVALID_CURSOR;
  return { pk, sk };
}

/**
 * GET /cases/{caseId}/audit: who read or changed the case and its tasks, and who tried and was
 * refused, newest first (DOMAIN.md). Coordinators of the case's region only: every other role
 * gets 403, whatever the id; a case outside their regions is a 404 like any other. The trail
 * outlives the case (it holds ids only): after the retention run erased a case, its region's
 * coordinators still read who saw it and when it was erased. This read is itself recorded.
 */
export async function caseAuditTrail(
  deps: AuditTrailDeps,
  caller: MemberCaller,
  params: unknown,
  query: unknown,
): Promise<z.infer<typeof auditTrailSchema>> {
  requireRole(caller, 'coordinator');
  const caseId = await trailCaseId(deps.store, caller, params);
  const q = parseQuery(auditQuerySchema, query);
  const pk = `CASE#${caseId}`;
  const start = decodeTrailCursor(q.cursor, pk);
  const page = await deps.auditTrail.caseTrail(caseId, { limit: q.limit, ...(start ? { start } : {}) });
  const next = page.last && typeof page.last.sk === 'string' ? page.last.sk : undefined;
  return {
    items: page.items.map(present),
    ...(next ? { nextCursor: Buffer.from(next, 'utf8').toString('base64url') } : {}),
  };
}

/** The case whose trail the caller may read: one they may read now, or an erased one of their region. */
async function trailCaseId(
  store: AuditTrailDeps['store'],
  caller: MemberCaller,
  params: unknown,
): Promise<string> {
  try {
    return (await readableCase(store, caller, params)).caseId;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    // readableCase parsed the id before it refused: an unparsable one is refused here too.
    const parsed = caseIdParamsSchema.safeParse(params);
    const erased = parsed.success ? await store.getErasedCase(parsed.data.caseId) : undefined;
    if (erased && coversRegion(caller, erased.region)) return erased.caseId;
    throw error;
  }
}

/** A stored record as the route shows it: the known fields only, in their order. */
function present(entry: AuditEntry): z.infer<typeof auditEntrySchema> {
  const { actor, subject } = entry;
  return {
    at: entry.at,
    requestId: entry.requestId,
    channel: entry.channel,
    action: entry.action,
    actor: {
      kind: actor.kind,
      ...(actor.sub ? { sub: actor.sub } : {}),
      ...(actor.role ? { role: actor.role } : {}),
      ...(actor.orgId ? { orgId: actor.orgId } : {}),
    },
    subject: {
      ...(subject.caseId ? { caseId: subject.caseId } : {}),
      ...(subject.taskId ? { taskId: subject.taskId } : {}),
      ...(subject.meetingId ? { meetingId: subject.meetingId } : {}),
      ...(subject.orgId ? { orgId: subject.orgId } : {}),
      ...(subject.directory ? { directory: true as const } : {}),
    },
    result: entry.result,
    ...(entry.status !== undefined ? { status: entry.status } : {}),
  };
}
