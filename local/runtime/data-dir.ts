import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** `--reset`: wipe the data folder (the lock is taken afterwards). */
export function resetDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
}
