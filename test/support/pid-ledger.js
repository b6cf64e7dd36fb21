/**
 * The e2e tier's pid ledger: every process a test run started, so its global teardown can
 * check that each is gone and kill what is left. One ledger per run (a fresh file named in
 * BASHKE_E2E_PID_LEDGER by the e2e project's global setup), so two runs on one host never
 * touch each other's stacks; and each entry keeps the process's start time as the kernel
 * recorded it, so a pid that was reused by an unrelated process after ours ended is left alone.
 *
 * CommonJS so that jest's global setup and teardown load it without a transform; the typed
 * surface for TypeScript is pid-ledger.d.ts.
 */
const { execFileSync } = require('node:child_process');
const { appendFileSync, mkdtempSync, readFileSync, rmdirSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const LEDGER_ENV = 'BASHKE_E2E_PID_LEDGER';
const RUN_DIR_PREFIX = 'bashke-e2e-run-';

/**
 * When the process started, as an opaque string that differs between two processes that
 * had the same pid; undefined when there is no such process.
 * @param {number} pid
 * @returns {string | undefined}
 */
function processStartTime(pid) {
  try {
    // Field 22 of /proc/<pid>/stat: start time in clock ticks since boot. The command name
    // (field 2) may hold spaces and parentheses, so count fields after its closing one.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch (error) {
    if (error.code !== 'ENOENT' || process.platform === 'linux') return undefined;
  }
  // No /proc (macOS): ps prints the start time to the second.
  try {
    const started = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return started === '' ? undefined : started.replaceAll(' ', '_');
  } catch {
    return undefined;
  }
}

/**
 * A new, empty ledger for one run, in a folder of its own under the temp folder.
 * @returns {string} the ledger's path
 */
function createRunLedger() {
  const dir = mkdtempSync(path.join(os.tmpdir(), RUN_DIR_PREFIX));
  return path.join(dir, 'pids.txt');
}

/**
 * This run's ledger, from the environment its global setup prepared.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string}
 */
function runLedger(env = process.env) {
  const ledger = env[LEDGER_ENV];
  if (!ledger) {
    throw new Error(
      `${LEDGER_ENV} is not set: run the e2e tests through their jest project (npm run test:e2e)`,
    );
  }
  return ledger;
}

/**
 * Records a process this run started, with its start time, read now.
 * @param {string} ledger
 * @param {number} pid
 */
function recordPid(ledger, pid) {
  appendFileSync(ledger, `${pid} ${processStartTime(pid) ?? '-'}\n`);
}

/**
 * @param {string} ledger
 * @returns {Array<{ pid: number, startTime: string }>}
 */
function readLedger(ledger) {
  let text;
  try {
    text = readFileSync(ledger, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
  const entries = new Map();
  for (const line of text.split('\n')) {
    const [pid, startTime] = line.trim().split(' ');
    const n = Number(pid);
    if (Number.isInteger(n) && n > 0 && startTime) entries.set(`${n} ${startTime}`, { pid: n, startTime });
  }
  return [...entries.values()];
}

/**
 * Kills, with SIGKILL, every process of the ledger that is still the one this run started,
 * and removes the ledger. A pid now held by another process (another start time) or whose
 * start time could not be read when it was recorded is never signalled.
 * @param {string} ledger
 * @returns {{ killed: number[], foreign: number[] }} killed: ours, still running; foreign: reused pids left alone
 */
function reapLedger(ledger) {
  const killed = [];
  const foreign = [];
  for (const { pid, startTime } of readLedger(ledger)) {
    const now = processStartTime(pid);
    if (now === undefined) continue; // gone, as it should be
    if (startTime === '-' || now !== startTime) {
      foreign.push(pid);
      continue;
    }
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // ended in between
    }
  }
  rmSync(ledger, { force: true });
  // The run's own folder, once empty (rmdir never removes a folder with anything in it).
  if (path.basename(path.dirname(ledger)).startsWith(RUN_DIR_PREFIX)) {
    try {
      rmdirSync(path.dirname(ledger));
    } catch {
      // not empty or already gone: leave it
    }
  }
  return { killed, foreign };
}

module.exports = {
  LEDGER_ENV,
  createRunLedger,
  processStartTime,
  reapLedger,
  readLedger,
  recordPid,
  runLedger,
};
