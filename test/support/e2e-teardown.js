// Global teardown of the e2e tier: every process a test started must be gone.
const { existsSync, readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async () => {
  const ledger = path.join(os.tmpdir(), 'bashke-e2e-pids.txt');
  if (!existsSync(ledger)) return;
  const pids = [...new Set(readFileSync(ledger, 'utf8').split('\n').filter(Boolean).map(Number))];
  rmSync(ledger, { force: true });
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  if (alive.length) {
    for (const pid of alive) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    throw new Error(`processes left running by the e2e tests: ${alive.join(', ')}`);
  }
};
