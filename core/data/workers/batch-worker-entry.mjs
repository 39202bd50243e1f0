// Entry of the data worker thread: loads TypeScript through tsx (as bin/trickster.js does), then
// runs the worker. A plain .mjs file so that Node can start it without a loader.
import { register } from 'tsx/esm/api';

register();
await import('./batch-worker.ts');
