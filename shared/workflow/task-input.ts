import * as z from 'zod';
import { slug } from '../domain/referral';
import { STAGES } from '../domain/stages';
import { TASK_KINDS } from '../domain/task-kinds';
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

const stageFields = {
  caseId,
  reference,
  region,
  cycle: z.number().int().min(1).max(99),
  sequence: z.number().int().min(1).max(999),
};

/**
 * Inputs of the referral workflow's Lambda steps: ids, the reference and the region, never
 * the person (ARCHITECTURE.md, principle 4).
 */
export const taskInputs = {
  prepareOffer: z.strictObject({ caseId, afterTaskId: z.union([taskId, z.literal(NO_PREVIOUS_OFFER)]) }),
  /**
   * The human-task step (workflows/human-task.ts): opens the task of `kind` (or, with
   * `taskId`, the one an earlier step opened), arms its link and emails it. With `taskToken`
   * a workflow waits on it; without, it stands alone (plan items, the child protection unit's).
   */
  openTask: z.strictObject({
    ...stageFields,
    kind: z.enum(TASK_KINDS),
    taskId: taskId.optional(),
    /** With `taskId`: the task's organisation, so the step reads nothing before arming. */
    orgId: orgId.optional(),
    taskToken: z.string().min(1).max(4096).optional(),
  }),
  /** Emails the case's open standalone tasks not emailed yet (the plan's items). */
  notifyTasks: z.strictObject({ caseId, reference }),
  /**
   * A stage's end: puts the START_STAGE item of the next stage execution on the due-time
   * index (at once, or when a follow-up check-in opens). `part` > 0 continues the same stage
   * run in a new execution after a long wait.
   */
  scheduleStage: z.strictObject({
    ...stageFields,
    stage: z.enum(STAGES),
    part: z.number().int().min(0).max(99).optional(),
  }),
  /** Tells the referring officer and the NGO that the case ended. */
  caseEnded: z.strictObject({ caseId, reference }),
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

/** The error a cancelled task's state is failed with (SendTaskFailure), caught by its state. */
export const TASK_CANCELLED_ERROR = 'TaskCancelled';
/** Thrown by a step that finds its case withdrawn or closed: its state ends the stage. */
export class CaseClosedError extends Error {
  override readonly name = 'CaseClosedError';
}

export function parseTaskInput<S extends z.ZodType>(schema: S, event: unknown): z.output<S> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidTaskInputError(`invalid task input: ${JSON.stringify(fieldIssues(parsed.error))}`);
  }
  return parsed.data;
}
