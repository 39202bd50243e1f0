import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TricksterError } from '../errors.js';

/** The pid written in `file`, if that process is still alive. */
export function livePid(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** The pid holding `dir`'s lock, if that process is still alive. */
export function lockHolder(dir: string): number | null {
  return livePid(path.join(dir, 'lock'));
}

/**
 * Takes the experiment folder's lock for this process (a `lock` file with the pid; a lock left by
 * a process that no longer runs is taken over) and returns its release. EXPERIMENT_BUSY when a
 * live process holds it: two commands would train the same trials into the same folders.
 */
export function acquireLock(dir: string): () => void {
  const holder = lockHolder(dir);
  if (holder !== null && holder !== process.pid) {
    throw new TricksterError('EXPERIMENT_BUSY', `${dir} is being run by process ${holder}; wait for it to end (or stop it) before running this experiment again`);
  }
  const file = path.join(dir, 'lock');
  writeFileSync(file, `${process.pid}\n`);
  return () => rmSync(file, { force: true });
}
