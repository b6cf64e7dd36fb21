/**
 * The local runtime's admin endpoint on 127.0.0.1 (its URL is `urls.admin` in runtime.json;
 * `npm run clock` talks to it):
 *
 *   GET  /clock          → 200 {"now": ISO, "offsetMs": n, "offset": "1d1h"}
 *   POST /clock/advance  body {"by": "25h"} or {"ms": 90000000}
 *                        → 200 {"now", "offsetMs", "offset", "advancedByMs"} once the clock has
 *                          moved and its listeners (schedules, Step Functions timers) ran;
 *                          400 {"message"} for bad input, 500 when a listener failed.
 *   POST /services/<name>/stop   → 200 {"service", "running": false} once the service is down
 *   POST /services/<name>/start  → 200 {"service", "running": true} once it is up again
 *                          (fault injection, e.g. `ses`: while stopped its port refuses
 *                          connections, as an outage looks to the SDK); 404 for a service
 *                          the engine does not offer this way.
 *
 * Only for this machine: the server binds 127.0.0.1, answers only requests addressed to
 * 127.0.0.1/localhost (no DNS rebinding) and takes POSTs only as application/json (a web
 * page cannot send that cross-origin without a preflight, which is never answered).
 */
import * as http from 'node:http';
import * as z from 'zod';
import {
  ClockError,
  ClockListenerError,
  DurationError,
  formatDuration,
  parseDuration,
} from '../clock/runtime-clock';

/** What the admin endpoint needs of the runtime clock (a RuntimeClock). */
export interface AdminClock {
  now(): Date;
  readonly offsetMs: number;
  advance(ms: number): Promise<Date>;
}

/** A service the admin endpoint can stop and start again (e.g. the SES emulator). */
export interface AdminService {
  readonly running: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface AdminServerOptions {
  readonly clock: AdminClock;
  /** Services by name, for `POST /services/<name>/stop|start`. @default none */
  readonly services?: Readonly<Record<string, AdminService>>;
  /** @default 0 (any free port) */
  readonly port?: number;
  readonly log?: (line: string) => void;
}

export interface AdminServer {
  /** Base URL, no trailing slash. */
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4096;
const ADVANCE_HINT = 'send {"by": "25h"} (units w, d, h, m, s, ms) or {"ms": 90000000}';

const advanceSchema = z.union([z.strictObject({ by: z.string() }), z.strictObject({ ms: z.number() })]);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function clockState(clock: AdminClock): { now: string; offsetMs: number; offset: string } {
  return { now: clock.now().toISOString(), offsetMs: clock.offsetMs, offset: formatDuration(clock.offsetMs) };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function requireJson(req: http.IncomingMessage, hint: string): void {
  const contentType = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (contentType !== 'application/json') {
    throw new HttpError(415, `the body must be sent as Content-Type: application/json; ${hint}`);
  }
}

async function advance(clock: AdminClock, req: http.IncomingMessage): Promise<unknown> {
  requireJson(req, ADVANCE_HINT);
  let json: unknown;
  try {
    json = JSON.parse(await readBody(req));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, `the body is not JSON; ${ADVANCE_HINT}`);
  }
  const parsed = advanceSchema.safeParse(json);
  if (!parsed.success) throw new HttpError(400, `expected exactly one of "by" and "ms"; ${ADVANCE_HINT}`);
  let ms: number;
  try {
    ms = 'by' in parsed.data ? parseDuration(parsed.data.by) : parsed.data.ms;
    await clock.advance(ms);
  } catch (error) {
    if (error instanceof DurationError || error instanceof ClockError)
      throw new HttpError(400, error.message);
    if (error instanceof ClockListenerError) throw new HttpError(500, error.message);
    throw error;
  }
  return { ...clockState(clock), advancedByMs: ms };
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { clock } = options;
  const log = options.log ?? (() => {});
  let port = options.port ?? 0;

  const handle = async (req: http.IncomingMessage): Promise<{ status: number; body: unknown }> => {
    const host = String(req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      throw new HttpError(403, 'the admin endpoint answers only requests to 127.0.0.1 or localhost');
    }
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '');
    if (pathname === '/clock') {
      if (req.method !== 'GET') throw new HttpError(405, 'use GET /clock');
      return { status: 200, body: clockState(clock) };
    }
    if (pathname === '/clock/advance') {
      if (req.method !== 'POST') throw new HttpError(405, `use POST /clock/advance; ${ADVANCE_HINT}`);
      const body = await advance(clock, req);
      log(`clock advanced: now ${clock.now().toISOString()} (${formatDuration(clock.offsetMs)} ahead)`);
      return { status: 200, body };
    }
    const service = /^\/services\/([a-z0-9-]+)\/(stop|start)$/.exec(pathname);
    if (service) {
      const [, name, action] = service as unknown as [string, string, 'stop' | 'start'];
      const target = options.services?.[name];
      if (!target) throw new HttpError(404, `no service ${name} to stop or start`);
      if (req.method !== 'POST') throw new HttpError(405, `use POST /services/${name}/${action}`);
      requireJson(req, 'send {}');
      await readBody(req);
      await target[action]();
      log(`admin: service ${name} ${action === 'stop' ? 'stopped' : 'started'}`);
      return { status: 200, body: { service: name, running: target.running } };
    }
    throw new HttpError(
      404,
      'not found: the admin endpoint has GET /clock, POST /clock/advance and POST /services/<name>/stop|start',
    );
  };

  const server = http.createServer((req, res) => {
    handle(req)
      .catch((error: unknown) => {
        if (error instanceof HttpError) return { status: error.status, body: { message: error.message } };
        log(`admin: ${(error as Error).message}`);
        return { status: 500, body: { message: `internal error: ${(error as Error).message}` } };
      })
      .then(({ status, body }) => {
        // Unread request data would keep the connection busy: drain it.
        req.resume();
        res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(`${JSON.stringify(body)}\n`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
