/**
 * The local users: `npm run users` on a temp data folder's users file (seeded with the demo
 * users), and the sign-in server reading that file — a created user offered at once, a
 * disabled one refused at the authorize POST and the token endpoint, enabled again with the
 * same `sub`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { DEMO_USERS, demoSignInUsers, seedLocalUsers } from '../../local/demo-users';
import { loadOrCreateSigningKey } from '../../local/engine/auth/issuer';
import { type OAuthClient, type OAuthServer, startOAuthServer } from '../../local/engine/auth/oauth-server';
import { readUsersFile, usersFilePath, usersFileSource } from '../../local/engine/auth/users-file';
import { runUsersCli } from '../../local/users-cli';
import type { OrganisationDirectory } from '../../shared/auth/caller';
import type { OrgRecord } from '../../shared/data/records';
import type { Organisation } from '../../shared/domain/directory';

const korca = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', 'shared', 'directory', 'korca.json'), 'utf8'),
) as { organisations: Organisation[] };
const directory: OrganisationDirectory = {
  getOrganisation: async (orgId) => {
    const org = korca.organisations.find((o) => o.orgId === orgId);
    return org ? ({ ...org, openOffers: 0 } as OrgRecord) : undefined;
  },
};

const CALLBACK = 'http://127.0.0.1:4700/console/auth/callback';
const CLIENT: OAuthClient = {
  clientId: 'local-console',
  oauthFlows: ['code'],
  scopes: ['openid', 'email', 'profile'],
  callbackUrls: [CALLBACK],
  logoutUrls: [],
};
const NEW_EMAIL = 'besa.hoxha@police-korca.example.org';

let dataDir: string;
let server: OAuthServer;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'bashke-users-'));
  seedLocalUsers(dataDir); // as npm start does on first start
  server = await startOAuthServer({
    key: loadOrCreateSigningKey(dataDir),
    clients: [CLIENT],
    users: usersFileSource(dataDir),
  });
});

afterAll(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function users(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runUsersCli(argv, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    directory,
    env: { BASHKE_DATA_DIR: dataDir },
  });
  return { code, out: out.join(''), err: err.join('') };
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return {
    verifier,
    challenge: createHash('sha256').update(verifier).digest('base64url'),
    state: randomBytes(16).toString('base64url'),
  };
}

async function signInPage(p: ReturnType<typeof pkce>): Promise<string> {
  const url = new URL(`${server.url}/oauth2/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: CLIENT.clientId,
    redirect_uri: CALLBACK,
    state: p.state,
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    scope: 'openid email',
  }))
    url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(200);
  return res.text();
}

function choose(html: string, sub: string) {
  const form = /<form method="post" action="\/oauth2\/authorize">(.*?)<button/s.exec(html)?.[1] ?? '';
  const fields = new URLSearchParams();
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields.set(m[1] ?? '', (m[2] ?? '').replaceAll('&amp;', '&'));
  fields.set('sub', sub);
  return fetch(`${server.url}/oauth2/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
}

function redeem(code: string, verifier: string) {
  return fetch(`${server.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: CLIENT.clientId,
      code,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    }).toString(),
  });
}

const subOf = (email: string) => readUsersFile(dataDir)?.find((u) => u.email === email)?.sub ?? '';

describe('the local users file', () => {
  it('is seeded with the demo users, enabled, readable by its owner only', () => {
    const file = readUsersFile(dataDir);
    expect(file?.map(({ enabled, ...u }) => ({ ...u, enabled }))).toEqual(
      demoSignInUsers().map((u) => ({ ...u, enabled: true })),
    );
    expect(statSync(usersFilePath(dataDir)).mode & 0o777).toBe(0o600);
    // A second start leaves it as it is.
    expect(seedLocalUsers(dataDir)).toEqual(file);
  });

  it('lists the users, by role and organisation', async () => {
    const all = await users('list');
    expect(all.code).toBe(0);
    expect(all.out.split('\n').filter(Boolean)).toHaveLength(DEMO_USERS.length);
    const ngo = await users('list', '--role', 'ngo', '--org', 'ngo-iom');
    expect(ngo.out).toMatch(
      /^focal\.point@iom\.example\.org\tngo\tngo-iom\tenabled\tSarah Whitfield\t[0-9a-f-]{36}\n$/,
    );
  });

  it('refuses an organisation missing from the directory or of the wrong kind, writing nothing', async () => {
    const before = readFileSync(usersFilePath(dataDir), 'utf8');
    const wrongKind = await users(
      'create',
      '--role',
      'police',
      '--org',
      'ngo-vatra',
      '--email',
      'x@example.org',
    );
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.err).toContain(
      'ngo-vatra is an organisation of kind ngo, which cannot hold the role police',
    );
    const missing = await users(
      'create',
      '--role',
      'ngo',
      '--org',
      'ngo-nowhere',
      '--email',
      'x@example.org',
    );
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.err).toContain('not in the directory');
    const taken = await users(
      'create',
      '--role',
      'ngo',
      '--org',
      'ngo-iom',
      '--email',
      'FOCAL.POINT@iom.example.org',
    );
    expect(taken.code).toBe(1);
    expect(taken.err).toContain('exists already');
    expect(readFileSync(usersFilePath(dataDir), 'utf8')).toBe(before);
  });

  it('needs the running stack for the directory check', async () => {
    const err: string[] = [];
    const code = await runUsersCli(
      ['create', '--role', 'ngo', '--org', 'ngo-iom', '--email', 'x@example.org', '--data-dir', dataDir],
      { out: () => {}, err: (s) => err.push(s), env: {} },
    );
    expect(code).toBe(2);
    expect(err.join('')).toContain('the local stack is not running');
  });
});

describe('the sign-in server on the users file', () => {
  it('offers a user created while it runs, and signs them in with their role and organisation', async () => {
    const p = pkce();
    expect(await signInPage(p)).not.toContain(NEW_EMAIL);
    const created = await users(
      'create',
      '--role',
      'police',
      '--org',
      'police-korca',
      '--email',
      NEW_EMAIL,
      '--name',
      'Besa Hoxha',
    );
    expect(created).toMatchObject({ code: 0, err: '' });
    expect(statSync(usersFilePath(dataDir)).mode & 0o777).toBe(0o600);
    const sub = subOf(NEW_EMAIL);
    expect(created.out).toContain(`sub ${sub}`);

    const html = await signInPage(p);
    expect(html).toContain(`Besa Hoxha<span>State Police Korça — Anti-Trafficking Unit · ${NEW_EMAIL}`);
    const chosen = await choose(html, sub);
    expect(chosen.status).toBe(302);
    const code = new URL(chosen.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const res = await redeem(code, p.verifier);
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as { id_token: string };
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const { payload } = await jwtVerify(tokens.id_token, createLocalJWKSet(jwks), { issuer: server.url });
    expect(payload).toMatchObject({
      sub,
      email: NEW_EMAIL,
      'cognito:groups': ['police'],
      'custom:orgId': 'police-korca',
    });
  });

  it('refuses a disabled user at the authorize POST and at the token endpoint; enable lets them in with the same sub', async () => {
    const sub = subOf(NEW_EMAIL);
    // A code chosen before the user was disabled…
    const early = pkce();
    const chosen = await choose(await signInPage(early), sub);
    expect(chosen.status).toBe(302);
    const earlyCode = new URL(chosen.headers.get('location') ?? '').searchParams.get('code') ?? '';
    // …and a page shown before.
    const p = pkce();
    const page = await signInPage(p);

    expect(await users('disable', '--email', NEW_EMAIL)).toMatchObject({
      code: 0,
      out: `users: disabled ${NEW_EMAIL}\n`,
    });
    expect((await users('list', '--org', 'police-korca')).out).toContain(
      `${NEW_EMAIL}\tpolice\tpolice-korca\tdisabled`,
    );

    expect(await signInPage(pkce())).not.toContain(NEW_EMAIL);
    expect((await choose(page, sub)).status).toBe(400);
    const refused = await redeem(earlyCode, early.verifier);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: 'invalid_grant' });

    expect((await users('enable', '--email', NEW_EMAIL)).code).toBe(0);
    expect(subOf(NEW_EMAIL)).toBe(sub);
    const again = pkce();
    const html = await signInPage(again);
    expect(html).toContain(NEW_EMAIL);
    expect((await choose(html, sub)).status).toBe(302);
  });

  it('refuses to disable someone who is not there', async () => {
    const result = await users('disable', '--email', 'nobody@example.org');
    expect(result.code).toBe(1);
    expect(result.err).toContain('there is no user with the email nobody@example.org');
  });
});
