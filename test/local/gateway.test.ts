import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { jwtVerifier, TokenIssuer } from '../../local/engine/auth/issuer';
import {
  claimToString,
  type Gateway,
  mapLambdaResult,
  startGateway,
} from '../../local/engine/gateway/http-gateway';
import type { FunctionInvoker, InvokeResult, LocalHttpApi, LocalRoute } from '../../local/engine/model';

const ISSUER = 'http://127.0.0.1:1/local-user-pool';
const CLIENT_ID = 'localclient';
const ARN = (name: string) => `arn:aws:lambda:eu-central-1:000000000000:function:BashkeApp-${name}`;

function route(routeKey: string, fn: string, authorizationType: 'NONE' | 'JWT'): LocalRoute {
  const [method = '', routePath = ''] = routeKey.split(' ');
  return { routeKey, method, path: routePath, functionArn: ARN(fn), authorizationType };
}

const API: LocalHttpApi = {
  logicalId: 'ApiF70053CD',
  stackName: 'BashkeApp',
  routes: [
    route('POST /referrals', 'CreateReferral', 'JWT'),
    route('GET /cases/{caseId}', 'GetCase', 'JWT'),
    route('GET /actions/{token}', 'ActionLink', 'NONE'),
    route('HEAD /actions/{token}', 'ActionLink', 'NONE'),
    route('POST /actions/{token}', 'ActionLink', 'NONE'),
    route('GET /cases/summary', 'Summary', 'NONE'),
    route('ANY /files/{proxy+}', 'Files', 'NONE'),
  ],
  jwt: { issuer: ISSUER, audience: [CLIENT_ID] },
};

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;

/** Records events; answers with `next` (default: a 200 structured response). */
class FakeInvoker implements FunctionInvoker {
  readonly calls: Array<{ arn: string; event: Event }> = [];
  next: InvokeResult | undefined;
  async invoke(arn: string, payload: unknown): Promise<InvokeResult> {
    this.calls.push({ arn, event: payload as Event });
    const result = this.next ?? { ok: true, payload: { statusCode: 200, body: 'ok' } };
    this.next = undefined;
    return result;
  }
  last(): Event {
    const call = this.calls.at(-1);
    if (!call) throw new Error('not invoked');
    return call.event;
  }
}

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

function send(
  gw: Gateway,
  method: string,
  target: string,
  headers: OutgoingHttpHeaders = {},
  body?: Buffer | string,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${gw.url}${target}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, text: b.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

let dir: string;
let now: number;
let issuer: TokenIssuer;
let invoker: FakeInvoker;
let gw: Gateway;
const logLines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'bashke-gw-'));
  now = Date.now();
  issuer = TokenIssuer.open(dir, { issuer: ISSUER, clientId: CLIENT_ID, now: () => now });
  invoker = new FakeInvoker();
  gw = await startGateway({
    api: API,
    invoker,
    verifier: jwtVerifier(issuer, { issuer: ISSUER, audience: [CLIENT_ID] }),
    host: '127.0.0.1',
    port: 0,
    log: (line) => logLines.push(line),
  });
});

afterAll(async () => {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  now = Date.now();
  invoker.calls.length = 0;
  invoker.next = undefined;
  logLines.length = 0;
});

const police = () =>
  issuer.mint({
    sub: 'u-1',
    attributes: { orgId: 'police-korca' },
    groups: ['police'],
    email: 'p@k.example',
  });

describe('routing', () => {
  it('binds loopback', () => {
    expect(gw.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers 404 {"message":"Not Found"} for an unknown path or method, without invoking', async () => {
    for (const [method, target] of [
      ['GET', '/nope'],
      ['DELETE', '/referrals'],
      ['GET', '/referrals'],
      ['GET', '/cases/a/b'],
      ['GET', '/cases/'],
      ['PUT', '/actions/abc'],
    ] as const) {
      const res = await send(gw, method, target);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.text)).toEqual({ message: 'Not Found' });
    }
    expect(invoker.calls).toHaveLength(0);
  });

  it('prefers literal segments over parameters, and handles greedy paths and ANY', async () => {
    await send(gw, 'GET', '/cases/summary');
    expect(invoker.calls.at(-1)?.arn).toBe(ARN('Summary'));
    await send(gw, 'GET', '/cases/KOR-2026-0042', { authorization: `Bearer ${await police()}` });
    expect(invoker.calls.at(-1)?.arn).toBe(ARN('GetCase'));
    expect(invoker.last().pathParameters).toEqual({ caseId: 'KOR-2026-0042' });
    await send(gw, 'DELETE', '/files/a/b%20c.txt');
    expect(invoker.last()).toMatchObject({
      routeKey: 'ANY /files/{proxy+}',
      rawPath: '/files/a/b%20c.txt',
      pathParameters: { proxy: 'a/b c.txt' },
    });
  });
});

describe('JWT authorizer', () => {
  it('answers 401 without a token, with a malformed header, or with a forged or unusable one', async () => {
    const valid = await police();
    const [h, p] = valid.split('.');
    const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString());
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const header = JSON.parse(Buffer.from(h ?? '', 'base64url').toString());
    const forgedNone = `${b64({ ...header, alg: 'none' })}.${b64({ ...claims, 'cognito:groups': ['admin'] })}.`;
    // Same key, wrong issuer: only the issuer check can refuse it.
    const otherIssuer = await TokenIssuer.open(dir, {
      issuer: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_abc',
      clientId: CLIENT_ID,
    }).mint({ sub: 'u-1', attributes: { orgId: 'police-korca' }, groups: ['police'] });
    const cases: Array<[string, OutgoingHttpHeaders]> = [
      ['none', {}],
      ['empty', { authorization: '' }],
      ['scheme only', { authorization: 'Bearer' }],
      ['basic', { authorization: 'Basic dXNlcjpwYXNz' }],
      ['alg none', { authorization: `Bearer ${forgedNone}` }],
      ['wrong issuer', { authorization: `Bearer ${otherIssuer}` }],
      ['tampered', { authorization: `Bearer ${valid.slice(0, -4)}AAAA` }],
    ];
    for (const [name, headers] of cases) {
      const res = await send(
        gw,
        'POST',
        '/referrals',
        { ...headers, 'content-type': 'application/json' },
        '{}',
      );
      expect([name, res.status]).toEqual([name, 401]);
      expect(JSON.parse(res.text)).toEqual({ message: 'Unauthorized' });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    // Expired: the issuer's clock moves past exp.
    now += 3600_000;
    const expired = await send(gw, 'GET', '/cases/c1', { authorization: `Bearer ${valid}` });
    expect(expired.status).toBe(401);
    expect(invoker.calls).toHaveLength(0);
    expect(logLines.every((l) => l.includes(' 401 '))).toBe(true);
  });

  it('passes the claims as API Gateway does: every value a string, scopes null', async () => {
    const token = await issuer.mint({
      sub: 'u-9',
      attributes: { orgId: 'ngo-iom' },
      groups: ['police', 'ngo'],
      email: 'n@i.example',
    });
    const res = await send(gw, 'GET', '/cases/c1', { authorization: `bearer ${token}` });
    expect(res.status).toBe(200);
    const jwt = invoker.last().requestContext.authorizer.jwt;
    expect(jwt.scopes).toBeNull();
    expect(Object.values(jwt.claims).every((v) => typeof v === 'string')).toBe(true);
    expect(jwt.claims).toMatchObject({
      sub: 'u-9',
      'cognito:groups': '[police ngo]',
      'custom:orgId': 'ngo-iom',
      token_use: 'id',
      email_verified: 'true',
      iss: ISSUER,
      aud: CLIENT_ID,
    });
    expect(jwt.claims.exp).toMatch(/^\d+$/);
    expect(Number(jwt.claims.exp) - Number(jwt.claims.iat)).toBe(3600);
  });

  it('formats claim values like API Gateway (Go-style)', () => {
    expect(claimToString(['police'])).toBe('[police]');
    expect(claimToString([])).toBe('[]');
    expect(claimToString(1774744200)).toBe('1774744200');
    expect(claimToString(false)).toBe('false');
    expect(claimToString({ b: 1, a: ['x', 'y'] })).toBe('map[a:[x y] b:1]');
  });
});

describe('the event', () => {
  it('is a faithful payload format 2.0 event', async () => {
    invoker.next = { ok: true, payload: { statusCode: 201, body: '{}' } };
    const token = await police();
    const body = JSON.stringify({ person: { name: 'Secret Name' } });
    const res = await send(
      gw,
      'POST',
      '/referrals?x=1&y=a%20b&x=2&flag',
      {
        authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': 'k-1',
        'X-Multi': ['one', 'two'],
        Cookie: ['a=1; b=2', 'c=3'],
        'User-Agent': 'jest-test',
      },
      body,
    );
    expect(res.status).toBe(201);
    const e = invoker.last();
    expect(invoker.calls[0]?.arn).toBe(ARN('CreateReferral'));
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: 'POST /referrals',
      rawPath: '/referrals',
      rawQueryString: 'x=1&y=a%20b&x=2&flag',
      cookies: ['a=1', 'b=2', 'c=3'],
      queryStringParameters: { x: '1,2', y: 'a b', flag: '' },
      body,
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        http: {
          method: 'POST',
          path: '/referrals',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'jest-test',
        },
        routeKey: 'POST /referrals',
        stage: '$default',
      },
    });
    expect(e.pathParameters).toBeUndefined();
    expect(e.headers).toMatchObject({
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': 'k-1',
      'x-multi': 'one,two',
      'user-agent': 'jest-test',
      'x-forwarded-proto': 'http',
    });
    expect(e.headers.cookie).toBeUndefined();
    expect(Object.keys(e.headers).every((k) => k === k.toLowerCase())).toBe(true);
    expect(e.requestContext.requestId).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    expect(res.headers['apigw-requestid']).toBe(e.requestContext.requestId);
    expect(e.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(typeof e.requestContext.timeEpoch).toBe('number');
    expect(e.requestContext.apiId).toBeTruthy();
    expect(e.requestContext.domainName).toBe(gw.url.replace('http://', ''));
  });

  it('base64-encodes form bodies (isBase64Encoded) as HTTP APIs do', async () => {
    invoker.next = { ok: true, payload: { statusCode: 303, headers: { location: '/done' } } };
    const form = 'decision=accept&reason=caf%C3%A9';
    const res = await send(
      gw,
      'POST',
      '/actions/tok_abc123',
      { 'content-type': 'application/x-www-form-urlencoded' },
      form,
    );
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/done');
    const e = invoker.last();
    expect(e.routeKey).toBe('POST /actions/{token}');
    expect(e.pathParameters).toEqual({ token: 'tok_abc123' });
    expect(e.isBase64Encoded).toBe(true);
    expect(Buffer.from(e.body ?? '', 'base64').toString('utf8')).toBe(form);
    expect(e.requestContext.authorizer).toBeUndefined();
  });

  it('base64-encodes binary and untyped bodies, passes text ones as text, and omits an empty body', async () => {
    const bytes = Buffer.from([0, 255, 1, 254]);
    await send(gw, 'POST', '/actions/t', { 'content-type': 'application/octet-stream' }, bytes);
    expect(invoker.last()).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
    await send(gw, 'POST', '/actions/t', {}, 'no type');
    expect(invoker.last()).toMatchObject({
      isBase64Encoded: true,
      body: Buffer.from('no type').toString('base64'),
    });
    await send(gw, 'POST', '/actions/t', { 'content-type': 'text/plain; charset=utf-8' }, 'plain ë');
    expect(invoker.last()).toMatchObject({ isBase64Encoded: false, body: 'plain ë' });
    await send(gw, 'GET', '/actions/t');
    expect(invoker.last().body).toBeUndefined();
    expect(invoker.last().isBase64Encoded).toBe(false);
  });

  it('routes HEAD to its own route and sends no body', async () => {
    invoker.next = {
      ok: true,
      payload: {
        statusCode: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: '<p>confirm</p>',
      },
    };
    const res = await send(gw, 'HEAD', '/actions/tok_abc123');
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(invoker.last()).toMatchObject({
      routeKey: 'HEAD /actions/{token}',
      requestContext: { http: { method: 'HEAD' } },
    });
  });

  it('answers 413 beyond 10 MB without invoking', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x61);
    const res = await send(gw, 'POST', '/actions/t', { 'content-type': 'text/plain' }, big);
    expect(res.status).toBe(413);
    expect(invoker.calls).toHaveLength(0);
    const atLimit = await send(gw, 'POST', '/actions/t', { 'content-type': 'text/plain' }, big.subarray(1));
    expect(atLimit.status).toBe(200);
  });
});

describe('the response', () => {
  it('maps structured results: status, headers, cookies, base64 bodies', async () => {
    invoker.next = {
      ok: true,
      payload: {
        statusCode: 410,
        headers: { 'content-type': 'text/html', 'cache-control': 'no-store', 'x-n': 5 },
        cookies: ['a=1; HttpOnly', 'b=2'],
        body: Buffer.from('<h1>gone</h1>').toString('base64'),
        isBase64Encoded: true,
      },
    };
    const res = await send(gw, 'GET', '/actions/t');
    expect(res.status).toBe(410);
    expect(res.text).toBe('<h1>gone</h1>');
    expect(res.headers).toMatchObject({
      'content-type': 'text/html',
      'cache-control': 'no-store',
      'x-n': '5',
    });
    expect(res.headers['set-cookie']).toEqual(['a=1; HttpOnly', 'b=2']);
  });

  it('infers 200 JSON for a result without statusCode', async () => {
    invoker.next = { ok: true, payload: { hello: 'world' } };
    const res = await send(gw, 'GET', '/actions/t');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.text)).toEqual({ hello: 'world' });
    expect(mapLambdaResult('text').body.toString()).toBe('"text"');
    expect(mapLambdaResult(null).status).toBe(200);
  });

  it('answers 500 {"message":"Internal Server Error"} for a function error or a malformed result', async () => {
    for (const next of [
      { ok: false, errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 10.00 seconds' },
      { ok: false, errorType: 'CaseStateError', errorMessage: 'secret detail' },
      { ok: true, payload: { statusCode: 'abc' } },
      { ok: true, payload: { statusCode: 200, body: { not: 'a string' } } },
      { ok: true, payload: { statusCode: 200, headers: { bad: 'a\r\nInjected: 1' }, body: 'x' } },
    ] as InvokeResult[]) {
      invoker.next = next;
      const res = await send(gw, 'GET', '/actions/t');
      expect(res.status).toBe(500);
      expect(JSON.parse(res.text)).toEqual({ message: 'Internal Server Error' });
      expect(res.headers.injected).toBeUndefined();
    }
  });
});

describe('the log', () => {
  it('has one line per request with the route key, status and latency, never the path or body', async () => {
    const secretToken = 'tok_SECRET_0123456789';
    await send(
      gw,
      'POST',
      `/actions/${secretToken}?q=${secretToken}`,
      { 'content-type': 'text/plain' },
      'Secret Name',
    );
    await send(gw, 'GET', `/nowhere/${secretToken}`);
    expect(logLines).toHaveLength(2);
    expect(logLines[0]).toMatch(/^POST \/actions\/\{token\} 200 \d+ms$/);
    expect(logLines[1]).toMatch(/^- 404 \d+ms$/);
    for (const line of logLines) {
      expect(line).not.toContain(secretToken);
      expect(line).not.toContain('Secret Name');
    }
  });
});

/** Writes `raw` on a bare connection and collects everything until the server closes it. */
function rawExchange(gw: Gateway, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(gw.port, '127.0.0.1', () => socket.write(raw));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.setTimeout(5_000, () =>
      reject(new Error('the gateway left the connection open without an answer')),
    );
  });
}

function parseRaw(text: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

describe('requests outside the routes', () => {
  it('answers CONNECT with a 405 problem naming the methods it has, and closes the connection', async () => {
    const res = parseRaw(
      await rawExchange(
        gw,
        'CONNECT internal.example.org:443 HTTP/1.1\r\nHost: internal.example.org:443\r\n\r\n',
      ),
    );
    expect(res.status).toBe(405);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers.allow).toBe('DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT');
    expect(res.headers.connection).toBe('close');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body));
    expect(JSON.parse(res.body)).toEqual({
      type: 'about:blank',
      title: 'Method Not Allowed',
      status: 405,
      detail: 'CONNECT is not a method of this API',
    });
    expect(invoker.calls).toHaveLength(0);
    expect(logLines).toEqual(['- 405 0ms']);
  });

  it('names only the methods of its routes in Allow', async () => {
    const only = await startGateway({
      api: {
        ...API,
        routes: [route('GET /cases/{caseId}', 'GetCase', 'NONE'), route('POST /referrals', 'X', 'NONE')],
      },
      invoker,
      verifier: () => undefined,
      port: 0,
      log: () => {},
    });
    try {
      const res = parseRaw(await rawExchange(only, 'CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n'));
      expect([res.status, res.headers.allow]).toEqual([405, 'GET, POST']);
    } finally {
      await only.close();
    }
  });

  it('answers a request that is not HTTP with a 400 problem, and oversized headers with 431', async () => {
    const garbage = parseRaw(await rawExchange(gw, 'HELLO\r\n\r\n'));
    expect(garbage.status).toBe(400);
    expect(garbage.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(garbage.body)).toMatchObject({ status: 400, title: 'Bad Request' });
    const big = parseRaw(
      await rawExchange(gw, `GET /cases/c1 HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`),
    );
    expect(big.status).toBe(431);
    expect(JSON.parse(big.body)).toMatchObject({ status: 431 });
    expect(invoker.calls).toHaveLength(0);
  });

  it('serves a request that asks for a protocol upgrade as a plain one (it switches to nothing)', async () => {
    const res = parseRaw(
      await rawExchange(
        gw,
        'GET /actions/t HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n',
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(invoker.last().rawPath).toBe('/actions/t');
  });
});
