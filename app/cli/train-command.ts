import { Option, type Command } from 'commander';
import type { BackendChoice } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import { trainWithTimeBudget } from '../time-budget.js';
import { TricksterError } from '../../core/errors.js';
import { RunDir } from '../../core/run-dir.js';
import { writeReport } from '../report/write-report.js';
import { nonNegativeInt, positiveInt, positiveNumber, replicasOption } from './parse.js';

interface TrainFlags {
  preset?: string;
  config?: string;
  data?: string;
  epochs?: number;
  timeBudget?: string;
  batchSize?: number;
  lr?: number;
  limit?: number;
  testLimit?: number;
  backend: BackendChoice;
  out?: string;
  seed?: number;
  replicas?: number | 'auto';
  syncBatchNorm?: boolean;
  resume?: string;
  json?: boolean;
  progress?: 'bar' | 'lines' | 'none';
  report: boolean;
}

function overridesFrom(flags: TrainFlags): Record<string, unknown> {
  const training: Record<string, unknown> = {};
  if (flags.epochs !== undefined) training.epochs = flags.epochs;
  if (flags.timeBudget !== undefined) training.timeBudget = flags.timeBudget;
  if (flags.batchSize !== undefined) training.batchSize = flags.batchSize;
  if (flags.seed !== undefined) training.seed = flags.seed;
  if (flags.replicas !== undefined) training.replicas = flags.replicas;
  if (flags.syncBatchNorm) training.syncBatchNorm = true;
  const data: Record<string, unknown> = {};
  if (flags.limit !== undefined) data.limit = flags.limit;
  if (flags.testLimit !== undefined) data.testLimit = flags.testLimit;
  const out: Record<string, unknown> = {};
  if (Object.keys(training).length) out.training = training;
  if (Object.keys(data).length) out.data = data;
  if (flags.lr !== undefined) out.optimizer = { lr: flags.lr };
  return out;
}

/**
 * The config to resume `runDir` with: the run's own config.json, its relative paths resolved
 * against the folder they were written for (so a resume works from any folder), plus the flags.
 * With --preset or --config the named config is used instead, and the trainer refuses any
 * difference that changes results.
 */
async function resumedConfig(runDir: string, overrides: Record<string, unknown>) {
  const { config, record } = new RunDir(runDir).readPrevious();
  return resolveConfig({ inline: config, overrides, cwd: record?.configDir ?? undefined });
}

/**
 * Writes the run's report.html. The model is trained and saved by then, so a report that cannot be
 * written is a warning naming how to retry, not a failed run.
 */
async function reportAfterTraining(runDir: string): Promise<void> {
  try {
    const written = await writeReport(runDir);
    process.stdout.write(`report -> ${written.file}\n`);
  } catch (err) {
    process.stderr.write(`trickster: warning: report not written (${(err as Error).message}); retry with: trickster report ${runDir}\n`);
  }
}

/** Adds `trickster train`. */
export function addTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model from a preset or config file and print its test accuracy')
    .option('--preset <name>', 'preset to start from (built-in name or file); see `trickster presets`')
    .option('--config <file>', 'config file (default: found by cosmiconfig from the current folder)')
    .option('--data <dir>', 'dataset folder, or fashion-mnist, mnist, cifar10 (fetched into the cache on first use) (default: config data.dir, $TRICKSTER_DATA, /usr/share/datasets/fashion-mnist, else fashion-mnist)')
    .option('--epochs <n>', 'number of epochs', positiveInt)
    .option('--time-budget <duration>', 'train as many epochs as fit this wall time, start-up and final evaluation included (30m, 2h, 1h30m, 90s; training.timeBudget); a short pilot run measures the speed first')
    .option('--batch-size <n>', 'training batch size', positiveInt)
    .option('--lr <x>', 'base learning rate', positiveNumber)
    .option('--limit <n>', 'train on the first n examples of a seeded shuffle', positiveInt)
    .option('--test-limit <n>', 'evaluate on n test examples', positiveInt)
    .option('--backend <name>', 'auto | node-gpu | node | wasm | cpu', 'auto')
    .option('--out <dir>', 'run directory (default runs/<time>-<preset>)')
    .option('--seed <n>', 'random seed', nonNegativeInt)
    .option('--replicas <n>', 'split each batch over n replicas, one core each (auto: 2 on wasm with 2+ cores)', replicasOption)
    .option('--sync-batch-norm', 'with replicas, batch norm uses the whole batch\'s statistics across them (SyncBN, training.syncBatchNorm)')
    .option('--resume <runDir>', 'continue the run in this directory from its last checkpoint')
    .addOption(new Option('--progress <mode>', 'progress display (default: bar on a terminal)').choices(['bar', 'lines', 'none']))
    .option('--json', 'print the run summary as one JSON line at the end')
    .option('--no-report', 'do not write RUN_DIR/report.html at the end (see `trickster report`)')
    .action(async (flags: TrainFlags) => {
      if (flags.timeBudget !== undefined && flags.epochs !== undefined) throw new TricksterError('USAGE', '--time-budget chooses the number of epochs; drop --epochs (or --time-budget)');
      const overrides = overridesFrom(flags);
      if (flags.resume && flags.out) throw new TricksterError('USAGE', '--resume continues the run in its own folder; drop --out (or drop --resume to start a new run there)');
      const resolved =
        flags.resume && !flags.preset && !flags.config
          ? await resumedConfig(flags.resume, overrides)
          : await resolveConfig({ configFile: flags.config, preset: flags.preset, overrides });
      const summary = await trainWithTimeBudget(resolved, {
        backend: flags.backend,
        outDir: flags.resume ?? flags.out,
        resume: flags.resume !== undefined,
        dataDir: flags.data,
        progress: flags.progress,
        // A time budget covers the whole command, from the process's start.
        startedAt: performance.timeOrigin,
      });
      if ('refit' in summary) {
        const { mode, epochs, trainImages, selection } = summary.refit;
        process.stdout.write(
          `refit (${mode}): ${epochs} epoch(s) on all ${trainImages} training images; early stopping's best epoch ${selection.bestEpoch} ` +
            `of ${selection.epochs} on ${selection.trainImages} (selection run ${selection.runDir}); test metrics below are the refit model's\n`,
        );
      }
      process.stdout.write(
        `test top1 ${(100 * summary.top1).toFixed(2)}%  top5 ${(100 * summary.top5).toFixed(2)}%  loss ${summary.testLoss.toFixed(4)}  ` +
          `${summary.imgPerSec.toFixed(0)} img/s  ${summary.wallSeconds.toFixed(1)} s  -> ${summary.runDir}\n`,
      );
      if (flags.report) await reportAfterTraining(summary.runDir);
      if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
}
