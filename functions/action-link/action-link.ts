import * as z from 'zod';
import type { Decision, OrgRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';
import { hashActionToken, isWellFormedToken } from '../../shared/domain/action-token';
import { UNSAFE_TEXT } from '../../shared/domain/directory';
import type { Language } from '../../shared/email/templates';

/** Completes a callback task; 'closed' when Step Functions no longer waits for it. */
export interface TaskCallback {
  succeed(sfnTaskToken: string, output: { decision: Decision; taskId: string }): Promise<'ok' | 'closed'>;
}

export interface ActionLinkDeps {
  readonly store: Pick<Store, 'getActionLink' | 'getTask' | 'getCase' | 'getOrganisation' | 'decideTask'>;
  readonly callback: TaskCallback;
  readonly now: () => Date;
}

export interface OfferSummary {
  readonly reference: string;
  readonly orgName: string;
  readonly deadline: Date;
  readonly language: Language;
}

export type ActionOutcome =
  | { readonly kind: 'confirm'; readonly offer: OfferSummary }
  | { readonly kind: 'invalid'; readonly offer: OfferSummary; readonly fields: readonly string[] }
  | { readonly kind: 'done'; readonly offer: OfferSummary; readonly decision: Decision }
  | { readonly kind: 'gone' };

const GONE: ActionOutcome = { kind: 'gone' };

const reasonText = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .refine((v) => !UNSAFE_TEXT.test(v), { message: 'control, format or unpaired surrogate characters' });

/** The decision form. `reason` is required to decline and ignored when accepting. */
export const decisionFormSchema = z.discriminatedUnion('decision', [
  z.strictObject({ decision: z.literal('accept'), reason: z.string().max(2000).optional() }),
  z.strictObject({ decision: z.literal('decline'), reason: reasonText }),
]);

/** Every way a token can fail ends here, so the answer cannot tell them apart. */
async function resolve(deps: ActionLinkDeps, token: string) {
  if (!isWellFormedToken(token)) return undefined;
  const hash = hashActionToken(token);
  const link = await deps.store.getActionLink(hash);
  const now = deps.now();
  if (!link || link.usedAt || Date.parse(link.expiresAt) <= now.getTime()) return undefined;
  const task = await deps.store.getTask(link.taskId);
  // Any live link of an open task works, not only the newest: a step stopped after emailing
  // one link and run again may have armed another (send-offer). The first answer closes the task.
  if (task?.status !== 'OPEN' || !task.sfnTaskToken) return undefined;
  const [item, org] = await Promise.all([
    deps.store.getCase(task.caseId),
    deps.store.getOrganisation(task.orgId),
  ]);
  if (!item || !org) return undefined;
  return {
    hash,
    task,
    offer: offerSummary(item.reference, org, link.expiresAt),
    sfnTaskToken: task.sfnTaskToken,
  };
}

function offerSummary(reference: string, org: OrgRecord, expiresAt: string): OfferSummary {
  return {
    reference,
    orgName: org.name,
    deadline: new Date(expiresAt),
    language: org.contacts.find((c) => c.roles.includes('focal-point'))?.language ?? 'sq',
  };
}

/** GET (and HEAD): shows what the link is for. Changes nothing: mail scanners open links. */
export async function viewAction(deps: ActionLinkDeps, token: string): Promise<ActionOutcome> {
  const found = await resolve(deps, token);
  return found ? { kind: 'confirm', offer: found.offer } : GONE;
}

/** The form's fields; undefined when a field is repeated or the form is missing. */
function formFields(form: URLSearchParams | undefined): Record<string, string> | undefined {
  if (!form) return undefined;
  const fields: Record<string, string> = {};
  for (const [k, v] of form) {
    if (Object.hasOwn(fields, k)) return undefined;
    fields[k] = v;
  }
  return fields;
}

/**
 * A POST again on the link that decided the task, with the same decision, while the link is
 * still live: the decision was recorded but telling the workflow failed (the person saw a
 * 503 and tried again). Tell it again, so a recorded answer is never lost to the offer's
 * timeout. Step Functions answers a token it has already had with TaskTimedOut ('closed'):
 * a double POST after a success still gets the 410 page and has no second effect.
 */
async function resumeRecorded(
  deps: ActionLinkDeps,
  token: string,
  form: URLSearchParams | undefined,
): Promise<ActionOutcome> {
  if (!isWellFormedToken(token)) return GONE;
  const link = await deps.store.getActionLink(hashActionToken(token));
  if (!link?.usedAt || Date.parse(link.expiresAt) <= deps.now().getTime()) return GONE;
  const parsed = decisionFormSchema.safeParse(formFields(form));
  if (!parsed.success) return GONE;
  const task = await deps.store.getTask(link.taskId);
  if (task?.status !== 'DECIDED' || task.decision !== parsed.data.decision || !task.sfnTaskToken) return GONE;
  const resumed = await deps.callback.succeed(task.sfnTaskToken, {
    decision: task.decision,
    taskId: task.taskId,
  });
  if (resumed !== 'ok') return GONE;
  const [item, org] = await Promise.all([
    deps.store.getCase(task.caseId),
    deps.store.getOrganisation(task.orgId),
  ]);
  if (!item || !org) return GONE;
  return { kind: 'done', offer: offerSummary(item.reference, org, link.expiresAt), decision: task.decision };
}

/** POST: records the decision once (link used and task decided together), then resumes the workflow. */
export async function submitAction(
  deps: ActionLinkDeps,
  token: string,
  form: URLSearchParams | undefined,
): Promise<ActionOutcome> {
  const found = await resolve(deps, token);
  if (!found) return resumeRecorded(deps, token, form);
  const fields: Record<string, string> = {};
  const repeated: string[] = [];
  for (const [k, v] of form ?? []) {
    if (Object.hasOwn(fields, k)) repeated.push(k);
    fields[k] = v;
  }
  const parsed = decisionFormSchema.safeParse(fields);
  if (!parsed.success || repeated.length || !form) {
    const bad = parsed.success ? [] : parsed.error.issues.map((i) => String(i.path[0] ?? 'form'));
    return { kind: 'invalid', offer: found.offer, fields: [...new Set(bad.length ? bad : ['form'])] };
  }
  const { decision } = parsed.data;
  const decided = await deps.store.decideTask({
    hash: found.hash,
    task: found.task,
    decision,
    ...(decision === 'decline' ? { declineReason: parsed.data.reason } : {}),
    now: deps.now().toISOString(),
  });
  if (!decided) return GONE;
  // The free-text reason stays on the task item; the workflow learns the decision and the id only.
  const resumed = await deps.callback.succeed(found.sfnTaskToken, { decision, taskId: found.task.taskId });
  return resumed === 'ok' ? { kind: 'done', offer: found.offer, decision } : GONE;
}
