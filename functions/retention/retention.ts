import type { AuditLog } from '../../shared/audit/audit';
import type { CaseRecord } from '../../shared/data/records';
import type { ErasureCount, RetentionStore } from '../../shared/data/retention-store';
import type { Store } from '../../shared/data/store';
import type { CaseStatus } from '../../shared/domain/referral';

export interface RetentionDeps {
  readonly store: Pick<Store, 'listCases' | 'listOrganisations'>;
  readonly retention: Pick<RetentionStore, 'eraseCase'>;
  readonly now: () => Date;
  /** Days a closed case is kept after its closure (ENV.RETENTION_DAYS; 0 erases at the next run). */
  readonly retentionDays: number;
  /** Each erasure is recorded in the case's audit trail (which outlives it: ids only). */
  readonly audit: AuditLog;
  /** The invocation, for the audit records. */
  readonly requestId: string;
}

/** The statuses a case ends in (DOMAIN.md stage 8): the retention clock starts there. */
export const ENDED: ReadonlySet<CaseStatus> = new Set(['CLOSED', 'CLOSED_REFERRED', 'WITHDRAWN']);

/** When a case ended: its closure's confirmation, or (a withdrawal) its last change. */
export function endedAt(item: Pick<CaseRecord, 'status' | 'closedAt' | 'updatedAt'>): string | undefined {
  if (!ENDED.has(item.status)) return undefined;
  return item.closedAt ?? item.updatedAt;
}

/** Cases read per page of a region's list. */
const PAGE = 100;

export interface RetentionRun {
  readonly regions: number;
  readonly checked: number;
  readonly erased: number;
  readonly items: number;
}

/**
 * The scheduled retention run (daily): every case that ended more than `retentionDays` ago is
 * erased (shared/data/retention-store.ts), leaving the anonymous figures the statistics count.
 * It reads each region's case list whole: at this domain's scale (hundreds of cases a year per
 * region) that is a few pages a day. A case that fails to erase is left for the next run; the
 * others go on.
 */
export async function eraseExpiredCases(deps: RetentionDeps): Promise<RetentionRun> {
  const now = deps.now();
  const cutoff = new Date(now.getTime() - deps.retentionDays * 86_400_000).toISOString();
  const regions = [...new Set((await deps.store.listOrganisations()).flatMap((o) => o.regions))].sort();
  let checked = 0;
  let erased = 0;
  let items = 0;
  let failed: unknown;
  for (const region of regions) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await deps.store.listCases(region, { limit: PAGE, ...(start ? { start } : {}) });
      for (const item of page.items) {
        checked++;
        const ended = endedAt(item);
        if (ended === undefined || ended > cutoff) continue;
        try {
          const count: ErasureCount = await deps.retention.eraseCase(item, now.toISOString());
          await deps.audit.record([
            {
              at: new Date().toISOString(),
              requestId: deps.requestId,
              channel: 'workflow',
              action: 'Retention',
              actor: { kind: 'system' },
              subject: { caseId: item.caseId },
              result: 'allowed',
            },
          ]);
          erased++;
          items += count.items;
        } catch (error) {
          failed ??= error;
        }
      }
      start = page.next;
    } while (start);
  }
  // The run as a whole fails (and alarms) when any case could not be erased; the rest are done.
  if (failed !== undefined) throw failed;
  return { regions: regions.length, checked, erased, items };
}
