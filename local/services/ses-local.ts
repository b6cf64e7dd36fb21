import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

export interface SesLocal {
  /** API endpoint for `AWS_ENDPOINT_URL_SES`, and the inbox page at `/`. */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts the `aws-ses-v2-local` emulator (inbox page at its root) on 127.0.0.1 as a child process. */
export async function startSesLocal(opts: { port: number; log?: (line: string) => void }): Promise<SesLocal> {
  const cli = path.join(path.dirname(require.resolve('aws-ses-v2-local/package.json')), 'dist', 'cli.js');
  const child: ChildProcess = spawn(
    process.execPath,
    [cli, '--host', '127.0.0.1', '--port', String(opts.port)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const log = opts.log ?? (() => {});
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the SES emulator did not start within 20 s')), 20_000);
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const m = /server running at (http:\/\/[^\s]+)/.exec(buffered);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, '').replace('://localhost', '://127.0.0.1'));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString('utf8').trim()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the SES emulator exited during start-up (code ${code})`));
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the SES emulator has no pid');
  return {
    url,
    pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
