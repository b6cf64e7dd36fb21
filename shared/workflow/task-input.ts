import * as z from 'zod';
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

/**
 * `afterTaskId` of the first offer. A string, not null: CDK drops nulls from state
 * parameters, and a missing path fails the state.
 */
export const NO_PREVIOUS_OFFER = 'none';

/** Inputs of the referral workflow's Lambda steps: ids only (ARCHITECTURE.md, principle 4). */
export const taskInputs = {
  prepareOffer: z.strictObject({ caseId, afterTaskId: z.union([taskId, z.literal(NO_PREVIOUS_OFFER)]) }),
  sendOffer: z.strictObject({ caseId, taskId, taskToken: z.string().min(1).max(4096) }),
  closeOffer: z.strictObject({ caseId, taskId, outcome: z.enum(['declined', 'timed_out']) }),
  acceptCase: z.strictObject({ caseId, taskId }),
  markUnassigned: z.strictObject({ caseId }),
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
