// Entry of a training replica thread: loads TypeScript through tsx (as bin/trickster.js does),
// then runs the replica. A plain .mjs file so that Node can start it without a loader.
import { register } from 'tsx/esm/api';

register();
await import('./replica-worker.ts');
