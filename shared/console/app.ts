import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { AuditLog } from '../audit/audit';
import { auditedRequest } from '../audit/edge';
import { type MemberCaller, type OrganisationDirectory, resolveCaller } from '../auth/caller';
import type { Role } from '../domain/codes';
import {
  ConflictError,
  ForbiddenError,
  GoneError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors';
import { formBody } from '../http/body';
import { RETRY_AFTER_SECONDS, transientFailure } from '../http/transient';
import { logger } from '../util/logger';
import { esc } from './html';
import { COMMON, type Lang, pickLang } from './i18n';
import { renderFrame } from './layout';
import { SignInError } from './oauth';
import { type SessionRecord, type Sessions, sameSecret } from './session';
import { CONSOLE_CSS, CSS_PATH, FAVICON_PATH, FAVICON_SVG } from './stylesheet';

/**
 * The console's edge: one Lambda answers every `/console/…` route (API Gateway sends them
 * without its JWT authorizer). Here, once for every page: the session (cookie → server-side
 * item → the directory, as resolveCaller does for the API), the role a route needs, the CSRF
 * token of every POST, the language and time zone, the security headers, and errors mapped
 * to pages. The pages themselves call the same use cases as the JSON handlers.
 */

export const COOKIE = {
  session: '__Host-bashke-session',
  login: '__Host-bashke-login',
  lang: '__Host-bashke-lang',
} as const;

export type Method = 'GET' | 'POST';

export interface ConsoleRequest {
  readonly method: Method;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** A POST's form (CSRF already checked for members' routes). */
  readonly form: URLSearchParams;
  readonly cookies: ReadonlyMap<string, string>;
}

export interface PageContext {
  readonly req: ConsoleRequest;
  readonly lang: Lang;
  readonly timeZone: string;
  readonly requestId: string;
  readonly now: Date;
}

export interface MemberContext extends PageContext {
  readonly caller: MemberCaller;
  readonly session: SessionRecord;
  readonly sessionId: string;
  /** What every form of the page carries (`csrfField`). */
  readonly csrf: string;
  readonly user: { readonly name: string; readonly orgName: string };
}

export type ConsoleResult =
  | { readonly kind: 'page'; readonly status?: number; readonly title: string; readonly body: string }
  | { readonly kind: 'redirect'; readonly location: string; readonly cookies?: readonly string[] }
  | {
      readonly kind: 'file';
      readonly contentType: string;
      readonly filename: string;
      readonly body: string;
    };

export interface PublicRoute {
  readonly method: Method;
  readonly path: string;
  readonly public: true;
  handle(ctx: PageContext): Promise<ConsoleResult>;
}

export interface MemberRoute {
  readonly method: Method;
  readonly path: string;
  /** The roles that may open it; every other role gets the 403 page. */
  readonly roles: readonly Role[];
  handle(ctx: MemberContext): Promise<ConsoleResult>;
}

export type ConsoleRoute = PublicRoute | MemberRoute;

export const page = (title: string, body: string, status = 200): ConsoleResult => ({
  kind: 'page',
  status,
  title,
  body,
});

export const redirect = (location: string, cookies?: readonly string[]): ConsoleResult => ({
  kind: 'redirect',
  location,
  ...(cookies ? { cookies } : {}),
});

export interface ConsoleEdgeDeps {
  readonly sessions: Pick<Sessions, 'findSession'>;
  /** Where every signed-in request's audit records go (shared/audit/edge.ts). */
  readonly audit: AuditLog;
  readonly directory: OrganisationDirectory;
  readonly now: () => Date;
  /** The group's zone: times for a user whose contact names none. */
  readonly timeZone: string;
  /** The managed login's origin: a form (sign-out) may end there. */
  readonly oauthOrigin: string;
  /** https deployments get HSTS. */
  readonly https: boolean;
}

/** Every console page's headers: nothing framed, cached, sniffed or leaked; no script at all. */
export function pageHeaders(deps: Pick<ConsoleEdgeDeps, 'oauthOrigin' | 'https'>): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': [
      "default-src 'none'",
      "style-src 'self'",
      "img-src 'self'",
      // Chrome checks form-action on the redirect after a POST: sign-out ends at the managed login.
      `form-action 'self' ${deps.oauthOrigin}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    ...(deps.https ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/** `name=value` with the attributes every console cookie has; `maxAge` 0 clears it. */
export function cookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`;
}

function parseCookies(list: readonly string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of list ?? []) {
    for (const part of entry.split(';')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const name = part.slice(0, eq).trim();
      if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
    }
  }
  return out;
}

/** A path for after sign-in or a language switch: a console path of ours, or the start. */
export function safeNext(raw: string | undefined): string {
  if (!raw || raw.length > 500) return '/console';
  if (!/^\/console(?:[/?#]|$)/.test(raw) || raw.includes('\\') || raw.includes('//')) return '/console';
  // Only printable ASCII: no CR/LF into a header, nothing a browser might read two ways.
  return /^[\x21-\x7e]+$/.test(raw) ? raw : '/console';
}

interface Matched {
  readonly route: ConsoleRoute;
  readonly params: Record<string, string>;
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    const param = /^\{(\w+)\}$/.exec(w);
    if (param?.[1]) {
      let value: string;
      try {
        value = decodeURIComponent(g);
      } catch {
        return undefined;
      }
      if (value === '' || value.length > 200) return undefined;
      params[param[1]] = value;
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
}

function match(
  routes: readonly ConsoleRoute[],
  method: Method,
  path: string,
): Matched | 'wrong-method' | undefined {
  let other = false;
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.method === method) return { route, params };
    other = true;
  }
  return other ? 'wrong-method' : undefined;
}

const isMember = (route: ConsoleRoute): route is MemberRoute => 'roles' in route;

/** The claims resolveCaller reads, rebuilt from what the session kept of the ID token. */
export function sessionClaims(s: Pick<SessionRecord, 'sub' | 'orgId' | 'role' | 'email'>) {
  return {
    sub: s.sub,
    token_use: 'id',
    'custom:orgId': s.orgId,
    'cognito:groups': [s.role],
    ...(s.email ? { email: s.email } : {}),
  };
}

/**
 * The console's one request handler over `routes`. Never throws: every error is a page.
 * HEAD is answered as GET without a body.
 */
export function consoleEdge(deps: ConsoleEdgeDeps, routes: readonly ConsoleRoute[]) {
  const headers = pageHeaders(deps);
  const html = (
    status: number,
    body: string,
    extra: Record<string, string> = {},
    cookies?: readonly string[],
  ) =>
    ({
      statusCode: status,
      headers: { ...headers, ...extra },
      body,
      ...(cookies?.length ? { cookies: [...cookies] } : {}),
    }) satisfies APIGatewayProxyStructuredResultV2;

  return async (
    event: APIGatewayProxyEventV2,
    requestId: string,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const rawMethod = event.requestContext.http.method.toUpperCase();
    const head = rawMethod === 'HEAD';
    const method: Method | undefined =
      rawMethod === 'GET' || head ? 'GET' : rawMethod === 'POST' ? 'POST' : undefined;
    const path = event.rawPath.replace(/\/+$/, '') || '/';
    const cookies = parseCookies(event.cookies);
    const now = deps.now();
    let lang = pickLang(cookies.get(COOKIE.lang));
    let timeZone = deps.timeZone;
    let user: { role: Role; name: string; orgName: string; csrf: string } | undefined;

    const render = (status: number, title: string, body: string, extra: Record<string, string> = {}) =>
      html(
        status,
        head ? '' : renderFrame({ lang, title, body, requestId, path, ...(user ? { user } : {}) }),
        extra,
      );
    const problem = (
      status: number,
      key: 'forbidden' | 'notFound' | 'gone' | 'conflict' | 'busy' | 'error' | 'csrf',
    ) => {
      const c = COMMON[lang];
      const body = `<p>${esc(c[key])}</p><p><a href="/console">${esc(c.home)}</a></p>`;
      return render(status, c[`${key}Title`], body);
    };

    if (method === 'GET' && (path === CSS_PATH || path === FAVICON_PATH)) {
      const css = path === CSS_PATH;
      return {
        statusCode: 200,
        headers: {
          'Content-Type': css ? 'text/css; charset=utf-8' : 'image/svg+xml',
          // The stylesheet's name carries its hash; the icon never changes.
          'Cache-Control': css ? 'public, max-age=31536000, immutable' : 'public, max-age=86400',
          'X-Content-Type-Options': 'nosniff',
        },
        body: head ? '' : css ? CONSOLE_CSS : FAVICON_SVG,
      };
    }
    const found = method ? match(routes, method, path) : undefined;
    const respond = async (): Promise<APIGatewayProxyStructuredResultV2> => {
      try {
        if (!method)
          return { ...problem(405, 'notFound'), headers: { ...headers, Allow: 'GET, HEAD, POST' } };
        if (found === undefined) return problem(404, 'notFound');
        if (found === 'wrong-method') {
          return { ...problem(405, 'notFound'), headers: { ...headers, Allow: 'GET, HEAD, POST' } };
        }
        let form = new URLSearchParams();
        if (method === 'POST') {
          try {
            form = formBody(event);
          } catch (error) {
            if (error instanceof PayloadTooLargeError) return problem(413, 'error');
            if (error instanceof UnsupportedMediaTypeError) return problem(415, 'error');
            throw error;
          }
        }
        const req: ConsoleRequest = {
          method,
          path,
          params: found.params,
          query: event.queryStringParameters ?? {},
          form,
          cookies,
        };
        const base: PageContext = { req, lang, timeZone, requestId, now };
        let result: ConsoleResult;
        if (!isMember(found.route)) {
          result = await found.route.handle(base);
        } else {
          const sessionId = cookies.get(COOKIE.session) ?? '';
          const session = sessionId ? await deps.sessions.findSession(sessionId, now) : undefined;
          if (!session) {
            // Signed out (or never in): the page asked for is where sign-in comes back to.
            const next =
              method === 'GET' ? path + (event.rawQueryString ? `?${event.rawQueryString}` : '') : '/console';
            return html(method === 'POST' ? 303 : 302, '', {
              Location: `/console/sign-in?next=${encodeURIComponent(safeNext(next))}`,
            });
          }
          lang = pickLang(cookies.get(COOKIE.lang), session.lang);
          const caller = await resolveCaller(deps.directory, sessionClaims(session));
          const org = await deps.directory.getOrganisation(caller.orgId);
          const contact = org?.contacts.find((c) => c.email.toLowerCase() === session.email?.toLowerCase());
          timeZone = contact?.timeZone ?? deps.timeZone;
          user = {
            role: caller.role,
            name: contact?.name ?? session.email ?? session.sub,
            orgName: org?.name ?? caller.orgId,
            csrf: session.csrf,
          };
          if (method === 'POST') {
            const site = event.headers['sec-fetch-site'];
            const crossSite = site !== undefined && site !== 'same-origin' && site !== 'none';
            if (crossSite || !sameSecret(form.get('_csrf'), session.csrf)) return problem(403, 'csrf');
          }
          if (!found.route.roles.includes(caller.role)) return problem(403, 'forbidden');
          result = await found.route.handle({
            ...base,
            lang,
            timeZone,
            caller,
            session,
            sessionId,
            csrf: session.csrf,
            user: { name: user.name, orgName: user.orgName },
          });
        }
        switch (result.kind) {
          case 'page':
            return render(result.status ?? 200, result.title, result.body);
          case 'redirect':
            return html(method === 'POST' ? 303 : 302, '', { Location: result.location }, result.cookies);
          case 'file':
            return {
              statusCode: 200,
              headers: {
                'Content-Type': result.contentType,
                'Content-Disposition': `attachment; filename="${result.filename}"`,
                'Cache-Control': 'no-store',
                'X-Content-Type-Options': 'nosniff',
              },
              body: head ? '' : result.body,
            };
        }
      } catch (error) {
        const transient = transientFailure(error);
        const status = transient
          ? 503
          : error instanceof NotFoundError
            ? 404
            : error instanceof ForbiddenError
              ? 403
              : error instanceof ConflictError
                ? 409
                : error instanceof GoneError
                  ? 410
                  : error instanceof ValidationError || error instanceof SignInError
                    ? 400
                    : 500;
        const fields = { error: (error as Error)?.name ?? 'unknown', status };
        if (status >= 500) logger.error('console request failed', fields);
        else logger.warn('console request failed', fields);
        if (transient) {
          return {
            ...problem(503, 'busy'),
            headers: { ...headers, 'Retry-After': String(transient.retryAfterSeconds) },
          };
        }
        const key = (
          { 404: 'notFound', 403: 'forbidden', 409: 'conflict', 410: 'gone', 400: 'error' } as const
        )[status as 404 | 403 | 409 | 410 | 400];
        return problem(status, key ?? 'error');
      }
    };
    // A member's page is audited under its route (never the raw path); a request that found
    // no session (sent to sign-in) named no one and touched nothing, and leaves no record.
    if (!method || found === undefined || found === 'wrong-method' || !isMember(found.route))
      return respond();
    const busy = () => ({
      ...problem(503, 'busy'),
      headers: { ...headers, 'Retry-After': String(RETRY_AFTER_SECONDS.unavailable) },
    });
    return auditedRequest(
      {
        audit: deps.audit,
        channel: 'console',
        action: `${method} ${found.route.path}`,
        requestId,
        read: method === 'GET',
        unavailable: busy,
        skipUnnamed: true,
      },
      respond,
    );
  };
}

/** A page anyone may open (sign-in, the start page): `handle` gets no caller. */
export function publicRoute(method: Method, path: string, handle: PublicRoute['handle']): PublicRoute {
  return { method, path, public: true, handle };
}

/** A page for signed-in members of `roles`: `handle` gets the caller and the session. */
export function memberRoute(
  method: Method,
  path: string,
  roles: readonly Role[],
  handle: MemberRoute['handle'],
): MemberRoute {
  return { method, path, roles, handle };
}
