#!/usr/bin/env node
// Entry point of the `trickster` command: runs the TypeScript CLI (app/cli) through tsx.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The project's tsconfig (decorators), whatever folder trickster runs from.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../app/cli/main.ts');
process.exitCode = await main(process.argv);
