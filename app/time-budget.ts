/**
 * `training.timeBudget` (`trickster train --time-budget 30m`): as many epochs as fit a wall-clock
 * budget on this machine. A pilot run (the same config and plugins on PILOT_BATCHES batches, two
 * epochs, in a temporary folder) measures the training img/s of its second epoch and what a run
 * costs besides its epochs (start-up, first-epoch warm-up); the epochs that fit follow, after the
 * final evaluation and the plugins' work after the last epoch (TricksterPlugin.endOfRunWork), with
 * a margin for machines whose speed drifts during a run. The run starts as an ordinary run of that
 * many epochs (resumable, its config.json holds them); from its second epoch on it revises them
 * to the pace it measures (./time-budget-keeper.ts), so it ends within the budget and uses most
 * of it. The plan and the revisions are in the summary (`timeBudget`) and summary.json.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from '../core/config/load.js';
import { durationSeconds } from '../core/config/duration.js';
import type { TricksterConfig } from '../core/config/schema.js';
import { DatasetProvider } from '../core/dataset-provider.js';
import { findDataDir } from '../core/data/find-data-dir.js';
import { ConfigError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { RunSummary } from '../core/run-summary.js';
import { RunDir } from '../core/run-dir.js';
import { createTrainer, type CreateTrainerOptions } from './create-trainer.js';
import { trainWithRefit, refitMode, type RefitSummary } from './refit.js';
import { keepBudget, type BudgetRevision } from './time-budget-keeper.js';
import { loadPlugins } from './plugin-loader.js';
import type { EndOfRunWork, RunSize, TricksterPlugin } from '../core/plugin.js';

/** Batches per pilot epoch (two epochs; the second is timed, the first warms the kernels up). */
export const PILOT_BATCHES = 12;
/**
 * Cost of evaluating an image, as a fraction of training on it. Measured: the forward convolutions
 * are ~30% of a training step's kernel time on resnet6-pool-stem (bench/profile-kernels.ts); 0.5
 * leaves room for the per-batch overheads of evaluation.
 */
export const EVAL_COST = 0.5;
/** Share of the time left for the epochs kept in reserve: one run's img/s drifted by 10% on a virtual machine (bench/fast-recipe/README.md). */
export const BUDGET_MARGIN = 0.1;

/** What the pilot measured and the epochs chosen from it (RunSummary.timeBudget). */
export interface TimeBudgetPlan {
  /** The budget, in seconds, and as it was written. */
  readonly budgetSeconds: number;
  readonly budget: string | number;
  /** Training img/s of the pilot's second epoch. */
  readonly pilotImgPerSec: number;
  /** The pilot's wall time. */
  readonly pilotSeconds: number;
  /** Spent from the budget before the run starts: the process's start-up (from `startedAt`), the pilot and counting the images. */
  readonly spentSeconds: number;
  /** Start-up and first-epoch warm-up a run costs besides its epochs, as the pilot measured them. */
  readonly overheadSeconds: number;
  /** Estimated seconds of one epoch (training, plus its validation or test evaluation) and of the final test evaluation. */
  readonly epochSeconds: number;
  readonly finalEvalSeconds: number;
  /** Estimated seconds of the plugins' work after the last epoch (FixRes, SWA's batch-norm recomputation, reports of the final weights): their endOfRunWork. */
  readonly endOfRunSeconds: number;
  readonly margin: number;
  readonly epochs: number;
  /** Spent + overhead + epochs + final evaluation + the plugins' end-of-run work, by the estimate. */
  readonly estimatedSeconds: number;
}

/** The numbers {@link planEpochs} works from. */
export interface BudgetInputs {
  readonly budgetSeconds: number;
  readonly spentSeconds: number;
  readonly overheadSeconds: number;
  readonly imgPerSec: number;
  readonly trainImages: number;
  /** Images evaluated after every epoch (validation, plus test with training.testEachEpoch). */
  readonly evalImagesPerEpoch: number;
  readonly testImages: number;
  /** What the plugins do after the last epoch (their endOfRunWork, summed). */
  readonly endOfRun: EndOfRunWork;
  readonly margin: number;
}

/** Seconds of `work` at `imgPerSec` training images per second (an evaluated image at EVAL_COST). */
function workSeconds(work: EndOfRunWork, imgPerSec: number): number {
  return (work.trained + EVAL_COST * work.evaluated) / imgPerSec;
}

/**
 * Epochs that fit: floor((budget − spent − overhead − final evaluation − end-of-run work) × (1 − margin) / epoch),
 * an epoch being trainImages / imgPerSec plus its evaluations at EVAL_COST per image; 0 when not one fits.
 */
export function planEpochs(x: BudgetInputs): Pick<TimeBudgetPlan, 'epochs' | 'epochSeconds' | 'finalEvalSeconds' | 'endOfRunSeconds' | 'estimatedSeconds'> {
  const epochSeconds = (x.trainImages + EVAL_COST * x.evalImagesPerEpoch) / x.imgPerSec;
  const finalEvalSeconds = (EVAL_COST * x.testImages) / x.imgPerSec;
  const endOfRunSeconds = workSeconds(x.endOfRun, x.imgPerSec);
  const left = x.budgetSeconds - x.spentSeconds - x.overheadSeconds - finalEvalSeconds - endOfRunSeconds;
  const epochs = Math.max(0, Math.floor((left * (1 - x.margin)) / epochSeconds));
  return {
    epochs,
    epochSeconds,
    finalEvalSeconds,
    endOfRunSeconds,
    estimatedSeconds: x.spentSeconds + x.overheadSeconds + epochs * epochSeconds + finalEvalSeconds + endOfRunSeconds,
  };
}

/** The end-of-run work of `plugins` on a run of size `run`, summed. */
export function endOfRunWork(plugins: readonly TricksterPlugin[], run: RunSize): EndOfRunWork {
  return plugins.reduce(
    (sum, p) => {
      const w = p.endOfRunWork?.(run) ?? { trained: 0, evaluated: 0 };
      return { trained: sum.trained + w.trained, evaluated: sum.evaluated + w.evaluated };
    },
    { trained: 0, evaluated: 0 },
  );
}

/** `config` without a time budget (what the trainers see: they run training.epochs). */
function withoutBudget(config: TricksterConfig, epochs: number): TricksterConfig {
  const { timeBudget: _budget, ...training } = config.training;
  return { ...config, training: { ...training, epochs } };
}

/** Image counts of the run `config` describes (its data loaded once, on this thread). */
async function runCounts(resolved: ResolvedConfig, config: TricksterConfig, dataDir: string | undefined) {
  const dir = await findDataDir({ cliDir: dataDir, configDir: config.data.dir, baseDir: resolved.baseDir });
  const data = await new DatasetProvider(resolved.baseDir, dir).load({ ...config, data: { ...config.data, worker: false } });
  try {
    return { train: data.trainCount, validation: data.validationCount, test: data.testCount, imageSize: data.inputShape.height };
  } finally {
    await data.close();
  }
}

/** Trains the pilot in a temporary folder; its img/s (second epoch), images per epoch, test images and wall seconds. */
async function runPilot(resolved: ResolvedConfig, options: CreateTrainerOptions, config: TricksterConfig) {
  const batch = config.training.batchSize;
  const images = Math.min(PILOT_BATCHES * batch, config.data.limit ?? Number.POSITIVE_INFINITY);
  const testImages = Math.min(batch, config.data.testLimit ?? batch);
  const pilotConfig = withoutBudget(config, 2);
  const pilot: TricksterConfig = {
    ...pilotConfig,
    training: { ...pilotConfig.training, testEachEpoch: false, logEverySteps: 0 },
    data: { ...pilotConfig.data, limit: images, validationSplit: 0, testLimit: testImages },
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trickster-pilot-'));
  const release = removeOnInterrupt(dir);
  const started = Date.now();
  try {
    const trainer = await createTrainer({ ...resolved, config: pilot }, { ...options, outDir: dir, resume: false, exportModel: false, logger: silentLogger, progress: 'none' });
    try {
      await trainer.fit();
    } finally {
      trainer.dispose();
    }
    const lines = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    const imgPerSec = (JSON.parse(lines.at(-1)!) as { imgPerSec: number }).imgPerSec;
    return { imgPerSec, images, testImages, seconds: (Date.now() - started) / 1000 };
  } finally {
    release();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Removes `dir` when SIGINT or SIGTERM (Ctrl-C, a killed job) arrives, or the process exits (a
 * trial whose parent is gone), before the returned function is called; a signal then ends the
 * process as it would have. Without this the pilot's folder stays behind: neither skips to
 * `finally`. The returned function stops listening.
 */
function removeOnInterrupt(dir: string): () => void {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  const stop = (): void => {
    for (const s of signals) process.off(s, onSignal);
    process.off('exit', remove);
  };
  function onSignal(signal: NodeJS.Signals): void {
    stop();
    remove();
    process.kill(process.pid, signal);
  }
  for (const s of signals) process.on(s, onSignal);
  process.on('exit', remove);
  return stop;
}

/** createTrainer's options, and when the budget started (ms since the epoch; default: the call). */
export interface TimeBudgetOptions extends CreateTrainerOptions {
  /** `trickster train` passes its process's start (performance.timeOrigin), so the budget covers the whole command. */
  readonly startedAt?: number;
}

/**
 * The time-budget plan for `resolved` (training.timeBudget set): runs the pilot, loads the run's
 * image counts and chooses the epochs. TIME_BUDGET_TOO_SMALL when not one epoch fits.
 */
export async function planTimeBudget(resolved: ResolvedConfig, options: TimeBudgetOptions = {}): Promise<TimeBudgetPlan> {
  const started = options.startedAt ?? Date.now();
  const { config } = resolved;
  const budget = config.training.timeBudget!;
  const budgetSeconds = durationSeconds(budget)!;
  const pilot = await runPilot(resolved, options, config);
  const counts = await runCounts(resolved, config, options.dataDir);
  const plugins = [...(await loadPlugins(config, resolved.baseDir)), ...(options.plugins ?? [])];
  const batchSize = config.training.batchSize;
  const endOfRun = endOfRunWork(plugins, { trainImages: counts.train, validationImages: counts.validation, testImages: counts.test, batchSize, imageSize: counts.imageSize });
  const spentSeconds = (Date.now() - started) / 1000;
  // The pilot trained two epochs, evaluated a batch and did its plugins' end-of-run work on its few
  // images; what it took beyond that is start-up and warm-up.
  const pilotEnd = endOfRunWork(plugins, { trainImages: pilot.images, validationImages: 0, testImages: pilot.testImages, batchSize, imageSize: counts.imageSize });
  const overheadSeconds = Math.max(0, pilot.seconds - (2 * pilot.images + EVAL_COST * pilot.testImages) / pilot.imgPerSec - workSeconds(pilotEnd, pilot.imgPerSec));
  const inputs: BudgetInputs = {
    budgetSeconds,
    spentSeconds,
    overheadSeconds,
    imgPerSec: pilot.imgPerSec,
    trainImages: counts.train,
    evalImagesPerEpoch: counts.validation + (config.training.testEachEpoch ? counts.test : 0),
    testImages: counts.test,
    endOfRun,
    margin: BUDGET_MARGIN,
  };
  const plan = { budget, budgetSeconds, pilotImgPerSec: pilot.imgPerSec, pilotSeconds: pilot.seconds, spentSeconds, overheadSeconds, margin: BUDGET_MARGIN, ...planEpochs(inputs) };
  if (plan.epochs < 1) {
    const needed = Math.ceil(spentSeconds + overheadSeconds + plan.finalEvalSeconds + plan.endOfRunSeconds + plan.epochSeconds / (1 - BUDGET_MARGIN));
    throw new ConfigError(
      `training.timeBudget ${budget}: not one epoch fits (the pilot trained ${Math.round(pilot.imgPerSec)} img/s, so an epoch of ${counts.train} images takes ~${Math.round(plan.epochSeconds)} s and the run needs ~${needed} s); raise the budget to at least ${needed}s or train on fewer images (data.limit)`,
      'TIME_BUDGET_TOO_SMALL',
    );
  }
  return plan;
}

/** A run summary with the time-budget plan it trained under and the keeper's revisions of its epochs. */
export type BudgetSummary = (RunSummary | RefitSummary) & { readonly timeBudget: TimeBudgetPlan & { readonly revisions: readonly BudgetRevision[] } };

/**
 * Trains `resolved` as `trickster train` does: with training.timeBudget set (and not resuming),
 * plans the epochs first (planTimeBudget), then trains with trainWithRefit (keepBudget logs the
 * plan and revises the epochs to the pace it measures) and adds the plan and the revisions to the
 * summary and summary.json. A resume continues the epochs last revised (config.json holds them).
 * A time budget and early stopping's refit do not combine (CONFIG_INVALID).
 */
export async function trainWithTimeBudget(resolved: ResolvedConfig, options: TimeBudgetOptions = {}): Promise<RunSummary | RefitSummary | BudgetSummary> {
  const { startedAt: _started, ...trainerOptions } = options;
  if (resolved.config.training.timeBudget === undefined) return trainWithRefit(resolved, trainerOptions);
  if (refitMode(resolved.config)) {
    throw new ConfigError('training.timeBudget: a refit trains a second run whose length early stopping chooses, so no budget can be planned ahead; drop training.timeBudget or plugins.early-stopping.refit');
  }
  if (options.resume) {
    throw new ConfigError('training.timeBudget: a resume continues the epochs the run planned (config.json has them, and no budget); resume with --resume RUN_DIR alone');
  }
  // A folder that holds a run is refused before the pilot spends the budget, as the run would refuse it after.
  if (options.outDir) new RunDir(path.resolve(options.outDir)).assertNoRun();
  const startedAt = options.startedAt ?? Date.now();
  const plan = await planTimeBudget(resolved, { ...options, startedAt });
  const keeper = keepBudget(plan, startedAt);
  const summary = await trainWithRefit({ ...resolved, config: withoutBudget(resolved.config, plan.epochs) }, { ...trainerOptions, plugins: [...(options.plugins ?? []), keeper.plugin] });
  const withPlan = { ...summary, timeBudget: { ...plan, revisions: keeper.revisions } };
  new RunDir(summary.runDir).writeSummary(withPlan);
  return withPlan;
}
