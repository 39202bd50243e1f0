import { TricksterError } from '../../core/errors.js';

/** Prints an error as one line (its stack only with --verbose) and returns the exit code. */
export function reportError(err: unknown, verbose: boolean): number {
  const e = err instanceof Error ? err : new Error(String(err));
  const prefix = e instanceof TricksterError ? `error [${e.code}]` : 'error';
  process.stderr.write(`${prefix}: ${e.message}\n`);
  if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
  else if (!(e instanceof TricksterError)) process.stderr.write('(run with --verbose for the stack trace)\n');
  return e instanceof TricksterError && e.code === 'USAGE' ? 2 : 1;
}
