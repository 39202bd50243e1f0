// Entry of the data worker thread. A plain .mjs file so that Node can start it without a loader:
// in the built package (dist/) it runs the compiled batch-worker.js next to it; in a source
// checkout, where only batch-worker.ts is here, it loads that through tsx (a dev dependency).
import { existsSync } from 'node:fs';

const built = new URL('./batch-worker.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./batch-worker.ts');
}
