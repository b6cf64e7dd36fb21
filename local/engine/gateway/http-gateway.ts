/**
 * The HTTP API (API Gateway v2, payload format 2.0) in front of the worker pool, driven only
 * by the routes read from the template. What handlers see is what an HTTP API sends them:
 * route matching, the JWT authorizer's 401s and flattened string claims, lower-cased joined
 * headers, cookies apart, form and binary bodies base64-encoded, the 10 MB payload limit,
 * and the response inference for results without a statusCode.
 *
 * The log has one line per request: route key, status, latency. Never the path (action
 * tokens are path segments), a header or a body (SECURITY.md).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FunctionInvoker, LocalHttpApi, LocalRoute } from '../model';

export type Claims = Readonly<Record<string, unknown>>;

export interface GatewayOptions {
  readonly api: LocalHttpApi;
  readonly invoker: FunctionInvoker;
  /** Claims of a valid token for this API's JWT authorizer, or undefined (→ 401). */
  readonly verifier: (token: string) => Claims | undefined | Promise<Claims | undefined>;
  /** Loopback only. Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly accountId?: string;
  /** requestContext.apiId; default derived from the API's logical id. */
  readonly apiId?: string;
  /** One line per request. Default: this process's stdout with a `[gateway] ` prefix. */
  readonly log?: (line: string) => void;
  /** Request body limit in bytes; default 10 MB, as API Gateway. */
  readonly maxBodyBytes?: number;
  readonly now?: () => number;
}

export interface Gateway {
  /** Base URL, no trailing slash. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

type Segment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'greedy'; readonly name: string };

interface CompiledRoute {
  readonly route: LocalRoute;
  readonly method: string;
  /** Undefined for `$default`. */
  readonly segments: readonly Segment[] | undefined;
}

interface RouteMatch {
  readonly route: LocalRoute;
  readonly pathParameters: Record<string, string>;
  /** Higher is more specific: per segment literal 3, parameter 2, greedy 1; then method. */
  readonly score: readonly number[];
}

function splitPath(p: string): string[] {
  const trimmed = p.startsWith('/') ? p.slice(1) : p;
  return trimmed === '' ? [] : trimmed.split('/');
}

function compile(route: LocalRoute): CompiledRoute {
  if (route.routeKey === '$default') return { route, method: 'ANY', segments: undefined };
  const segments = splitPath(route.path).map((s): Segment => {
    const param = /^\{([^{}]+)\}$/.exec(s);
    if (!param?.[1]) return { kind: 'literal', value: s };
    return param[1].endsWith('+')
      ? { kind: 'greedy', name: param[1].slice(0, -1) }
      : { kind: 'param', name: param[1] };
  });
  return { route, method: route.method.toUpperCase(), segments };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function matchRoute(
  routes: readonly CompiledRoute[],
  method: string,
  rawPath: string,
): RouteMatch | undefined {
  const parts = splitPath(rawPath);
  let best: RouteMatch | undefined;
  for (const r of routes) {
    if (r.method !== 'ANY' && r.method !== method) continue;
    const methodScore = r.method === 'ANY' ? 0 : 1;
    if (r.segments === undefined) {
      const candidate = { route: r.route, pathParameters: {}, score: [-1] };
      if (!best) best = candidate;
      continue;
    }
    const params: Record<string, string> = {};
    const score: number[] = [];
    let matched = true;
    for (let i = 0; i < r.segments.length; i++) {
      const seg = r.segments[i] as Segment;
      const part = parts[i];
      if (seg.kind === 'greedy') {
        const rest = parts.slice(i);
        if (rest.length === 0 || rest.every((x) => x === '')) matched = false;
        else params[seg.name] = decodeSegment(rest.join('/'));
        score.push(1);
        break;
      }
      if (part === undefined || part === '') {
        matched = false;
        break;
      }
      if (seg.kind === 'literal') {
        if (seg.value !== part) {
          matched = false;
          break;
        }
        score.push(3);
      } else {
        params[seg.name] = decodeSegment(part);
        score.push(2);
      }
    }
    const last = r.segments[r.segments.length - 1];
    if (matched && last?.kind !== 'greedy' && parts.length !== r.segments.length) matched = false;
    if (!matched) continue;
    score.push(methodScore);
    const candidate = { route: r.route, pathParameters: params, score };
    if (!best || compareScores(score, best.score) > 0) best = candidate;
  }
  return best;
}

function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -2) - (b[i] ?? -2);
    if (d !== 0) return d;
  }
  return 0;
}

/** HTTP APIs pass text bodies as text and everything else (forms too) base64-encoded (measured on AWS). */
function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const media = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    media.startsWith('text/') ||
    media === 'application/json' ||
    media === 'application/xml' ||
    media === 'application/javascript'
  );
}

/**
 * API Gateway hands JWT claims to the integration as strings: arrays as `[a b]`, objects as
 * `map[k:v]` (Go formatting), numbers and booleans as their text.
 */
export function claimToString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(claimToString).join(' ')}]`;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `map[${entries.map(([k, v]) => `${k}:${claimToString(v)}`).join(' ')}]`;
  }
  return String(value);
}

export function flattenClaims(claims: Claims): Record<string, string> {
  return Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, claimToString(v)]));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, as requestContext.time. */
function requestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

interface Reply {
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

function jsonReply(
  status: number,
  message: string,
  extra: ReadonlyArray<readonly [string, string]> = [],
): Reply {
  return {
    status,
    headers: [['content-type', 'application/json'], ...extra],
    body: Buffer.from(JSON.stringify({ message })),
  };
}

const NOT_FOUND = jsonReply(404, 'Not Found');

/** An RFC 9457 problem: for what the HTTP layer refuses before any route is looked at. */
function problemReply(
  status: number,
  title: string,
  detail: string,
  extra: ReadonlyArray<readonly [string, string]> = [],
): Reply {
  return {
    status,
    headers: [['content-type', 'application/problem+json'], ...extra],
    body: Buffer.from(JSON.stringify({ type: 'about:blank', title, status, detail })),
  };
}

const BAD_REQUEST = problemReply(400, 'Bad Request', 'the request is not valid HTTP');
const HEADERS_TOO_LARGE = problemReply(
  431,
  'Request Header Fields Too Large',
  'the request headers are larger than this API accepts',
);
const EVERY_METHOD = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

/** The methods the API's routes answer, for the Allow header of a 405. */
function allowedMethods(routes: readonly CompiledRoute[]): string {
  const methods = new Set<string>();
  for (const r of routes) for (const m of r.method === 'ANY' ? EVERY_METHOD : [r.method]) methods.add(m);
  return [...methods].sort().join(', ');
}

function methodNotAllowed(method: string, allow: string): Reply {
  return problemReply(405, 'Method Not Allowed', `${method} is not a method of this API`, [['allow', allow]]);
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  431: 'Request Header Fields Too Large',
};

/** A whole response written on a bare socket (there is no ServerResponse for CONNECT or a parse error). */
function rawReply(reply: Reply, requestId: string): string {
  const head = [
    `HTTP/1.1 ${reply.status} ${STATUS_TEXT[reply.status] ?? ''}`,
    ...reply.headers.map(([k, v]) => `${k}: ${v}`),
    `apigw-requestid: ${requestId}`,
    `content-length: ${reply.body.length}`,
    'connection: close',
  ];
  return `${head.join('\r\n')}\r\n\r\n${reply.body.toString('utf8')}`;
}

function refuseRaw(socket: Duplex, reply: Reply): void {
  socket.on('error', () => socket.destroy());
  if (socket.writable) socket.end(rawReply(reply, requestIdNow()));
  else socket.destroy();
}
const INTERNAL = jsonReply(500, 'Internal Server Error');
const TOO_LARGE = jsonReply(413, 'Request Entity Too Large');

function headerValueString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Maps a function result to an HTTP response as HTTP APIs do for payload format 2.0. */
export function mapLambdaResult(payload: unknown): Reply {
  const structured =
    payload !== null && typeof payload === 'object' && !Array.isArray(payload) && 'statusCode' in payload;
  if (!structured) {
    // No statusCode: 200, JSON, the result itself as the body.
    return {
      status: 200,
      headers: [['content-type', 'application/json']],
      body: Buffer.from(JSON.stringify(payload ?? null)),
    };
  }
  const r = payload as Record<string, unknown>;
  const status = r.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
    return INTERNAL;
  const headers: Array<readonly [string, string]> = [];
  if (r.headers !== undefined && r.headers !== null) {
    if (typeof r.headers !== 'object') return INTERNAL;
    for (const [k, v] of Object.entries(r.headers as Record<string, unknown>)) {
      const value = headerValueString(v);
      if (value === undefined) return INTERNAL;
      headers.push([k, value]);
    }
  }
  if (r.cookies !== undefined && r.cookies !== null) {
    if (!Array.isArray(r.cookies) || !r.cookies.every((c) => typeof c === 'string')) return INTERNAL;
    for (const c of r.cookies as string[]) headers.push(['set-cookie', c]);
  }
  let body = Buffer.alloc(0);
  if (r.body !== undefined && r.body !== null) {
    if (typeof r.body !== 'string') return INTERNAL;
    body = r.isBase64Encoded === true ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
  }
  return { status, headers, body };
}

function requestIdNow(): string {
  return randomBytes(11).toString('base64');
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

/** The path and query exactly as sent (absolute-form targets reduced to path and query). */
function splitTarget(target: string): { rawPath: string; rawQueryString: string } {
  let t = target;
  if (!t.startsWith('/')) {
    try {
      const u = new URL(t);
      t = `${u.pathname}${u.search}`;
    } catch {
      t = `/${t}`;
    }
  }
  const hash = t.indexOf('#');
  if (hash !== -1) t = t.slice(0, hash);
  const q = t.indexOf('?');
  return q === -1
    ? { rawPath: t, rawQueryString: '' }
    : { rawPath: t.slice(0, q), rawQueryString: t.slice(q + 1) };
}

function queryParameters(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(raw)) {
    const prev = out.get(k);
    out.set(k, prev === undefined ? v : `${prev},${v}`);
  }
  return out.size > 0 ? Object.fromEntries(out) : undefined;
}

interface IncomingHeaders {
  readonly headers: Record<string, string>;
  readonly cookies: string[] | undefined;
}

/** Lower-cased names, repeated headers joined with commas, cookies moved to their own list. */
function collectHeaders(req: IncomingMessage): IncomingHeaders {
  const joined = new Map<string, string>();
  const cookies: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    if (name === 'cookie') {
      for (const c of value.split(';')) if (c.trim() !== '') cookies.push(c.trim());
      continue;
    }
    const prev = joined.get(name);
    joined.set(name, prev === undefined ? value : `${prev},${value}`);
  }
  return { headers: Object.fromEntries(joined), cookies: cookies.length > 0 ? cookies : undefined };
}

/** The bearer token of the Authorization header (the `Bearer ` prefix is optional, as on AWS). */
function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const value = authorization.trim();
  const m = /^bearer\s+(\S+)$/i.exec(value);
  if (m?.[1]) return m[1];
  return /^\S+$/.test(value) && !/^bearer$/i.test(value) ? value : undefined;
}

type BodyRead = { readonly ok: true; readonly body: Buffer } | { readonly ok: false };

/** Reads the body up to `limit` bytes; beyond it drains the rest (bounded) and reports too large. */
function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number.isFinite(declared) && declared > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
      // Draining is bounded: a client that keeps sending far beyond the limit is cut off.
      else if (size > limit * 4) req.destroy();
    });
    req.on('end', () => resolve(tooLarge ? { ok: false } : { ok: true, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) resolve({ ok: false });
    });
  });
}

function send(res: ServerResponse, reply: Reply, requestId: string): void {
  res.statusCode = reply.status;
  for (const [k, v] of reply.headers) {
    const existing = res.getHeader(k);
    if (k.toLowerCase() === 'set-cookie' && existing !== undefined) {
      res.setHeader(k, [...(Array.isArray(existing) ? existing : [String(existing)]), v]);
    } else {
      res.setHeader(k, v);
    }
  }
  res.setHeader('apigw-requestid', requestId);
  res.setHeader('content-length', reply.body.length);
  res.end(reply.body);
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`the local gateway binds loopback only, not ${host}`);
  const routes = options.api.routes.map(compile);
  const log = options.log ?? ((line: string) => process.stdout.write(`[gateway] ${line}\n`));
  const now = options.now ?? Date.now;
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const accountId = options.accountId ?? '000000000000';
  const apiId =
    options.apiId ??
    options.api.logicalId
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 10);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const epoch = now();
    const requestId = requestIdNow();
    const method = (req.method ?? 'GET').toUpperCase();
    const { rawPath, rawQueryString } = splitTarget(req.url ?? '/');
    const match = matchRoute(routes, method, rawPath);
    const routeKey = match?.route.routeKey ?? '-';
    let status = 500;
    const reply = (r: Reply) => {
      status = r.status;
      send(res, r, requestId);
    };
    try {
      if (!match) {
        req.resume();
        reply(NOT_FOUND);
        return;
      }
      const { headers, cookies } = collectHeaders(req);
      let authorizer: { jwt: { claims: Record<string, string>; scopes: string[] | null } } | undefined;
      if (match.route.authorizationType === 'JWT') {
        const token = bearerToken(headers.authorization);
        const claims = token === undefined ? undefined : await options.verifier(token);
        if (!claims) {
          req.resume();
          reply(
            jsonReply(401, 'Unauthorized', [
              ['www-authenticate', token === undefined ? 'Bearer' : 'Bearer error="invalid_token"'],
            ]),
          );
          return;
        }
        const scope = claims.scope;
        authorizer = {
          jwt: {
            claims: flattenClaims(claims),
            scopes: typeof scope === 'string' && scope.trim() !== '' ? scope.trim().split(/\s+/) : null,
          },
        };
      }
      const read = await readBody(req, limit);
      if (!read.ok) {
        reply(TOO_LARGE);
        return;
      }
      const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
      const queryStringParameters = queryParameters(rawQueryString);
      const hostHeader = headers.host ?? `${host}`;
      const event: Record<string, unknown> = {
        version: '2.0',
        routeKey,
        rawPath,
        rawQueryString,
        ...(cookies ? { cookies } : {}),
        headers: {
          ...headers,
          'x-forwarded-for': headers['x-forwarded-for']
            ? `${headers['x-forwarded-for']}, ${sourceIp}`
            : sourceIp,
          'x-forwarded-port': String(req.socket.localPort ?? ''),
          'x-forwarded-proto': 'http',
          'x-amzn-trace-id': `Root=1-${Math.floor(epoch / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
        },
        ...(queryStringParameters ? { queryStringParameters } : {}),
        requestContext: {
          accountId,
          apiId,
          ...(authorizer ? { authorizer } : {}),
          domainName: hostHeader,
          domainPrefix: hostHeader.split('.')[0]?.split(':')[0] ?? hostHeader,
          http: {
            method,
            path: rawPath,
            protocol: `HTTP/${req.httpVersion}`,
            sourceIp,
            userAgent: headers['user-agent'] ?? '',
          },
          requestId,
          routeKey,
          stage: '$default',
          time: requestTime(epoch),
          timeEpoch: epoch,
        },
        ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
        ...(read.body.length > 0
          ? isTextContentType(headers['content-type'])
            ? { body: read.body.toString('utf8'), isBase64Encoded: false }
            : { body: read.body.toString('base64'), isBase64Encoded: true }
          : { isBase64Encoded: false }),
      };
      const result = await options.invoker.invoke(match.route.functionArn, event);
      reply(result.ok ? mapLambdaResult(result.payload) : INTERNAL);
    } catch {
      // A malformed response header or a failing verifier/invoker: the client sees a 500.
      if (!res.headersSent) {
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        reply(INTERNAL);
      } else {
        status = res.statusCode;
        res.destroy();
      }
    } finally {
      log(`${routeKey} ${status} ${Math.round(performance.now() - started)}ms`);
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    refuseRaw(socket, error.code === 'HPE_HEADER_OVERFLOW' ? HEADERS_TOO_LARGE : BAD_REQUEST);
  });
  // Node hands CONNECT (a tunnel request) to this event and, without a listener, drops the
  // connection without a word. An HTTP API tunnels nothing: it answers 405 and closes. (An
  // Upgrade header needs nothing: without an 'upgrade' listener Node serves the request as
  // a plain one, which is what a server that does not switch protocols should do.)
  const allow = allowedMethods(routes);
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    refuseRaw(socket, methodNotAllowed('CONNECT', allow));
    log('- 405 0ms');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
