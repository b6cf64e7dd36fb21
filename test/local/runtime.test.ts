import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { LocalTable } from '../../local/engine/model';
import { startRefuseServer } from '../../local/engine/runtime/refuse-server';
import { ensureTables, TableSchemaMismatchError } from '../../local/engine/tables';
import { AlreadyRunningError, acquirePidLock, resetDataDir } from '../../local/runtime/data-dir';
import { freePortBase, parsePortBase, portPlan } from '../../local/runtime/ports';

const table: LocalTable = {
  logicalId: 'Table',
  stackName: 'BashkeData',
  name: 'BashkeData-Table',
  arn: 'arn:aws:dynamodb:eu-central-1:000000000000:table/BashkeData-Table',
  keySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  attributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
  globalSecondaryIndexes: [
    {
      IndexName: 'gsi1',
      KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
};

describe('ensureTables', () => {
  const ddb = mockClient(DynamoDBClient);
  beforeEach(() => ddb.reset());
  afterAll(() => ddb.restore());
  const client = () => new DynamoDBClient({ region: 'eu-central-1' });

  it('creates a table the template has and DynamoDB Local does not', async () => {
    ddb.on(DescribeTableCommand).rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }));
    ddb.on(CreateTableCommand).resolves({});
    expect(await ensureTables(client(), [table])).toBe('created');
    expect(ddb.commandCalls(CreateTableCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'BashkeData-Table',
      GlobalSecondaryIndexes: [{ IndexName: 'gsi1' }],
    });
  });

  it('keeps a persisted table with the same keys and indexes', async () => {
    ddb.on(DescribeTableCommand).resolves({
      Table: {
        KeySchema: table.keySchema.map((k) => ({ ...k })),
        GlobalSecondaryIndexes: [
          { IndexName: 'gsi1', KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }] },
        ],
      },
    });
    expect(await ensureTables(client(), [table])).toBe('kept');
    expect(ddb.commandCalls(CreateTableCommand)).toHaveLength(0);
  });

  it('stops with a hint to --reset when the persisted schema differs', async () => {
    ddb.on(DescribeTableCommand).resolves({
      Table: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], GlobalSecondaryIndexes: [] },
    });
    await expect(ensureTables(client(), [table])).rejects.toThrow(TableSchemaMismatchError);
    await expect(ensureTables(client(), [table])).rejects.toThrow(/--reset/);
  });
});

describe('the endpoint of services the runtime does not emulate', () => {
  it('fails an SDK call at once with a clear error, and answers on loopback only', async () => {
    const refuse = await startRefuseServer(0);
    try {
      expect(refuse.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = new DynamoDBClient({
        region: 'eu-central-1',
        endpoint: refuse.url,
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        maxAttempts: 1,
      });
      await expect(client.send(new ListTablesCommand({}))).rejects.toThrow(
        /not emulated by the local runtime/,
      );
      client.destroy();
    } finally {
      await refuse.close();
    }
  });
});

describe('the data folder lock', () => {
  it('refuses a second instance and takes over a stale lock', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bashke-lock-'));
    try {
      writeFileSync(path.join(dir, 'bashke.pid'), '999999');
      const release = acquirePidLock(dir); // pid 999999 is not running: stale
      writeFileSync(path.join(dir, 'bashke.pid'), String(process.ppid));
      expect(() => acquirePidLock(dir)).toThrow(AlreadyRunningError);
      release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('--reset', () => {
  it('wipes the data but keeps the lock it runs under and the assembly cache', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bashke-reset-'));
    try {
      const release = acquirePidLock(dir);
      for (const sub of ['dynamodb', 'stepfunctions', 'auth', 'cdk.out']) mkdirSync(path.join(dir, sub));
      for (const file of ['inbox.jsonl', 'clock.json', 'cdk.out.inputs.json', 'cdk.out/manifest.json'])
        writeFileSync(path.join(dir, file), '{}');
      resetDataDir(dir);
      expect(readdirSync(dir).sort()).toEqual(['bashke.pid', 'cdk.out', 'cdk.out.inputs.json']);
      expect(readdirSync(path.join(dir, 'cdk.out'))).toEqual(['manifest.json']);
      release();
      resetDataDir(path.join(dir, 'missing')); // nothing to wipe: no error
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ports', () => {
  it('lays services out from BASHKE_PORT, 0 meaning ephemeral', () => {
    expect(portPlan(parsePortBase('5000'))).toEqual({
      gateway: 5000,
      ses: 5001,
      stepFunctions: 5002,
      dynamodb: 5003,
      refuse: 5004,
      issuer: 5005,
    });
    expect(portPlan(parsePortBase('0'))).toEqual({
      gateway: 0,
      ses: 0,
      stepFunctions: 0,
      dynamodb: 0,
      refuse: 0,
      issuer: 0,
    });
    expect(parsePortBase(undefined)).toBe(4700);
    expect(() => parsePortBase('http')).toThrow(/BASHKE_PORT/);
  });

  it('draws a free base whose whole plan lies below the ephemeral ports (no outgoing connection can take one)', async () => {
    let low = 32_768;
    try {
      low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    } catch {
      // not Linux: freePortBase keeps below 32768 too
    }
    const size = Object.keys(portPlan(1)).length;
    for (let i = 0; i < 20; i++) {
      const base = await freePortBase();
      expect(base).toBeGreaterThanOrEqual(10_000);
      expect(base + size).toBeLessThanOrEqual(low);
    }
  });
});
