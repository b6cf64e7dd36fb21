import * as http from 'node:http';

/**
 * The endpoint of every AWS service the runtime does not emulate (`AWS_ENDPOINT_URL`):
 * a call fails at once with a clear error and never reaches real AWS.
 */
export async function startRefuseServer(port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const target = String(req.headers['x-amz-target'] ?? req.headers.host ?? 'unknown');
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          __type: 'NotEmulatedLocally',
          message: `this AWS call (${target.replace(/[^\w.:-]/g, '')}) is not emulated by the local runtime`,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
