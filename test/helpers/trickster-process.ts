import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** A `trickster` command running in the background, its stdout and stderr collected together. */
export interface TricksterProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Its exit code (null when killed by a signal). */
  readonly done: Promise<number | null>;
  /** Resolves once its output matches `pattern` (rejects if it exits first). */
  waitFor(pattern: RegExp): Promise<void>;
}

/** Starts `node bin/trickster.js ...args` in `cwd` (a worker's own folder, say). */
export function startTrickster(args: string[], cwd = process.cwd()): TricksterProcess {
  const child = spawn(process.execPath, [path.resolve('bin/trickster.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const append = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(out)) return;
        listeners.delete(check);
        resolve();
      };
      listeners.add(check);
      check();
      void done.then(() => (pattern.test(out) ? resolve() : reject(new Error(`trickster ${args[0]} exited before printing ${pattern}; it printed:\n${out}`))));
    });
  return { child, output: () => out, done, waitFor };
}
