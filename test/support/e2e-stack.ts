import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { TokenIssuer } from '../../local/auth/issuer';
import { type RuntimeFile, readRuntimeFile } from '../../local/runtime-file';

const REPO = path.resolve(__dirname, '..', '..');
/** Every pid a test started; the global teardown checks that each is gone. */
export const PID_LEDGER = path.join(os.tmpdir(), 'bashke-e2e-pids.txt');

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
    const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'bashke-e2e-'));
    const child = spawn(path.join(REPO, 'node_modules', '.bin', 'tsx'), ['local/main.ts'], {
      cwd: REPO,
      env: { ...process.env, BASHKE_DATA_DIR: dataDir, BASHKE_PORT: '0', ...opts.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout?.on('data', (c: Buffer) => output.push(c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => output.push(c.toString('utf8')));
    if (child.pid) appendFileSync(PID_LEDGER, `${child.pid}\n`);
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline) {
      const read = readRuntimeFile(dataDir);
      if (read.ok) {
        for (const pid of Object.values(read.runtime.pids)) appendFileSync(PID_LEDGER, `${pid}\n`);
        return new RunningStack(child, dataDir, read.runtime, output);
      }
      if (child.exitCode !== null) throw new Error(`the stack exited during start-up:\n${output.join('')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`the stack did not become ready:\n${output.join('')}`);
  }

  get log(): string {
    return this.output.join('');
  }

  /** Ctrl-C to the whole process group, then wait for the main process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || this.child.exitCode !== null) return;
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    process.kill(-pid, signal);
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
    clearTimeout(timer);
  }

  /** SIGKILL to the main process only, as a crash would; waits until it is gone. */
  async crash(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    process.kill(this.runtime.pids.main, 'SIGKILL');
    await exited;
  }

  /** The referral workflow's execution for a case, as DescribeExecution and GetExecutionHistory see it. */
  async execution(caseId: string): Promise<{ status: string; eventTypes: string[] }> {
    const cdkOut = existsSync(path.join(this.dataDir, 'cdk.out'))
      ? path.join(this.dataDir, 'cdk.out')
      : path.join(REPO, 'cdk.out');
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

  token(role: string, orgId: string, extra: { sub?: string; email?: string } = {}): string {
    const issuer = TokenIssuer.open(this.dataDir, {
      issuer: this.runtime.issuer,
      clientId: this.runtime.clientId,
    });
    return issuer.mint({
      sub: extra.sub ?? `${role}-${orgId}`,
      orgId,
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

  /** Every item of every table, sorted: compare two scans to prove nothing was written. */
  async scan(): Promise<string[]> {
    const client = new DynamoDBClient({
      region: 'eu-central-1',
      endpoint: this.runtime.urls.dynamodb,
      credentials: { accessKeyId: 'bashkelocal', secretAccessKey: 'bashkelocal' },
    });
    try {
      const items: string[] = [];
      const tables =
        (await client.send(new (await import('@aws-sdk/client-dynamodb')).ListTablesCommand({})))
          .TableNames ?? [];
      for (const TableName of tables) {
        let start: Record<string, never> | undefined;
        do {
          const out = await client.send(
            new ScanCommand({ TableName, ExclusiveStartKey: start, ConsistentRead: true }),
          );
          for (const item of out.Items ?? []) items.push(JSON.stringify(item, Object.keys(item).sort()));
          start = out.LastEvaluatedKey as Record<string, never> | undefined;
        } while (start);
      }
      return items.sort();
    } finally {
      client.destroy();
    }
  }
}

/**
 * A valid referral for the Korça demo directory: needs that several NGOs meet, so a decline
 * or a timeout has somewhere to go. `person` fields may be overridden.
 */
export function demoReferral(person: Record<string, unknown> = {}) {
  return {
    region: 'korca',
    interviewDate: new Date().toISOString().slice(0, 10),
    socialWorkerPresent: true,
    socialWorkerOrgId: 'ngo-vatra',
    person: {
      ageGroup: 'adult',
      gender: 'female',
      nationality: 'MD',
      language: 'ro',
      needs: ['psycho-social', 'legal'],
      riskLevel: 'high',
      ...person,
    },
    consent: { given: true },
  };
}

/**
 * A port base with five free ports after it, for a stack that must come back on the same
 * ports after a restart (links in emails name the port).
 */
export async function freePortBase(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let p = base; p < base + 5 && ok; p++) ok = await free(p);
    if (ok) return base;
  }
  throw new Error('no free port range found');
}

export function actionLink(email: InboxEmail): string {
  const m = /(http:\/\/127\.0\.0\.1:\d+\/actions\/[A-Za-z0-9_-]+)/.exec(email.body.text ?? '');
  if (!m?.[1]) throw new Error('the email holds no action link');
  return m[1];
}
