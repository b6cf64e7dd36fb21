import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jwtVerifier, loadOrCreateSigningKey, TokenIssuer } from '../../local/engine/auth/issuer';
import { RuntimeClock } from '../../local/engine/clock/runtime-clock';
import { writeRuntimeFile } from '../../local/runtime-file';
import { mintLocalToken, parseTokenArgs } from '../../local/token';

const H = 3_600_000;
const ISSUER = 'http://127.0.0.1:4700/local-issuer';
const CLIENT_ID = 'local-client';
const EXPECTED = { issuer: ISSUER, audience: [CLIENT_ID] };

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'bashke-auth-clock-'));
  loadOrCreateSigningKey(dataDir);
  writeRuntimeFile(dataDir, {
    dataDir,
    urls: {
      api: 'http://127.0.0.1:4700',
      inbox: 'http://127.0.0.1:4701',
      stepFunctions: 'http://127.0.0.1:4702',
      dynamodb: 'http://127.0.0.1:4703',
    },
    pids: { main: process.pid },
    issuer: ISSUER,
    clientId: CLIENT_ID,
    startedAt: new Date().toISOString(),
  });
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function claims(token: string): { iat: number; exp: number } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

const ARGS = parseTokenArgs(['--role', 'police', '--org', 'police-korca']);

describe('tokens on the runtime clock', () => {
  it('mints a token after `clock advance 25h` that the gateway (on the same clock) takes', async () => {
    const clock = RuntimeClock.open(dataDir);
    // The gateway's verifier, as local/main.ts wires it: the issuer on the runtime clock.
    const gatewayIssuer = TokenIssuer.open(dataDir, {
      issuer: ISSUER,
      clientId: CLIENT_ID,
      now: () => clock.nowMs(),
    });
    const gateway = jwtVerifier(gatewayIssuer, EXPECTED);

    const before = await mintLocalToken(ARGS, { BASHKE_DATA_DIR: dataDir });
    expect(await gateway(before)).toBeDefined();

    await clock.advance(25 * H); // what `npm run clock -- advance 25h` does in the stack

    // A token minted before the jump is 25 h old now: expired, as it would be in AWS.
    expect(await gatewayIssuer.verify(before, EXPECTED)).toEqual({ ok: false, reason: 'expired' });

    // `npm run token` (another process) reads the offset from clock.json.
    const after = await mintLocalToken(ARGS, { BASHKE_DATA_DIR: dataDir });
    expect(Math.abs(claims(after).iat * 1000 - (Date.now() + 25 * H))).toBeLessThan(5000);
    expect(claims(after).exp - claims(after).iat).toBe(3600);
    expect(await gateway(after)).toMatchObject({
      'custom:orgId': 'police-korca',
      'cognito:groups': ['police'],
    });
    expect(await gatewayIssuer.verify(after, EXPECTED)).toMatchObject({ ok: true });

    // On real time that token is from the future: the offset really was applied.
    const realTime = TokenIssuer.open(dataDir, { issuer: ISSUER, clientId: CLIENT_ID });
    expect(await realTime.verify(after, EXPECTED)).toEqual({ ok: false, reason: 'issued_in_future' });
  });

  it('dates the token by the injected real time plus the offset', async () => {
    await RuntimeClock.open(dataDir).advance(2 * H);
    const real = Date.parse('2026-03-29T10:00:00Z');
    const token = await mintLocalToken(ARGS, { BASHKE_DATA_DIR: dataDir }, () => real);
    expect(claims(token).iat).toBe((real + 2 * H) / 1000);
  });
});
