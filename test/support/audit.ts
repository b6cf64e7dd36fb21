import type { AuditEntry, AuditLog, AuditReader } from '../../shared/audit/audit';

/**
 * The audit trail in memory, for tests that do not look at the audit table itself
 * (test/store/audit.test.ts does): what was recorded, in order, and a case's trail read back
 * newest first.
 */
export class MemoryAudit implements AuditLog, AuditReader {
  readonly entries: AuditEntry[] = [];

  async record(entries: readonly AuditEntry[]): Promise<void> {
    this.entries.push(...entries);
  }

  async caseTrail(caseId: string, options: { readonly limit: number }) {
    const items = this.entries.filter((e) => e.subject.caseId === caseId).reverse();
    return { items: items.slice(0, options.limit) };
  }
}
