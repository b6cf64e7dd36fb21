import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ensureAssembly,
  type SynthRunner,
  synthInputsHash,
  synthRecordPath,
} from '../../local/runtime/synth';

/** A repo with one file in each input of the app, and a data folder beside it. */
function fixture() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bashke-synth-'));
  const repo = path.join(root, 'repo');
  const files: Record<string, string> = {
    'infra/app.ts': 'new App();\n',
    'functions/get-case/handler.ts': 'export const handler = () => 1;\n',
    'workflows/referral.ts': 'export const states = 1;\n',
    'shared/domain/codes.ts': 'export const ROLES = [];\n',
    'cdk.json': '{"context":{"bashke":{"offerDeadlineHours":24}}}\n',
    'package-lock.json': '{"lockfileVersion":3}\n',
    'tsconfig.json': '{}\n',
    'README.md': '# not an input\n',
    'test/unit/x.test.ts': 'not an input\n',
  };
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    writeFileSync(path.join(repo, rel), content);
  }
  const outdir = path.join(root, 'data', 'cdk.out');
  const calls: Array<Record<string, unknown> | undefined> = [];
  /** Writes an assembly naming what it was made from, as `cdk synth` would write templates. */
  const synth: SynthRunner = async (dir, overrides) => {
    calls.push(overrides);
    mkdirSync(path.join(dir, 'asset.abc'), { recursive: true });
    writeFileSync(path.join(dir, 'manifest.json'), '{"version":"1"}');
    writeFileSync(
      path.join(dir, 'App.template.json'),
      JSON.stringify({ app: readFileSync(path.join(repo, 'infra/app.ts'), 'utf8'), overrides }),
    );
    writeFileSync(path.join(dir, 'asset.abc', 'index.mjs'), 'export const handler = () => 1;');
  };
  const ensure = (overrides?: Record<string, unknown>) =>
    ensureAssembly({ repoRoot: repo, outdir, synth, ...(overrides ? { overrides } : {}) });
  const template = () => JSON.parse(readFileSync(path.join(outdir, 'App.template.json'), 'utf8'));
  return {
    root,
    repo,
    outdir,
    calls,
    ensure,
    template,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

describe('ensureAssembly', () => {
  let f: ReturnType<typeof fixture>;
  beforeEach(() => {
    f = fixture();
  });
  afterEach(() => f.cleanup());

  it('synthesizes into the data folder the first time, and reuses it while the inputs are the same', async () => {
    const first = await f.ensure();
    expect(first).toMatchObject({ reused: false, reason: 'no-assembly', outdir: f.outdir });
    const second = await f.ensure();
    expect(second).toMatchObject({ reused: true, outdir: f.outdir });
    expect(f.calls).toHaveLength(1);
    expect(JSON.parse(readFileSync(synthRecordPath(f.outdir), 'utf8'))).toMatchObject({
      inputs: synthInputsHash(f.repo),
    });
  });

  it.each([
    'infra/app.ts',
    'functions/get-case/handler.ts',
    'workflows/referral.ts',
    'shared/domain/codes.ts',
    'cdk.json',
    'package-lock.json',
    'tsconfig.json',
  ])('synthesizes again when the content of %s changed', async (rel) => {
    await f.ensure();
    writeFileSync(path.join(f.repo, rel), `${readFileSync(path.join(f.repo, rel), 'utf8')}// edited\n`);
    expect(await f.ensure()).toMatchObject({ reused: false, reason: 'inputs-changed' });
    expect(f.calls).toHaveLength(2);
    // The reused assembly afterwards is the one made from the edited sources.
    expect(await f.ensure()).toMatchObject({ reused: true });
  });

  it('the assembly it keeps is the one for the current sources', async () => {
    await f.ensure();
    writeFileSync(path.join(f.repo, 'infra/app.ts'), 'new App(); // v2\n');
    await f.ensure();
    expect(f.template().app).toBe('new App(); // v2\n');
  });

  it('synthesizes again when a source file is added, removed or renamed', async () => {
    await f.ensure();
    writeFileSync(path.join(f.repo, 'shared/domain/extra.ts'), 'export {};\n');
    expect((await f.ensure()).reused).toBe(false);
    unlinkSync(path.join(f.repo, 'shared/domain/extra.ts'));
    expect((await f.ensure()).reused).toBe(false);
    expect((await f.ensure()).reused).toBe(true);
  });

  it('ignores files that do not feed the app', async () => {
    await f.ensure();
    writeFileSync(path.join(f.repo, 'README.md'), '# edited\n');
    writeFileSync(path.join(f.repo, 'test/unit/x.test.ts'), 'edited\n');
    mkdirSync(path.join(f.repo, 'functions', 'node_modules'));
    writeFileSync(path.join(f.repo, 'functions', 'node_modules', 'x.js'), '1');
    expect((await f.ensure()).reused).toBe(true);
  });

  it('synthesizes again when the bashke context overrides change, and reuses for the same ones', async () => {
    await f.ensure();
    expect(await f.ensure({ offerDeadlineHours: 0.003 })).toMatchObject({
      reused: false,
      reason: 'inputs-changed',
    });
    expect(f.template().overrides).toEqual({ offerDeadlineHours: 0.003 });
    expect((await f.ensure({ offerDeadlineHours: 0.003 })).reused).toBe(true);
    expect((await f.ensure({ offerDeadlineHours: 1 })).reused).toBe(false);
    expect((await f.ensure()).reused).toBe(false);
    expect(f.calls).toEqual([undefined, { offerDeadlineHours: 0.003 }, { offerDeadlineHours: 1 }, undefined]);
  });

  it('treats the same overrides in another key order as the same context', async () => {
    await f.ensure({ a: 1, b: { c: 2, d: 3 } });
    expect((await f.ensure({ b: { d: 3, c: 2 }, a: 1 })).reused).toBe(true);
  });

  it('synthesizes again when the assembly is gone', async () => {
    await f.ensure();
    rmSync(f.outdir, { recursive: true });
    expect(await f.ensure()).toMatchObject({ reused: false, reason: 'no-assembly' });
    expect(readFileSync(path.join(f.outdir, 'manifest.json'), 'utf8')).toContain('version');
  });

  it('synthesizes again when a file of the assembly was altered, removed or added', async () => {
    await f.ensure();
    writeFileSync(path.join(f.outdir, 'asset.abc', 'index.mjs'), 'truncated');
    expect(await f.ensure()).toMatchObject({ reused: false, reason: 'assembly-changed' });
    unlinkSync(path.join(f.outdir, 'manifest.json'));
    expect(await f.ensure()).toMatchObject({ reused: false, reason: 'assembly-changed' });
    writeFileSync(path.join(f.outdir, 'stray.json'), '{}');
    expect(await f.ensure()).toMatchObject({ reused: false, reason: 'assembly-changed' });
    expect(f.calls).toHaveLength(4);
    expect(() => readFileSync(path.join(f.outdir, 'stray.json'))).toThrow();
  });

  it('synthesizes again when the record is missing or unreadable', async () => {
    await f.ensure();
    writeFileSync(synthRecordPath(f.outdir), '{"inputs": "not a hash"');
    expect(await f.ensure()).toMatchObject({ reused: false, reason: 'no-assembly' });
    unlinkSync(synthRecordPath(f.outdir));
    expect(await f.ensure()).toMatchObject({ reused: false, reason: 'no-assembly' });
  });

  it('leaves no record when the synth fails, so the next start tries again', async () => {
    await f.ensure();
    writeFileSync(path.join(f.repo, 'infra/app.ts'), 'broken(\n');
    const failing: SynthRunner = async (dir) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'manifest.json'), '{}');
      throw new Error('cdk synth failed');
    };
    await expect(ensureAssembly({ repoRoot: f.repo, outdir: f.outdir, synth: failing })).rejects.toThrow(
      'cdk synth failed',
    );
    expect(() => readFileSync(synthRecordPath(f.outdir))).toThrow();
    expect((await f.ensure()).reused).toBe(false);
  });

  it('keeps two data folders apart: each has its own assembly and record', async () => {
    const other = path.join(f.root, 'data-2', 'cdk.out');
    await f.ensure();
    const second = await ensureAssembly({
      repoRoot: f.repo,
      outdir: other,
      overrides: { offerDeadlineHours: 1 },
      synth: async (dir) => {
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, 'manifest.json'), '{"other":true}');
      },
    });
    expect(second).toMatchObject({ reused: false, outdir: other });
    expect((await f.ensure()).reused).toBe(true);
    expect(readFileSync(path.join(other, 'manifest.json'), 'utf8')).toBe('{"other":true}');
  });
});
