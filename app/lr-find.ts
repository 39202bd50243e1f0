import { explainBackendFailure } from '../core/backend-failure.js';
import type { BackendChoice } from '../core/backends/resolve.js';
import type { Logger } from '../core/logger.js';
import { runRangeTest, type RangeTestPoint, type RangeTestResult } from '../core/lr-find/range-test.js';
import { steepSuggestion, suggestionWindow, valleySuggestion, type LrSuggestion } from '../core/lr-find/suggest.js';
import { prepareRun, type TrainerConfigInput } from './create-trainer.js';

/** How to run the range test, beside the config. */
export interface FindLrOptions {
  /** Optimizer steps of the ramp (default 200). */
  steps?: number;
  /** First rate of the ramp (default 1e-7, as fastai). */
  startLr?: number;
  /** Last rate of the ramp (default 10, as fastai). */
  endLr?: number;
  backend?: BackendChoice;
  /** Dataset folder; overrides the config's data.dir and TRICKSTER_DATA. */
  dataDir?: string;
  logger?: Logger;
}

/** The range test's curve and what it suggests. */
export interface LrFindResult {
  /** One point per optimizer step: the rate, the mean raw loss, the smoothed loss. */
  points: RangeTestPoint[];
  plannedSteps: number;
  /** Whether the test stopped because the smoothed loss passed 4x its best. */
  diverged: boolean;
  /** fastai's valley rule (the suggestion, null when the curve is too short). */
  valley: LrSuggestion | null;
  /** Steepest descent of the smoothed loss against log(lr). */
  steep: LrSuggestion | null;
  /** `optimizer.lr` per rate of the curve (1 unless a scaling rule such as lr-schedule's linear rule changes the base rate). */
  configLrPerRate: number;
  /** The `optimizer.lr` that makes the run train at the valley rate (differs from it under a scaling rule); null without a suggestion. */
  suggestedConfigLr: number | null;
}

/**
 * Runs the LR range test on a run's own model, data, augmentation and plugins (the config as
 * createTrainer builds it), and suggests a rate by fastai's valley rule, with the steepest
 * descent beside it. Trains a throwaway model; writes nothing. A backend that runs out of memory
 * is RESOURCE_EXHAUSTED, as in training (core/backend-failure.ts).
 */
export async function findLearningRate(input: TrainerConfigInput, options: FindLrOptions = {}): Promise<LrFindResult> {
  const run = await prepareRun(input, options);
  const steps = options.steps ?? 200;
  let result: RangeTestResult;
  try {
    result = await runRangeTest(
      { config: run.config, plugins: run.plugins, data: run.data, logger: run.logger },
      { steps, startLr: options.startLr ?? 1e-7, endLr: options.endLr ?? 10 },
    );
  } catch (err) {
    // As train does: a backend out of memory is RESOURCE_EXHAUSTED with the smaller batch to use.
    throw explainBackendFailure(err, { batchSize: run.config.training.batchSize, backend: run.backend });
  }
  const window = suggestionWindow(
    result.points.map((p) => ({ lr: p.lr, loss: p.smoothed })),
    steps,
  );
  const valley = valleySuggestion(window);
  const steep = steepSuggestion(window);
  return { ...result, valley, steep, suggestedConfigLr: valley ? valley.lr * result.configLrPerRate : null };
}
