/**
 * Prints how far the local Step Functions matches executions recorded against AWS: the
 * cases of test/fixtures/sfn-conformance/ run on the control plane through
 * `@aws-sdk/client-sfn` (see local/engine/sfn/conformance.ts). `--verbose` lists every mismatch.
 *
 *   npx tsx bench/sfn-conformance.ts [--verbose]
 */
import { join } from 'node:path';
import { loadConformanceCases, runConformance } from '../local';

async function main(): Promise<void> {
  const cases = loadConformanceCases(join(__dirname, '..', 'test', 'fixtures', 'sfn-conformance'));
  const results = await runConformance(cases);
  const percent = (n: number) => `${((100 * n) / results.length).toFixed(1)} %`;
  const outcomes = results.filter((r) => r.outcomeMatches).length;
  const events = results.filter((r) => r.eventsMatch).length;
  console.log(`cases: ${results.length}`);
  console.log(`status, output and error match: ${outcomes}/${results.length} (${percent(outcomes)})`);
  console.log(`history event types match:      ${events}/${results.length} (${percent(events)})`);
  const verbose = process.argv.includes('--verbose');
  for (const r of results) {
    if (r.outcomeMatches && r.eventsMatch) continue;
    console.log(`  ✗ ${r.name} (${r.follows})`);
    if (verbose) for (const d of r.differences) console.log(`      ${d}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
