import type { TricksterConfig } from '../../core/config/schema.js';
import { optionsSchema } from './index.js';
import { linearScaledLr, scheduleFactor, type ScheduleSpec } from './schedules.js';

/** A point of the curve: epoch (fractional for per-step points) and learning rate. */
export interface CurvePoint {
  epoch: number;
  lr: number;
}

/**
 * The learning rate a config's schedule gives, without training: at the first step of each epoch
 * and at up to 20 points per epoch for plotting. Plugins that change the rate from metrics
 * (ReduceLROnPlateau) or override it (SWA) are not simulated.
 */
export function scheduleCurve(config: TricksterConfig, stepsPerEpoch: number): { perEpoch: CurvePoint[]; perStep: CurvePoint[] } {
  const options = optionsSchema.parse(config.schedule);
  const { warmup, scaleRule, ...spec } = options;
  const base = scaleRule === 'linear' ? linearScaledLr(config.optimizer.lr, config.training.batchSize, config.optimizer.name) : config.optimizer.lr;
  const epochs = config.training.epochs;
  const lrAt = (step: number) => base * scheduleFactor(spec as ScheduleSpec, warmup, step / stepsPerEpoch, epochs);
  const perEpoch = Array.from({ length: epochs }, (_, e) => ({ epoch: e, lr: lrAt(e * stepsPerEpoch) }));
  const stride = Math.max(1, Math.floor(stepsPerEpoch / 20));
  const perStep: CurvePoint[] = [];
  for (let s = 0; s < epochs * stepsPerEpoch; s += stride) perStep.push({ epoch: s / stepsPerEpoch, lr: lrAt(s) });
  return { perEpoch, perStep };
}
