import path from 'node:path';
import { Option, type Command } from 'commander';
import { TricksterError, UsageError } from '../../core/errors.js';
import { DEFAULT_TRIAL_REPLICAS, defaultParallel } from '../../core/experiments/defaults.js';
import { acquireLock } from '../../core/experiments/experiment-lock.js';
import { ExperimentDir, type Manifest } from '../../core/experiments/manifest.js';
import { runPool } from '../../core/experiments/pool.js';
import { experimentTable } from '../../core/experiments/table.js';
import { formatTable, TABLE_FORMATS, type TableFormat } from '../../core/experiments/table-format.js';
import { readTrialRecord, type TrialRecord } from '../../core/experiments/trial-record.js';
import { tricksterBin } from '../../core/experiments/trickster-bin.js';
import { expandTrials, seedList } from '../../core/experiments/trials.js';
import type { Variant } from '../../core/experiments/variant.js';
import { newRunDirPath } from '../../core/run-dir.js';
import { probeRedis } from '../../core/experiments/queue/connection.js';
import { runQueuedExperiment } from '../../core/experiments/queue/run-queued.js';
import { nonNegativeInt, positiveInt, replicasOption } from './parse.js';
import { packageVersion } from './version.js';

/** Flags every experiment command takes: what passes through to each trial and how the trials run. */
export interface ExperimentFlags {
  preset?: string;
  config?: string;
  data?: string;
  epochs?: number;
  timeBudget?: string;
  batchSize?: number;
  limit?: number;
  testLimit?: number;
  replicas?: number | 'auto';
  backend: string;
  seeds: number;
  parallel?: number;
  retries: number;
  out?: string;
  format: TableFormat;
  queue?: string;
  detach?: boolean;
  store?: string;
}

/** Adds the flags of ExperimentFlags to an experiment command. */
export function addExperimentFlags(command: Command): Command {
  return command
    .option('--preset <name>', 'preset to start from (built-in name or file)')
    .option('--config <file>', 'config file (default: found by cosmiconfig from the current folder)')
    .option('--seeds <n>', 'train every variant with seeds 1..n (paired: the same seed is the same data order)', positiveInt, 3)
    .option('--epochs <n>', 'epochs of every trial', positiveInt)
    .option('--time-budget <duration>', 'every trial trains the epochs that fit this wall time (30m, 2h, 90s; training.timeBudget): tricks compared at equal time, not equal epochs')
    .option('--batch-size <n>', 'training batch size of every trial', positiveInt)
    .option('--limit <n>', 'train every trial on the first n examples', positiveInt)
    .option('--test-limit <n>', 'evaluate every trial on n test examples', positiveInt)
    .option('--data <dir>', 'dataset folder of every trial')
    .option('--replicas <n>', `replicas per trial (default ${DEFAULT_TRIAL_REPLICAS}: see bench/results/experiment-parallelism.json)`, replicasOption)
    .option('--backend <name>', 'auto | node-gpu | node | wasm | cpu', 'auto')
    .option('--parallel <n>', `trials trained at once (default ${defaultParallel()}, one per core)`, positiveInt)
    .option('--retries <n>', 'attempts beyond the first for a failing trial (each resumes from its checkpoint)', nonNegativeInt, 1)
    .option('--out <dir>', 'experiment folder (default runs/exp-<time>-<name>); an existing one is continued')
    .addOption(new Option('--format <format>', 'format of the table printed at the end').choices([...TABLE_FORMATS]).default('md'))
    .option('--queue <url>', 'enqueue the trials on this Redis (redis://host:port) for trickster worker processes on any machines, instead of training them here')
    .option('--detach', 'with --queue: enqueue and return; trickster experiment status|table collect the results later')
    .option('--store <dir>', 'with --queue: keep run directories in this shared folder instead of Redis (workers need the same --store)');
}

/** The partial config the pass-through flags set on every trial. */
export function trialOverrides(flags: ExperimentFlags): Record<string, unknown> {
  if (flags.timeBudget !== undefined && flags.epochs !== undefined) throw new UsageError('--time-budget chooses the epochs of every trial; drop --epochs (or --time-budget)');
  const training: Record<string, unknown> = { replicas: flags.replicas ?? DEFAULT_TRIAL_REPLICAS };
  if (flags.epochs !== undefined) training.epochs = flags.epochs;
  if (flags.timeBudget !== undefined) training.timeBudget = flags.timeBudget;
  if (flags.batchSize !== undefined) training.batchSize = flags.batchSize;
  const data: Record<string, unknown> = {};
  if (flags.limit !== undefined) data.limit = flags.limit;
  if (flags.testLimit !== undefined) data.testLimit = flags.testLimit;
  return Object.keys(data).length ? { training, data } : { training };
}

/** What an experiment command hands to runExperiment. */
export interface ExperimentPlan {
  readonly kind: Manifest['kind'];
  /** Short name for the default folder, e.g. the preset. */
  readonly label: string;
  readonly variants: readonly Variant[];
  readonly offMeans?: Record<string, string>;
}

/** The records of an experiment's trials that have one. */
export function trialRecords(exp: ExperimentDir, manifest: Manifest): Map<string, TrialRecord> {
  const records = new Map<string, TrialRecord>();
  for (const t of manifest.trials) {
    const r = readTrialRecord(exp.resultFile(t.id));
    if (r) records.set(t.id, r);
  }
  return records;
}

/**
 * Runs an experiment: its trials (variants × seeds) written to the manifest of the --out folder
 * (or checked against the one there), trained by the local pool, then its table printed. SIGINT
 * or SIGTERM stops the trials at once; their checkpoints stay and the same command continues.
 * Trials that failed every attempt make it end with TRIALS_FAILED after the table.
 */
export async function runExperiment(plan: ExperimentPlan, flags: ExperimentFlags, argv: readonly string[]): Promise<void> {
  const run = { dataDir: flags.data ? path.resolve(flags.data) : null, backend: flags.backend };
  const { trials, byVariant } = expandTrials(plan.variants, seedList(flags.seeds), run);
  const manifest: Manifest = {
    version: 1,
    kind: plan.kind,
    command: ['trickster', ...argv].join(' '),
    created: new Date().toISOString(),
    seeds: seedList(flags.seeds),
    variants: plan.variants.map((v) => ({ name: v.name, reference: v.reference, trials: byVariant[v.name]! })),
    trials,
    ...(plan.offMeans ? { offMeans: plan.offMeans } : {}),
  };
  if ((flags.detach || flags.store) && !flags.queue) throw new UsageError(`${flags.detach ? '--detach' : '--store'} needs --queue (it is about running the trials on a queue)`);
  if (flags.queue) await probeRedis(flags.queue);
  const exp = new ExperimentDir(path.resolve(flags.out ?? newRunDirPath('runs', `exp-${plan.label}`)));
  const opened = exp.openOrCreate(manifest);
  const release = acquireLock(exp.dir);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`experiment ${exp.dir}: ${plan.variants.length} variants × ${flags.seeds} seeds = ${opened.trials.length} trials`);
  let result: { failed: readonly string[]; left: number };
  try {
    if (flags.queue) {
      const queued = await runQueuedExperiment(exp, opened, { url: flags.queue, store: flags.store ? path.resolve(flags.store) : undefined, detach: flags.detach ?? false, retries: flags.retries, version: packageVersion(), log, signal: abort.signal });
      if (flags.detach) return;
      result = { failed: queued.failed, left: queued.waiting };
    } else {
      const pooled = await runPool(exp, opened, { parallel: flags.parallel ?? defaultParallel(), retries: flags.retries, bin: tricksterBin(), log, signal: abort.signal });
      result = { failed: pooled.failed, left: pooled.interrupted.length };
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    release();
  }
  if (abort.signal.aborted && flags.queue) {
    throw new TricksterError('EXPERIMENT_INTERRUPTED', `stopped waiting: ${result.left} trials are still on the queue, where the workers go on with them; collect them with trickster experiment status ${exp.dir}, or run the same command again to wait`);
  }
  if (abort.signal.aborted) {
    throw new TricksterError('EXPERIMENT_INTERRUPTED', `stopped by a signal: ${result.left} trials left (their checkpoints kept); run the same command again to continue`);
  }
  process.stdout.write(`${formatTable(experimentTable(opened, trialRecords(exp, opened)), flags.format)}\n`);
  if (result.failed.length) {
    throw new TricksterError('TRIALS_FAILED', `${result.failed.length} trials failed after ${flags.retries + 1} attempts (${result.failed.join(', ')}); see trickster experiment status ${exp.dir}, fix the cause and run the same command again`);
  }
}
