/**
 * The local stand-in for the Cognito user pool: it mints the ID tokens Cognito would issue
 * (same claims, RS256) and verifies them the way API Gateway's JWT authorizer does. The JWS
 * signing and checking is `jose`'s; what is ours is the policy: which claims, which checks,
 * and a named reason for every refusal. No network, no JWKS fetch. The RSA key is generated once and kept as PEM
 * (mode 0600) in the local data folder, so tokens survive a restart and `npm run token`
 * (a separate process) signs with the same key.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomUUID,
} from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import * as z from 'zod';

/** Epoch milliseconds, like Date.now (injected so tests and a shared clock can move time). */
export type Clock = () => number;

/** Cognito's ID token lifetime default. */
export const ID_TOKEN_TTL_SECONDS = 3600;

const KEY_FILE = path.join('auth', 'id-token-signing-key.pem');

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** RFC 7638 thumbprint of the public key: stable for the key, different for any other. */
  readonly kid: string;
}

export function signingKeyPath(dataDir: string): string {
  return path.join(dataDir, KEY_FILE);
}

function fromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey({ key: pem, format: 'pem' });
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  // Thumbprint input: the required members in lexicographic order, no whitespace.
  const thumbprint = createHash('sha256')
    .update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }))
    .digest('base64url');
  return { privateKey, publicKey, kid: thumbprint };
}

/** The key in `dataDir`, or undefined when none was made yet. The file is kept at 0600. */
export function readSigningKey(dataDir: string): SigningKey | undefined {
  const file = signingKeyPath(dataDir);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return fromPem(pem);
}

/**
 * The key in `dataDir`, made on first use. Two processes racing here end up with the same
 * key: each writes a private temporary file and links it into place; the loser reads the
 * winner's.
 */
export function loadOrCreateSigningKey(dataDir: string): SigningKey {
  const existing = readSigningKey(dataDir);
  if (existing) return existing;
  const file = signingKeyPath(dataDir);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(tmp, pem, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(tmp);
  }
  const key = readSigningKey(dataDir);
  if (!key) throw new Error(`the signing key was not written to ${file}`);
  return key;
}

export interface MintInput {
  readonly sub: string;
  /** The user pool's custom attributes, each a `custom:<name>` claim (e.g. `{ orgId: 'x' }`). */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Cognito groups (`cognito:groups`). */
  readonly groups: readonly string[];
  readonly email?: string;
  /** The OpenID Connect `nonce` the client sent to the authorization endpoint, echoed in the ID token. */
  readonly nonce?: string;
  readonly ttlSeconds?: number;
}

/** What an access token of the authorization-code grant carries besides the issuer's own claims. */
export interface AccessTokenInput {
  readonly sub: string;
  readonly groups: readonly string[];
  /** Space-separated granted scopes (`openid email profile`). */
  readonly scope: string;
  readonly ttlSeconds?: number;
}

/** Why a token was refused. Never the token or a claim value. */
export type VerifyFailure =
  | 'malformed'
  | 'unsupported_alg'
  | 'unknown_kid'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_exp'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future';

export type VerifyResult =
  | { readonly ok: true; readonly claims: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly reason: VerifyFailure };

/** What API Gateway's JWT authorizer is configured with (LocalHttpApi.jwt). */
export interface JwtExpectation {
  readonly issuer: string;
  readonly audience: readonly string[];
}

/** The one algorithm accepted: what Cognito signs with. `none` and HMAC are refused by name. */
const ALGORITHM = 'RS256';

/** The claims checked after jose's own checks, typed (a wrong type is a malformed token). */
const claimsSchema = z.looseObject({
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  client_id: z.string().optional(),
  iat: z.number().finite().optional(),
});

/** Thrown by the key lookup when the token names another key: jose passes it through. */
class UnknownKidError extends Error {
  override readonly name = 'UnknownKidError';
}

/** jose's refusal, as the named reason the gateway logs and the tests check. */
function reasonFor(error: unknown): VerifyFailure {
  if (error instanceof UnknownKidError) return 'unknown_kid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'unsupported_alg';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    // A claim of the wrong type is malformed whatever its name.
    if (error.reason === 'invalid') return 'malformed';
    if (error.claim === 'iss') return 'wrong_issuer';
    if (error.claim === 'exp') return 'missing_exp';
    if (error.claim === 'nbf') return 'not_yet_valid';
  }
  return 'malformed';
}

/**
 * Checks a token as API Gateway's JWT authorizer does: RS256 only (so `alg: none` and HS256
 * fail), the key id, the signature, `iss` exactly, `aud` (or `client_id` when there is no
 * `aud`) among the audiences, and `exp` after, `nbf` and `iat` not after the clock's now.
 * Never throws: any failure is a reason.
 */
export async function verifyIdToken(
  token: string,
  key: Pick<SigningKey, 'publicKey' | 'kid'>,
  expected: JwtExpectation,
  now: Clock = Date.now,
): Promise<VerifyResult> {
  const current = now();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      token,
      (header) => {
        if (header.kid !== key.kid) throw new UnknownKidError('the token names another key');
        return key.publicKey;
      },
      {
        algorithms: [ALGORITHM],
        issuer: expected.issuer,
        requiredClaims: ['exp'],
        currentDate: new Date(current),
        clockTolerance: 0,
      },
    ));
  } catch (error) {
    return { ok: false, reason: reasonFor(error) };
  }
  // Two checks stay ours: API Gateway takes `client_id` when there is no `aud` (access tokens
  // carry none), which jose's audience option does not, and jose checks `iat` only against a
  // maximum age, while the authorizer refuses a token issued in the future.
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) return { ok: false, reason: 'malformed' };
  const c = claims.data;
  const audiences = c.aud === undefined ? (c.client_id === undefined ? [] : [c.client_id]) : [c.aud].flat();
  if (!audiences.some((a) => expected.audience.includes(a))) return { ok: false, reason: 'wrong_audience' };
  if (c.iat !== undefined && c.iat > current / 1000) return { ok: false, reason: 'issued_in_future' };
  return { ok: true, claims: payload as Record<string, unknown> };
}

export interface TokenIssuerOptions {
  /** The user pool's ProviderURL as the templates resolve it locally (`iss`). */
  readonly issuer: string;
  /** The user pool client id (`aud`). */
  readonly clientId: string;
  readonly now?: Clock;
}

export class TokenIssuer {
  private readonly now: Clock;

  constructor(
    private readonly key: SigningKey,
    private readonly options: TokenIssuerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** An issuer on the key in `dataDir`, making the key on first use. */
  static open(dataDir: string, options: TokenIssuerOptions): TokenIssuer {
    return new TokenIssuer(loadOrCreateSigningKey(dataDir), options);
  }

  get kid(): string {
    return this.key.kid;
  }

  get issuer(): string {
    return this.options.issuer;
  }

  get clientId(): string {
    return this.options.clientId;
  }

  /** An issuer with the same key, issuer URL and clock whose tokens are for another client. */
  forClient(clientId: string): TokenIssuer {
    return new TokenIssuer(this.key, { ...this.options, clientId, now: this.now });
  }

  /** An ID token with the claims Cognito puts in one. */
  mint(input: MintInput): Promise<string> {
    const iat = Math.floor(this.now() / 1000);
    const claims = {
      sub: input.sub,
      'cognito:groups': [...input.groups],
      ...(input.email === undefined ? {} : { email_verified: true }),
      iss: this.options.issuer,
      'cognito:username': input.sub,
      ...Object.fromEntries(Object.entries(input.attributes ?? {}).map(([k, v]) => [`custom:${k}`, v])),
      origin_jti: randomUUID(),
      aud: this.options.clientId,
      event_id: randomUUID(),
      token_use: 'id',
      auth_time: iat,
      exp: iat + (input.ttlSeconds ?? ID_TOKEN_TTL_SECONDS),
      iat,
      jti: randomUUID(),
      ...(input.email === undefined ? {} : { email: input.email }),
      ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
    };
    return new SignJWT(claims)
      .setProtectedHeader({ kid: this.key.kid, alg: ALGORITHM })
      .sign(this.key.privateKey);
  }

  /**
   * An access token as Cognito issues one: no `aud` but `client_id`, `token_use` access and
   * the granted scopes. The API's JWT authorizer takes it only when `client_id` is an audience.
   */
  mintAccessToken(input: AccessTokenInput): Promise<string> {
    const iat = Math.floor(this.now() / 1000);
    const claims = {
      sub: input.sub,
      'cognito:groups': [...input.groups],
      iss: this.options.issuer,
      client_id: this.options.clientId,
      origin_jti: randomUUID(),
      event_id: randomUUID(),
      token_use: 'access',
      scope: input.scope,
      auth_time: iat,
      exp: iat + (input.ttlSeconds ?? ID_TOKEN_TTL_SECONDS),
      iat,
      jti: randomUUID(),
      username: input.sub,
    };
    return new SignJWT(claims)
      .setProtectedHeader({ kid: this.key.kid, alg: ALGORITHM })
      .sign(this.key.privateKey);
  }

  /** Verifies with this issuer's key and clock; see verifyIdToken. */
  verify(token: string, expected: JwtExpectation): Promise<VerifyResult> {
    return verifyIdToken(token, this.key, expected, this.now);
  }

  /** The public key as a JWKS document (what Cognito serves at /.well-known/jwks.json). */
  jwks(): { keys: JsonWebKey[] } {
    return {
      keys: [
        { ...this.key.publicKey.export({ format: 'jwk' }), kid: this.key.kid, alg: ALGORITHM, use: 'sig' },
      ],
    };
  }
}

/** The gateway's verifier for an API's JWT authorizer: claims, or undefined for a 401. */
export function jwtVerifier(
  issuer: TokenIssuer,
  expected: JwtExpectation,
): (token: string) => Promise<Readonly<Record<string, unknown>> | undefined> {
  return async (token) => {
    const result = await issuer.verify(token, expected);
    return result.ok ? result.claims : undefined;
  };
}
