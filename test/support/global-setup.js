/**
 * Unit tests run in a zone far from UTC (and with DST in the other hemisphere from
 * Europe/Tirane): date code that uses the process's local zone instead of the configured
 * one shows up as a failure. Set before jest starts its workers, which inherit it.
 */
module.exports = async function globalSetup() {
  process.env.TZ = 'Pacific/Auckland';
};
