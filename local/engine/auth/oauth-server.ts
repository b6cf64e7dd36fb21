/**
 * The local stand-in for a Cognito user pool's managed login and its OAuth 2.0 / OpenID
 * Connect endpoints, on its own loopback port. Its URL is the user pool's issuer locally
 * (the ProviderURL, so `iss`) and the managed-login domain's base URL, so a web app finds
 * its keys, signs users in and signs them out where it would in AWS:
 *
 *   GET  /.well-known/jwks.json               the signing key (TokenIssuer.jwks)
 *   GET  /.well-known/openid-configuration    the endpoints below, as Cognito names them
 *   GET  /oauth2/authorize                    a sign-in page listing the users it was given
 *   POST /oauth2/authorize                    the chosen user → 302 to redirect_uri?code&state
 *   POST /oauth2/token                        authorization_code grant with PKCE (S256) → tokens
 *   GET  /logout?client_id&logout_uri         → 302 to logout_uri, one of the client's LogoutURLs
 *
 * Only clients with the authorization-code flow are served, with exactly their callback and
 * logout URLs. A bad client or redirect URI gets an error page and never a redirect (it could
 * send the code to an attacker); other bad parameters go back to the client as
 * `error=…&state=…` (RFC 6749 4.1.2.1). A code is random (256 bits), single use, bound to the
 * client, redirect URI, PKCE challenge, nonce and user, and lives five minutes on the runtime
 * clock. Codes and the sign-in pages' anti-forgery values live in memory: a restart loses the
 * sign-ins under way, nothing else (the user starts again from the app).
 *
 * The users are a list, or a function the server calls again for each sign-in page, each
 * chosen user and each token request (e.g. usersFileSource, reading users-file.ts's file), so a
 * user added while it runs is offered at once and a user no longer listed (disabled) can neither
 * be chosen nor redeem a code issued before.
 *
 * There are no passwords: anyone on this machine may be any of the users listed. It is a
 * development stand-in, bound to 127.0.0.1, answering only requests addressed to 127.0.0.1
 * or localhost (no DNS rebinding). It knows nothing of the app: the users are passed in.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, type SigningKey, TokenIssuer } from './issuer';

/** A text in the page's two languages, or one text for both. */
export type LocalizedText = string | { readonly en: string; readonly sq: string };

/** A user the sign-in page offers. */
export interface OAuthUser {
  readonly sub: string;
  readonly email: string;
  /** Shown on the page. */
  readonly name: string;
  /** Cognito groups (`cognito:groups`). */
  readonly groups: readonly string[];
  /** Custom attributes, each a `custom:<name>` claim. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** The heading the user is listed under (e.g. the role). */
  readonly section: LocalizedText;
  /** One line under the name (e.g. the organisation). */
  readonly description: LocalizedText;
}

/** A client the server accepts (LocalUserPoolClient has this shape). */
export interface OAuthClient {
  readonly clientId: string;
  /** `code` must be among them. */
  readonly oauthFlows: readonly string[];
  readonly scopes: readonly string[];
  readonly callbackUrls: readonly string[];
  readonly logoutUrls: readonly string[];
}

export interface OAuthServerOptions {
  /** Signs the tokens (the local data folder's key, as TokenIssuer.open uses). */
  readonly key: SigningKey;
  readonly clients: readonly OAuthClient[];
  /** The users to offer, or where to read them each time they are needed (see the header). */
  readonly users: readonly OAuthUser[] | (() => readonly OAuthUser[]);
  /** @default 0 (any free port) */
  readonly port?: number;
  /** The runtime clock (epoch ms): codes expire and tokens are dated by it. @default Date.now */
  readonly now?: Clock;
  /** One line per sign-in or refusal; never a code, a token or a parameter value. */
  readonly log?: (line: string) => void;
}

export interface OAuthServer {
  /** Base URL, no trailing slash: the issuer (`iss`) and the managed-login base URL. */
  readonly url: string;
  close(): Promise<void>;
}

/** How long an authorization code may wait for the token request (Cognito's is 5 minutes too). */
export const CODE_TTL_MS = 5 * 60_000;
/** How long a sign-in page may wait for its user's choice. */
const PAGE_TTL_MS = 30 * 60_000;
const MAX_BODY_BYTES = 16 * 1024;
const MAX_PENDING = 10_000;
/** RFC 7636: a verifier is 43 to 128 unreserved characters; an S256 challenge is 43 base64url. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

type Lang = 'en' | 'sq';

const TEXT = {
  en: {
    title: 'Sign in (local)',
    intro:
      'This is the local stand-in for the sign-in page: choose who you are. There are no passwords here.',
    error: 'Sign-in cannot continue',
    badClient: 'The application asking you to sign in is not known here.',
    badRedirect: 'The application named an address to return to that it has not registered.',
    badLogout: 'The application named an address to return to after signing out that it has not registered.',
    expired: 'This page has expired or was already used. Go back to the application and sign in again.',
    notFound: 'There is no page at this address.',
  },
  sq: {
    title: 'Hyrja (lokale)',
    intro: 'Kjo është faqja lokale e hyrjes: zgjidhni kush jeni. Këtu nuk ka fjalëkalime.',
    error: 'Hyrja nuk mund të vazhdojë',
    badClient: 'Aplikacioni që ju kërkon të hyni nuk njihet këtu.',
    badRedirect: 'Aplikacioni dha një adresë kthimi që nuk e ka regjistruar.',
    badLogout: 'Aplikacioni dha një adresë kthimi pas daljes që nuk e ka regjistruar.',
    expired: 'Kjo faqe ka skaduar ose është përdorur. Kthehuni te aplikacioni dhe hyni përsëri.',
    notFound: 'Nuk ka faqe në këtë adresë.',
  },
} as const;

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}' +
  'section{margin:1.5rem 0}ul{list-style:none;padding:0}li{margin:.5rem 0}' +
  'button{font:inherit;text-align:left;width:100%;padding:.6rem .8rem;border:1px solid #555;border-radius:.4rem;background:#fff;cursor:pointer}' +
  'button:hover,button:focus{background:#eef}span{display:block;color:#333;font-size:.9em}';
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

class PageError extends Error {
  constructor(
    readonly status: number,
    readonly text: keyof (typeof TEXT)['en'],
  ) {
    super(text);
  }
}

/** An OAuth error answered to the client as JSON (token endpoint). */
class TokenError extends Error {
  constructor(
    readonly code: 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_client',
    readonly status = 400,
  ) {
    super(code);
  }
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

function localized(text: LocalizedText, lang: Lang): string {
  return typeof text === 'string' ? text : text[lang];
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function sha256Base64Url(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The validated parameters of an authorization request. */
interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly codeChallenge: string;
  readonly scope: string;
  readonly nonce?: string;
  readonly lang: Lang;
}

interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scope: string;
  readonly nonce?: string;
  readonly user: OAuthUser;
  readonly expiresAt: number;
}

/** A redirect back to the client with an OAuth error (RFC 6749 4.1.2.1). */
class RedirectError extends Error {
  constructor(
    readonly redirectUri: string,
    readonly code: 'invalid_request' | 'unsupported_response_type' | 'invalid_scope',
    readonly state: string | undefined,
  ) {
    super(code);
  }
}

function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

export async function startOAuthServer(options: OAuthServerOptions): Promise<OAuthServer> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const clients = new Map(
    options.clients.filter((c) => c.oauthFlows.includes('code')).map((c) => [c.clientId, c] as const),
  );
  const listUsers = options.users;
  const currentUsers = (): Map<string, OAuthUser> =>
    new Map((typeof listUsers === 'function' ? listUsers() : listUsers).map((u) => [u.sub, u] as const));
  const codes = new Map<string, PendingCode>();
  /** Anti-forgery value of each sign-in page shown → when it expires. */
  const pages = new Map<string, number>();
  let port = options.port ?? 0;
  let url = '';
  let signer: TokenIssuer | undefined;

  const sweep = () => {
    const current = now();
    for (const [code, pending] of codes) if (pending.expiresAt <= current) codes.delete(code);
    for (const [value, expiresAt] of pages) if (expiresAt <= current) pages.delete(value);
  };

  /** The origins the sign-in form may be redirected to (CSP form-action follows redirects). */
  const callbackOrigins = [
    ...new Set([...clients.values()].flatMap((c) => c.callbackUrls.map((u) => new URL(u).origin))),
  ];

  const langOf = (value: string | null): Lang => (value === 'sq' ? 'sq' : 'en');

  /** client_id and redirect_uri first: until both are good nothing may go back to the client. */
  const readAuthorize = (params: URLSearchParams): AuthorizeRequest => {
    const lang = langOf(params.get('lang'));
    const client = clients.get(params.get('client_id') ?? '');
    if (!client) throw new PageError(400, 'badClient');
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!client.callbackUrls.includes(redirectUri)) throw new PageError(400, 'badRedirect');
    const state = params.get('state') || undefined;
    if (params.get('response_type') !== 'code')
      throw new RedirectError(redirectUri, 'unsupported_response_type', state);
    if (state === undefined || state.length > 1024)
      throw new RedirectError(redirectUri, 'invalid_request', undefined);
    const codeChallenge = params.get('code_challenge') ?? '';
    if (params.get('code_challenge_method') !== 'S256' || !CHALLENGE.test(codeChallenge))
      throw new RedirectError(redirectUri, 'invalid_request', state);
    const asked = (params.get('scope') ?? '').split(' ').filter(Boolean);
    const scopes = asked.length > 0 ? asked : [...client.scopes];
    if (!scopes.includes('openid') || scopes.some((s) => !client.scopes.includes(s)))
      throw new RedirectError(redirectUri, 'invalid_scope', state);
    const nonce = params.get('nonce') ?? undefined;
    if (nonce !== undefined && (nonce === '' || nonce.length > 1024))
      throw new RedirectError(redirectUri, 'invalid_request', state);
    return {
      clientId: client.clientId,
      redirectUri,
      state,
      codeChallenge,
      scope: [...new Set(scopes)].join(' '),
      ...(nonce !== undefined ? { nonce } : {}),
      lang,
    };
  };

  const pageHeaders = (extraFormAction: readonly string[] = []) => ({
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': [
      "default-src 'none'",
      `style-src ${STYLE_HASH}`,
      `form-action 'self' ${extraFormAction.join(' ')}`.trim(),
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
  });

  const page = (lang: Lang, title: string, body: string) =>
    `<!doctype html>\n<html lang="${lang}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body><main>${body}</main></body></html>\n`;

  const errorPage = (lang: Lang, text: keyof (typeof TEXT)['en']) =>
    page(
      lang,
      TEXT[lang].error,
      `<h1>${escapeHtml(TEXT[lang].error)}</h1><p>${escapeHtml(TEXT[lang][text])}</p>`,
    );

  const signInPage = (
    request: AuthorizeRequest,
    antiForgery: string,
    users: ReadonlyMap<string, OAuthUser>,
  ): string => {
    const t = TEXT[request.lang];
    const hidden = Object.entries({
      client_id: request.clientId,
      redirect_uri: request.redirectUri,
      state: request.state,
      response_type: 'code',
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
      scope: request.scope,
      nonce: request.nonce,
      lang: request.lang,
      anti_forgery: antiForgery,
    })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v as string)}">`)
      .join('');
    const sections = new Map<string, OAuthUser[]>();
    for (const user of users.values()) {
      const heading = localized(user.section, request.lang);
      sections.set(heading, [...(sections.get(heading) ?? []), user]);
    }
    let index = 0;
    const lists = [...sections.entries()]
      .map(([heading, members]) => {
        index += 1;
        const id = `section-${index}`;
        const items = members
          .map(
            (u) =>
              `<li><form method="post" action="/oauth2/authorize">${hidden}` +
              // The visible text is the accessible name (WCAG 2.5.3): the person's name, then who they are.
              `<button type="submit" name="sub" value="${escapeHtml(u.sub)}">` +
              `${escapeHtml(u.name)}<span>${escapeHtml(localized(u.description, request.lang))} · ${escapeHtml(u.email)}</span>` +
              '</button></form></li>',
          )
          .join('');
        return `<section aria-labelledby="${id}"><h2 id="${id}">${escapeHtml(heading)}</h2><ul>${items}</ul></section>`;
      })
      .join('');
    return page(
      request.lang,
      t.title,
      `<h1>${escapeHtml(t.title)}</h1><p>${escapeHtml(t.intro)}</p>${lists}`,
    );
  };

  const readForm = async (req: http.IncomingMessage): Promise<URLSearchParams | undefined> => {
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return undefined;
      chunks.push(chunk as Buffer);
    }
    if (type !== 'application/x-www-form-urlencoded') return undefined;
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  };

  type Answer = { status: number; headers: Record<string, string>; body: string };
  const redirect = (location: string): Answer => ({
    status: 302,
    headers: { Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' },
    body: '',
  });
  const json = (status: number, body: unknown): Answer => ({
    status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    body: `${JSON.stringify(body)}\n`,
  });

  const authorize = async (req: http.IncomingMessage, query: URLSearchParams): Promise<Answer> => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      const request = readAuthorize(query);
      sweep();
      if (pages.size >= MAX_PENDING) throw new Error('too many sign-in pages waiting');
      const antiForgery = randomToken();
      pages.set(antiForgery, now() + PAGE_TTL_MS);
      return {
        status: 200,
        headers: pageHeaders(callbackOrigins),
        body: signInPage(request, antiForgery, currentUsers()),
      };
    }
    if (req.method !== 'POST') return { status: 405, headers: { Allow: 'GET, HEAD, POST' }, body: '' };
    const form = await readForm(req);
    if (!form) throw new PageError(400, 'expired');
    const request = readAuthorize(form);
    const antiForgery = form.get('anti_forgery') ?? '';
    const pageExpiry = pages.get(antiForgery);
    pages.delete(antiForgery);
    if (pageExpiry === undefined || pageExpiry <= now()) throw new PageError(400, 'expired');
    // A user no longer listed (disabled since the page was shown) is refused like an unknown one.
    const user = currentUsers().get(form.get('sub') ?? '');
    if (!user) {
      log('sign-in: refused a user who is not (or no longer) offered');
      throw new PageError(400, 'expired');
    }
    sweep();
    if (codes.size >= MAX_PENDING) throw new Error('too many sign-ins waiting');
    const code = randomToken();
    codes.set(code, {
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scope: request.scope,
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
      user,
      expiresAt: now() + CODE_TTL_MS,
    });
    log(`sign-in: a user chose an identity for client ${request.clientId}`);
    return redirect(withQuery(request.redirectUri, { code, state: request.state }));
  };

  const token = async (req: http.IncomingMessage): Promise<Answer> => {
    if (req.method !== 'POST') return { status: 405, headers: { Allow: 'POST' }, body: '' };
    const form = await readForm(req);
    if (!form) throw new TokenError('invalid_request');
    if (form.get('grant_type') !== 'authorization_code') {
      throw new TokenError(form.get('grant_type') ? 'unsupported_grant_type' : 'invalid_request');
    }
    const client = clients.get(form.get('client_id') ?? '');
    if (!client) throw new TokenError('invalid_client');
    const code = form.get('code') ?? '';
    const redirectUri = form.get('redirect_uri') ?? '';
    const verifier = form.get('code_verifier') ?? '';
    if (!code || !redirectUri || !VERIFIER.test(verifier)) throw new TokenError('invalid_request');
    // Used once, whatever follows: a wrong verifier does not leave the code for another try.
    const pending = codes.get(code);
    codes.delete(code);
    if (
      !pending ||
      pending.expiresAt <= now() ||
      pending.clientId !== client.clientId ||
      pending.redirectUri !== redirectUri ||
      !sameText(sha256Base64Url(verifier), pending.codeChallenge)
    ) {
      throw new TokenError('invalid_grant');
    }
    // The user as listed now: one disabled after choosing may not redeem the code.
    const user = currentUsers().get(pending.user.sub);
    if (!user) {
      log('sign-in: refused a token for a user who is no longer offered');
      throw new TokenError('invalid_grant');
    }
    const issuer = (signer as TokenIssuer).forClient(client.clientId);
    const [idToken, accessToken] = await Promise.all([
      issuer.mint({
        sub: user.sub,
        groups: user.groups,
        email: user.email,
        ...(user.attributes ? { attributes: user.attributes } : {}),
        ...(pending.nonce !== undefined ? { nonce: pending.nonce } : {}),
      }),
      issuer.mintAccessToken({ sub: user.sub, groups: user.groups, scope: pending.scope }),
    ]);
    return json(200, {
      id_token: idToken,
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: 3600,
    });
  };

  const logout = (query: URLSearchParams): Answer => {
    const client = clients.get(query.get('client_id') ?? '');
    if (!client) throw new PageError(400, 'badClient');
    const logoutUri = query.get('logout_uri') ?? '';
    if (!client.logoutUrls.includes(logoutUri)) throw new PageError(400, 'badLogout');
    return redirect(logoutUri);
  };

  const handle = async (req: http.IncomingMessage): Promise<Answer> => {
    const host = String(req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return { status: 403, headers: { 'Content-Type': 'text/plain' }, body: 'forbidden\n' };
    }
    const requestUrl = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = requestUrl.searchParams;
    const lang = langOf(query.get('lang'));
    try {
      switch (requestUrl.pathname) {
        case '/.well-known/jwks.json':
          return json(200, (signer as TokenIssuer).jwks());
        case '/.well-known/openid-configuration':
          return json(200, {
            issuer: url,
            authorization_endpoint: `${url}/oauth2/authorize`,
            token_endpoint: `${url}/oauth2/token`,
            jwks_uri: `${url}/.well-known/jwks.json`,
            end_session_endpoint: `${url}/logout`,
            response_types_supported: ['code'],
            grant_types_supported: ['authorization_code'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['RS256'],
            scopes_supported: [...new Set([...clients.values()].flatMap((c) => c.scopes))],
            token_endpoint_auth_methods_supported: ['none'],
            code_challenge_methods_supported: ['S256'],
          });
        case '/oauth2/authorize':
          return await authorize(req, query);
        case '/oauth2/token':
          return await token(req);
        case '/logout':
          return logout(query);
        default:
          throw new PageError(404, 'notFound');
      }
    } catch (error) {
      if (error instanceof RedirectError) {
        log(`sign-in: refused an authorization request (${error.code})`);
        return redirect(withQuery(error.redirectUri, { error: error.code, state: error.state }));
      }
      if (error instanceof TokenError) {
        log(`sign-in: refused a token request (${error.code})`);
        return json(error.status, { error: error.code });
      }
      if (error instanceof PageError) {
        if (error.status !== 404) log(`sign-in: refused a request (${error.text})`);
        return { status: error.status, headers: pageHeaders(), body: errorPage(lang, error.text) };
      }
      throw error;
    }
  };

  const server = http.createServer((req, res) => {
    handle(req)
      .catch((error: unknown): Answer => {
        log(`sign-in: ${(error as Error).message}`);
        return { status: 500, headers: { 'Content-Type': 'text/plain' }, body: 'internal error\n' };
      })
      .then(({ status, headers, body }) => {
        req.resume();
        res.writeHead(status, headers);
        res.end(req.method === 'HEAD' ? undefined : body);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  // The issuer is this server's URL; the client id is set per token request (forClient).
  signer = new TokenIssuer(options.key, { issuer: url, clientId: '', now });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
