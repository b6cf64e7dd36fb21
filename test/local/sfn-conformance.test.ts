/**
 * The local Step Functions against executions recorded on AWS: every case of
 * test/fixtures/sfn-conformance/ (each names the LocalStack snapshot test it follows) runs
 * on the control plane over HTTP through `@aws-sdk/client-sfn` with fake functions, and
 * must match its recording on status, output, error and cause, and on the exact sequence of
 * history event types. `npx tsx bench/sfn-conformance.ts` prints the match rates.
 */
import { join } from 'node:path';
import {
  type ConformanceCase,
  type ConformanceResult,
  loadConformanceCases,
  runConformance,
} from '../../local/engine/sfn/conformance';

const cases = loadConformanceCases(join(__dirname, '..', 'fixtures', 'sfn-conformance'));
let results: Map<string, ConformanceResult>;

beforeAll(async () => {
  results = new Map((await runConformance(cases)).map((r) => [r.name, r]));
}, 60_000);

test('the fixture set covers a few dozen recorded executions', () => {
  expect(cases.length).toBeGreaterThanOrEqual(36);
  for (const c of cases) expect(c.follows).toMatch(/\.snapshot\.json::test_/);
});

describe.each(cases.map((c): [string, ConformanceCase] => [c.name, c]))('%s', (name, c) => {
  test(`matches ${c.follows}`, () => {
    const result = results.get(name);
    expect(result).toBeDefined();
    if (!result) return;
    const mismatches = c.knownEventOrderDifference
      ? result.differences.filter((d) => !d.startsWith('events '))
      : result.differences;
    expect(mismatches).toEqual([]);
    if (c.knownEventOrderDifference) expect(result.sameEvents).toBe(true);
  });
});
