import { BatchWriteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type ErasedCase, erasedIndexKeys } from './erased';
import { keys } from './keys';
import type { CaseRecord } from './records';
import { type Item, isConditionFailure, SingleTable } from './table';

/** What one erasure removed, counted (never listed). */
export interface ErasureCount {
  readonly items: number;
  readonly tasks: number;
  readonly messages: number;
}

/** BatchWriteItem's own limit. */
const BATCH = 25;

/**
 * Erases a case: its item and everything in its partition (timeline, notices, delivery events),
 * its tasks (each task's partition: the task, its deliveries), their newest action links and
 * their messages' delivery records. The stub goes in first and the case item last, so a run
 * stopped half-way leaves the case listed and closed, and the next run finishes it.
 */
export class RetentionStore extends SingleTable {
  async eraseCase(item: CaseRecord, erasedAt: string): Promise<ErasureCount> {
    const stub: ErasedCase = {
      caseId: item.caseId,
      region: item.region,
      createdAt: item.createdAt,
      ...(item.acceptedAt ? { acceptedAt: item.acceptedAt } : {}),
      ...(item.cycle ? { cycle: item.cycle } : {}),
      erasedAt,
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.erased(item.caseId),
            ...erasedIndexKeys(item.region, item.createdAt, item.caseId),
            ...stub,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // An earlier run put it and stopped: go on with what is left.
      if (!isConditionFailure(error)) throw error;
    }
    const partition = await this.partition(`CASE#${item.caseId}`);
    const taskIds = new Set<string>();
    for (const i of partition) if (typeof i.taskId === 'string') taskIds.add(i.taskId);
    for (const id of Object.keys(item.openTasks ?? {})) taskIds.add(id);
    if (item.currentOfferTaskId) taskIds.add(item.currentOfferTaskId);

    const doomed: { pk: string; sk: string }[] = [];
    let messages = 0;
    for (const taskId of taskIds) {
      const taskItems = await this.partition(`TASK#${taskId}`);
      for (const t of taskItems) {
        doomed.push({ pk: String(t.pk), sk: String(t.sk) });
        if (typeof t.actionHash === 'string') doomed.push({ pk: `ACTION#${t.actionHash}`, sk: 'ACTION' });
        if (typeof t.messageId === 'string') {
          doomed.push({ pk: `MSG#${t.messageId}`, sk: 'MSG' });
          messages++;
        }
      }
    }
    const caseItem = { pk: `CASE#${item.caseId}`, sk: 'CASE' };
    for (const i of partition) {
      if (i.sk !== 'CASE') doomed.push({ pk: String(i.pk), sk: String(i.sk) });
    }
    await this.deleteAll(doomed);
    await this.deleteAll([caseItem]);
    return { items: doomed.length + 1, tasks: taskIds.size, messages };
  }

  /** Every item of a partition, key attributes included. */
  private async partition(pk: string): Promise<Item[]> {
    const found: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': pk },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      found.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return found;
  }

  /** Deletes the keys 25 at a time, retrying what DynamoDB hands back unprocessed. */
  private async deleteAll(keys: readonly { pk: string; sk: string }[]): Promise<void> {
    for (let i = 0; i < keys.length; i += BATCH) {
      let requests = keys.slice(i, i + BATCH).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 5) throw new Error('the erasure could not delete every item');
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const out = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
        );
        requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    }
  }
}
