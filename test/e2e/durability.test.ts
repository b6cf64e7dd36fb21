import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { actionLink, demoReferral, freePortBase, type InboxEmail, RunningStack } from '../support/e2e-stack';

const OFFICER = 'officer@police.example.org';

async function refer(stack: RunningStack, key: string): Promise<{ caseId: string; reference: string }> {
  const res = await fetch(`${stack.runtime.urls.api}/referrals`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${await stack.token('police', 'police-korca', { email: OFFICER })}`,
      'Content-Type': 'application/json',
      'Idempotency-Key': key,
    },
    body: JSON.stringify(demoReferral({ gender: 'male', nationality: 'AL', language: 'sq' })),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { caseId: string; reference: string };
}

const isOffer = (reference: string) => (e: InboxEmail) =>
  e.subject.includes(reference) && (e.body.text ?? '').includes('/actions/');

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

async function waitUntil(what: string, ok: () => boolean, ms: number): Promise<number> {
  const started = Date.now();
  while (!ok()) {
    if (Date.now() - started > ms) throw new Error(`${what} took longer than ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
}

describe('the local stack keeps its word', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-durable-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loses nothing when killed with SIGKILL while an offer is pending', async () => {
    // Fixed ports: the link in the email must still reach the stack after the restart.
    const env = { BASHKE_PORT: String(await freePortBase()) };
    let stack = await RunningStack.start({ dataDir, env });
    try {
      const created = await refer(stack, 'key-kill-0001');
      const link = actionLink(await stack.waitForEmail(isOffer(created.reference)));
      // Kill once the offer step has reported back: a kill between the mail going out and the
      // step recording it runs the step again and may send one copy more (offer-kill-points).
      for (
        let i = 0;
        i < 50 && !(await stack.execution(created.caseId)).eventTypes.includes('TaskSubmitted');
        i++
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const { dynamodb, ses } = stack.runtime.pids;

      await stack.crash();
      // DynamoDB Local (and the mail emulator) notice their parent is gone and exit by themselves.
      if (dynamodb)
        expect(await waitUntil('DynamoDB Local exiting', () => gone(dynamodb), 5_000)).toBeLessThan(5_000);
      if (ses) await waitUntil('the mail emulator exiting', () => gone(ses), 5_000);

      stack = await RunningStack.start({ dataDir, env });
      const accept = await fetch(link, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'decision=accept',
      });
      expect(accept.status).toBe(200);
      await stack.waitForEmail(
        (e) => e.subject.includes(created.reference) && e.destination.to.includes(OFFICER),
      );
      let execution = await stack.execution(created.caseId);
      for (let i = 0; i < 50 && execution.status === 'RUNNING'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        execution = await stack.execution(created.caseId);
      }
      expect(execution.status).toBe('SUCCEEDED');
      const view = await fetch(`${stack.runtime.urls.api}/cases/${created.caseId}`, {
        headers: { Authorization: `Bearer ${await stack.token('police', 'police-korca')}` },
      });
      expect(await view.json()).toMatchObject({ status: 'ACCEPTED' });
      const officerMails = (await stack.inbox()).filter(
        (e) => e.subject.includes(created.reference) && e.destination.to.includes(OFFICER),
      );
      expect(officerMails).toHaveLength(1);
      // The offer sent before the crash is still in the inbox: mail survives a restart.
      expect((await stack.inbox()).filter(isOffer(created.reference))).toHaveLength(1);
    } finally {
      await stack.stop();
    }
  }, 300_000);

  /**
   * The same scenario at two speeds: a deadline of a few seconds passing in real time, and
   * the default 24 h passed by moving the runtime clock. Both must tell the same story.
   */
  it('times an offer out the same way in real time and on an advanced clock', async () => {
    const run = async (speed: 'real' | 'advanced') => {
      const dir = mkdtempSync(path.join(os.tmpdir(), `bashke-speed-${speed}-`));
      const stack = await RunningStack.start({
        dataDir: dir,
        ...(speed === 'real'
          ? { env: { BASHKE_CONTEXT: JSON.stringify({ offerDeadlineHours: 0.003 }) } }
          : {}),
      });
      try {
        const created = await refer(stack, `key-speed-${speed}`);
        const first = await stack.waitForEmail(isOffer(created.reference));
        if (speed === 'advanced') {
          // Move the clock once the offer waits for its answer: the email goes out a moment
          // before the step reports back, and a jump in between would tell another story.
          for (
            let i = 0;
            i < 50 && !(await stack.execution(created.caseId)).eventTypes.includes('TaskSubmitted');
            i++
          ) {
            await new Promise((r) => setTimeout(r, 100));
          }
          const res = await fetch(`${stack.runtime.urls.admin}/clock/advance`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ by: '25h' }),
          });
          expect(res.status).toBe(200);
        }
        const second = await stack.waitForEmail(
          (e) => isOffer(created.reference)(e) && e.destination.to[0] !== first.destination.to[0],
          30_000,
        );
        expect(second.destination.to).not.toEqual(first.destination.to);
        await stack.waitForEmail(
          (e) => e.subject.includes(created.reference) && !(e.body.text ?? '').includes('/actions/'),
        );
        // Read the story once the second offer waits for its answer (the callback submitted).
        let types = (await stack.execution(created.caseId)).eventTypes;
        for (let i = 0; i < 50 && types.at(-1) !== 'TaskSubmitted'; i++) {
          await new Promise((r) => setTimeout(r, 100));
          types = (await stack.execution(created.caseId)).eventTypes;
        }
        return types;
      } finally {
        await stack.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const realTime = await run('real');
    const advanced = await run('advanced');
    expect(realTime).toContain('TaskTimedOut');
    expect(advanced).toEqual(realTime);
  }, 400_000);
});
