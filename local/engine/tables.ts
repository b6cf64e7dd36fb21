import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { LocalTable } from './model';

/** A persisted table whose keys or indexes differ from the template's. */
export class TableSchemaMismatchError extends Error {
  override readonly name = 'TableSchemaMismatchError';
}

function keyText(schema: ReadonlyArray<{ AttributeName?: string; KeyType?: string }> | undefined): string {
  return (schema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
}

function shape(d: { keySchema: string; indexes: Array<{ name: string; keys: string }> }): string {
  return JSON.stringify({
    keySchema: d.keySchema,
    indexes: [...d.indexes].sort((a, b) => a.name.localeCompare(b.name)),
  });
}

function describedShape(t: TableDescription): string {
  return shape({
    keySchema: keyText(t.KeySchema),
    indexes: (t.GlobalSecondaryIndexes ?? []).map((i) => ({
      name: i.IndexName ?? '',
      keys: keyText(i.KeySchema),
    })),
  });
}

function templateShape(t: LocalTable): string {
  return shape({
    keySchema: keyText(t.keySchema),
    indexes: t.globalSecondaryIndexes.map((i) => ({ name: i.IndexName, keys: keyText(i.KeySchema) })),
  });
}

/**
 * Creates each table of the template in DynamoDB Local, or checks that the persisted one
 * has the same keys and indexes. A difference stops the start: data made for another
 * schema is not silently reused (`--reset` wipes it).
 */
export async function ensureTables(
  client: DynamoDBClient,
  tables: readonly LocalTable[],
): Promise<'created' | 'kept'> {
  let created = false;
  for (const table of tables) {
    let existing: TableDescription | undefined;
    try {
      existing = (await client.send(new DescribeTableCommand({ TableName: table.name }))).Table;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (existing) {
      if (describedShape(existing) !== templateShape(table)) {
        throw new TableSchemaMismatchError(
          `the persisted table ${table.name} has other keys or indexes than the template; start with --reset to wipe local data`,
        );
      }
      continue;
    }
    await client.send(
      new CreateTableCommand({
        TableName: table.name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: table.keySchema.map((k) => ({ ...k })),
        AttributeDefinitions: table.attributeDefinitions.map((a) => ({ ...a })),
        ...(table.globalSecondaryIndexes.length
          ? {
              GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((i) => ({
                IndexName: i.IndexName,
                KeySchema: i.KeySchema.map((k) => ({ ...k })),
                Projection: { ...i.Projection },
              })),
            }
          : {}),
      }),
    );
    created = true;
  }
  return created ? 'created' : 'kept';
}

/** The audit table's local name ends with its logical id (infra/stacks/data-stack.ts). */
const AUDIT_TABLE = /-AuditTable[0-9A-F]*$/;

/**
 * The case data's table among the local tables' names: the one that is not the audit table
 * beside it. Tools that find "the table" of a running stack (the directory and users CLIs,
 * the benches) go through this.
 */
export function dataTableName(names: readonly string[]): string {
  const data = names.filter((n) => !AUDIT_TABLE.test(n));
  const [only] = data;
  if (only === undefined || data.length !== 1) {
    throw new Error(`expected one data table beside the audit table, found ${data.length}`);
  }
  return only;
}

/** The audit table among the local tables' names, if the stack has one. */
export function auditTableName(names: readonly string[]): string | undefined {
  return names.find((n) => AUDIT_TABLE.test(n));
}
