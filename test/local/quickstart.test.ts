import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The README's first-hour lines, run as a newcomer would paste them: the prerequisite line
 * with and without sudo, and the "Try it" line that finds the running stack's API.
 */
const REPO = path.resolve(__dirname, '..', '..');
const README = readFileSync(path.join(REPO, 'README.md'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  engines: { node: string };
};

/** The ```sh blocks of a README section, from its heading (or marker) to the next one. */
function shellLines(from: string, to: string): string[] {
  const section = README.split(from)[1]?.split(to)[0] ?? '';
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
    (m[1] ?? '').split('\n').filter((l) => l.trim() !== ''),
  );
}

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A folder of stand-in commands that record how they were called, and nothing else on PATH. */
function fakeBin(commands: string[]): { bin: string; log: string } {
  const bin = tempDir('bashke-bin-');
  const log = path.join(bin, 'calls.log');
  for (const name of commands) {
    const body =
      name === 'sudo' ? `echo "sudo $*" >> '${log}'\nexec "$@"\n` : `echo "${name} $*" >> '${log}'\n`;
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}`, { mode: 0o755 });
  }
  return { bin, log };
}

function bash(line: string, env: Record<string, string>, cwd = REPO) {
  // The absolute path: PATH holds only the stand-ins.
  return spawnSync('/bin/bash', ['--norc', '--noprofile', '-c', line], { cwd, env, encoding: 'utf8' });
}

describe('the README quickstart', () => {
  const prerequisite = shellLines('<!-- quickstart -->', '<!-- /quickstart -->').find((l) =>
    l.includes('apt-get install'),
  );

  it('has one prerequisite line that installs a JDK', () => {
    expect(prerequisite).toContain('apt-get install -y default-jdk-headless');
    expect(prerequisite).not.toMatch(/^sudo /);
  });

  it('installs the JDK and Chromium as root on a machine without sudo', () => {
    const { bin, log } = fakeBin(['apt-get']);
    const out = bash(prerequisite ?? '', { PATH: bin });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'apt-get update',
      'apt-get install -y default-jdk-headless chromium',
    ]);
  });

  it('installs the JDK and Chromium through sudo where there is one', () => {
    const { bin, log } = fakeBin(['apt-get', 'sudo']);
    const out = bash(prerequisite ?? '', { PATH: bin });
    expect(out.status).toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'sudo apt-get update',
      'apt-get update',
      'sudo apt-get install -y default-jdk-headless chromium',
      'apt-get install -y default-jdk-headless chromium',
    ]);
  });

  it('names the Node version that package.json engines requires, and only one', () => {
    const minimum = /^>=(\d+\.\d+)\.0$/.exec(PACKAGE.engines.node)?.[1];
    expect(minimum).toBeDefined();
    const quickstart = README.split('<!-- quickstart -->')[1]?.split('<!-- /quickstart -->')[0] ?? '';
    expect(quickstart).toContain(`Node.js ${minimum} or newer`);
    // One minimum: every exact version the quickstart names is the one engines requires.
    const exact = new Set([...quickstart.matchAll(/Node(?:\.js)? (\d+\.\d+)/g)].map((m) => m[1]));
    expect([...exact]).toEqual([minimum]);
    expect(PACKAGE.engines).toEqual({ node: `>=${minimum}.0` });
  });
});

describe('the README "Try it" lines', () => {
  const apiLine = shellLines('## Try it on the local stack', '\n## ').find((l) => l.startsWith('API='));
  const runtime = (api: string) =>
    JSON.stringify({ urls: { api, inbox: 'http://127.0.0.1:2', stepFunctions: 'http://127.0.0.1:3' } });

  it('read the API URL from the data folder that BASHKE_DATA_DIR names', () => {
    const dataDir = tempDir('bashke-tryit-');
    writeFileSync(path.join(dataDir, 'runtime.json'), runtime('http://127.0.0.1:4711'));
    const out = bash(`${apiLine}\necho "$API"`, {
      PATH: path.dirname(process.execPath),
      BASHKE_DATA_DIR: dataDir,
    });
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe('http://127.0.0.1:4711');
  });

  it('read it from .bashke/ in the working folder without BASHKE_DATA_DIR, as npm start writes it', () => {
    const checkout = tempDir('bashke-checkout-');
    mkdirSync(path.join(checkout, '.bashke'));
    writeFileSync(path.join(checkout, '.bashke', 'runtime.json'), runtime('http://127.0.0.1:4700'));
    const out = bash(`${apiLine}\necho "$API"`, { PATH: path.dirname(process.execPath) }, checkout);
    expect(out.stdout.trim()).toBe('http://127.0.0.1:4700');
  });

  it('use a token command that carries an email', () => {
    const token = shellLines('## Try it on the local stack', '\n## ').find((l) => l.startsWith('TOKEN='));
    expect(token).toMatch(/ --email \S+@\S+/);
  });
});
