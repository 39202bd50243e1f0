#!/usr/bin/env node
// Entry point of the `trickster` command: runs the TypeScript CLI (app/cli) through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../app/cli/main.ts');
process.exitCode = await main(process.argv);
