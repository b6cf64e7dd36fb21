import { createHash } from 'node:crypto';
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import * as z from 'zod';
import { ROLES } from '../domain/codes';
import { UnavailableError } from '../errors';
import { randomToken } from './session';

/**
 * The console's side of the OAuth 2.0 authorization-code flow with PKCE (RFC 7636, S256)
 * against Cognito's managed login — or, locally, the runtime's issuer, which serves the same
 * endpoints: one code path for both.
 *
 * The ID token comes straight from the token endpoint over TLS, and is still verified as if it
 * had not: signature against the pool's published keys, issuer, audience (this client),
 * `token_use`, expiry and the nonce of this sign-in.
 */
export interface OAuthConfig {
  /** The managed login domain, no trailing slash. */
  readonly baseUrl: string;
  readonly clientId: string;
  /** The `iss` of the pool's ID tokens; its keys are at `<issuer>/.well-known/jwks.json`. */
  readonly issuer: string;
  /** Where the managed login sends the browser back: `<console>/auth/callback`. */
  readonly redirectUri: string;
  /** Where the managed login's sign-out sends the browser: `<console>/signed-out`. */
  readonly logoutUri: string;
}

/** The pool's ProviderURL as the issuer its tokens name (Cognito's has no scheme). */
export function issuerFromProviderUrl(providerUrl: string): string {
  return /^https?:\/\//.test(providerUrl) ? providerUrl.replace(/\/$/, '') : `https://${providerUrl}`;
}

export interface PkcePair {
  readonly verifier: string;
  readonly challenge: string;
}

/** A verifier of 43 characters (32 random bytes) and its S256 challenge. */
export function pkcePair(): PkcePair {
  const verifier = randomToken(32);
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(
  config: OAuthConfig,
  args: { state: string; challenge: string; nonce: string; lang: string },
): string {
  const url = new URL(`${config.baseUrl}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: 'openid email profile',
    state: args.state,
    nonce: args.nonce,
    code_challenge: args.challenge,
    code_challenge_method: 'S256',
    lang: args.lang,
  }).toString();
  return url.toString();
}

export function logoutUrl(config: OAuthConfig): string {
  const url = new URL(`${config.baseUrl}/logout`);
  url.search = new URLSearchParams({ client_id: config.clientId, logout_uri: config.logoutUri }).toString();
  return url.toString();
}

/** Who signed in, as the ID token says: what a session keeps. */
export interface SignedInUser {
  readonly sub: string;
  readonly email?: string;
  readonly orgId: string;
  readonly groups: readonly string[];
}

/** Why a sign-in was refused: said on the page in plain words, logged by name. */
export class SignInError extends Error {
  override readonly name = 'SignInError';
}

const tokenResponseSchema = z.looseObject({ id_token: z.string().min(1).max(16_384) });

const idClaimsSchema = z.looseObject({
  sub: z.string().min(1).max(128),
  token_use: z.literal('id'),
  nonce: z.string().min(1),
  email: z.email().optional(),
  'custom:orgId': z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
  'cognito:groups': z.array(z.string()).optional(),
});

/** How long the token endpoint may take before the sign-in answers "busy". */
const TOKEN_TIMEOUT_MS = 5_000;

export class OAuthClient {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    readonly config: OAuthConfig,
    options: { keys?: JWTVerifyGetKey; fetch?: typeof fetch } = {},
  ) {
    // Fetched once per container and cached by jose (refetched when a token names a new key).
    this.keys = options.keys ?? createRemoteJWKSet(new URL(`${config.issuer}/.well-known/jwks.json`));
    this.fetchFn = options.fetch ?? fetch;
  }

  private readonly fetchFn: typeof fetch;

  /** Trades the code for tokens and returns the verified user; SignInError when anything is off. */
  async redeem(code: string, verifier: string, nonce: string, now: Date): Promise<SignedInUser> {
    let response: Response;
    try {
      response = await this.fetchFn(`${this.config.baseUrl}/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: this.config.clientId,
          code,
          redirect_uri: this.config.redirectUri,
          code_verifier: verifier,
        }).toString(),
        signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
        redirect: 'error',
      });
    } catch {
      throw new UnavailableError('the sign-in service did not answer');
    }
    if (response.status >= 500) throw new UnavailableError('the sign-in service failed');
    if (!response.ok) throw new SignInError('the sign-in code was refused');
    const body = tokenResponseSchema.safeParse(await response.json().catch(() => undefined));
    if (!body.success) throw new SignInError('the sign-in service answered without an ID token');
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(body.data.id_token, this.keys, {
        algorithms: ['RS256'],
        issuer: this.config.issuer,
        audience: this.config.clientId,
        requiredClaims: ['exp', 'iat'],
        currentDate: now,
        clockTolerance: 60,
      }));
    } catch (error) {
      if ((error as Error).name === 'JWKSTimeout')
        throw new UnavailableError('the sign-in keys did not load');
      throw new SignInError('the ID token did not verify');
    }
    const claims = idClaimsSchema.safeParse(payload);
    if (!claims.success) throw new SignInError('the ID token does not identify a member of the group');
    if (claims.data.nonce !== nonce) throw new SignInError('the ID token is not for this sign-in');
    const groups = (claims.data['cognito:groups'] ?? []).filter((g) =>
      (ROLES as readonly string[]).includes(g),
    );
    return {
      sub: claims.data.sub,
      orgId: claims.data['custom:orgId'],
      groups,
      ...(claims.data.email ? { email: claims.data.email } : {}),
    };
  }
}
