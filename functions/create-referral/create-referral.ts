import { createHash, randomUUID } from 'node:crypto';
import { noteSubject } from '../../shared/audit/audit';
import { type Caller, type OrganisationDirectory, requireRole } from '../../shared/auth/caller';
import type { CaseRecord, IdempotencyRecord, Region } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { formatReference } from '../../shared/domain/reference';
import {
  IDENTITY_FIELDS,
  type ReferralRequest,
  type ReferralResponse,
  referralRequestSchema,
} from '../../shared/domain/referral';
import { ConflictError, type FieldIssue, UnavailableError, ValidationError } from '../../shared/errors';
import { fieldIssues } from '../../shared/http/zod-issues';
import { type Metrics, noMetrics } from '../../shared/util/metrics';
import { calendarDate, calendarYear, daysBetween } from '../../shared/util/time';
import type { ReferralWorkflowInput } from '../../shared/workflow/task-input';

/**
 * Starts the referral workflow named after the case; already started with the same input
 * counts as started (StartExecution with the same name and input is idempotent).
 */
export interface WorkflowStarter {
  start(input: ReferralWorkflowInput): Promise<void>;
}

export interface CreateReferralDeps {
  readonly store: Pick<
    Store,
    'getRegion' | 'getOrganisation' | 'nextCounter' | 'getIdempotency' | 'createReferral'
  >;
  /**
   * Where the referral's region and organisations are looked up: the container's directory
   * cache, so a warm intake reads nothing of the directory from the table. @default the store
   */
  readonly directory?: OrganisationDirectory & Pick<Store, 'getRegion'>;
  readonly workflow: WorkflowStarter;
  readonly now: () => Date;
  readonly newId?: () => string;
  readonly timeZone: string;
  readonly interviewMaxAgeDays: number;
  /** `Referrals`, once per case created (a replay is none). @default noMetrics */
  readonly metrics?: Metrics;
}

export interface CreateReferralInput {
  readonly caller: Caller;
  readonly idempotencyKey: string | undefined;
  readonly body: unknown;
}

/** Accepted Idempotency-Key values (documented in the OpenAPI file). */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,128}$/;

/** Identity keys present anywhere we look (top level and the person): named, since we chose the names. */
function identityIssues(body: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const scan = (value: unknown, prefix: string) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    for (const field of IDENTITY_FIELDS) {
      if (Object.hasOwn(value, field)) issues.push({ path: `${prefix}/${field}`, code: 'identity_field' });
    }
  };
  scan(body, '');
  if (body !== null && typeof body === 'object' && Object.hasOwn(body, 'person')) {
    scan((body as { person: unknown }).person, '/person');
  }
  return issues;
}

function canonicalHash(value: ReferralRequest): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(sorted(value)))
    .digest('hex');
}

/**
 * Rules that need the clock, configuration or directory; reported like schema issues. Also
 * returns the region, which names the reference.
 */
async function checkReferences(
  deps: CreateReferralDeps,
  req: ReferralRequest,
): Promise<{ issues: FieldIssue[]; region: Region | undefined }> {
  const issues: FieldIssue[] = [];
  const today = calendarDate(deps.now(), deps.timeZone);
  const age = daysBetween(req.interviewDate, today);
  if (age < 0) issues.push({ path: '/interviewDate', code: 'in_future' });
  else if (age > deps.interviewMaxAgeDays) issues.push({ path: '/interviewDate', code: 'too_old' });
  if (req.person.ageGroup === 'adult' && !req.consent.given) {
    issues.push({ path: '/consent/given', code: 'consent_required' });
  }
  const directory = deps.directory ?? deps.store;
  const [region, socialWorkerOrg, preferred] = await Promise.all([
    directory.getRegion(req.region),
    directory.getOrganisation(req.socialWorkerOrgId),
    req.preferredNgoId ? directory.getOrganisation(req.preferredNgoId) : Promise.resolve(undefined),
  ]);
  if (!region) issues.push({ path: '/region', code: 'unknown_reference' });
  if (!socialWorkerOrg) issues.push({ path: '/socialWorkerOrgId', code: 'unknown_reference' });
  if (req.preferredNgoId && preferred?.kind !== 'ngo') {
    issues.push({ path: '/preferredNgoId', code: 'unknown_reference' });
  }
  return { issues, region };
}

/**
 * Police intake (DOMAIN.md stage 1). Takes the next reference number with one atomic
 * counter update, writes the case, its first timeline event and the idempotency record in
 * one transaction, then starts the workflow named after the case. The transaction's own
 * condition on the idempotency record detects a replay (no read before it): the same key
 * and body answer as the first call did, another body is a 409. A replay or a failed
 * transaction leaves its reference number unused: numbers may have gaps. The transaction that
 * wrote the case counts it in `Referrals`; a replay counts nothing.
 */
export async function createReferral(
  deps: CreateReferralDeps,
  input: CreateReferralInput,
): Promise<ReferralResponse> {
  const { caller } = input;
  requireRole(caller, 'police');

  const keyIssues: FieldIssue[] =
    input.idempotencyKey === undefined
      ? [{ path: '/headers/idempotency-key', code: 'required' }]
      : IDEMPOTENCY_KEY.test(input.idempotencyKey)
        ? []
        : [{ path: '/headers/idempotency-key', code: 'invalid_format' }];
  const identity = identityIssues(input.body);
  const parsed = referralRequestSchema.safeParse(input.body);
  const schemaIssues = parsed.success
    ? []
    : fieldIssues(parsed.error).filter((i) => !(i.code === 'unrecognized_keys' && identity.length > 0));
  if (keyIssues.length || identity.length || !parsed.success) {
    throw new ValidationError(
      [...keyIssues, ...identity, ...schemaIssues],
      identity.length ? 'identity fields are not accepted' : 'the request is not valid',
    );
  }
  const request = parsed.data;
  const key = input.idempotencyKey as string;
  const requestHash = canonicalHash(request);
  const workflowInput = (response: ReferralResponse): ReferralWorkflowInput => ({
    caseId: response.caseId,
    reference: response.reference,
    region: request.region,
  });

  const replay = async (known?: IdempotencyRecord): Promise<ReferralResponse> => {
    const record = known ?? (await deps.store.getIdempotency(caller.sub, key));
    if (!record) throw new UnavailableError('the idempotency record is not readable yet');
    if (record.requestHash !== requestHash)
      throw new ConflictError('the idempotency key was used for another request');
    // The first call may have stopped between its transaction and starting the workflow;
    // the same body names the same region, so the input is the first call's.
    noteSubject({ caseId: record.response.caseId });
    await deps.workflow.start(workflowInput(record.response));
    return record.response;
  };

  const { issues, region } = await checkReferences(deps, request);
  if (issues.length || !region) {
    // A replay answers as the first call did even when a rule now refuses the body (the
    // interview date aged past the limit since): only a refusal pays for this read.
    const earlier = await deps.store.getIdempotency(caller.sub, key);
    if (earlier) return replay(earlier);
    const consent = issues.some((i) => i.code === 'consent_required');
    throw new ValidationError(issues, consent ? 'consent required' : 'the request is not valid');
  }
  const now = deps.now();
  const at = now.toISOString();
  const year = calendarYear(now, deps.timeZone);
  const caseId = (deps.newId ?? randomUUID)();
  const number = await deps.store.nextCounter(`${region.code}#${year}`);
  const reference = formatReference(region.code, year, number);
  const response: ReferralResponse = { caseId, reference, status: 'REFERRED' };
  const caseItem: CaseRecord = {
    caseId,
    reference,
    region: request.region,
    status: 'REFERRED',
    version: 1,
    interviewDate: request.interviewDate,
    socialWorkerPresent: request.socialWorkerPresent,
    socialWorkerOrgId: request.socialWorkerOrgId,
    person: request.person,
    consentGiven: request.consent.given,
    consent: request.consent,
    cycle: 1,
    ...(request.preferredNgoId ? { preferredNgoId: request.preferredNgoId } : {}),
    referringOrgId: caller.orgId,
    officerSub: caller.sub,
    ...(caller.email ? { officerEmail: caller.email } : {}),
    offeredOrgIds: [],
    createdAt: at,
    updatedAt: at,
  };
  const outcome = await deps.store.createReferral({
    caseItem,
    event: { caseId, at, type: 'REFERRED', actor: caller.role, orgId: caller.orgId, status: 'REFERRED' },
    idempotency: { scope: caller.sub, key, requestHash, response, createdAt: at },
  });
  if (outcome === 'idempotency-exists') return replay();
  noteSubject({ caseId });
  (deps.metrics ?? noMetrics).add('Referrals', 1);
  await deps.workflow.start(workflowInput(response));
  return response;
}
