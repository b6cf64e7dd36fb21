import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');

/** Runs `npm start`'s entry to completion (these cases exit at once) and returns its exit and stderr. */
function start(env: Record<string, string>) {
  const out = spawnSync(path.join(REPO, 'node_modules', '.bin', 'tsx'), ['local/main.ts'], {
    cwd: REPO,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: out.status, stderr: out.stderr };
}

describe('npm start refuses clearly', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-startup-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a port that is in use, naming it', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)),
    );
    try {
      const { status, stderr } = start({ BASHKE_DATA_DIR: dataDir, BASHKE_PORT: String(port) });
      expect(status).toBe(1);
      expect(stderr).toContain(`port ${port}`);
      expect(stderr).toContain('BASHKE_PORT');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('a second instance on the same data folder', () => {
    mkdirSync(dataDir, { recursive: true });
    // This test's own process stands in for a running stack.
    writeFileSync(path.join(dataDir, 'bashke.pid'), String(process.pid));
    const { status, stderr } = start({ BASHKE_DATA_DIR: dataDir, BASHKE_PORT: '0' });
    expect(status).toBe(1);
    expect(stderr).toContain(`pid ${process.pid}`);
  });

  it('a machine without Java, with the line that installs it', () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'bashke-nojava-'));
    try {
      // Only node on PATH: no java.
      const node = process.execPath;
      writeFileSync(path.join(bin, 'node'), `#!/bin/sh\nexec "${node}" "$@"\n`, { mode: 0o755 });
      const { status, stderr } = start({ BASHKE_DATA_DIR: dataDir, BASHKE_PORT: '0', PATH: bin });
      expect(status).toBe(1);
      expect(stderr).toContain('apt-get install -y default-jdk-headless');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
