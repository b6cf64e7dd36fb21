import { createHash, generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, exportJWK, SignJWT } from 'jose';
import {
  authorizeUrl,
  issuerFromProviderUrl,
  logoutUrl,
  OAuthClient,
  type OAuthConfig,
  pkcePair,
  SignInError,
} from '../../shared/console/oauth';
import { UnavailableError } from '../../shared/errors';

/** The console's side of the code flow: PKCE, the URLs it sends the browser to, the ID token checks. */

const CONFIG: OAuthConfig = {
  baseUrl: 'https://login.example.org',
  clientId: 'console-client',
  issuer: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_abc',
  redirectUri: 'https://app.example.org/console/auth/callback',
  logoutUri: 'https://app.example.org/console/signed-out',
};
const NOW = new Date('2026-12-01T10:00:00Z');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

async function keys() {
  return createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] });
}

async function idToken(claims: Record<string, unknown> = {}, key = privateKey) {
  const iat = Math.floor(NOW.getTime() / 1000);
  return new SignJWT({
    sub: 'user-1',
    token_use: 'id',
    nonce: 'nonce-1',
    email: 'officer@police.example.org',
    'custom:orgId': 'police-korca',
    'cognito:groups': ['police'],
    iss: CONFIG.issuer,
    aud: CONFIG.clientId,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .sign(key);
}

function client(answer: () => Promise<Response>, seen: RequestInit[] = []) {
  return keys().then(
    (k) =>
      new OAuthClient(CONFIG, {
        keys: k,
        fetch: (async (_url: string, init: RequestInit) => {
          seen.push(init);
          return answer();
        }) as unknown as typeof fetch,
      }),
  );
}

const tokenResponse = (id_token: string) =>
  new Response(JSON.stringify({ id_token, access_token: 'a', token_type: 'Bearer', expires_in: 3600 }), {
    status: 200,
    headers: { 'Content-Type': 'application/json' },
  });

describe('PKCE and the URLs', () => {
  it('makes a 43-character verifier and its S256 challenge, new each time', () => {
    const a = pkcePair();
    const b = pkcePair();
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.challenge).toBe(createHash('sha256').update(a.verifier).digest('base64url'));
    expect(a.verifier).not.toBe(b.verifier);
  });

  it('sends the browser to the managed login with the code flow, PKCE, state and nonce', () => {
    const url = new URL(authorizeUrl(CONFIG, { state: 's1', challenge: 'c1', nonce: 'n1', lang: 'sq' }));
    expect(url.origin + url.pathname).toBe('https://login.example.org/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'console-client',
      redirect_uri: CONFIG.redirectUri,
      scope: 'openid email profile',
      state: 's1',
      nonce: 'n1',
      code_challenge: 'c1',
      code_challenge_method: 'S256',
      lang: 'sq',
    });
    const out = new URL(logoutUrl(CONFIG));
    expect(out.searchParams.get('logout_uri')).toBe(CONFIG.logoutUri);
  });

  it('reads Cognito’s scheme-less ProviderURL and the local issuer’s full one', () => {
    expect(issuerFromProviderUrl('cognito-idp.eu-central-1.amazonaws.com/eu-central-1_abc')).toBe(
      CONFIG.issuer,
    );
    expect(issuerFromProviderUrl('http://127.0.0.1:4705')).toBe('http://127.0.0.1:4705');
  });
});

describe('redeeming the code', () => {
  it('posts the code with the verifier and no secret, and returns the verified user', async () => {
    const seen: RequestInit[] = [];
    const c = await client(async () => tokenResponse(await idToken()), seen);
    const user = await c.redeem('code-1', 'verifier-1', 'nonce-1', NOW);
    expect(user).toEqual({
      sub: 'user-1',
      orgId: 'police-korca',
      groups: ['police'],
      email: 'officer@police.example.org',
    });
    const body = new URLSearchParams(String(seen[0]?.body));
    expect(Object.fromEntries(body)).toEqual({
      grant_type: 'authorization_code',
      client_id: 'console-client',
      code: 'code-1',
      redirect_uri: CONFIG.redirectUri,
      code_verifier: 'verifier-1',
    });
  });

  it.each([
    ['another key', async () => idToken({}, other.privateKey)],
    ['another nonce', async () => idToken({ nonce: 'nonce-2' })],
    ['an access token', async () => idToken({ token_use: 'access' })],
    ['no organisation', async () => idToken({ 'custom:orgId': undefined })],
    ['another audience', async () => idToken({ aud: 'other-client' })],
    ['another issuer', async () => idToken({ iss: 'https://evil.example' })],
    ['an unsigned token', async () => 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
  ])('refuses %s', async (_what, make) => {
    const token = await make();
    const c = await client(async () => tokenResponse(token));
    await expect(c.redeem('code-1', 'v', 'nonce-1', NOW)).rejects.toBeInstanceOf(SignInError);
  });

  it('refuses an expired token', async () => {
    const c = await client(async () => tokenResponse(await idToken()));
    await expect(
      c.redeem('code-1', 'v', 'nonce-1', new Date(NOW.getTime() + 2 * 3600_000)),
    ).rejects.toBeInstanceOf(SignInError);
  });

  it('tells a refused code (400) from a sign-in service that is down (5xx, no answer)', async () => {
    const refused = await client(async () => new Response('{"error":"invalid_grant"}', { status: 400 }));
    await expect(refused.redeem('c', 'v', 'n', NOW)).rejects.toBeInstanceOf(SignInError);
    const down = await client(async () => new Response('', { status: 503 }));
    await expect(down.redeem('c', 'v', 'n', NOW)).rejects.toBeInstanceOf(UnavailableError);
    const silent = await client(async () => {
      throw new TypeError('fetch failed');
    });
    await expect(silent.redeem('c', 'v', 'n', NOW)).rejects.toBeInstanceOf(UnavailableError);
  });
});
