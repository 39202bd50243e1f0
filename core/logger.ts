/** Where human-readable run output goes. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** Writes info lines to stdout and warnings to stderr. */
export const consoleLogger: Logger = {
  info: (m) => process.stdout.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
};

/** Discards everything (tests, library use without output). */
export const silentLogger: Logger = { info: () => {}, warn: () => {} };
