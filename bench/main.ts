/**
 * `npm run bench -- [bench] [options]`: runs one bench by name; without a name, the
 * referrals bench (so `npm run bench -- --referrals 60` keeps working).
 *
 *   referrals  concurrent referrals on a local stack of its own (bench/referrals.ts)
 *   bundles    bundle sizes against their budgets, cold import per function (bench/bundles.ts)
 *   stack      start-up and restart of the whole stack, 1,000 parked executions (bench/stack.ts)
 *   parked     the control plane alone: 1,000 parked executions, RSS and restore (bench/stack-parked.ts)
 *   sfn        the local Step Functions against AWS-recorded behaviour (bench/sfn-conformance.ts)
 *   reminders  the reminder sweep of the deployed dispatcher over 100,000 pending reminders (bench/reminders.ts)
 *   cost       one case walked to closure: transitions, invocations, request units, emails, priced (bench/cost.ts)
 *   chaos      500 referrals through their first tasks while the stack is killed -9 20 times (bench/chaos.ts)
 *
 * Each bench parses its own options from process.argv, so the name is taken off first.
 */
const BENCHES: Readonly<Record<string, () => Promise<unknown>>> = {
  referrals: () => import('./referrals'),
  bundles: () => import('./bundles'),
  stack: () => import('./stack').then((m) => m.main(process.argv.slice(2))),
  parked: () => import('./stack-parked').then((m) => m.main()),
  sfn: () => import('./sfn-conformance'),
  reminders: () => import('./reminders'),
  cost: () => import('./cost').then((m) => m.main(process.argv.slice(2))),
  chaos: () =>
    import('./chaos')
      .then((m) => m.main(process.argv.slice(2)))
      .then((code) => {
        process.exitCode = code;
      }),
};

const [first] = process.argv.slice(2);
let run = BENCHES.referrals;
if (first !== undefined && !first.startsWith('-')) {
  run = BENCHES[first];
  if (!run) {
    process.stderr.write(`unknown bench "${first}"; one of: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  process.argv.splice(2, 1);
}
run?.().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
