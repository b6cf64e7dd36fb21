/**
 * Amazon DynamoDB Local for the tiers that test on the real table (the `store` and
 * `workflow` jest projects; they need Java 17+). One DynamoDB Local per jest run, started
 * by `dynamodb-setup.ts` (the projects' globalSetup) through the engine's
 * `startDynamoDbLocal` on 127.0.0.1, its pid in a pid ledger, stopped by
 * `dynamodb-teardown.ts`; the table definition is read once from the synthesized data stack
 * (`readAssembly`, so the test table is the real one: keys, GSIs, TTL). Each test file makes
 * fresh tables of that definition with `createTestTable()`.
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { ensureTables, type LocalTable } from '../../local/engine/index';

/** Where the run's DynamoDB Local listens (set by the global setup, inherited by the workers). */
export const DYNAMODB_URL_ENV = 'BASHKE_TEST_DYNAMODB_URL';
/** The data stack's table as the engine reads it from the template (JSON). */
export const DYNAMODB_TABLE_ENV = 'BASHKE_TEST_DYNAMODB_TABLE';

export type Item = Record<string, unknown>;

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run this test in a jest project whose globalSetup is test/support/dynamodb-setup.ts (store, workflow)`,
    );
  }
  return value;
}

/** A client of the run's DynamoDB Local (its access key ids must be letters and digits). */
export function dynamoDbLocalClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: required(DYNAMODB_URL_ENV),
    region: 'eu-central-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

export interface TestTable {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Every item (key attributes included), sorted by pk then sk: compare before and after to prove nothing was written. */
  items(): Promise<Item[]>;
  /** Deletes the table and closes the client. */
  drop(): Promise<void>;
}

/**
 * A new, empty table with the data stack's definition (a unique name), created with the
 * engine's `ensureTables` and the template's TTL attribute switched on.
 */
export async function createTestTable(label = 'test'): Promise<TestTable> {
  const template = JSON.parse(required(DYNAMODB_TABLE_ENV)) as LocalTable;
  const tableName = `${label}-${randomUUID()}`;
  const client = dynamoDbLocalClient();
  await ensureTables(client, [{ ...template, name: tableName }]);
  if (template.ttlAttribute) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: template.ttlAttribute, Enabled: true },
      }),
    );
  }
  return {
    client,
    tableName,
    async items() {
      const doc = DynamoDBDocumentClient.from(client);
      const items: Item[] = [];
      let start: ScanCommandOutput['LastEvaluatedKey'];
      do {
        const page = await doc.send(
          new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      const key = (i: Item) => [String(i.pk), String(i.sk)] as const;
      return items.sort((a, b) => {
        const [ap, as] = key(a);
        const [bp, bs] = key(b);
        return ap < bp ? -1 : ap > bp ? 1 : as < bs ? -1 : as > bs ? 1 : 0;
      });
    },
    async drop() {
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } finally {
        client.destroy();
      }
    },
  };
}
