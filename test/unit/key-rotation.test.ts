/**
 * Key rotation (issue 12; docs/deploy.md, "Keys and secrets"): when the user pool's signing
 * keys rotate, the console follows its JWKS. A token signed with a new key verifies once the
 * pool publishes it (jose refetches the set on a key id it does not know, at most once per
 * cooldown); a key the pool no longer publishes stops verifying once the cached set expires.
 * The JWKS is served for real, on 127.0.0.1.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT } from 'jose';
import { OAuthClient, SignInError } from '../../shared/console/oauth';

const NOW = new Date('2026-12-01T10:00:00Z');
const a = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b = generateKeyPairSync('rsa', { modulusLength: 2048 });

let published: { kid: string; key: KeyObject }[] = [];
let fetches = 0;
let server: Server;
let issuer: string;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    const keys = await Promise.all(
      published.map(async ({ kid, key }) => ({ ...(await exportJWK(key)), kid, alg: 'RS256', use: 'sig' })),
    );
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A console client whose token endpoint hands out `token()` (the code flow's last step). */
function consoleClient(token: () => Promise<string>) {
  return new OAuthClient(
    {
      baseUrl: 'https://login.example.org',
      clientId: 'console-client',
      issuer,
      redirectUri: 'https://app.example.org/console/auth/callback',
      logoutUri: 'https://app.example.org/console/signed-out',
    },
    {
      fetch: (async () =>
        new Response(JSON.stringify({ id_token: await token(), token_type: 'Bearer' }), {
          status: 200,
          headers: { 'Content-Type': 'application/json' },
        })) as unknown as typeof fetch,
    },
  );
}

async function idToken(kid: string, key: KeyObject) {
  const iat = Math.floor(NOW.getTime() / 1000);
  return new SignJWT({
    sub: 'user-1',
    token_use: 'id',
    nonce: 'n',
    'custom:orgId': 'police-korca',
    'cognito:groups': ['police'],
    iss: issuer,
    aud: 'console-client',
  })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .sign(key);
}

it('follows a rotation of the pool’s signing keys: the new key verifies, the retired one stops', async () => {
  // jose's cooldown and cache age read Date.now: the test moves it, not the wall clock.
  let clock = Date.now();
  const now = jest.spyOn(Date, 'now').mockImplementation(() => clock);
  try {
    published = [{ kid: 'a', key: a.publicKey }];
    let signer = { kid: 'a', key: a.privateKey };
    const console = consoleClient(() => idToken(signer.kid, signer.key));
    await expect(console.redeem('code', 'verifier', 'n', NOW)).resolves.toMatchObject({ sub: 'user-1' });
    expect(fetches).toBe(1);

    // The pool publishes key b beside a and starts signing with it.
    published = [
      { kid: 'a', key: a.publicKey },
      { kid: 'b', key: b.publicKey },
    ];
    signer = { kid: 'b', key: b.privateKey };
    clock += 31_000; // past jose's 30 s cooldown: an unknown key id fetches the set again
    await expect(console.redeem('code', 'verifier', 'n', NOW)).resolves.toMatchObject({ sub: 'user-1' });
    expect(fetches).toBe(2);

    // Key a is retired: once the cached set is older than its ten minutes, a token that still
    // names it is refused.
    published = [{ kid: 'b', key: b.publicKey }];
    signer = { kid: 'a', key: a.privateKey };
    clock += 11 * 60_000;
    await expect(console.redeem('code', 'verifier', 'n', NOW)).rejects.toBeInstanceOf(SignInError);
    signer = { kid: 'b', key: b.privateKey };
    await expect(console.redeem('code', 'verifier', 'n', NOW)).resolves.toMatchObject({ sub: 'user-1' });
  } finally {
    now.mockRestore();
  }
});
