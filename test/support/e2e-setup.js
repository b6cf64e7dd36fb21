// Global setup of the e2e tier: a pid ledger of this run's own, named in the environment
// that jest's workers inherit (see pid-ledger.js).
const { createRunLedger, LEDGER_ENV } = require('./pid-ledger');

module.exports = async () => {
  process.env[LEDGER_ENV] = createRunLedger();
};
