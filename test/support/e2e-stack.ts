import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { demoReferral as localDemoReferral } from '../../local/demo-referral';
import { TokenIssuer } from '../../local/engine/auth/issuer';
import { auditTableName } from '../../local/engine/tables';
import { spawnStack, stopStack } from '../../local/runtime/spawn-stack';
import type { RuntimeFile } from '../../local/runtime-file';
import { recordPid, runLedger } from './pid-ledger';

export interface InboxEmail {
  readonly destination: { readonly to: string[] };
  readonly subject: string;
  readonly body: { readonly text?: string; readonly html?: string };
}

/** The local stack started as `npm start` would, in its own process group. */
export class RunningStack {
  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly runtime: RuntimeFile,
    private readonly output: string[],
  ) {}

  /** Starts the stack; on `dataDir` again after a stop or a crash, or on a new temporary folder. */
  static async start(opts: { dataDir?: string; env?: Record<string, string> } = {}): Promise<RunningStack> {
    // This run's ledger (the e2e global setup made it): its teardown checks each pid is gone.
    const ledger = runLedger();
    const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'bashke-e2e-'));
    const { child, runtime, output } = await spawnStack({
      dataDir,
      ...(opts.env ? { env: opts.env } : {}),
      capture: true,
      onSpawn: (pid) => recordPid(ledger, pid),
    });
    for (const pid of Object.values(runtime.pids)) recordPid(ledger, pid);
    return new RunningStack(child, dataDir, runtime, output);
  }

  get log(): string {
    return this.output.join('');
  }

  /** Ctrl-C to the whole process group, then wait for the main process to exit. */
  stop(signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
    return stopStack(this.child, signal);
  }

  /** SIGKILL to the main process only, as a crash would; waits until it is gone. */
  async crash(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    process.kill(this.runtime.pids.main, 'SIGKILL');
    await exited;
  }

  /** The referral workflow's execution for a case, as DescribeExecution and GetExecutionHistory see it. */
  async execution(caseId: string): Promise<{ status: string; eventTypes: string[] }> {
    // The launcher keeps the assembly in the data folder.
    const cdkOut = path.join(this.dataDir, 'cdk.out');
    const template = JSON.parse(readFileSync(path.join(cdkOut, 'BashkeApp.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const logicalId = Object.keys(template.Resources).find(
      (k) => template.Resources[k]?.Type === 'AWS::StepFunctions::StateMachine',
    );
    const sfn = new SFNClient({
      region: 'eu-central-1',
      endpoint: this.runtime.urls.stepFunctions,
      credentials: { accessKeyId: 'bashkelocal', secretAccessKey: 'bashkelocal' },
    });
    try {
      const executionArn = `arn:aws:states:eu-central-1:000000000000:execution:BashkeApp-${logicalId}:${caseId}`;
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
      return {
        status: described.status ?? 'UNKNOWN',
        eventTypes: (history.events ?? []).map((e) => e.type ?? ''),
      };
    } finally {
      sfn.destroy();
    }
  }

  cleanup(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  token(role: string, orgId: string, extra: { sub?: string; email?: string } = {}): Promise<string> {
    const issuer = TokenIssuer.open(this.dataDir, {
      issuer: this.runtime.issuer,
      clientId: this.runtime.clientId,
    });
    return issuer.mint({
      sub: extra.sub ?? `${role}-${orgId}`,
      attributes: { orgId },
      groups: [role],
      ...(extra.email ? { email: extra.email } : {}),
    });
  }

  async inbox(): Promise<InboxEmail[]> {
    const res = await fetch(`${this.runtime.urls.inbox}/store`);
    const body = (await res.json()) as { emails: InboxEmail[] };
    return body.emails;
  }

  /** Waits until an email matching `pick` arrives. */
  async waitForEmail(pick: (e: InboxEmail) => boolean, timeoutMs = 30_000): Promise<InboxEmail> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = (await this.inbox()).find(pick);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`no such email arrived; the log:\n${this.log.slice(-4000)}`);
  }

  /**
   * Every item of every table once nothing is being written any more (two scans a second
   * apart agree): mail's delivery events arrive on their own, a moment after the send.
   */
  async settledScan(timeoutMs = 15_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let last = await this.scan();
    for (;;) {
      await new Promise((r) => setTimeout(r, 1_000));
      const next = await this.scan();
      if (JSON.stringify(next) === JSON.stringify(last) || Date.now() > deadline) return next;
      last = next;
    }
  }

  /** Every item of every table, sorted: compare two scans to prove nothing was written. */
  async scan(): Promise<string[]> {
    const client = new DynamoDBClient({
      region: 'eu-central-1',
      endpoint: this.runtime.urls.dynamodb,
      credentials: { accessKeyId: 'bashkelocal', secretAccessKey: 'bashkelocal' },
    });
    try {
      const items: string[] = [];
      // The case data, not the audit table beside it: a look that changes nothing still leaves
      // its audit record (test/store/audit.test.ts and the case-lifecycle test read that table).
      const tables = ((await client.send(new ListTablesCommand({}))).TableNames ?? []).filter(
        (name) => auditTableName([name]) === undefined,
      );
      for (const TableName of tables) {
        let start: Record<string, never> | undefined;
        do {
          const out = await client.send(
            new ScanCommand({ TableName, ExclusiveStartKey: start, ConsistentRead: true }),
          );
          // Keys sorted at the top; values whole (a replacer array would empty every nested value).
          for (const item of out.Items ?? []) {
            items.push(
              JSON.stringify(
                Object.fromEntries(
                  Object.keys(item)
                    .sort()
                    .map((k) => [k, item[k]]),
                ),
              ),
            );
          }
          start = out.LastEvaluatedKey as Record<string, never> | undefined;
        } while (start);
      }
      return items.sort();
    } finally {
      client.destroy();
    }
  }
}

/** The demo referral, with profile values the e2e tests look for (and must not find) in emails. */
export function demoReferral(person: Record<string, unknown> = {}) {
  return localDemoReferral({ nationality: 'MD', language: 'ro', riskLevel: 'high', ...person });
}

/** A port base whose whole plan is free: for a stack that must come back on the same ports. */
export { freePortBase } from '../../local/runtime/ports';

export function actionLink(email: InboxEmail): string {
  const m = /(http:\/\/127\.0\.0\.1:\d+\/actions\/[A-Za-z0-9_-]+)/.exec(email.body.text ?? '');
  if (!m?.[1]) throw new Error('the email holds no action link');
  return m[1];
}
