import { fmt, pct } from './curve.js';
import type { Diagnosis, RunCurves } from './types.js';

/** Epochs in a row without improvement that make a plateau (ReduceLROnPlateau's patience). */
export const PLATEAU_PATIENCE = 3;
/** An improvement lowers the best loss so far by more than this fraction (ReduceLROnPlateau's relative threshold). */
export const PLATEAU_THRESHOLD = 0.01;
/** Flat, not rising: no epoch of the stretch is more than this fraction above the best (a rise is overfitting's reading). */
export const PLATEAU_BAND = 0.03;
/** The learning rate counts as unchanged while its highest and lowest value in the stretch differ by at most this fraction. */
export const PLATEAU_LR_TOLERANCE = 0.01;

/**
 * A plateau a schedule or ReduceLROnPlateau would have caught: PLATEAU_PATIENCE epochs or more in
 * a row in which the monitored loss (validation, else training) never beat its best by more than
 * PLATEAU_THRESHOLD nor rose above it by more than PLATEAU_BAND, all at the same learning rate,
 * with the reduce-lr-on-plateau plugin off.
 * Change: switch that plugin on (patience 2, factor 0.1).
 */
export function diagnosePlateau(curves: RunCurves): Diagnosis | null {
  if ('reduce-lr-on-plateau' in curves.config.plugins) return null;
  const e = curves.epochs;
  const useVal = e.length > 0 && e.every((p) => typeof p.valLoss === 'number');
  const values = e.map((p) => (useVal ? p.valLoss! : p.trainLoss));
  if (!values.every(Number.isFinite)) return null;
  let best = 0;
  for (let i = 1; i < e.length; i++) {
    if (values[i]! < values[best]! * (1 - PLATEAU_THRESHOLD)) {
      best = i;
      continue;
    }
    const stretch = e.slice(best + 1, i + 1);
    const lrs = stretch.map((p) => p.lr);
    const rose = values.slice(best + 1, i + 1).some((v) => v > values[best]! * (1 + PLATEAU_BAND));
    if (rose || stretch.length < PLATEAU_PATIENCE || Math.max(...lrs) > Math.min(...lrs) * (1 + PLATEAU_LR_TOLERANCE)) continue;
    const name = useVal ? 'validation' : 'training';
    return {
      id: 'plateau',
      title: 'plateau at a constant learning rate',
      evidence:
        `${name} loss best ${fmt(values[best]!)} at epoch ${e[best]!.epoch}; epochs ${stretch[0]!.epoch}-${e[i]!.epoch} stayed within -${pct(PLATEAU_THRESHOLD).slice(1)}/+${pct(PLATEAU_BAND).slice(1)} of it ` +
        `(${stretch.map((p, k) => fmt(values[best + 1 + k]!)).join(', ')}) while the lr stayed ${fmt(lrs[0]!)}`,
      change: 'plugins: { reduce-lr-on-plateau: { patience: 2, factor: 0.1 } }',
    };
  }
  return null;
}
