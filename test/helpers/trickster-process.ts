import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach } from 'vitest';

// Every process started here that has not exited; killed after each test, so a failed assertion or a
// waitFor timeout does not leave a worker running after the suite (a failed CI run left one so).
const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

/** A `trickster` command running in the background, its stdout and stderr collected together. */
export interface TricksterProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Its exit code (null when killed by a signal). */
  readonly done: Promise<number | null>;
  /** Resolves once its output matches `pattern`; rejects, with the output so far, if it exits first or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** Starts `node bin/trickster.js ...args` in `cwd` (a worker's own folder, say); it is killed after the test if still running. */
export function startTrickster(args: string[], cwd = process.cwd()): TricksterProcess {
  const child = spawn(process.execPath, [path.resolve('bin/trickster.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('close', () => running.delete(child));
  let out = '';
  const listeners = new Set<() => void>();
  const append = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, timeoutMs = 90_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`trickster ${args[0]} did not print ${pattern} within ${timeoutMs / 1000} s; it printed:\n${out}`));
      }, timeoutMs);
      const check = () => {
        if (!pattern.test(out)) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve();
      };
      listeners.add(check);
      check();
      void done.then(() => {
        clearTimeout(timer);
        if (pattern.test(out)) resolve();
        else reject(new Error(`trickster ${args[0]} exited before printing ${pattern}; it printed:\n${out}`));
      });
    });
  return { child, output: () => out, done, waitFor };
}
