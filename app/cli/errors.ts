import { TricksterError } from '../../core/errors.js';

/**
 * A message on one line: its lines trimmed and joined, after a line ending in `:` by a space and
 * otherwise by `; ` (so `invalid config:\n  a\n  b` reads `invalid config: a; b`).
 */
export function oneLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.reduce((out, line) => (out === '' ? line : `${out}${out.endsWith(':') ? ' ' : '; '}${line}`), '');
}

/** Prints an error as one line (its stack only with --verbose) and returns the exit code. */
export function reportError(err: unknown, verbose: boolean): number {
  const e = err instanceof Error ? err : new Error(String(err));
  const prefix = e instanceof TricksterError ? `error [${e.code}]` : 'error';
  process.stderr.write(`${prefix}: ${oneLine(e.message)}\n`);
  if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
  else if (!(e instanceof TricksterError)) process.stderr.write('(run with --verbose for the stack trace)\n');
  return e instanceof TricksterError && e.code === 'USAGE' ? 2 : 1;
}
