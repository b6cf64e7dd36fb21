import type { AuditEntry, AuditReader } from '../../shared/audit/audit';
import { type MemberCaller, requireRole } from '../../shared/auth/caller';
import { readableCase } from '../../shared/auth/case-access';
import type { DeliveryStore, TaskDeliveryRecord } from '../../shared/data/delivery-store';
import type { CaseEvent, CaseRecord, TaskRecord } from '../../shared/data/records';
import type { Store } from '../../shared/data/store';

export interface CaseExportDeps {
  readonly store: Pick<Store, 'getCase' | 'getTask' | 'getTasks' | 'listEvents'>;
  readonly deliveries: Pick<DeliveryStore, 'listTaskDeliveries'>;
  readonly auditTrail: AuditReader;
  readonly now: () => Date;
}

/** A task as exported: everything it holds but the credentials (the workflow's token, the link's hash). */
export type ExportedTask = Omit<TaskRecord, 'sfnTaskToken' | 'actionHash'>;

/**
 * Everything the system holds about one case, for a data-protection request (a subject-access
 * request, or a check before an erasure): the case with the profile and consent, its whole
 * timeline, every task with its outcome and free text, who each message went to and how it
 * fared, and the audit trail. Never the credentials: task tokens and link hashes stay out.
 */
export interface CaseExport {
  readonly exportedAt: string;
  readonly case: CaseRecord;
  readonly timeline: CaseEvent[];
  readonly tasks: ExportedTask[];
  readonly deliveries: TaskDeliveryRecord[];
  readonly audit: AuditEntry[];
}

/** Audit records read per page; a case's trail is read whole. */
const TRAIL_PAGE = 100;

/**
 * GET /cases/{caseId}/export: a coordinator of the case's region only (every other role 403,
 * another region 404), as for the audit trail. The export is itself recorded in the trail.
 */
export async function exportCase(
  deps: CaseExportDeps,
  caller: MemberCaller,
  params: unknown,
): Promise<CaseExport> {
  requireRole(caller, 'coordinator');
  const item = await readableCase(deps.store, caller, params);
  const timeline = await deps.store.listEvents(item.caseId);
  const ids = new Set<string>();
  for (const e of timeline) if (e.taskId) ids.add(e.taskId);
  for (const id of Object.keys(item.openTasks ?? {})) ids.add(id);
  if (item.currentOfferTaskId) ids.add(item.currentOfferTaskId);
  const tasks = [...(await deps.store.getTasks([...ids])).values()]
    .filter((t) => t.caseId === item.caseId)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.taskId.localeCompare(b.taskId));
  const deliveries = (
    await Promise.all(tasks.map((t) => deps.deliveries.listTaskDeliveries(t.taskId)))
  ).flat();
  const audit: AuditEntry[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.auditTrail.caseTrail(item.caseId, {
      limit: TRAIL_PAGE,
      ...(start ? { start } : {}),
    });
    audit.push(...page.items);
    start = page.last;
  } while (start);
  return {
    exportedAt: deps.now().toISOString(),
    case: item,
    timeline,
    tasks: tasks.map(({ sfnTaskToken: _token, actionHash: _hash, ...task }) => task),
    deliveries,
    audit,
  };
}
