import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** Runs `cdk synth` for the repo into `<repo>/cdk.out`; the runtime then reads that assembly. */
export function synthesize(repoRoot: string): string {
  const cdk = path.join(repoRoot, 'node_modules', '.bin', 'cdk');
  const out = spawnSync(cdk, ['synth', '--quiet'], { cwd: repoRoot, encoding: 'utf8', env: process.env });
  if (out.status !== 0) {
    throw new Error(`cdk synth failed:\n${out.stdout}\n${out.stderr}`);
  }
  return path.join(repoRoot, 'cdk.out');
}
