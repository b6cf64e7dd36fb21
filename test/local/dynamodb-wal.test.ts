import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/engine/services/dynamodb-local';

/** SQLite's header: bytes 18 and 19 are 2 in write-ahead-log mode, 1 in rollback-journal mode. */
function journalVersions(file: string): [number, number] {
  const fd = openSync(file, 'r');
  const header = Buffer.alloc(20);
  readSync(fd, header, 0, 20, 0);
  closeSync(fd);
  return [header[18] as number, header[19] as number];
}

const client = (db: DynamoDbLocal) =>
  new DynamoDBClient({
    endpoint: db.url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });

/** The JVM killed with no chance to flush anything, as `kill -9` would. */
async function killHard(db: DynamoDbLocal): Promise<void> {
  process.kill(db.pid, 'SIGKILL');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(db.pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('DynamoDB Local outlived SIGKILL');
}

describe('DynamoDB Local on the write-ahead log', () => {
  let dataDir: string;
  let running: DynamoDbLocal | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-wal-'));
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps its tables in WAL mode, and a write answered before kill -9 is there after a restart', async () => {
    // A folder from before: its database file in SQLite's rollback-journal default.
    const dbFile = path.join(dataDir, 'dynamodb', 'shared-local-instance.db');
    mkdirSync(path.dirname(dbFile), { recursive: true });
    const old = new DatabaseSync(dbFile);
    old.exec('PRAGMA journal_mode=DELETE; CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES (1);');
    old.close();
    expect(journalVersions(dbFile)).toEqual([1, 1]);

    running = await startDynamoDbLocal({ dataDir, port: 0 });
    expect(journalVersions(dbFile)).toEqual([2, 2]);
    const first = client(running);
    await first.send(
      new CreateTableCommand({
        TableName: 'wal-test',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await waitUntilTableExists({ client: first, maxWaitTime: 30 }, { TableName: 'wal-test' });
    await first.send(new PutItemCommand({ TableName: 'wal-test', Item: { pk: { S: 'answered' } } }));
    first.destroy();
    await killHard(running);
    running = undefined;

    running = await startDynamoDbLocal({ dataDir, port: 0 });
    const second = client(running);
    const got = await second.send(
      new GetItemCommand({ TableName: 'wal-test', Key: { pk: { S: 'answered' } } }),
    );
    second.destroy();
    expect(got.Item).toEqual({ pk: { S: 'answered' } });
    expect(journalVersions(dbFile)).toEqual([2, 2]);
    // What the file held before the engine switched its mode is still there.
    await running.stop();
    running = undefined;
    const reopened = new DatabaseSync(dbFile, { readOnly: true });
    expect(reopened.prepare('SELECT v FROM kept').all()).toEqual([{ v: '1' }]);
    reopened.close();
  });
});
