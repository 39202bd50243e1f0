#!/usr/bin/env node
// Entry point of the `trickster` command. In the installed package it runs the compiled CLI in
// dist/. In a source checkout (app/cli/main.ts next to it) it runs the TypeScript through tsx, a
// dev dependency, so that an edit takes effect without a build.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
