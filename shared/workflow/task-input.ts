import * as z from 'zod';
import { slug } from '../domain/referral';
import { fieldIssues } from '../http/zod-issues';

/** A workflow task got input it does not accept: a definition bug, never retried. */
export class InvalidTaskInputError extends Error {
  override readonly name = 'InvalidTaskInputError';
}

/** The case a step works on is gone or in a state the step cannot act on. */
export class CaseStateError extends Error {
  override readonly name = 'CaseStateError';
}

const caseId = z.uuid({ version: 'v4' });
const taskId = z.uuid({ version: 'v4' });
const orgId = slug;
/** The case reference (`KOR-2026-0042`): what emails name the case by. */
const reference = z.string().regex(/^[A-Z]{2,5}-\d{4}-\d{4,}$/);
/** The region id the case was referred in (directory data, not the person's). */
const region = slug;

/**
 * Input of a referral execution. Besides the case id it carries the reference and the region,
 * which later steps need for their emails and recipients: small facts about the case, none
 * about the person (ARCHITECTURE.md, principle 4), so no step reads the case only for them.
 */
export const referralWorkflowInput = z.strictObject({ caseId, reference, region });
export type ReferralWorkflowInput = z.infer<typeof referralWorkflowInput>;

/**
 * `afterTaskId` of the first offer. A string, not null: CDK drops nulls from state
 * parameters, and a missing path fails the state.
 */
export const NO_PREVIOUS_OFFER = 'none';

/**
 * Inputs of the referral workflow's Lambda steps: ids, the reference and the region, never
 * the person (ARCHITECTURE.md, principle 4).
 */
export const taskInputs = {
  prepareOffer: z.strictObject({ caseId, afterTaskId: z.union([taskId, z.literal(NO_PREVIOUS_OFFER)]) }),
  sendOffer: z.strictObject({ caseId, taskId, orgId, reference, taskToken: z.string().min(1).max(4096) }),
  closeOffer: z.strictObject({
    caseId,
    taskId,
    orgId,
    reference,
    region,
    outcome: z.enum(['declined', 'timed_out']),
  }),
  acceptCase: z.strictObject({ caseId, taskId }),
  markUnassigned: z.strictObject({ caseId, reference, region }),
} as const;

/** Output of the offer callback (SendTaskSuccess): the decision and the task id, no free text. */
export const offerCallbackSchema = z.strictObject({ decision: z.enum(['accept', 'decline']), taskId });
export type OfferCallback = z.infer<typeof offerCallbackSchema>;

export function parseTaskInput<S extends z.ZodType>(schema: S, event: unknown): z.output<S> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidTaskInputError(`invalid task input: ${JSON.stringify(fieldIssues(parsed.error))}`);
  }
  return parsed.data;
}
