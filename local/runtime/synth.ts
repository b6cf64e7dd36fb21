import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Runs `cdk synth` for the repo. By default into `<repo>/cdk.out` with cdk.json's
 * configuration; with `overrides` (BASHKE_CONTEXT, e.g. a short offer deadline for a
 * demonstration) the `bashke` context is cdk.json's merged with them, and the assembly goes
 * to `outdir` so the repo's own cdk.out is left alone.
 */
export function synthesize(
  repoRoot: string,
  opts: { overrides?: Record<string, unknown>; outdir?: string } = {},
): string {
  const cdk = path.join(repoRoot, 'node_modules', '.bin', 'cdk');
  const outdir = opts.outdir ?? path.join(repoRoot, 'cdk.out');
  const args = ['synth', '--quiet', '--output', outdir];
  if (opts.overrides) {
    const cdkJson = JSON.parse(readFileSync(path.join(repoRoot, 'cdk.json'), 'utf8')) as {
      context?: { bashke?: Record<string, unknown> };
    };
    args.push('--context', `bashke=${JSON.stringify({ ...cdkJson.context?.bashke, ...opts.overrides })}`);
  }
  const out = spawnSync(cdk, args, { cwd: repoRoot, encoding: 'utf8', env: process.env });
  if (out.status !== 0) {
    throw new Error(`cdk synth failed:\n${out.stdout}\n${out.stderr}`);
  }
  return outdir;
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
