import * as z from 'zod';
import { slug } from './referral';

/**
 * A case runs as several stage executions, each well under Step Functions' one-year limit
 * (docs/workflow.md): the offer (the referral workflow), then these. A stage's end writes a
 * START_STAGE item on the due-time index; the dispatcher starts the next execution from it.
 */
export const STAGES = ['assessment', 'assistance', 'follow-up', 'closure'] as const;
export type Stage = (typeof STAGES)[number];

const caseId = z.uuid({ version: 'v4' });
const reference = z.string().regex(/^[A-Z]{2,5}-\d{4}-\d{4,}$/);

/**
 * The input of every stage execution: ids and small facts, never the person
 * (ARCHITECTURE.md, principle 4). `cycle` grows when a case is transferred or reopened;
 * `sequence` counts the stage's repeats in a cycle (plan review 2, follow-up 3, the second
 * closure proposal).
 */
export const stageInputSchema = z.strictObject({
  caseId,
  reference,
  region: slug,
  cycle: z.number().int().min(1).max(99),
  sequence: z.number().int().min(1).max(999),
  /** Which execution of one stage run this is: it goes on in a new one after a long wait. */
  part: z.number().int().min(0).max(99).optional(),
});
export type StageInput = z.infer<typeof stageInputSchema>;

/**
 * The execution name of a stage run: deterministic (a repeated start is the same
 * execution), at most 80 characters of `[A-Za-z0-9-_]`. `part` tells apart the executions
 * of one stage run when a long wait continues in a new one.
 */
export function stageExecutionName(stage: Stage, input: StageInput): string {
  const part = input.part ?? 0;
  return `${input.caseId}-${stage}-${input.cycle}-${input.sequence}${part ? `-p${part}` : ''}`;
}

/**
 * The stage input of `from` (which may carry more), in a fixed key order: a repeated start
 * must send byte for byte the same input, or Step Functions refuses the same name.
 */
export function stageInputOf(from: StageInput): Required<StageInput> {
  return {
    caseId: from.caseId,
    reference: from.reference,
    region: from.region,
    cycle: from.cycle,
    sequence: from.sequence,
    part: from.part ?? 0,
  };
}
