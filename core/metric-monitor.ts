import { z } from 'zod';
import type { EvalMetrics } from './contexts.js';

/** The metrics early stopping and plateau detection watch: evaluation loss or top-1 accuracy. */
export type Monitor = 'val_loss' | 'top1';

/** Which way a monitored metric improves. */
export type Mode = 'min' | 'max';

/** Schema fields `monitor` (default val_loss) and `mode` (default: from the monitor). */
export const monitorFields = {
  monitor: z.enum(['val_loss', 'top1']).default('val_loss'),
  mode: z.enum(['min', 'max']).optional(),
};

/** The direction a monitor improves in unless the options say otherwise: loss down, accuracy up. */
export function defaultMode(monitor: Monitor): Mode {
  return monitor === 'val_loss' ? 'min' : 'max';
}

/** The monitored value of an evaluation's metrics. */
export function monitoredValue(metrics: EvalMetrics, monitor: Monitor): number {
  return monitor === 'val_loss' ? metrics.loss : metrics.top1;
}
