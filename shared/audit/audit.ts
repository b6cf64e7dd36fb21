import { AsyncLocalStorage } from 'node:async_hooks';
import type { Role } from '../domain/codes';

/**
 * The audit trail (DOMAIN.md: every read and write of a case is audited, refused attempts
 * too). Each request or workflow step runs in an audit scope; the code that learns who acts
 * (`resolveCaller`, an action link's token) and what they touch (`readableCase`, a task, a
 * list's rows) notes it there, and the edge writes one record per subject when the work ends,
 * with the result. Records hold ids, roles and organisations, never what a case says.
 */

/** How a request ended for the audit: the status class, with the status kept beside it. */
export type AuditResult = 'allowed' | 'denied' | 'refused' | 'failed';

/** Where the access came from. */
export type AuditChannel = 'api' | 'console' | 'link' | 'workflow';

/**
 * Who acted: a directory member (the token's subject, role and organisation), whoever held an
 * emailed link (for its organisation), a workflow step, or a caller whose token named no
 * member (refused before anything was read).
 */
export interface AuditActor {
  readonly kind: 'member' | 'link' | 'system' | 'unknown';
  readonly sub?: string;
  readonly role?: Role;
  readonly orgId?: string;
}

/** What was touched. A task of a case names the case too, so the case's trail shows it. */
export interface AuditSubject {
  readonly caseId?: string;
  readonly taskId?: string;
  readonly meetingId?: string;
  /** An organisation of the directory (`directory: true` with no id: the directory as a list). */
  readonly orgId?: string;
  readonly directory?: true;
}

/** One audit record (shared/data/audit-store.ts keeps them). */
export interface AuditEntry {
  readonly at: string;
  /** The request (or invocation) id: one request's records share it. */
  readonly requestId: string;
  readonly channel: AuditChannel;
  /** The route key (`GET /cases/{caseId}`), the console's page route, or the step's name. */
  readonly action: string;
  readonly actor: AuditActor;
  readonly subject: AuditSubject;
  readonly result: AuditResult;
  /** The HTTP status, where there is one. */
  readonly status?: number;
}

/** Where audit records go: add-only. */
export interface AuditLog {
  record(entries: readonly AuditEntry[]): Promise<void>;
}

/** The audit trail of a case as a coordinator reads it (newest first). */
export interface AuditReader {
  caseTrail(
    caseId: string,
    options: { readonly limit: number; readonly start?: Record<string, unknown> },
  ): Promise<{ readonly items: AuditEntry[]; readonly last?: Record<string, unknown> }>;
}

/** What a scope has learnt so far. */
interface Scope {
  actor: AuditActor;
  subjects: AuditSubject[];
}

const storage = new AsyncLocalStorage<Scope>();

/** Runs `work` in a new audit scope and hands back what it noted, with its outcome. */
export async function inAuditScope<R>(
  work: () => Promise<R>,
  initial: AuditActor = { kind: 'unknown' },
): Promise<{
  readonly outcome: PromiseSettledResult<R>;
  readonly actor: AuditActor;
  readonly subjects: AuditSubject[];
}> {
  const scope: Scope = { actor: initial, subjects: [] };
  let outcome: PromiseSettledResult<R>;
  try {
    outcome = { status: 'fulfilled', value: await storage.run(scope, work) };
  } catch (reason) {
    outcome = { status: 'rejected', reason };
  }
  return { outcome, actor: scope.actor, subjects: scope.subjects };
}

/** Who acts in the current scope (no scope: nothing to note, e.g. a script). */
export function noteActor(actor: AuditActor): void {
  const scope = storage.getStore();
  if (scope) scope.actor = actor;
}

/** True when `wider` names everything `narrow` names (and maybe more). */
function covers(wider: AuditSubject, narrow: AuditSubject): boolean {
  return (Object.keys(narrow) as (keyof AuditSubject)[]).every((k) => wider[k] === narrow[k]);
}

/**
 * Something the current scope touched (or tried to). Each subject once, as fully as it became
 * known: a task noted by id before it is read, then with its case, is one record naming both.
 */
export function noteSubject(subject: AuditSubject): void {
  const scope = storage.getStore();
  if (!scope || scope.subjects.some((s) => covers(s, subject))) return;
  scope.subjects = [...scope.subjects.filter((s) => !covers(subject, s)), subject];
}

/** A task as the audit names it: its id, and its case or meeting. */
export function noteTask(task: {
  readonly taskId: string;
  readonly caseId?: string | undefined;
  readonly meetingId?: string | undefined;
}): void {
  noteSubject({
    taskId: task.taskId,
    ...(task.caseId ? { caseId: task.caseId } : {}),
    ...(task.meetingId ? { meetingId: task.meetingId } : {}),
  });
}

/** The audit result of an HTTP status. */
export function resultOf(status: number): AuditResult {
  if (status >= 500) return 'failed';
  if (status === 401 || status === 403) return 'denied';
  if (status >= 400) return 'refused';
  return 'allowed';
}

/**
 * The records of one scope: one per subject, or one with no subject when nothing was noted
 * (a list that returned nothing, a refusal before anything was read).
 */
export function auditEntries(
  base: Omit<AuditEntry, 'subject' | 'actor'>,
  actor: AuditActor,
  subjects: readonly AuditSubject[],
): AuditEntry[] {
  const list = subjects.length > 0 ? subjects : [{}];
  return list.map((subject) => ({ ...base, actor, subject }));
}
