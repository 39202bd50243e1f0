import { Option, type Command } from 'commander';
import { experimentStatus, statusLines } from '../../core/experiments/experiment-status.js';
import { TricksterError } from '../../core/errors.js';
import { ExperimentDir, type Manifest } from '../../core/experiments/manifest.js';
import type { QueuedTrial } from '../../core/experiments/queue/collect.js';
import { refreshFromQueue } from '../../core/experiments/queue/refresh.js';
import { experimentTable } from '../../core/experiments/table.js';
import { formatTable, TABLE_FORMATS, type TableFormat } from '../../core/experiments/table-format.js';
import { oneLine } from './errors.js';
import { trialRecords } from './experiment-run.js';

/**
 * The queue states of an experiment's trials, after collecting those that ended (refreshFromQueue).
 * A queue that cannot be reached is a one-line warning: the folder's own state is shown instead.
 */
async function refreshOrWarn(exp: ExperimentDir, manifest: Manifest): Promise<ReadonlyMap<string, QueuedTrial>> {
  try {
    return await refreshFromQueue(exp, manifest);
  } catch (err) {
    if (!(err instanceof TricksterError) || !err.code.startsWith('QUEUE_')) throw err;
    process.stderr.write(`warning [${err.code}]: ${oneLine(err.message)}; showing what ${exp.dir} holds, without the trials still on the queue\n`);
    return new Map();
  }
}

/** Adds `trickster experiment status|table DIR`. */
export function addExperimentCommand(program: Command): void {
  const experiment = program.command('experiment').description('inspect an experiment folder made by trickster ablate or sweep');
  experiment
    .command('status <dir>')
    .description("each trial's state: done (test top-1), running or interrupted at epoch k, failed (its error line), pending; for an experiment on a queue (--queue), collects the trials that ended and shows the running ones' epoch and top-1")
    .action(async (dir: string) => {
      const exp = new ExperimentDir(dir);
      const manifest = exp.read();
      const queued = await refreshOrWarn(exp, manifest);
      process.stdout.write(`${statusLines(experimentStatus(exp, manifest, queued)).join('\n')}\n`);
    });
  experiment
    .command('table <dir>')
    .description('the results table: per variant test top-1 mean ± std over seeds, paired delta to its reference with a 95% t interval (and, when the trials have a validation split, validation top-1 with its own paired delta and interval), wall time')
    .addOption(new Option('--format <format>', 'md, csv or json').choices([...TABLE_FORMATS]).default('md'))
    .action(async (dir: string, flags: { format: TableFormat }) => {
      const exp = new ExperimentDir(dir);
      const manifest = exp.read();
      await refreshOrWarn(exp, manifest);
      process.stdout.write(`${formatTable(experimentTable(manifest, trialRecords(exp, manifest)), flags.format)}\n`);
    });
}
