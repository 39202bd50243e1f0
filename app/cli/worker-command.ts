import path from 'node:path';
import type { Command } from 'commander';
import { probeRedis } from '../../core/experiments/queue/connection.js';
import { DEFAULT_LOCK_SECONDS } from '../../core/experiments/queue/settings.js';
import { runWorker } from '../../core/experiments/queue/worker.js';
import { tricksterBin } from '../../core/experiments/trickster-bin.js';
import { positiveInt } from './parse.js';
import { packageVersion } from './version.js';

interface WorkerFlags {
  queue: string;
  concurrency: number;
  store?: string;
  workDir: string;
  lockSeconds: number;
}

/** Adds `trickster worker`. */
export function addWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'train the trials of experiments enqueued with trickster ablate/sweep --queue, on this machine, until stopped (Ctrl-C: running ' +
        'trials go back to the queue and resume elsewhere from their last epoch). Needs no shared filesystem: run directories travel ' +
        'through the queue\'s Redis (or --store)',
    )
    .requiredOption('--queue <url>', 'Redis URL of the queue, e.g. redis://host:6379')
    .option('--concurrency <n>', 'trials trained at once, each a child process', positiveInt, 1)
    .option('--store <dir>', 'keep run directories in this shared folder instead of Redis (the experiment must use the same --store)')
    .option('--work-dir <dir>', 'folder for the local copies of the trials this worker trains', 'trickster-worker')
    .option('--lock-seconds <n>', `seconds a trial's lock lasts without renewal; a dead worker's trial moves to another worker after 1-2 of them`, positiveInt, DEFAULT_LOCK_SECONDS)
    .action(async (flags: WorkerFlags) => {
      await probeRedis(flags.queue);
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await runWorker({
          url: flags.queue,
          concurrency: flags.concurrency,
          store: flags.store,
          workDir: path.resolve(flags.workDir),
          lockSeconds: flags.lockSeconds,
          version: packageVersion(),
          bin: tricksterBin(),
          log: (line) => process.stderr.write(`${line}\n`),
          signal: abort.signal,
        });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        // A worker stopped while Redis was away may leave a BullMQ connection behind: exit anyway.
        setTimeout(() => process.exit(), 2000).unref();
      }
    });
}
