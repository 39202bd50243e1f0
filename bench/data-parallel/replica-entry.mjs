// Entry of a data-parallel replica thread: loads TypeScript through tsx, then runs the replica.
import { register } from 'tsx/esm/api';

register();
await import('./replica.ts');
