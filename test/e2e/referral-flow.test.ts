import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { actionLink, demoReferral, type InboxEmail, RunningStack } from '../support/e2e-stack';

const CANARY = 'CANARY-e2e-51f0';

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const referral = (overrides: Record<string, unknown> = {}) => ({ ...demoReferral(), ...overrides });

describe('the local stack, driven as a user would', () => {
  let stack: RunningStack;
  const police = () =>
    stack.token('police', 'police-korca', { sub: `officer-${CANARY}`, email: 'officer@police.example.org' });

  async function refer(body: unknown, key: string, token?: string) {
    return fetch(`${stack.runtime.urls.api}/referrals`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token ?? (await police())}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': key,
      },
      body: JSON.stringify(body),
    });
  }

  const offerFor =
    (reference: string, exclude: string[] = []) =>
    (e: InboxEmail) =>
      e.subject.includes(reference) &&
      e.body.text?.includes('/actions/') === true &&
      !exclude.includes(e.destination.to[0] ?? '');

  beforeAll(async () => {
    stack = await RunningStack.start();
  }, 180_000);

  afterAll(async () => {
    const pids = Object.values(stack?.runtime.pids ?? {});
    const ports = Object.values(stack?.runtime.urls ?? {}).map((u) => Number(new URL(u).port));
    const started = Date.now();
    await stack?.stop();
    stack?.cleanup();
    // Ctrl-C stops everything within 10 s: no pid of the stack is left, no port listens.
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    for (const port of ports) expect(await listening(port)).toBe(false);
  }, 30_000);

  it('offers a referral by email, shows the link without changing anything, and accepts it once', async () => {
    const res = await refer(referral(), `key-${CANARY}-1`);
    expect(res.status).toBe(201);
    const created = (await res.json()) as { caseId: string; reference: string; status: string };
    expect(created.reference).toMatch(/^KOR-\d{4}-\d{4}$/);

    const offer = await stack.waitForEmail(offerFor(created.reference));
    for (const part of [offer.subject, offer.body.text ?? '', offer.body.html ?? '']) {
      expect(part).not.toContain(CANARY);
      expect(part).not.toMatch(/\bMD\b|"ro"|high/);
    }
    const link = actionLink(offer);

    const before = await stack.settledScan();
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const head = await fetch(link, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await stack.scan()).toEqual(before);

    const accept = await fetch(link, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'decision=accept',
    });
    expect(accept.status).toBe(200);
    const again = await fetch(link, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'decision=accept',
    });
    expect(again.status).toBe(410);

    await stack.waitForEmail(
      (e) => e.subject.includes(created.reference) && e.destination.to.includes('officer@police.example.org'),
    );
    const view = await fetch(`${stack.runtime.urls.api}/cases/${created.caseId}`, {
      headers: { Authorization: `Bearer ${await police()}` },
    });
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ caseId: created.caseId, status: 'ACCEPTED' });
    const officerMails = (await stack.inbox()).filter(
      (e) => e.subject.includes(created.reference) && e.destination.to.includes('officer@police.example.org'),
    );
    expect(officerMails).toHaveLength(1);
  }, 120_000);

  it('offers the case to the next NGO after a decline and tells the coordinator', async () => {
    const res = await refer(referral(), `key-${CANARY}-2`);
    const { reference } = (await res.json()) as { reference: string };
    const first = await stack.waitForEmail(offerFor(reference));
    const decline = await fetch(actionLink(first), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `decision=decline&reason=${encodeURIComponent(`no bed ${CANARY}`)}`,
    });
    expect(decline.status).toBe(200);
    const second = await stack.waitForEmail(offerFor(reference, first.destination.to));
    expect(second.destination.to).not.toEqual(first.destination.to);
    const notice = await stack.waitForEmail(
      (e) => e.subject.includes(reference) && !e.body.text?.includes('/actions/'),
    );
    expect(JSON.stringify(notice)).not.toContain(CANARY);
  }, 120_000);

  it('answers a bad body with problem+json naming the fields, and writes nothing', async () => {
    const before = await stack.settledScan();
    const res = await refer({ ...referral(), name: 'X', person: { ageGroup: 'adult' } }, `key-${CANARY}-3`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { errors: Array<{ path: string; code: string }> };
    expect(problem.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['/name', '/person/gender']));
    expect(await stack.scan()).toEqual(before);
  });

  it('refuses missing, forged and wrong-issuer tokens with 401 and the wrong role with 403', async () => {
    const url = `${stack.runtime.urls.api}/referrals`;
    const post = (headers: Record<string, string>) =>
      fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{}' });
    expect((await post({})).status).toBe(401);
    const [, payload] = (await police()).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    expect((await post({ Authorization: `Bearer ${none}` })).status).toBe(401);
    const { TokenIssuer } = await import('../../local/engine/auth/issuer');
    const other = TokenIssuer.open(stack.dataDir, {
      issuer: 'https://issuer.example.org/other',
      clientId: stack.runtime.clientId,
    });
    const wrongIssuer = await other.mint({
      sub: 's',
      attributes: { orgId: 'police-korca' },
      groups: ['police'],
    });
    expect((await post({ Authorization: `Bearer ${wrongIssuer}` })).status).toBe(401);
    const ngo = await stack.token('ngo', 'ngo-vatra');
    expect((await post({ Authorization: `Bearer ${ngo}`, 'Idempotency-Key': 'key-00000009' })).status).toBe(
      403,
    );
  });

  it('walks the demo through the running stack and exits 0', () => {
    const repo = path.resolve(__dirname, '..', '..');
    const out = execFileSync(path.join(repo, 'node_modules', '.bin', 'tsx'), ['local/demo.ts'], {
      cwd: repo,
      env: { ...process.env, BASHKE_DATA_DIR: stack.dataDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out).toContain('status ACCEPTED');
    expect(out).toContain('single use');
  });

  it('mints a token with npm run token that the gateway accepts', () => {
    const repo = path.resolve(__dirname, '..', '..');
    const out = execFileSync(
      path.join(repo, 'node_modules', '.bin', 'tsx'),
      ['local/token.ts', '--role', 'coordinator', '--org', 'prefecture-korca'],
      {
        cwd: repo,
        env: { ...process.env, BASHKE_DATA_DIR: stack.dataDir },
        encoding: 'utf8',
      },
    );
    expect(out.trim().split('.')).toHaveLength(3);
  });

  it('binds every listening socket of the stack to 127.0.0.1 only', () => {
    if (!existsSync('/usr/bin/ss') && !existsSync('/bin/ss')) return;
    const pids = new Set(Object.values(stack.runtime.pids).map(String));
    const lines = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => [...pids].some((p) => l.includes(`pid=${p},`)));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      const local = line.trim().split(/\s+/)[3] ?? '';
      expect(local).toMatch(/^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):\d+$/);
    }
  });
});
