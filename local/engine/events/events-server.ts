/**
 * EventBridge's PutEvents over HTTP on 127.0.0.1, AWS JSON 1.1 as `@aws-sdk/client-eventbridge`
 * speaks it: `POST /` with `X-Amz-Target: AWSEvents.PutEvents` and
 * `Content-Type: application/x-amz-json-1.1`; the functions reach it through
 * `AWS_ENDPOINT_URL_EVENTBRIDGE`. Other operations (rules, buses, archives) are refused with
 * `UnknownOperationException`: the rules come from the template. Errors go out as
 * `{"__type": "<Name>", "message": ...}`, which the SDK maps to its exception classes.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalEventBridge, PutEventsRequestEntry } from './event-bus';

export interface EventsServerOptions {
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
}

export interface EventsServer {
  /** `http://127.0.0.1:<port>`: what `AWS_ENDPOINT_URL_EVENTBRIDGE` is set to. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'AWSEvents.';
const MAX_BODY_BYTES = 1024 * 1024;
/** PutEvents takes 1 to 10 entries. */
const MAX_ENTRIES = 10;

class EventsApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new EventsApiError('ValidationException', 'the request is too large', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startEventsServer(
  bus: LocalEventBridge,
  options: EventsServerOptions = {},
): Promise<EventsServer> {
  const handle = async (req: IncomingMessage): Promise<object> => {
    if (req.method !== 'POST') throw new EventsApiError('UnknownOperationException', 'use POST /');
    const target = String(req.headers['x-amz-target'] ?? '');
    if (!target.startsWith(TARGET_PREFIX)) {
      throw new EventsApiError(
        'UnknownOperationException',
        `X-Amz-Target must be ${TARGET_PREFIX}<Operation>`,
      );
    }
    const operation = target.slice(TARGET_PREFIX.length);
    if (operation !== 'PutEvents') {
      throw new EventsApiError(
        'UnknownOperationException',
        `${operation} is not emulated locally (only PutEvents; rules come from the template)`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req)) || '{}');
    } catch (error) {
      if (error instanceof EventsApiError) throw error;
      throw new EventsApiError('SerializationException', 'the body is not JSON');
    }
    const entries = (body as { Entries?: unknown }).Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new EventsApiError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    }
    return bus.putEvents(
      entries.map((e) => (typeof e === 'object' && e !== null ? e : {}) as PutEventsRequestEntry),
    );
  };

  const server = createServer((req, res) => {
    handle(req)
      .then(
        (out) => ({ status: 200, body: out }),
        (error: unknown) =>
          error instanceof EventsApiError
            ? { status: error.status, body: { __type: error.type, message: error.message } }
            : { status: 500, body: { __type: 'InternalException', message: 'internal error' } },
      )
      .then(({ status, body }) => {
        req.resume();
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
