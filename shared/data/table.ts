import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';

/** What both stores of the single table share: the document client, reads, transactions. */

export type Item = Record<string, unknown>;
export type TransactItems = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>;
export type TransactItem = TransactItems[number];

/** An item without its key attributes: records (records.ts) never see them. */
export function strip<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ttl: _ttl, ...rest } = item;
  return rest as T;
}

/** The reason code of each item of a cancelled transaction (`None` for those that passed). */
export function cancellationCodes(error: unknown): string[] {
  if (!(error instanceof TransactionCanceledException)) return [];
  return (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

/**
 * A write refused by its condition: the state moved on, the caller answers "no". A
 * transaction cancelled for any other reason (conflict, throttling) is rethrown so it is
 * retried or mapped to 503, never mistaken for "already used".
 */
export function isConditionFailure(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = cancellationCodes(error);
  return (
    codes.includes('ConditionalCheckFailed') &&
    codes.every((c) => c === 'ConditionalCheckFailed' || c === 'None')
  );
}

/** One DynamoDB table through the document client: strongly consistent gets, all-or-nothing writes. */
export abstract class SingleTable {
  protected readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    protected readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  protected async get<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return strip<T>(out.Item);
  }

  /** Every item of partition `pk` whose sort key starts with `prefix`, in key order, page after page (strongly consistent). */
  protected async queryAll<T>(pk: string, prefix: string): Promise<T[]> {
    const found: T[] = [];
    let start: Item | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':p': pk, ':prefix': prefix },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) found.push(strip<T>(item) as T);
      start = out.LastEvaluatedKey;
    } while (start);
    return found;
  }

  /** All-or-nothing write; false when a condition refused it (the state moved on). */
  protected async transact(items: TransactItems): Promise<boolean> {
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
