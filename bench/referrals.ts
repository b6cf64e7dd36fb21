/**
 * `npm run bench`: many referrals at once against a local stack of its own (loopback only,
 * bounded in count and time). Prints intake latency (p50/p95/p99/max), how long until every
 * case's offer email arrived, and whether any referral was lost. Figures, not a pass/fail.
 *
 *   npm run bench -- [--referrals 60] [--concurrency 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { TokenIssuer } from '../local/auth/issuer';
import { demoReferral } from '../local/demo-referral';
import { spawnStack, stopStack } from '../local/runtime/spawn-stack';

const { values } = parseArgs({
  options: { referrals: { type: 'string', default: '60' }, concurrency: { type: 'string', default: '10' } },
});
const TOTAL = Math.min(500, Math.max(1, Number(values.referrals)));
const CONCURRENCY = Math.min(50, Math.max(1, Number(values.concurrency)));
const DEADLINE_MS = 5 * 60_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bashke-bench-'));
  const { child, runtime } = await spawnStack({ dataDir, timeoutMs: 180_000 });
  try {
    const { urls, issuer, clientId } = runtime;
    const token = await TokenIssuer.open(dataDir, { issuer, clientId }).mint({
      sub: 'bench-officer',
      orgId: 'police-korca',
      groups: ['police'],
      email: 'bench@police-korca.example.org',
    });
    const body = JSON.stringify(demoReferral());

    const latencies: number[] = [];
    const references = new Set<string>();
    const failures: number[] = [];
    let next = 0;
    const started = Date.now();
    const worker = async () => {
      while (next < TOTAL && Date.now() - started < DEADLINE_MS) {
        const i = next++;
        const t0 = performance.now();
        const res = await fetch(`${urls.api}/referrals`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
            'Idempotency-Key': `bench-${i}-${started}`,
          },
          body,
        });
        latencies.push(performance.now() - t0);
        if (res.status === 201) references.add(((await res.json()) as { reference: string }).reference);
        else failures.push(res.status);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const intakeMs = Date.now() - started;

    // Every accepted referral must reach someone: an NGO offer or, once capacity is used up,
    // the coordinators' "needs an organisation" notice. Wait for one email per reference.
    let offered = new Set<string>();
    while (Date.now() - started < DEADLINE_MS && offered.size < references.size) {
      const store = (await (await fetch(`${urls.inbox}/store`)).json()) as {
        emails: Array<{ subject: string }>;
      };
      offered = new Set(store.emails.flatMap((e) => [...references].filter((r) => e.subject.includes(r))));
      if (offered.size < references.size) await new Promise((r) => setTimeout(r, 500));
    }
    const allOfferedMs = Date.now() - started;
    const sorted = [...latencies].sort((a, b) => a - b);
    const f = (n: number) => `${n.toFixed(0)} ms`;
    process.stdout.write(
      [
        `referrals sent:        ${TOTAL} (${CONCURRENCY} at a time) against ${urls.api}`,
        `created (201):         ${references.size}; refused: ${failures.length}${failures.length ? ` (${[...new Set(failures)].join(', ')})` : ''}`,
        `intake latency:        p50 ${f(percentile(sorted, 50))}, p95 ${f(percentile(sorted, 95))}, p99 ${f(percentile(sorted, 99))}, max ${f(sorted.at(-1) ?? 0)}`,
        `intake throughput:     ${((references.size / intakeMs) * 1000).toFixed(1)} referrals/s`,
        `routed (offer or coordinator notice): ${offered.size}/${references.size} after ${f(allOfferedMs)}`,
        `lost:                  ${references.size - offered.size}`,
        '',
      ].join('\n'),
    );
  } finally {
    await stopStack(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
