import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { demoReferral } from '../../local/demo-referral';
import { DEMO_OFFICER, startBanner } from '../../local/runtime/banner';

const base = {
  console: 'http://127.0.0.1:4700/console',
  api: 'http://127.0.0.1:4700',
  inbox: 'http://127.0.0.1:4701',
  defaultDataDir: '/repo/.bashke',
  clock: new Date('2026-11-27T09:00:00Z'),
  referral: demoReferral(),
};

/** The banner's lines to paste (indented), as one script. */
const pasteable = (lines: string[]) =>
  lines
    .filter((l) => l.startsWith('  '))
    .map((l) => l.slice(2))
    .join('\n');

let bin: string;
beforeAll(() => {
  // Stand-ins for npm and curl that record what the pasted commands ask of them.
  bin = mkdtempSync(path.join(os.tmpdir(), 'bashke-banner-'));
  writeFileSync(
    path.join(bin, 'npm'),
    `#!/bin/sh\nprintf '%s\\n' "DATA=$BASHKE_DATA_DIR" "$@" > '${bin}/npm.log'\necho token-123\n`,
    { mode: 0o755 },
  );
  writeFileSync(path.join(bin, 'curl'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${bin}/curl.log'\n`, {
    mode: 0o755,
  });
  writeFileSync(path.join(bin, 'date'), `#!/bin/sh\necho 1700000000\n`, { mode: 0o755 });
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function paste(lines: string[]) {
  const out = spawnSync('/bin/bash', ['--norc', '--noprofile', '-c', pasteable(lines)], {
    env: { PATH: bin },
    encoding: 'utf8',
  });
  return {
    status: out.status,
    npm: readFileSync(path.join(bin, 'npm.log'), 'utf8').trim().split('\n'),
    curl: readFileSync(path.join(bin, 'curl.log'), 'utf8').trim().split('\n'),
  };
}

describe('the start-up banner', () => {
  it('gives commands that, pasted, mint a token with an email and post the demo referral', () => {
    const ran = paste(startBanner({ ...base, dataDir: '/repo/.bashke' }));
    expect(ran.status).toBe(0);
    expect(ran.npm).toEqual([
      'DATA=',
      'run',
      '--silent',
      'token',
      '--',
      '--role',
      'police',
      '--org',
      'police-korca',
      '--email',
      DEMO_OFFICER,
    ]);
    const curl = ran.curl;
    expect(curl.slice(0, 4)).toEqual(['-s', '-X', 'POST', 'http://127.0.0.1:4700/referrals']);
    expect(curl).toContain('Authorization: Bearer token-123');
    expect(curl).toContain('Idempotency-Key: demo-1700000000');
    expect(JSON.parse(curl[curl.indexOf('-d') + 1] ?? '')).toEqual(demoReferral());
  });

  it('names the data folder in every command when it is not the default, quoted for the shell', () => {
    const dataDir = "/tmp/my stack's data";
    const lines = startBanner({ ...base, dataDir });
    expect(paste(lines).npm[0]).toBe(`DATA=${dataDir}`);
    const text = lines.join('\n');
    expect(text).toContain(`BASHKE_DATA_DIR='/tmp/my stack'\\''s data' npm run demo`);
    expect(text).toContain(`BASHKE_DATA_DIR='/tmp/my stack'\\''s data' npm run clock -- now`);
  });

  it('names the console first, as what a newcomer opens', () => {
    const [first] = startBanner({ ...base, dataDir: '/repo/.bashke' });
    expect(first).toMatch(/^\[bashke\] Console: http:\/\/127\.0\.0\.1:4700\/console /);
  });

  it('says what to do after the curl: open the inbox, or run the demo', () => {
    const text = startBanner({ ...base, dataDir: '/repo/.bashke' }).join('\n');
    expect(text).toContain('Then open the inbox, http://127.0.0.1:4701/');
    expect(text).toContain('offer email holds its accept link');
    expect(text).toContain('`npm run demo`');
    expect(text).toContain('Ctrl-C stops the stack');
  });
});
