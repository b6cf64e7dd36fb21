/**
 * The execution index of the local Step Functions: ListExecutions through the SDK, and a
 * restart that reads only running executions (ended ones stay on disk, known by the index).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ExecutionAlreadyExists,
  type ExecutionListItem,
  InvalidToken,
  ListExecutionsCommand,
  type ListExecutionsCommandInput,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { FunctionInvoker, InvokeResult } from '../../local/engine/model';
import { StepFunctionsControlPlane } from '../../local/engine/sfn/control-plane';
import { type StepFunctionsServer, startStepFunctionsServer } from '../../local/engine/sfn/http-server';
import { INDEX_FILE } from '../../local/engine/sfn/store';
import { newTaskToken } from '../../local/engine/sfn/tokens';
import { ACCOUNT, eventually, executionArn, machine, machineArn, REGION } from '../support/sfn-fixtures';

const NOTIFY = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:Notify`;

const ASK = machine('Ask', {
  StartAt: 'Ask',
  States: {
    Ask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: NOTIFY, Payload: { 'id.$': '$.id', 'taskToken.$': '$$.Task.Token' } },
      TimeoutSeconds: 3600,
      End: true,
    },
  },
});
const OTHER = machine('Other', { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });

/** The Notify function: keeps each execution's token. */
class Notify implements FunctionInvoker {
  readonly tokens = new Map<string, string>();
  async invoke(_fn: string, payload: unknown): Promise<InvokeResult> {
    const { id, taskToken } = payload as { id: string; taskToken: string };
    this.tokens.set(id, taskToken);
    return { ok: true, payload: null };
  }
}

let dataDir: string;
let t: number;
let invoker: Notify;
const opened: Array<{ plane: StepFunctionsControlPlane; server: StepFunctionsServer; client: SFNClient }> =
  [];

async function open(): Promise<{ plane: StepFunctionsControlPlane; client: SFNClient }> {
  const plane = new StepFunctionsControlPlane({
    stateMachines: [ASK, OTHER],
    invoker,
    region: REGION,
    accountId: ACCOUNT,
    now: () => new Date(t),
    dataDir,
    log: () => {},
  });
  const server = await startStepFunctionsServer(plane);
  const client = new SFNClient({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  opened.push({ plane, server, client });
  return { plane, client };
}

/** "Crash": stop serving and let go of the plane without ending anything. */
async function crash(): Promise<void> {
  for (const { plane, server, client } of opened.splice(0)) {
    client.destroy();
    await server.close();
    await plane.dispose();
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function listAll(client: SFNClient, input: ListExecutionsCommandInput): Promise<ExecutionListItem[]> {
  const all: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListExecutionsCommand({ ...input, ...(nextToken ? { nextToken } : {}) }),
    );
    all.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

/** Five executions of Ask one second apart (a-1 .. a-5), a-2 and a-4 answered; one of Other. */
async function fiveAndOne(client: SFNClient): Promise<void> {
  for (let i = 1; i <= 5; i++) {
    await client.send(
      new StartExecutionCommand({
        stateMachineArn: ASK.arn,
        name: `a-${i}`,
        input: JSON.stringify({ id: `a-${i}` }),
      }),
    );
    t += 1000;
  }
  await client.send(new StartExecutionCommand({ stateMachineArn: OTHER.arn, name: 'o-1' }));
  for (const id of ['a-2', 'a-4']) {
    const taskToken = await eventually(() => invoker.tokens.get(id), `the token of ${id}`);
    await client.send(new SendTaskSuccessCommand({ taskToken, output: '"done"' }));
  }
}

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'bashke-sfn-index-'));
  t = Date.parse('2030-05-01T08:00:00.000Z');
  invoker = new Notify();
});

afterEach(async () => {
  await crash();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('ListExecutions', () => {
  it('lists one state machine newest first, filters by status and pages with nextToken', async () => {
    const { plane, client } = await open();
    await fiveAndOne(client);
    await plane.executionDone(executionArn('Ask', 'a-4'));
    await plane.executionDone(executionArn('Other', 'o-1'));

    const everything = await client.send(new ListExecutionsCommand({ stateMachineArn: ASK.arn }));
    expect(everything.nextToken).toBeUndefined();
    expect(everything.executions?.map((e) => [e.name, e.status])).toEqual([
      ['a-5', 'RUNNING'],
      ['a-4', 'SUCCEEDED'],
      ['a-3', 'RUNNING'],
      ['a-2', 'SUCCEEDED'],
      ['a-1', 'RUNNING'],
    ]);
    const [newest] = everything.executions ?? [];
    expect(newest).toEqual({
      executionArn: executionArn('Ask', 'a-5'),
      stateMachineArn: ASK.arn,
      name: 'a-5',
      status: 'RUNNING',
      startDate: new Date(Date.parse('2030-05-01T08:00:04.000Z')),
    });
    const succeeded = everything.executions?.find((e) => e.name === 'a-4');
    expect(succeeded?.stopDate).toBeInstanceOf(Date);

    const running = await listAll(client, {
      stateMachineArn: ASK.arn,
      statusFilter: 'RUNNING',
      maxResults: 2,
    });
    expect(running.map((e) => e.name)).toEqual(['a-5', 'a-3', 'a-1']);
    const first = await client.send(new ListExecutionsCommand({ stateMachineArn: ASK.arn, maxResults: 2 }));
    expect(first.executions?.map((e) => e.name)).toEqual(['a-5', 'a-4']);
    expect(first.nextToken).toEqual(expect.any(String));
    // A page started later does not shift the pages already handed out.
    t += 1000;
    await client.send(
      new StartExecutionCommand({ stateMachineArn: ASK.arn, name: 'a-6', input: '{"id":"a-6"}' }),
    );
    const second = await client.send(
      new ListExecutionsCommand({ stateMachineArn: ASK.arn, maxResults: 2, nextToken: first.nextToken }),
    );
    expect(second.executions?.map((e) => e.name)).toEqual(['a-3', 'a-2']);

    expect((await listAll(client, { stateMachineArn: OTHER.arn })).map((e) => e.name)).toEqual(['o-1']);
    expect(await listAll(client, { stateMachineArn: OTHER.arn, statusFilter: 'FAILED' })).toEqual([]);
    expect(
      await rejection(client.send(new ListExecutionsCommand({ stateMachineArn: machineArn('Gone') }))),
    ).toBeInstanceOf(StateMachineDoesNotExist);
    // A token of another filter is refused.
    expect(
      await rejection(
        client.send(
          new ListExecutionsCommand({
            stateMachineArn: ASK.arn,
            statusFilter: 'RUNNING',
            nextToken: first.nextToken,
          }),
        ),
      ),
    ).toBeInstanceOf(InvalidToken);
  });

  it('answers the same after a restart, from the index alone', async () => {
    const before = await open();
    await fiveAndOne(before.client);
    await before.plane.executionDone(executionArn('Ask', 'a-4'));
    const listed = await listAll(before.client, { stateMachineArn: ASK.arn });
    await crash();

    const after = await open();
    expect(await listAll(after.client, { stateMachineArn: ASK.arn })).toEqual(listed);
    expect(after.plane.restoreReport().resumed).toHaveLength(3);
  });
});

describe('a restart with ended executions', () => {
  it('reads only the running ones; ended ones stay describable, their names taken, their tokens spent', async () => {
    const before = await open();
    await fiveAndOne(before.client);
    await before.plane.executionDone(executionArn('Ask', 'a-4'));
    await before.plane.executionDone(executionArn('Ask', 'a-2'));
    await before.plane.executionDone(executionArn('Other', 'o-1'));
    await crash();

    // Ended files are not read at start: a damaged one is not even noticed.
    const folder = path.join(dataDir, 'executions');
    const fileOf = (name: string) => readdirSync(folder).find((f) => f.startsWith(`Ask.${name}.`)) as string;
    writeFileSync(path.join(folder, fileOf('a-2')), '{"torn');

    const { plane, client } = await open();
    const report = plane.restoreReport();
    expect(report.skipped).toEqual([]);
    expect([...report.resumed].sort()).toEqual(['a-1', 'a-3', 'a-5'].map((n) => executionArn('Ask', n)));
    expect([...report.finished].sort()).toEqual(
      [executionArn('Ask', 'a-2'), executionArn('Ask', 'a-4'), executionArn('Other', 'o-1')].sort(),
    );
    // Only running executions are in memory.
    expect(
      plane
        .executionRecords()
        .map((r) => r.name)
        .sort(),
    ).toEqual(['a-1', 'a-3', 'a-5']);

    // Read on demand.
    expect(await plane.describeExecution({ executionArn: executionArn('Ask', 'a-4') })).toMatchObject({
      status: 'SUCCEEDED',
      output: '"done"',
    });
    const history = await plane.getExecutionHistory({ executionArn: executionArn('Ask', 'a-4') });
    expect(history.events.at(-1)?.type).toBe('ExecutionSucceeded');
    for (const name of ['a-2', 'a-4']) {
      expect(
        await rejection(
          client.send(
            new StartExecutionCommand({
              stateMachineArn: ASK.arn,
              name,
              input: JSON.stringify({ id: name }),
            }),
          ),
        ),
      ).toBeInstanceOf(ExecutionAlreadyExists);
    }
    const spent = invoker.tokens.get('a-4') as string;
    expect(
      await rejection(client.send(new SendTaskSuccessCommand({ taskToken: spent, output: '{}' }))),
    ).toBeInstanceOf(TaskTimedOut);
    expect(
      await rejection(client.send(new SendTaskSuccessCommand({ taskToken: newTaskToken(), output: '{}' }))),
    ).toBeInstanceOf(TaskDoesNotExist);

    // A running one answered now ends and leaves memory; its file and index line stay.
    await client.send(
      new SendTaskSuccessCommand({ taskToken: invoker.tokens.get('a-3') as string, output: '"late"' }),
    );
    await plane.executionDone(executionArn('Ask', 'a-3'));
    await eventually(() => (plane.executionRecords().length === 2 ? true : undefined), 'a-3 to leave memory');
    expect((await plane.describeExecution({ executionArn: executionArn('Ask', 'a-3') })).output).toBe(
      '"late"',
    );
    const lines = readFileSync(path.join(folder, INDEX_FILE), 'utf8').trim().split('\n');
    expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ name: 'a-3', status: 'SUCCEEDED' });
  });

  it('trusts the file over an index line lost in a crash (the file is written first)', async () => {
    const before = await open();
    await fiveAndOne(before.client);
    await before.plane.executionDone(executionArn('Ask', 'a-4'));
    await before.plane.executionDone(executionArn('Ask', 'a-2'));
    await crash();
    // As a kill between writing a-4's ended file and appending its index line.
    const index = path.join(dataDir, 'executions', INDEX_FILE);
    const lines = readFileSync(index, 'utf8').trim().split('\n');
    const ended = lines.findLastIndex((l) => l.includes('"a-4"') && l.includes('SUCCEEDED'));
    writeFileSync(index, `${lines.filter((_, i) => i !== ended).join('\n')}\n`);

    const { plane, client } = await open();
    expect(plane.restoreReport().resumed).not.toContain(executionArn('Ask', 'a-4'));
    expect(plane.restoreReport().finished).toContain(executionArn('Ask', 'a-4'));
    const listed = await listAll(client, { stateMachineArn: ASK.arn, statusFilter: 'SUCCEEDED' });
    expect(listed.map((e) => e.name)).toEqual(['a-4', 'a-2']);
    expect(JSON.parse(readFileSync(index, 'utf8').trim().split('\n').at(-1) as string)).toMatchObject({
      name: 'a-4',
      status: 'SUCCEEDED',
    });
  });

  it('rebuilds a lost index from the folder (a data folder of an older version) and keeps it from then on', async () => {
    const before = await open();
    await fiveAndOne(before.client);
    await before.plane.executionDone(executionArn('Ask', 'a-4'));
    await crash();
    const index = path.join(dataDir, 'executions', INDEX_FILE);
    rmSync(index);

    const { plane, client } = await open();
    expect(plane.restoreReport()).toMatchObject({ skipped: [], failed: [] });
    expect(plane.restoreReport().resumed).toHaveLength(3);
    expect((await listAll(client, { stateMachineArn: ASK.arn })).map((e) => e.name)).toEqual([
      'a-5',
      'a-4',
      'a-3',
      'a-2',
      'a-1',
    ]);
    expect(readFileSync(index, 'utf8').trim().split('\n')).toHaveLength(6);
  });
});
