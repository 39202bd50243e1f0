import * as tf from '@tensorflow/tfjs';

/**
 * 0-based index of the first epoch of the SWA phase. An integer `start` ≥ 1 is that epoch
 * counted from 1; a fraction f in (0, 1) starts it after the first f of training, floor(f·epochs)
 * (0.75 of 10 epochs: the phase is epochs 8–10, counted from 1).
 */
export function swaStartEpoch(start: number, epochs: number): number {
  return start >= 1 ? Math.round(start) - 1 : Math.floor(start * epochs);
}

/** Whether a snapshot is averaged in at the end of 0-based `epoch`: from `startEpoch`, every `every` epochs. */
export function collectsAt(epoch: number, startEpoch: number, every: number): boolean {
  return epoch >= startEpoch && (epoch - startEpoch) % every === 0;
}

/**
 * The running average after adding snapshot `x` to `avg`, which holds `n` snapshots:
 * a + (x − a)/(n + 1) (seed 002, AveragedModel's default avg_fn), as a new tensor.
 */
export function runningAverage(avg: tf.Tensor, x: tf.Tensor, n: number): tf.Tensor {
  return tf.tidy(() => tf.add(avg, tf.div(tf.sub(x, avg), n + 1)));
}

/**
 * The SWA learning rate `epochsIn` (fractional) epochs into the SWA phase: linear from `startLr`
 * (the scheduled rate when the phase began) to `swaLr` over `annealEpochs`, constant after
 * (PyTorch's SWALR with anneal_strategy 'linear').
 */
export function swaLearningRate(startLr: number, swaLr: number, epochsIn: number, annealEpochs: number): number {
  if (annealEpochs <= 0 || epochsIn >= annealEpochs) return swaLr;
  return startLr + ((swaLr - startLr) * Math.max(epochsIn, 0)) / annealEpochs;
}
