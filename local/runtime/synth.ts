/**
 * The cloud assembly `npm start` runs, synthesized only when the app's inputs changed.
 *
 * A fresh `cdk synth` costs 10–25 s (every function bundled, cdk-nag over the whole app), so
 * the launcher keeps the assembly in the data folder (`<dataDir>/cdk.out`, never the repo's
 * own cdk.out: two stacks from one checkout run on two data folders and cannot collide) with
 * a record beside it (`<dataDir>/cdk.out.inputs.json`) of what it was made from: a hash of
 * every source that feeds the app and of the `bashke` context. A start whose inputs hash
 * matches the record, and whose assembly still hashes to what the synth wrote, reuses it;
 * anything else (a changed source, other context, a missing, partial or edited assembly)
 * synthesizes again.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  type Dirent,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';

/**
 * What feeds the CDK app: cdk.json's watch folders, the app's configuration and the
 * lockfile (it pins the CDK, esbuild and every bundled dependency). Folders are read whole.
 */
export const SYNTH_INPUTS = {
  folders: ['infra', 'functions', 'workflows', 'shared'],
  files: ['cdk.json', 'cdk.context.json', 'package-lock.json'],
  /** Root files matching this (tsconfig.json and any variant esbuild may be pointed at). */
  rootPattern: /^tsconfig(\..+)?\.json$/,
} as const;

/** Never part of the inputs even inside an input folder: build output and dependencies. */
const SKIPPED_DIRS = new Set(['node_modules', 'cdk.out', '.git']);

/** Bumped when what the hash covers changes, so an older record never matches. */
const HASH_VERSION = 'bashke-synth-inputs/1';

const recordSchema = z.object({
  version: z.literal(HASH_VERSION),
  /** Hash of the app's inputs the assembly was made from. */
  inputs: z.string().regex(/^[0-9a-f]{64}$/),
  /** Hash of every file of the assembly as the synth left it. */
  assembly: z.string().regex(/^[0-9a-f]{64}$/),
  synthesizedAt: z.iso.datetime(),
});

type SynthRecord = z.infer<typeof recordSchema>;

/** Files below `dir`, as paths relative to `root` with `/` separators, sorted. */
function listFiles(root: string, dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(path.join(root, dir), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: string[] = [];
  for (const entry of entries) {
    const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) out.push(...listFiles(root, rel));
    } else if (entry.isFile()) {
      out.push(rel);
    }
  }
  return out.sort();
}

/** One hash over relative paths and contents, so a rename, an edit, an added or removed file all show. */
function hashFiles(root: string, files: readonly string[], extra: readonly string[] = []): string {
  const hash = createHash('sha256');
  for (const line of extra) hash.update(`${line}\n`);
  for (const rel of files) {
    const content = createHash('sha256')
      .update(readFileSync(path.join(root, rel)))
      .digest('hex');
    hash.update(`${rel}\0${content}\n`);
  }
  return hash.digest('hex');
}

/** JSON with object keys sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same context. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The hash of what the assembly would be made from: every file of the input folders and
 * files under `repoRoot` (path and content), and the context overrides of this run.
 */
export function synthInputsHash(repoRoot: string, overrides?: Record<string, unknown>): string {
  const files = [
    ...SYNTH_INPUTS.folders.flatMap((folder) => listFiles(repoRoot, folder)),
    ...readdirSync(repoRoot, { withFileTypes: true })
      .filter(
        (e) =>
          e.isFile() &&
          ((SYNTH_INPUTS.files as readonly string[]).includes(e.name) ||
            SYNTH_INPUTS.rootPattern.test(e.name)),
      )
      .map((e) => e.name)
      .sort(),
  ];
  return hashFiles(repoRoot, files, [HASH_VERSION, `context\0${overrides ? canonicalJson(overrides) : ''}`]);
}

/** The hash of an assembly folder's files; throws when the folder is missing. */
function assemblyHash(outdir: string): string {
  return hashFiles(outdir, listFiles(outdir, ''));
}

export function synthRecordPath(outdir: string): string {
  return `${outdir}.inputs.json`;
}

function readRecord(outdir: string): SynthRecord | undefined {
  try {
    const parsed = recordSchema.safeParse(JSON.parse(readFileSync(synthRecordPath(outdir), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Why the assembly is synthesized again, for the start-up log. */
export type SynthReason = 'no-assembly' | 'inputs-changed' | 'assembly-changed';

interface AssemblyFacts {
  readonly outdir: string;
  /** Hash of the assembly's files: equal for the same assembly, different for any other. */
  readonly assembly: string;
  readonly ms: number;
}

export type EnsuredAssembly =
  | (AssemblyFacts & { readonly reused: true })
  | (AssemblyFacts & { readonly reused: false; readonly reason: SynthReason });

/** Writes a cloud assembly into `outdir` (an empty folder) with the given context overrides. */
export type SynthRunner = (outdir: string, overrides: Record<string, unknown> | undefined) => Promise<void>;

/** Is the record's assembly the one for `inputs`, unchanged since the synth wrote it? */
function check(outdir: string, inputs: string): { reason: SynthReason } | { assembly: string } {
  const record = readRecord(outdir);
  if (!record) return { reason: 'no-assembly' };
  if (record.inputs !== inputs) return { reason: 'inputs-changed' };
  if (!existsSync(outdir)) return { reason: 'no-assembly' };
  return assemblyHash(outdir) === record.assembly
    ? { assembly: record.assembly }
    : { reason: 'assembly-changed' };
}

/**
 * The assembly for the app's current inputs in `outdir`: reused when its record matches,
 * else synthesized afresh (the old folder and record removed first, so a synth killed
 * halfway leaves nothing that a later start could mistake for a finished assembly).
 */
export async function ensureAssembly(opts: {
  repoRoot: string;
  outdir: string;
  overrides?: Record<string, unknown>;
  /** Default: `cdk synth` of the repo (cdkSynth). */
  synth?: SynthRunner;
}): Promise<EnsuredAssembly> {
  const started = performance.now();
  // Hashed before the synth: a source edited while it runs makes the next start synth again.
  const inputs = synthInputsHash(opts.repoRoot, opts.overrides);
  const checked = check(opts.outdir, inputs);
  if ('assembly' in checked) {
    return { outdir: opts.outdir, assembly: checked.assembly, reused: true, ms: performance.now() - started };
  }

  const record = synthRecordPath(opts.outdir);
  rmSync(record, { force: true });
  rmSync(opts.outdir, { recursive: true, force: true });
  await (opts.synth ?? cdkSynth(opts.repoRoot))(opts.outdir, opts.overrides);
  const written: SynthRecord = {
    version: HASH_VERSION,
    inputs,
    assembly: assemblyHash(opts.outdir),
    synthesizedAt: new Date().toISOString(),
  };
  const tmp = `${record}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(written, null, 2)}\n`);
  renameSync(tmp, record);
  return {
    outdir: opts.outdir,
    assembly: written.assembly,
    reused: false,
    reason: checked.reason,
    ms: performance.now() - started,
  };
}

/**
 * `cdk synth` of the app in `repoRoot` into `outdir`. With overrides (BASHKE_CONTEXT, e.g.
 * a short offer deadline for a demonstration) the `bashke` context is cdk.json's merged
 * with them. Asynchronous, so the launcher starts the local services meanwhile.
 */
export function cdkSynth(repoRoot: string): SynthRunner {
  return (outdir, overrides) =>
    new Promise<void>((resolve, reject) => {
      const cdk = path.join(repoRoot, 'node_modules', '.bin', 'cdk');
      const args = ['synth', '--quiet', '--output', outdir];
      if (overrides) {
        const cdkJson = JSON.parse(readFileSync(path.join(repoRoot, 'cdk.json'), 'utf8')) as {
          context?: { bashke?: Record<string, unknown> };
        };
        args.push('--context', `bashke=${JSON.stringify({ ...cdkJson.context?.bashke, ...overrides })}`);
      }
      const child = spawn(cdk, args, { cwd: repoRoot, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      // A launcher that stops during the synth takes it along: no orphan writing the folder.
      const stop = () => child.kill('SIGTERM');
      process.once('exit', stop);
      const output: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => output.push(c));
      child.stderr.on('data', (c: Buffer) => output.push(c));
      child.once('error', reject);
      child.once('close', (code, signal) => {
        process.off('exit', stop);
        if (code === 0) resolve();
        else
          reject(
            new Error(
              `cdk synth failed (${signal ?? `exit ${code}`}):\n${Buffer.concat(output).toString('utf8')}`,
            ),
          );
      });
    });
}

/** BASHKE_CONTEXT: a JSON object of `bashke` context keys to override for this run. */
export function contextOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> | undefined {
  const raw = env.BASHKE_CONTEXT?.trim();
  if (!raw) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error('BASHKE_CONTEXT must be a JSON object of bashke context keys');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('BASHKE_CONTEXT must be a JSON object of bashke context keys');
  }
  return value as Record<string, unknown>;
}
