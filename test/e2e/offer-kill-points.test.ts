import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDbProxy, type ProxiedRequest, type ProxyFault, portPlan } from '../../local';
import { actionLink, demoReferral, freePortBase, type InboxEmail, RunningStack } from '../support/e2e-stack';

/**
 * The offer step killed with SIGKILL at each point inside it (issue 7, "Nothing lost,
 * really"): the whole stack dies while the send-offer function is between two of its writes,
 * and is started again on the same data folder. The control plane must run the step again
 * with the same attempt's token; the step must end with a working link in the NGO's inbox,
 * and the workflow must move on once the NGO accepts.
 *
 * The kill is placed by a proxy between the functions and DynamoDB Local
 * (BASHKE_FUNCTIONS_DYNAMODB_URL), which recognises the step's two writes:
 * - arming: the transaction that keeps the task token and the link's hash;
 * - marking emailed: the update that records the email on the task.
 *
 * Each kill point gets a data folder of its own (the first one's assembly copied in, so no
 * second synth): an earlier case goes on to its assessment stage within a minute, and its
 * tasks' writes would match the same patterns.
 */
const OFFICER = 'officer@police.example.org';

const arming = (r: ProxiedRequest) =>
  r.operation === 'TransactWriteItems' && r.body.includes('actionHash = :h');
const markingEmailed = (r: ProxiedRequest) => r.operation === 'UpdateItem' && r.body.includes('emailedAt');

const isOffer = (reference: string) => (e: InboxEmail) =>
  e.subject.includes(reference) && (e.body.text ?? '').includes('/actions/');

function gone(pid: number | undefined): boolean {
  if (pid === undefined) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('the offer step killed at each point inside it', () => {
  let dataDir: string;
  /** The first data folder: the later ones reuse its synthesized assembly. */
  let firstDir: string;
  const dirs: string[] = [];
  let fresh = true;
  let proxy: DynamoDbProxy;
  let env: Record<string, string>;
  let stack: RunningStack | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-killpoints-'));
    firstDir = dataDir;
    dirs.push(dataDir);
    // Fixed ports: the emailed links and the proxy's target must be the same after a restart.
    const base = await freePortBase();
    proxy = await DynamoDbProxy.start(`http://127.0.0.1:${portPlan(base).dynamodb}`);
    env = { BASHKE_PORT: String(base), BASHKE_FUNCTIONS_DYNAMODB_URL: proxy.url };
    stack = await RunningStack.start({ dataDir, env });
  });

  afterAll(async () => {
    await stack?.stop();
    await proxy?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A stack with no case but the test's own: the one beforeAll started, else a new one. */
  async function freshStack(): Promise<void> {
    if (fresh && stack) {
      fresh = false;
      return;
    }
    await stack?.stop();
    stack = undefined;
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-killpoints-'));
    dirs.push(dataDir);
    for (const name of ['cdk.out', 'cdk.out.inputs.json']) {
      cpSync(path.join(firstDir, name), path.join(dataDir, name), { recursive: true });
    }
    stack = await RunningStack.start({ dataDir, env });
  }

  /** SIGKILL to the stack's main process, then wait until its services are gone too. */
  const kill = async () => {
    const running = stack;
    if (!running) return;
    stack = undefined;
    const { dynamodb, ses } = running.runtime.pids;
    await running.crash();
    await until('the services exiting after the crash', () =>
      gone(dynamodb) && gone(ses) ? true : undefined,
    );
  };

  async function refer(key: string): Promise<{ caseId: string; reference: string }> {
    const running = stack;
    if (!running) throw new Error('no stack');
    const res = await fetch(`${running.runtime.urls.api}/referrals`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await running.token('police', 'police-korca', { email: OFFICER })}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': key,
      },
      body: JSON.stringify(demoReferral({ gender: 'female', nationality: 'AL', language: 'sq' })),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { caseId: string; reference: string };
  }

  it.each<[string, ProxyFault['point'], (r: ProxiedRequest) => boolean, { maxEmails: number }]>([
    ['before arming', 'before', arming, { maxEmails: 1 }],
    ['after arming, before sending', 'after', arming, { maxEmails: 1 }],
    // SES has no idempotency key: a kill between its accepting and the record may send one copy more.
    ['after sending, before marking emailed', 'before', markingEmailed, { maxEmails: 2 }],
  ])(
    '%s: the step runs again, a working link arrives, the workflow moves on',
    async (_label, point, matches, { maxEmails }) => {
      await freshStack();
      const killed = new Promise<void>((resolve) => {
        proxy.arm({ point, matches, hit: async () => resolve(await kill()) });
      });
      const created = await refer(`killpoint-${point}-${Date.now()}`);
      await killed;
      expect(proxy.hasFired).toBe(true);

      stack = await RunningStack.start({ dataDir, env });
      const running = stack;
      const offers = await until('an offer email after the restart', async () => {
        const found = (await running.inbox()).filter(isOffer(created.reference));
        return found.length ? found : undefined;
      });
      // Let a second copy (if any) arrive before counting.
      await until('the offer step reporting back', async () => {
        const { eventTypes } = await running.execution(created.caseId);
        return eventTypes.includes('TaskSubmitted') ? true : undefined;
      });
      const all = (await running.inbox()).filter(isOffer(created.reference));
      expect(all.length).toBeGreaterThanOrEqual(1);
      expect(all.length).toBeLessThanOrEqual(maxEmails);
      expect(offers.length).toBeGreaterThanOrEqual(1);

      // Every emailed link works: the confirm page, not the 410.
      const links = [...new Set(all.map(actionLink))];
      for (const link of links) expect((await fetch(link)).status).toBe(200);
      const accepted = await fetch(links[0] ?? '', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'decision=accept',
      });
      expect(accepted.status).toBe(200);

      const status = await until('the execution ending', async () => {
        const { status } = await running.execution(created.caseId);
        return status === 'RUNNING' ? undefined : status;
      });
      expect(status).toBe('SUCCEEDED');
      const view = await fetch(`${running.runtime.urls.api}/cases/${created.caseId}`, {
        headers: { Authorization: `Bearer ${await running.token('police', 'police-korca')}` },
      });
      expect(await view.json()).toMatchObject({ status: 'ACCEPTED' });
      await running.waitForEmail(
        (e) => e.subject.includes(created.reference) && e.destination.to.includes(OFFICER),
      );
    },
    240_000,
  );
});
