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

/**
 * The version of the step inputs this build's workflows send: every Lambda step's payload
 * carries it as `v` (workflows/steps.ts, workflows/human-task.ts). A deploy changes the code
 * of every step at once but not the definition a running execution started on (docs/deploy.md
 * §9), so each handler accepts this version and the one before it; the one before 1 is the
 * unversioned input of the first definitions, which had the same fields.
 *
 * Changing a step's input: bump this, write the previous shape's upgrade in
 * `FROM_PREVIOUS_VERSION`, and keep the inputs the previous definitions sent as
 * `test/fixtures/task-inputs/v<previous>.json` (test/unit/task-input-versions.test.ts).
 */
export const TASK_INPUT_VERSION = 1;

export type TaskStep = keyof typeof taskInputs;

/**
 * How an input of the previous version becomes one of this version, per step whose input
 * changed. None yet: version 0 differs from 1 by `v` alone.
 */
const FROM_PREVIOUS_VERSION: { readonly [K in TaskStep]?: (previous: Record<string, unknown>) => unknown } =
  {};

/** The step's input, of this version or the previous one (upgraded); anything else is refused. */
export function parseTaskInput<K extends TaskStep>(
  step: K,
  event: unknown,
): z.output<(typeof taskInputs)[K]> {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new InvalidTaskInputError('invalid task input: not an object');
  }
  const { v = 0, ...fields } = event as Record<string, unknown>;
  let input: unknown = fields;
  if (v === TASK_INPUT_VERSION - 1) input = FROM_PREVIOUS_VERSION[step]?.(fields) ?? fields;
  else if (v !== TASK_INPUT_VERSION) {
    throw new InvalidTaskInputError(
      `invalid task input: version ${JSON.stringify(v)}; this build accepts ${TASK_INPUT_VERSION - 1} and ${TASK_INPUT_VERSION}`,
    );
  }
  const parsed = taskInputs[step].safeParse(input);
  if (!parsed.success) {
    throw new InvalidTaskInputError(`invalid task input: ${JSON.stringify(fieldIssues(parsed.error))}`);
  }
  return parsed.data as z.output<(typeof taskInputs)[K]>;
}
