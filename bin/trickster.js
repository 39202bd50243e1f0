#!/usr/bin/env node
// Entry point of the `trickster` command. In the installed package it runs the compiled CLI in
// dist/. In a source checkout (app/cli/main.ts next to it) it runs the TypeScript through tsx, a
// dev dependency, so that an edit takes effect without a build.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// A trial started by `trickster ablate`/`sweep` or a queue worker (core/experiments/trial-runner.ts)
// has an IPC channel to it: when that process dies, stop instead of training on as an orphan (the
// last checkpoint stays; the next attempt resumes from it). The channel is unref'd so that it never
// keeps a finished run alive.
if (process.env.TRICKSTER_STOP_WITH_PARENT === '1' && process.channel) {
  delete process.env.TRICKSTER_STOP_WITH_PARENT;
  process.channel.unref();
  process.once('disconnect', () => {
    process.stderr.write('trickster: the experiment or worker that started this run is gone; stopping (the last checkpoint stays)\n');
    process.exit(143);
  });
}

// `trickster presets --show x | head`: when the reader of stdout goes away, stop as a Unix tool
// stopped by SIGPIPE does (status 141), not with a stack trace. Files are written whole or not at
// all (temporary file, then rename), so stopping between writes leaves nothing half-written.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(141);
});

const source = new URL('../app/cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  // The project's tsconfig (decorators), whatever folder trickster runs from.
  register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/app/cli/main.js'));
}
process.exitCode = await main(process.argv);
