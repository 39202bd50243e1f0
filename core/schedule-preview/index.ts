import type { TricksterConfig } from '../config/schema.js';
import { batchCount } from '../data/batcher.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { TricksterPlugin } from '../plugin.js';
import { withValidationHoldout } from '../validation-holdout.js';
import { PreviewHost } from './preview-host.js';
import { replayStepRates, type StepRate } from './replay.js';
import { trainingImageCount } from './training-count.js';

export type { StepRate } from './replay.js';

/** Where the preview's epoch length comes from: a given count of optimizer steps, or the dataset. */
export interface PreviewOptions {
  /** Optimizer steps per epoch; without it, counted from the dataset as the trainer counts them. */
  stepsPerEpoch?: number;
  /** Folder relative `data.dir` is resolved against (the config file's). */
  baseDir: string;
  /** Dataset folder (`--data`), over the config's data.dir. */
  dataDir?: string;
  /** Where the plugins' validate warnings go. */
  logger: Logger;
}

/** The learning rate of every optimizer step of a run, as the trainer would apply it. */
export interface SchedulePreview {
  stepsPerEpoch: number;
  steps: StepRate[];
}

/**
 * Previews a run's learning rates with the code the trainer runs: `plugins` (the config's, as
 * app/plugin-loader.ts makes them) are applied to a PreviewHost and validated, the epoch length is
 * the trainer's (training images after limit and validation hold-out, full batches, whole windows
 * of micro-batches), and the loop's learning-rate events are replayed (./replay.ts).
 */
export function previewSchedule(config: TricksterConfig, plugins: readonly TricksterPlugin[], options: PreviewOptions): SchedulePreview {
  const host = new PreviewHost(config, options.logger);
  for (const plugin of plugins) plugin.apply(host);
  const active = plugins.map((p) => p.name);
  host.hooks.validate.call({ plugins: active, has: (n) => active.includes(n), warn: (m) => options.logger.warn(m) });
  const { batchSize } = config.training;
  if (options.stepsPerEpoch !== undefined) {
    host.batchesPerEpoch = options.stepsPerEpoch * host.microBatchesPerStep;
  } else {
    // As the trainer: plugins that act on metrics get a validation split held out of the training set.
    const trained = withValidationHoldout(config, host.validationUsers).config;
    host.batchesPerEpoch = batchCount(trainingImageCount(trained, options.baseDir, options.dataDir), batchSize, true);
  }
  if (host.stepsPerEpoch === 0) {
    const micro = host.microBatchesPerStep;
    throw new ConfigError(
      `training.batchSize: an epoch has ${host.batchesPerEpoch} full batches of ${batchSize} but one optimizer step takes ${micro}; ` +
        `lower training.batchSize${micro > 1 ? ' or the accumulation steps' : ''}`,
    );
  }
  return { stepsPerEpoch: host.stepsPerEpoch, steps: replayStepRates(host, config.training.epochs) };
}
