import type { PreviewHost } from './preview-host.js';

/** The learning rate of one optimizer step, as the trainer hands it to the optimizer. */
export interface StepRate {
  /** 1-based optimizer step of the run. */
  step: number;
  /** Zero-based epoch of the step. */
  epoch: number;
  lr: number;
}

/**
 * Replays the learning-rate events of `epochs` epochs on a host whose plugins are applied, as the
 * trainer's loop makes them (core/trainer.ts): per epoch, stepsPerEpoch × microBatchesPerStep
 * micro-batches, each with beforeStep at the loop's Position counters, and an optimizer step at
 * the end of each window of micro-batches, whose rate (`host.hyper.lr`) is recorded. Events that
 * need a model or metrics (setup, batch, loss, backward, evaluation) are not replayed: ReduceLROnPlateau's
 * reductions, which come from evaluation metrics, are not in the preview.
 */
export function replayStepRates(host: PreviewHost, epochs: number): StepRate[] {
  const rates: StepRate[] = [];
  const micro = host.microBatchesPerStep;
  const limit = host.stepsPerEpoch * micro;
  const batchSize = host.config.training.batchSize;
  for (let epoch = 0; epoch < epochs; epoch++) {
    Object.assign(host.pos, { epoch, batchInEpoch: 0 });
    for (let b = 0; b < limit; b++) {
      host.hooks.beforeStep.call({ ...host.position, variables: {}, batchSize });
      if ((b + 1) % micro === 0) {
        host.pos.step += 1;
        rates.push({ step: host.pos.step, epoch, lr: host.hyper.lr });
      }
      host.pos.microStep += 1;
      host.pos.batchInEpoch += 1;
    }
  }
  return rates;
}
