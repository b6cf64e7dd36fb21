/**
 * `npm run bench -- [bench] [options]`: runs one bench by name; without a name, the
 * referrals bench (so `npm run bench -- --referrals 60` keeps working).
 *
 *   referrals  concurrent referrals on a local stack of its own (bench/referrals.ts)
 *   bundles    bundle sizes against their budgets, cold import per function (bench/bundles.ts)
 *
 * Each bench parses its own options from process.argv, so the name is taken off first.
 */
const BENCHES: Readonly<Record<string, () => Promise<unknown>>> = {
  referrals: () => import('./referrals'),
  bundles: () => import('./bundles'),
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
