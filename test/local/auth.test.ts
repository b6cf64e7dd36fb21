import { spawnSync } from 'node:child_process';
import { createHmac, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import {
  jwtVerifier,
  loadOrCreateSigningKey,
  readSigningKey,
  type SigningKey,
  signingKeyPath,
  TokenIssuer,
  verifyIdToken,
} from '../../local/engine/auth/issuer';
import {
  type RuntimeFile,
  readRuntimeFile,
  resolveDataDir,
  writeRuntimeFile,
} from '../../local/runtime-file';
import { defaultSub, mintLocalToken, parseTokenArgs, UsageError } from '../../local/token';

const REPO = path.join(__dirname, '..', '..');
const ISSUER = 'http://127.0.0.1:4566/local-user-pool';
const CLIENT_ID = 'localclient123';
const EXPECTED = { issuer: ISSUER, audience: [CLIENT_ID] };
const T0 = Date.parse('2026-03-29T00:30:00Z');

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'bashke-auth-'));
  dirs.push(d);
  return d;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A token signed with `key` over any header and claims (what an attacker or a bug could send). */
function signRaw(key: SigningKey, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = Math.floor(T0 / 1000);
  return {
    sub: 's-1',
    iss: ISSUER,
    aud: CLIENT_ID,
    token_use: 'id',
    iat,
    exp: iat + 3600,
    ...overrides,
  };
}

describe('signing key', () => {
  it('is generated once, kept as PEM with mode 0600, and reused', () => {
    const dir = tempDir();
    expect(readSigningKey(dir)).toBeUndefined();
    const first = loadOrCreateSigningKey(dir);
    const file = signingKeyPath(dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(loadOrCreateSigningKey(dir).kid).toBe(first.kid);
    expect(readSigningKey(dir)?.kid).toBe(first.kid);
    expect(loadOrCreateSigningKey(tempDir()).kid).not.toBe(first.kid);
  });
});

describe('TokenIssuer', () => {
  let dir: string;
  let now: number;
  let issuer: TokenIssuer;

  beforeAll(() => {
    dir = tempDir();
  });
  beforeEach(() => {
    now = T0;
    issuer = TokenIssuer.open(dir, { issuer: ISSUER, clientId: CLIENT_ID, now: () => now });
  });

  it('mints the claims Cognito puts in an ID token, RS256 with the key id', async () => {
    const token = await issuer.mint({
      sub: 'u-1',
      attributes: { orgId: 'police-korca' },
      groups: ['police'],
      email: 'p@x.example',
    });
    const [h, p] = token.split('.');
    expect(JSON.parse(Buffer.from(h ?? '', 'base64url').toString())).toEqual({
      kid: issuer.kid,
      alg: 'RS256',
    });
    const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString());
    const iat = Math.floor(T0 / 1000);
    expect(claims).toMatchObject({
      iss: ISSUER,
      aud: CLIENT_ID,
      token_use: 'id',
      'cognito:groups': ['police'],
      'custom:orgId': 'police-korca',
      sub: 'u-1',
      email: 'p@x.example',
      iat,
      auth_time: iat,
      exp: iat + 3600,
    });
    const verified = await issuer.verify(token, EXPECTED);
    expect(verified).toEqual({ ok: true, claims });
  });

  it('verifies with another issuer opened on the same data folder (e.g. after a restart)', async () => {
    const token = await issuer.mint({ sub: 'u-1', attributes: { orgId: 'ngo-iom' }, groups: ['ngo'] });
    const again = TokenIssuer.open(dir, { issuer: ISSUER, clientId: CLIENT_ID, now: () => now });
    expect((await again.verify(token, EXPECTED)).ok).toBe(true);
  });

  it('refuses expired, not-yet-valid and future-issued tokens by the injected clock', async () => {
    const token = await issuer.mint({ sub: 'u-1', attributes: { orgId: 'ngo-iom' }, groups: ['ngo'] });
    now = T0 + 3599_000;
    expect((await issuer.verify(token, EXPECTED)).ok).toBe(true);
    now = T0 + 3600_000;
    expect(await issuer.verify(token, EXPECTED)).toEqual({ ok: false, reason: 'expired' });
    now = T0 - 60_000;
    expect(await issuer.verify(token, EXPECTED)).toEqual({ ok: false, reason: 'issued_in_future' });
    const key = readSigningKey(dir) as SigningKey;
    const header = { kid: key.kid, alg: 'RS256' };
    now = T0;
    const nbf = signRaw(key, header, validClaims({ nbf: Math.floor(T0 / 1000) + 10 }));
    expect(await issuer.verify(nbf, EXPECTED)).toEqual({ ok: false, reason: 'not_yet_valid' });
    const noExp = signRaw(key, header, validClaims({ exp: undefined }));
    expect(await issuer.verify(noExp, EXPECTED)).toEqual({ ok: false, reason: 'missing_exp' });
  });

  it('checks iss exactly and aud (or client_id without aud) against the audience list', async () => {
    const key = readSigningKey(dir) as SigningKey;
    const header = { kid: key.kid, alg: 'RS256' };
    const v = (claims: Record<string, unknown>) => issuer.verify(signRaw(key, header, claims), EXPECTED);
    expect(await v(validClaims({ iss: `${ISSUER}/` }))).toEqual({ ok: false, reason: 'wrong_issuer' });
    expect(await v(validClaims({ iss: undefined }))).toEqual({ ok: false, reason: 'wrong_issuer' });
    expect(await v(validClaims({ aud: 'other' }))).toEqual({ ok: false, reason: 'wrong_audience' });
    expect((await v(validClaims({ aud: ['other', CLIENT_ID] }))).ok).toBe(true);
    expect((await v(validClaims({ aud: undefined, client_id: CLIENT_ID }))).ok).toBe(true);
    expect(await v(validClaims({ aud: 'other', client_id: CLIENT_ID }))).toEqual({
      ok: false,
      reason: 'wrong_audience',
    });
    expect(await v(validClaims({ aud: undefined }))).toEqual({ ok: false, reason: 'wrong_audience' });
    expect(
      await issuer.verify(await issuer.mint({ sub: 'u', attributes: { orgId: 'o' }, groups: [] }), {
        ...EXPECTED,
        issuer: 'x',
      }),
    ).toEqual({ ok: false, reason: 'wrong_issuer' });
  });

  it('refuses forged tokens: alg none, HS256 with the public key, another key, a changed payload', async () => {
    const key = readSigningKey(dir) as SigningKey;
    const claims = validClaims({ 'cognito:groups': ['admin'] });
    const none = `${b64({ alg: 'none', kid: key.kid })}.${b64(claims)}.`;
    expect(await issuer.verify(none, EXPECTED)).toEqual({ ok: false, reason: 'unsupported_alg' });
    const noneNoKid = `${b64({ alg: 'none' })}.${b64(claims)}.`;
    expect(await issuer.verify(noneNoKid, EXPECTED)).toEqual({ ok: false, reason: 'unsupported_alg' });

    const pem = key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const hsInput = `${b64({ alg: 'HS256', kid: key.kid })}.${b64(claims)}`;
    const hs = `${hsInput}.${createHmac('sha256', pem).update(hsInput).digest('base64url')}`;
    expect(await issuer.verify(hs, EXPECTED)).toEqual({ ok: false, reason: 'unsupported_alg' });

    const other = loadOrCreateSigningKey(tempDir());
    expect(await issuer.verify(signRaw(other, { alg: 'RS256', kid: other.kid }, claims), EXPECTED)).toEqual({
      ok: false,
      reason: 'unknown_kid',
    });
    // Another key claiming our kid.
    expect(await issuer.verify(signRaw(other, { alg: 'RS256', kid: key.kid }, claims), EXPECTED)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });

    const genuine = await issuer.mint({ sub: 'u-1', attributes: { orgId: 'ngo-iom' }, groups: ['ngo'] });
    const [h, , s] = genuine.split('.');
    const tampered = `${h}.${b64(claims)}.${s}`;
    expect(await issuer.verify(tampered, EXPECTED)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('returns a reason for any garbage and never throws', async () => {
    const key = readSigningKey(dir) as SigningKey;
    const samples = [
      '',
      'a',
      'a.b',
      'a.b.c.d',
      '...',
      'eyJ.eyJ.sig',
      `${b64('string')}.${b64({})}.x`,
      `${b64({ alg: 'RS256', kid: key.kid })}.${b64([1, 2])}.AAAA`,
      `${b64({ alg: 'RS256', kid: key.kid })}.not+base64url.AAAA`,
      `${b64({ alg: 'RS256', kid: key.kid })}.${b64({})}.@@@@`,
      signRaw(key, { alg: 'RS256', kid: key.kid }, validClaims({ exp: 'soon' })),
      signRaw(key, { alg: 'RS256', kid: key.kid }, validClaims({ aud: 7 })),
      '\u0000.\u0000.\u0000',
    ];
    for (const token of samples) {
      const result = await verifyIdToken(token, key, EXPECTED, () => T0);
      expect(result.ok).toBe(false);
    }
    expect(await verifyIdToken(samples[10] as string, key, EXPECTED, () => T0)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('gives the gateway a verifier that returns claims or undefined', async () => {
    const verifier = jwtVerifier(issuer, EXPECTED);
    const token = await issuer.mint({ sub: 'u-1', attributes: { orgId: 'ngo-iom' }, groups: ['ngo'] });
    expect(await verifier(token)).toMatchObject({ sub: 'u-1', 'custom:orgId': 'ngo-iom' });
    expect(await verifier(`${token}x`)).toBeUndefined();
  });

  it('serves its public key as a JWKS document', () => {
    const { keys } = issuer.jwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', kid: issuer.kid, alg: 'RS256', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('mints tokens that a standard verifier accepts with the JWKS document, as a client of Cognito would', async () => {
    const token = await issuer.mint({ sub: 'u-1', attributes: { orgId: 'ngo-iom' }, groups: ['ngo'] });
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createLocalJWKSet(issuer.jwks() as JSONWebKeySet),
      {
        issuer: ISSUER,
        audience: CLIENT_ID,
        currentDate: new Date(T0),
      },
    );
    expect(protectedHeader).toEqual({ kid: issuer.kid, alg: 'RS256' });
    expect(payload).toMatchObject({ sub: 'u-1', 'custom:orgId': 'ngo-iom' });
  });
});

describe('npm run token', () => {
  function runtimeFor(dataDir: string, mainPid = process.pid): RuntimeFile {
    return {
      dataDir,
      urls: {
        api: 'http://127.0.0.1:3000',
        inbox: 'http://127.0.0.1:8005',
        stepFunctions: 'http://127.0.0.1:8083',
        dynamodb: 'http://127.0.0.1:8000',
      },
      pids: { main: mainPid, dynamodb: mainPid },
      issuer: ISSUER,
      clientId: CLIENT_ID,
      startedAt: new Date(T0).toISOString(),
    };
  }

  it('validates its arguments', () => {
    expect(parseTokenArgs(['--role', 'police', '--org', 'police-korca'])).toEqual({
      role: 'police',
      org: 'police-korca',
    });
    expect(() => parseTokenArgs(['--role', 'chief', '--org', 'police-korca'])).toThrow(UsageError);
    expect(() => parseTokenArgs(['--role', 'police'])).toThrow(/--org/);
    expect(() => parseTokenArgs(['--role', 'police', '--org', 'Police Korca'])).toThrow(UsageError);
    expect(() => parseTokenArgs(['--role', 'police', '--org', 'x', '--email', 'nope'])).toThrow(/--email/);
    expect(() => parseTokenArgs(['--role', 'police', '--org', 'x', '--bogus', '1'])).toThrow(UsageError);
  });

  it('resolves the data folder from BASHKE_DATA_DIR or .bashke/', () => {
    expect(resolveDataDir({}, '/repo')).toBe('/repo/.bashke');
    expect(resolveDataDir({ BASHKE_DATA_DIR: 'data' }, '/repo')).toBe('/repo/data');
    expect(resolveDataDir({ BASHKE_DATA_DIR: '/var/b' }, '/repo')).toBe('/var/b');
  });

  it('mints a token for the running stack, with a stable default sub', async () => {
    const dataDir = tempDir();
    const issuer = TokenIssuer.open(dataDir, { issuer: ISSUER, clientId: CLIENT_ID });
    writeRuntimeFile(dataDir, runtimeFor(dataDir));
    expect(statSync(path.join(dataDir, 'runtime.json')).mode & 0o777).toBe(0o600);
    expect(readRuntimeFile(dataDir)).toMatchObject({ ok: true });
    const token = await mintLocalToken({ role: 'ngo', org: 'ngo-iom', 'data-dir': dataDir });
    const verified = await issuer.verify(token, EXPECTED);
    expect(verified).toMatchObject({
      ok: true,
      claims: {
        'cognito:groups': ['ngo'],
        'custom:orgId': 'ngo-iom',
        sub: defaultSub('ngo-iom', 'ngo'),
        email: 'ngo@ngo-iom.example',
      },
    });
    expect(defaultSub('ngo-iom', 'ngo')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(defaultSub('ngo-iom', 'ngo')).not.toBe(defaultSub('ngo-iom', 'admin'));
  });

  it('treats a runtime file of a dead process, or an invalid one, as not running', () => {
    const dataDir = tempDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeRuntimeFile(dataDir, runtimeFor(dataDir, Number(dead.stdout)));
    expect(readRuntimeFile(dataDir)).toMatchObject({ ok: false, reason: 'stale' });
    writeFileSync(path.join(dataDir, 'runtime.json'), '{"issuer": 1}');
    expect(readRuntimeFile(dataDir)).toMatchObject({ ok: false, reason: 'invalid' });
    writeFileSync(path.join(dataDir, 'runtime.json'), 'not json');
    expect(readRuntimeFile(dataDir)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(readRuntimeFile(tempDir())).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('runs as a CLI: exit 2 when the stack is not running or arguments are bad, else one token', async () => {
    const dataDir = tempDir();
    const cli = (args: string[]) =>
      spawnSync(
        process.execPath,
        [path.join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'local/token.ts', ...args],
        {
          cwd: REPO,
          env: { ...process.env, BASHKE_DATA_DIR: dataDir },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );

    const notRunning = cli(['--role', 'police', '--org', 'police-korca']);
    expect(notRunning.status).toBe(2);
    expect(notRunning.stdout).toBe('');
    expect(notRunning.stderr).toMatch(/not running/);
    expect(notRunning.stderr).toMatch(/npm start/);

    const issuer = TokenIssuer.open(dataDir, { issuer: ISSUER, clientId: CLIENT_ID });
    writeRuntimeFile(dataDir, runtimeFor(dataDir));

    const bad = cli(['--role', 'chief', '--org', 'police-korca']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--role/);
    expect(bad.stderr).toMatch(/usage: npm run token/);

    const good = cli(['--role', 'police', '--org', 'police-korca', '--sub', 'officer-7']);
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    const lines = good.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(await issuer.verify(lines[0] as string, EXPECTED)).toMatchObject({
      ok: true,
      claims: { sub: 'officer-7', 'cognito:groups': ['police'], 'custom:orgId': 'police-korca' },
    });
  });
});
