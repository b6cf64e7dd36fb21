import * as http from 'node:http';

/** One DynamoDB request as the proxy sees it: the operation (X-Amz-Target) and the JSON body text. */
export interface ProxiedRequest {
  readonly operation: string;
  readonly body: string;
}

/**
 * Where a fault hits a matching request: `before` it reaches DynamoDB (it never does), or
 * `after` DynamoDB answered (the write is done, the caller never hears of it).
 */
export type FaultPoint = 'before' | 'after';

export interface Fault {
  readonly point: FaultPoint;
  readonly matches: (request: ProxiedRequest) => boolean;
  /** Runs once, on the first match; the request's connection is dropped after it. */
  readonly hit: () => Promise<void> | void;
}

/**
 * An HTTP proxy in front of DynamoDB Local for fault-injection tests: every request passes
 * through to `target` unless an armed fault matches it, in which case the fault's `hit`
 * (e.g. SIGKILL of the whole stack) runs at the chosen point and the caller's connection is
 * dropped, as a crash would drop it. Binds 127.0.0.1 only.
 */
export class FaultProxy {
  private fault: Fault | undefined;
  private fired = false;
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async start(target: () => string): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void proxy?.handle(req, Buffer.concat(chunks), res, target());
      });
    });
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the fault proxy has no port');
    proxy = new FaultProxy(server, `http://127.0.0.1:${address.port}`);
    return proxy;
  }

  /** Arms one fault; it fires on the first matching request, once. */
  arm(fault: Fault): void {
    this.fault = fault;
    this.fired = false;
  }

  /** Whether the armed fault has fired. */
  get hasFired(): boolean {
    return this.fired;
  }

  disarm(): void {
    this.fault = undefined;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private claim(request: ProxiedRequest): Fault | undefined {
    const fault = this.fault;
    if (!fault || this.fired || !fault.matches(request)) return undefined;
    this.fired = true;
    this.fault = undefined;
    return fault;
  }

  private async handle(
    req: http.IncomingMessage,
    body: Buffer,
    res: http.ServerResponse,
    target: string,
  ): Promise<void> {
    const operation =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    const fault = this.claim({ operation, body: body.toString('utf8') });
    if (fault?.point === 'before') {
      await fault.hit();
      res.socket?.destroy();
      return;
    }
    try {
      const upstream = await fetch(`${target}${req.url ?? '/'}`, {
        method: req.method ?? 'POST',
        headers: Object.fromEntries(
          Object.entries(req.headers).filter(
            (e): e is [string, string] => typeof e[1] === 'string' && !['host', 'connection'].includes(e[0]),
          ),
        ),
        ...(body.length ? { body } : {}),
      });
      const answer = Buffer.from(await upstream.arrayBuffer());
      if (fault) {
        // The write is done; the caller dies before it hears so.
        await fault.hit();
        res.socket?.destroy();
        return;
      }
      const headers: Record<string, string> = {};
      upstream.headers.forEach((value, key) => {
        if (
          !['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'content-encoding'].includes(
            key,
          )
        )
          headers[key] = value;
      });
      res.writeHead(upstream.status, { ...headers, 'content-length': String(answer.length) });
      res.end(answer);
    } catch {
      res.socket?.destroy();
    }
  }
}
