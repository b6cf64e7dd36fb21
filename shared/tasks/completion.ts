import type { Actor } from '../data/records';
import type { CompleteTaskArgs } from '../data/store';
import type { Resolution } from '../domain/tasks';

/** A completion as asked: the task, who, and the link it came through (absent through the API). */
interface CompletionInput {
  readonly task: CompleteTaskArgs['task'];
  readonly actor: Actor;
  readonly hash?: string;
}

/**
 * What every completion writes, whatever its subject: the task, the link it came through, its
 * status and result word, the structured outcome, the free text of a "no" (kept on the task
 * only), who and when.
 */
export function completionArgs(
  input: CompletionInput,
  resolution: Resolution,
  outcome: Readonly<Record<string, unknown>>,
  at: string,
) {
  return {
    task: input.task,
    ...(input.hash === undefined ? {} : { hash: input.hash }),
    status: resolution.status,
    result: resolution.result,
    outcome,
    ...(resolution.reason === undefined ? {} : { note: resolution.reason }),
    actor: input.actor,
    now: at,
  } satisfies Partial<CompleteTaskArgs>;
}
