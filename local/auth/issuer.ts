/**
 * The local stand-in for the Cognito user pool: it mints the ID tokens Cognito would issue
 * (same claims, RS256) and verifies them the way API Gateway's JWT authorizer does. Only
 * node:crypto: no network, no JWKS fetch. The RSA key is generated once and kept as PEM
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
  sign,
  verify,
} from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';

/** Epoch milliseconds, like Date.now (injected so tests and a shared clock can move time). */
export type Clock = () => number;

/** The role groups the app knows (shared/domain/codes.ts ROLES, repeated: local/ imports no app code). */
export const LOCAL_ROLES = ['police', 'ngo', 'council', 'coordinator', 'admin'] as const;
export type LocalRole = (typeof LOCAL_ROLES)[number];

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
  readonly orgId: string;
  /** Cognito groups; the app expects exactly one role group. */
  readonly groups: readonly string[];
  readonly email?: string;
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

const SEGMENT = /^[A-Za-z0-9_-]+$/;

const headerSchema = z.object({ alg: z.string(), kid: z.string().optional() });

const timeClaim = z.number().finite().optional();
const claimsSchema = z.looseObject({
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  client_id: z.string().optional(),
  exp: timeClaim,
  nbf: timeClaim,
  iat: timeClaim,
});

function decodeSegment(segment: string): unknown {
  if (!SEGMENT.test(segment)) return undefined;
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * Checks a token as API Gateway's JWT authorizer does: RS256 only (so `alg: none` and HS256
 * fail), the key id, the signature, `iss` exactly, `aud` (or `client_id` when there is no
 * `aud`) among the audiences, and `exp` after, `nbf` and `iat` not after the clock's now.
 */
export function verifyIdToken(
  token: string,
  key: Pick<SigningKey, 'publicKey' | 'kid'>,
  expected: JwtExpectation,
  now: Clock = Date.now,
): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [rawHeader = '', rawPayload = '', rawSignature = ''] = parts;
  const header = headerSchema.safeParse(decodeSegment(rawHeader));
  if (!header.success) return { ok: false, reason: 'malformed' };
  if (header.data.alg !== 'RS256') return { ok: false, reason: 'unsupported_alg' };
  if (header.data.kid !== key.kid) return { ok: false, reason: 'unknown_kid' };
  if (!SEGMENT.test(rawSignature)) return { ok: false, reason: 'bad_signature' };
  const signed = verify(
    'sha256',
    Buffer.from(`${rawHeader}.${rawPayload}`, 'ascii'),
    key.publicKey,
    Buffer.from(rawSignature, 'base64url'),
  );
  if (!signed) return { ok: false, reason: 'bad_signature' };

  const raw = decodeSegment(rawPayload);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, reason: 'malformed' };
  const claims = claimsSchema.safeParse(raw);
  if (!claims.success) return { ok: false, reason: 'malformed' };
  const c = claims.data;
  if (c.iss !== expected.issuer) return { ok: false, reason: 'wrong_issuer' };
  const audiences = c.aud === undefined ? (c.client_id === undefined ? [] : [c.client_id]) : [c.aud].flat();
  if (!audiences.some((a) => expected.audience.includes(a))) return { ok: false, reason: 'wrong_audience' };
  const nowSeconds = now() / 1000;
  if (c.exp === undefined) return { ok: false, reason: 'missing_exp' };
  if (c.exp <= nowSeconds) return { ok: false, reason: 'expired' };
  if (c.nbf !== undefined && c.nbf > nowSeconds) return { ok: false, reason: 'not_yet_valid' };
  if (c.iat !== undefined && c.iat > nowSeconds) return { ok: false, reason: 'issued_in_future' };
  return { ok: true, claims: raw as Record<string, unknown> };
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

  /** An ID token with the claims Cognito puts in one. */
  mint(input: MintInput): string {
    const iat = Math.floor(this.now() / 1000);
    const claims = {
      sub: input.sub,
      'cognito:groups': [...input.groups],
      ...(input.email === undefined ? {} : { email_verified: true }),
      iss: this.options.issuer,
      'cognito:username': input.sub,
      'custom:orgId': input.orgId,
      origin_jti: randomUUID(),
      aud: this.options.clientId,
      event_id: randomUUID(),
      token_use: 'id',
      auth_time: iat,
      exp: iat + (input.ttlSeconds ?? ID_TOKEN_TTL_SECONDS),
      iat,
      jti: randomUUID(),
      ...(input.email === undefined ? {} : { email: input.email }),
    };
    const signingInput = `${encodeSegment({ kid: this.key.kid, alg: 'RS256' })}.${encodeSegment(claims)}`;
    const signature = sign('sha256', Buffer.from(signingInput, 'ascii'), this.key.privateKey);
    return `${signingInput}.${signature.toString('base64url')}`;
  }

  /** Verifies with this issuer's key and clock; see verifyIdToken. */
  verify(token: string, expected: JwtExpectation): VerifyResult {
    return verifyIdToken(token, this.key, expected, this.now);
  }

  /** The public key as a JWKS document (what Cognito serves at /.well-known/jwks.json). */
  jwks(): { keys: JsonWebKey[] } {
    return {
      keys: [
        { ...this.key.publicKey.export({ format: 'jwk' }), kid: this.key.kid, alg: 'RS256', use: 'sig' },
      ],
    };
  }
}

/** The gateway's verifier for an API's JWT authorizer: claims, or undefined for a 401. */
export function jwtVerifier(
  issuer: TokenIssuer,
  expected: JwtExpectation,
): (token: string) => Readonly<Record<string, unknown>> | undefined {
  return (token) => {
    const result = issuer.verify(token, expected);
    return result.ok ? result.claims : undefined;
  };
}
