import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditLog, AuditReader, AuditSubject } from '../audit/audit';

/**
 * The audit table (its own table, apart from the case data): records are only ever added.
 * Each is a `PutItem` refused if its key exists, and the functions' roles hold `PutItem` on it
 * and nothing that changes or deletes (infra/constructs/bashke-function.ts, `bindAudit`); the
 * table's resource policy denies updates and deletes to every principal.
 *
 * Keys: the subject's partition (`CASE#<id>` for a case and for a task of a case, so a case's
 * trail is one Query; `TASK#`, `MEETING#`, `ORG#`, `DIRECTORY`; `DAY#<date>` for a record with
 * no subject) and, as sort key, the instant, the request id and the record's place in the
 * request: unique, and in time order.
 */
export function auditPartition(subject: AuditSubject, at: string): string {
  if (subject.caseId) return `CASE#${subject.caseId}`;
  if (subject.taskId) return `TASK#${subject.taskId}`;
  if (subject.meetingId) return `MEETING#${subject.meetingId}`;
  if (subject.orgId) return `ORG#${subject.orgId}`;
  if (subject.directory) return 'DIRECTORY';
  return `DAY#${at.slice(0, 10)}`;
}

/** Puts at once per request: a page of a list is at most 100 rows (PAGE_LIMIT). */
const CONCURRENT_PUTS = 10;

export class AuditStore implements AuditLog, AuditReader {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async record(entries: readonly AuditEntry[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const n = next++;
        const entry = entries[n] as AuditEntry;
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              pk: auditPartition(entry.subject, entry.at),
              sk: `${entry.at}#${entry.requestId}#${String(n).padStart(3, '0')}`,
              ...entry,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_PUTS, entries.length) }, worker));
  }

  async caseTrail(
    caseId: string,
    options: { readonly limit: number; readonly start?: Record<string, unknown> },
  ): Promise<{ items: AuditEntry[]; last?: Record<string, unknown> }> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': `CASE#${caseId}` },
        ScanIndexForward: false,
        Limit: options.limit,
        ConsistentRead: true,
        ...(options.start ? { ExclusiveStartKey: options.start } : {}),
      }),
    );
    const items = (out.Items ?? []).map(({ pk: _pk, sk: _sk, ...entry }) => entry as AuditEntry);
    return { items, ...(out.LastEvaluatedKey ? { last: out.LastEvaluatedKey } : {}) };
  }
}
