import type { SchedulePreview } from './index.js';

/** A point of a learning-rate curve: time in epochs (fractional between epoch starts) and the rate. */
export interface CurvePoint {
  epoch: number;
  lr: number;
}

/** The rate of each epoch's first optimizer step (zero-based epochs), as `trickster schedule` prints them. */
export function epochStartRates({ steps, stepsPerEpoch }: SchedulePreview): CurvePoint[] {
  return steps.filter((s) => (s.step - 1) % stepsPerEpoch === 0).map((s) => ({ epoch: s.epoch, lr: s.lr }));
}

/** Up to `perEpoch` evenly spaced points per epoch of the per-step rates, for plotting. */
export function sampledCurve({ steps, stepsPerEpoch }: SchedulePreview, perEpoch = 20): CurvePoint[] {
  const stride = Math.max(1, Math.floor(stepsPerEpoch / perEpoch));
  return steps.filter((s) => (s.step - 1) % stride === 0).map((s) => ({ epoch: (s.step - 1) / stepsPerEpoch, lr: s.lr }));
}
