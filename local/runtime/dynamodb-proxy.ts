import * as http from 'node:http';
import type * as net from 'node:net';

/** One DynamoDB request as the proxy sees it: the operation (from X-Amz-Target) and the JSON body text. */
export interface ProxiedRequest {
  readonly operation: string;
  readonly body: string;
}

/**
 * A fault at a matching request: `before` it reaches DynamoDB (it never does), or `after`
 * DynamoDB answered (the write is done, the caller never hears of it).
 */
export interface ProxyFault {
  readonly point: 'before' | 'after';
  readonly matches: (request: ProxiedRequest) => boolean;
  /** Runs once, on the first match (e.g. SIGKILL of the whole stack); the caller's connection is dropped after it. */
  readonly hit: () => Promise<void> | void;
}

/**
 * A loopback HTTP proxy in front of DynamoDB Local, which a stack gives its functions through
 * BASHKE_FUNCTIONS_DYNAMODB_URL: it counts the functions' calls by operation (`npm run bench`)
 * and can drop one matching call as a crash would (the kill-point tests). Everything else
 * passes through unchanged.
 */
export class DynamoDbProxy {
  private readonly calls = new Map<string, number>();
  private readonly sockets = new Set<net.Socket>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private fault: ProxyFault | undefined;
  private fired = false;
  private server: http.Server | undefined;
  private address = '';

  /** @param target DynamoDB Local's URL, read at each request (it may be known only later). */
  private constructor(private readonly target: () => string) {}

  static async start(target: string | (() => string)): Promise<DynamoDbProxy> {
    const proxy = new DynamoDbProxy(typeof target === 'string' ? () => target : target);
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void proxy.forward(req, Buffer.concat(chunks), res));
    });
    server.on('connection', (socket) => {
      proxy.sockets.add(socket);
      socket.once('close', () => proxy.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the DynamoDB proxy has no port');
    proxy.server = server;
    proxy.address = `http://127.0.0.1:${address.port}`;
    return proxy;
  }

  get url(): string {
    return this.address;
  }

  /** Calls by operation since the last `resetCounts`. */
  counts(): Map<string, number> {
    return new Map(this.calls);
  }

  resetCounts(): void {
    this.calls.clear();
  }

  /** Arms one fault; it fires on the first matching request, once. */
  arm(fault: ProxyFault): void {
    this.fault = fault;
    this.fired = false;
  }

  get hasFired(): boolean {
    return this.fired;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private claim(request: ProxiedRequest): ProxyFault | undefined {
    const fault = this.fault;
    if (!fault || this.fired || !fault.matches(request)) return undefined;
    this.fired = true;
    this.fault = undefined;
    return fault;
  }

  private async forward(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> {
    const operation = String(req.headers['x-amz-target'] ?? 'unknown').replace(/^DynamoDB_\d+\./, '');
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    const fault = this.claim({ operation, body: body.toString('utf8') });
    if (fault?.point === 'before') {
      await fault.hit();
      res.socket?.destroy();
      return;
    }
    const target = new URL(this.target());
    const upstream = http.request({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent: this.agent,
    });
    upstream.on('response', (answer) => {
      if (!fault) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      // The write is done; the caller dies before it hears so.
      answer.resume();
      answer.on('end', () => void Promise.resolve(fault.hit()).then(() => res.socket?.destroy()));
    });
    upstream.on('error', () => res.socket?.destroy());
    upstream.end(body);
  }
}
