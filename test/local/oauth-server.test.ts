/**
 * The local sign-in server (managed login's OAuth endpoints) over real HTTP on 127.0.0.1: the
 * authorization-code flow with PKCE as a web app runs it, and what it refuses.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { loadOrCreateSigningKey } from '../../local/engine/auth/issuer';
import {
  CODE_TTL_MS,
  type OAuthClient,
  type OAuthServer,
  type OAuthUser,
  startOAuthServer,
} from '../../local/engine/auth/oauth-server';

const CONSOLE = 'http://127.0.0.1:4700/console';
const CLIENT: OAuthClient = {
  clientId: 'local_BashkeApp_UsersConsoleClient6BC83EFC',
  oauthFlows: ['code'],
  scopes: ['openid', 'email', 'profile'],
  callbackUrls: [`${CONSOLE}/auth/callback`],
  logoutUrls: [`${CONSOLE}/signed-out`],
};
/** A client without OAuth (the API's SRP client): never served. */
const SRP_CLIENT: OAuthClient = {
  clientId: 'local_BashkeApp_UsersAppClient4F210F50',
  oauthFlows: [],
  scopes: [],
  callbackUrls: ['http://127.0.0.1:4700/elsewhere'],
  logoutUrls: [],
};
const USERS: OAuthUser[] = [
  {
    sub: 'sub-officer',
    email: 'officer@police.example.org',
    name: 'Duty <officer>',
    groups: ['police'],
    attributes: { orgId: 'police-korca' },
    section: { en: 'Police officers', sq: 'Oficerë policie' },
    description: 'State Police',
  },
  {
    sub: 'sub-coordinator',
    email: 'coordinator@prefecture.example.org',
    name: 'Elira Manushi',
    groups: ['coordinator'],
    attributes: { orgId: 'prefecture-korca' },
    section: { en: 'Coordinators', sq: 'Koordinatorë' },
    description: 'Prefecture',
  },
];

let dataDir: string;
let server: OAuthServer;
let now = Date.parse('2026-06-01T08:00:00Z');

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'bashke-oauth-'));
  server = await startOAuthServer({
    key: loadOrCreateSigningKey(dataDir),
    clients: [CLIENT, SRP_CLIENT],
    users: USERS,
    now: () => now,
  });
});

afterAll(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** A fresh PKCE pair, state and nonce, as the console makes them. */
function pkce() {
  const verifier = base64url(randomBytes(32));
  return {
    verifier,
    challenge: base64url(createHash('sha256').update(verifier).digest()),
    state: base64url(randomBytes(16)),
    nonce: base64url(randomBytes(16)),
  };
}

function authorizeUrl(params: Record<string, string | undefined>): string {
  const url = new URL(`${server.url}/oauth2/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

function goodParams(p: ReturnType<typeof pkce>, overrides: Record<string, string | undefined> = {}) {
  return {
    response_type: 'code',
    client_id: CLIENT.clientId,
    redirect_uri: CLIENT.callbackUrls[0],
    state: p.state,
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    scope: 'openid email profile',
    nonce: p.nonce,
    ...overrides,
  };
}

const get = (url: string) => fetch(url, { redirect: 'manual' });

/** The hidden fields of the sign-in page's first form, plus the chosen user. */
function formOf(html: string, sub: string): URLSearchParams {
  const form = /<form method="post" action="\/oauth2\/authorize">(.*?)<button/s.exec(html)?.[1] ?? '';
  const fields = new URLSearchParams();
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.set(m[1] ?? '', (m[2] ?? '').replaceAll('&amp;', '&').replaceAll('&quot;', '"'));
  }
  fields.set('sub', sub);
  return fields;
}

const postForm = (url: string, form: URLSearchParams) =>
  fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });

/** Sign-in page → choose `sub` → the code from the redirect. */
async function codeFor(p: ReturnType<typeof pkce>, sub = 'sub-officer'): Promise<string> {
  const page = await get(authorizeUrl(goodParams(p)));
  expect(page.status).toBe(200);
  const chosen = await postForm(`${server.url}/oauth2/authorize`, formOf(await page.text(), sub));
  expect(chosen.status).toBe(302);
  const location = new URL(chosen.headers.get('location') ?? '');
  return location.searchParams.get('code') ?? '';
}

function tokenRequest(fields: Record<string, string>) {
  return postForm(`${server.url}/oauth2/token`, new URLSearchParams(fields));
}

describe('the local sign-in server', () => {
  it('runs the code flow with PKCE: page, choice, redirect with code and state, tokens that verify', async () => {
    const p = pkce();
    const page = await get(authorizeUrl({ ...goodParams(p), lang: 'sq' }));
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self' http://127.0.0.1:4700");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    expect(html).toContain('<html lang="sq">');
    expect(html).not.toContain('<script');
    // Grouped by role, every user with name and organisation, names escaped.
    expect(html).toContain('<h2 id="section-1">Oficerë policie</h2>');
    expect(html).toContain('<h2 id="section-2">Koordinatorë</h2>');
    expect(html).toContain('Duty &lt;officer&gt;');
    expect(html).toContain('Elira Manushi<span>Prefecture');
    expect(html).toContain('name="anti_forgery"');

    const chosen = await postForm(`${server.url}/oauth2/authorize`, formOf(html, 'sub-coordinator'));
    expect(chosen.status).toBe(302);
    const location = new URL(chosen.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(CLIENT.callbackUrls[0]);
    expect(location.searchParams.get('state')).toBe(p.state);
    const code = location.searchParams.get('code') ?? '';
    expect(Buffer.from(code, 'base64url').length).toBeGreaterThanOrEqual(16);

    const res = await tokenRequest({
      grant_type: 'authorization_code',
      client_id: CLIENT.clientId,
      code,
      redirect_uri: CLIENT.callbackUrls[0] as string,
      code_verifier: p.verifier,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const tokens = (await res.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });

    const jwks = (await (await get(`${server.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const { payload } = await jwtVerify(String(tokens.id_token), createLocalJWKSet(jwks), {
      issuer: server.url,
      audience: CLIENT.clientId,
      currentDate: new Date(now),
    });
    expect(payload).toMatchObject({
      sub: 'sub-coordinator',
      token_use: 'id',
      nonce: p.nonce,
      email: 'coordinator@prefecture.example.org',
      'cognito:groups': ['coordinator'],
      'custom:orgId': 'prefecture-korca',
    });
    const access = await jwtVerify(String(tokens.access_token), createLocalJWKSet(jwks), {
      issuer: server.url,
      currentDate: new Date(now),
    });
    expect(access.payload).toMatchObject({ token_use: 'access', client_id: CLIENT.clientId });
    expect(access.payload.aud).toBeUndefined();
  });

  it('publishes its endpoints as Cognito does', async () => {
    const config = (await (await get(`${server.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({
      issuer: server.url,
      authorization_endpoint: `${server.url}/oauth2/authorize`,
      token_endpoint: `${server.url}/oauth2/token`,
      jwks_uri: `${server.url}/.well-known/jwks.json`,
      end_session_endpoint: `${server.url}/logout`,
      code_challenge_methods_supported: ['S256'],
    });
  });

  it('takes a code once: a second use fails', async () => {
    const p = pkce();
    const code = await codeFor(p);
    const fields = {
      grant_type: 'authorization_code',
      client_id: CLIENT.clientId,
      code,
      redirect_uri: CLIENT.callbackUrls[0] as string,
      code_verifier: p.verifier,
    };
    expect((await tokenRequest(fields)).status).toBe(200);
    const again = await tokenRequest(fields);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: 'invalid_grant' });
  });

  it('refuses a wrong verifier, and the code is spent by it', async () => {
    const p = pkce();
    const code = await codeFor(p);
    const fields = {
      grant_type: 'authorization_code',
      client_id: CLIENT.clientId,
      code,
      redirect_uri: CLIENT.callbackUrls[0] as string,
    };
    const wrong = await tokenRequest({ ...fields, code_verifier: pkce().verifier });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: 'invalid_grant' });
    expect((await tokenRequest({ ...fields, code_verifier: p.verifier })).status).toBe(400);
  });

  it('refuses a token request whose redirect_uri differs from the authorization request’s', async () => {
    const p = pkce();
    const res = await tokenRequest({
      grant_type: 'authorization_code',
      client_id: CLIENT.clientId,
      code: await codeFor(p),
      redirect_uri: `${CONSOLE}/auth/callback2`,
      code_verifier: p.verifier,
    });
    expect(await res.json()).toEqual({ error: 'invalid_grant' });
  });

  it('lets a code expire after five minutes on its clock', async () => {
    const p = pkce();
    const code = await codeFor(p);
    now += CODE_TTL_MS;
    const res = await tokenRequest({
      grant_type: 'authorization_code',
      client_id: CLIENT.clientId,
      code,
      redirect_uri: CLIENT.callbackUrls[0] as string,
      code_verifier: p.verifier,
    });
    expect(await res.json()).toEqual({ error: 'invalid_grant' });
  });

  it.each([
    [{ grant_type: 'client_credentials' }, 'unsupported_grant_type'],
    [{ client_id: 'nobody' }, 'invalid_client'],
    [{ client_id: SRP_CLIENT.clientId }, 'invalid_client'],
    [{ code_verifier: 'short' }, 'invalid_request'],
    [{ code: '' }, 'invalid_request'],
  ])('answers %j with 400 %s', async (override, error) => {
    const res = await tokenRequest({
      grant_type: 'authorization_code',
      client_id: CLIENT.clientId,
      code: 'x',
      redirect_uri: CLIENT.callbackUrls[0] as string,
      code_verifier: pkce().verifier,
      ...override,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error });
  });

  it.each([
    ['an unknown client', { client_id: 'nobody' }],
    [
      'a client without the code grant',
      { client_id: SRP_CLIENT.clientId, redirect_uri: SRP_CLIENT.callbackUrls[0] },
    ],
    ['a redirect_uri the client has not registered', { redirect_uri: 'http://127.0.0.1:9/steal' }],
    ['a redirect_uri that only starts like a registered one', { redirect_uri: `${CONSOLE}/auth/callback/x` }],
    ['no redirect_uri', { redirect_uri: undefined }],
  ])('shows an error page and never redirects for %s', async (_what, override) => {
    const res = await get(authorizeUrl(goodParams(pkce(), override)));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Sign-in cannot continue');
  });

  it.each([
    ['a plain challenge', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['no challenge', { code_challenge: undefined }, 'invalid_request'],
    ['a response_type other than code', { response_type: 'token' }, 'unsupported_response_type'],
    ['a scope the client lacks', { scope: 'openid phone' }, 'invalid_scope'],
  ])('sends the browser back with the error for %s', async (_what, override, error) => {
    const p = pkce();
    const res = await get(authorizeUrl(goodParams(p, override)));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(CLIENT.callbackUrls[0]);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('state')).toBe(p.state);
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('sends the browser back with invalid_request and no state when there is no state', async () => {
    const res = await get(authorizeUrl(goodParams(pkce(), { state: undefined })));
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.has('state')).toBe(false);
  });

  it('issues no code without the page’s anti-forgery value, nor twice for one page', async () => {
    const page = await get(authorizeUrl(goodParams(pkce())));
    const form = formOf(await page.text(), 'sub-officer');
    const forged = new URLSearchParams(form);
    forged.set('anti_forgery', 'made-up');
    expect((await postForm(`${server.url}/oauth2/authorize`, forged)).status).toBe(400);
    expect((await postForm(`${server.url}/oauth2/authorize`, form)).status).toBe(302);
    const twice = await postForm(`${server.url}/oauth2/authorize`, form);
    expect(twice.status).toBe(400);
    expect(twice.headers.get('location')).toBeNull();
  });

  it('issues no code for a user it does not offer', async () => {
    const page = await get(authorizeUrl(goodParams(pkce())));
    const res = await postForm(
      `${server.url}/oauth2/authorize`,
      formOf(await page.text(), 'sub-someone-else'),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('signs out to a registered logout URI only', async () => {
    const ok = await get(
      `${server.url}/logout?client_id=${CLIENT.clientId}&logout_uri=${encodeURIComponent(CLIENT.logoutUrls[0] as string)}`,
    );
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe(CLIENT.logoutUrls[0]);
    for (const query of [
      `client_id=${CLIENT.clientId}&logout_uri=${encodeURIComponent('http://127.0.0.1:9/elsewhere')}`,
      `client_id=nobody&logout_uri=${encodeURIComponent(CLIENT.logoutUrls[0] as string)}`,
      `client_id=${CLIENT.clientId}`,
    ]) {
      const refused = await get(`${server.url}/logout?${query}`);
      expect({ query, status: refused.status, location: refused.headers.get('location') }).toEqual({
        query,
        status: 400,
        location: null,
      });
    }
  });

  it('answers only requests addressed to 127.0.0.1 or localhost', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${server.url}/.well-known/jwks.json`,
        { headers: { Host: 'evil.example:80' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});
