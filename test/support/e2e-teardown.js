// Global teardown of the e2e tier: every process this run started must be gone. Only this
// run's ledger is read, and only processes that are still the ones it started are killed.
const { LEDGER_ENV, reapLedger } = require('./pid-ledger');

module.exports = async () => {
  const ledger = process.env[LEDGER_ENV];
  if (!ledger) return;
  const { killed, foreign } = reapLedger(ledger);
  if (foreign.length) {
    process.stderr.write(
      `e2e teardown: pids ${foreign.join(', ')} now belong to other processes; left alone\n`,
    );
  }
  if (killed.length) throw new Error(`processes left running by the e2e tests: ${killed.join(', ')}`);
};
