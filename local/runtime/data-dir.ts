import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { processAlive } from '../runtime-file';

export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';
}

/**
 * One instance per data folder: a pid file created exclusively. A stale file (its process
 * gone, e.g. after SIGKILL) is taken over.
 */
export function acquirePidLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'bashke.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new AlreadyRunningError(`another Bashkë stack (pid ${pid}) is running on ${dataDir}`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new AlreadyRunningError(`could not take the lock on ${dataDir}`);
}

/** What `--reset` keeps: the lock it runs under and the assembly, a build cache checked against its inputs. */
const KEPT_ON_RESET = new Set(['bashke.pid', 'cdk.out', 'cdk.out.inputs.json']);

/**
 * `--reset`: wipe the data folder's data (tables, executions, inbox, clock, keys). Called
 * with the lock held, so it never wipes a running stack's data.
 */
export function resetDataDir(dataDir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of entries) {
    if (!KEPT_ON_RESET.has(name)) rmSync(path.join(dataDir, name), { recursive: true, force: true });
  }
}

const SEED_MARK = 'directory-seeded.txt';

/** What a seed was made of: the directory document and the assembly holding the seed function. */
export function seedMark(directory: Buffer, assemblyHash: string): string {
  return createHash('sha256').update(directory).update(`\0${assemblyHash}`).digest('hex');
}

/** The mark of the last seed that succeeded on this data folder, if any. */
export function readSeedMark(dataDir: string): string | undefined {
  try {
    return readFileSync(path.join(dataDir, SEED_MARK), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function writeSeedMark(dataDir: string, mark: string): void {
  writeFileSync(path.join(dataDir, SEED_MARK), `${mark}\n`);
}
