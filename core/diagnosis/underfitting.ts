import { fmt, pct, trainCurve } from './curve.js';
import { diagnoseInitialLr } from './initial-lr.js';
import { diagnoseLrTooLow } from './lr-too-low.js';
import type { Diagnosis, RunCurves } from './types.js';

/** Epochs needed. */
export const UNDER_MIN_EPOCHS = 3;
/** "High": the last epoch's training (and validation) loss is at least this fraction of the first logged training loss. */
export const UNDER_HIGH = 0.5;
/** "Flat": each of the last two epochs lowered the training (and validation) loss by less than this fraction. */
export const UNDER_FLAT = 0.02;

/**
 * The lowest training loss label smoothing allows: the entropy of its smoothed target,
 * −(1−ε+ε/K)·ln(1−ε+ε/K) − (K−1)·(ε/K)·ln(ε/K), for K classes (about 0.50 for ε 0.1 and K 10).
 * 0 without label smoothing, or when K is unknown (no initialLoss, which is ln K).
 */
export function smoothingLossFloor(curves: RunCurves): number {
  const options = curves.config.plugins['label-smoothing'];
  if (!options || !curves.initialLoss) return 0;
  const epsilon = (options as { epsilon?: number }).epsilon ?? 0.1;
  const k = Math.round(Math.exp(curves.initialLoss));
  if (!(epsilon > 0) || k < 2) return 0;
  const hit = 1 - epsilon + epsilon / k;
  const miss = epsilon / k;
  return -hit * Math.log(hit) - (k - 1) * miss * Math.log(miss);
}

/**
 * Underfitting (both losses high and flat): over the last two epochs neither the training nor the
 * validation loss fell by UNDER_FLAT or more an epoch, and both are still at least UNDER_HIGH of
 * the first logged training loss (the training loss counted above the floor label smoothing sets,
 * smoothingLossFloor; the validation loss has hard targets). Not reported when a learning-rate
 * diagnosis explains the curve (a rise at the start, or a slow but steady fall). Change: twice
 * the model width.
 */
export function diagnoseUnderfitting(curves: RunCurves): Diagnosis | null {
  const e = curves.epochs;
  if (e.length < UNDER_MIN_EPOCHS || diagnoseInitialLr(curves) || diagnoseLrTooLow(curves)) return null;
  const floor = smoothingLossFloor(curves);
  const reference = Math.min(trainCurve(curves).losses[0]!, e[0]!.trainLoss) - floor;
  const last3 = e.slice(-3);
  // Each series with the floor its loss cannot go below: the training loss's, and 0 for the validation loss (hard targets).
  const series: Array<[number[], number]> = [[last3.map((p) => p.trainLoss), floor]];
  if (last3.every((p) => typeof p.valLoss === 'number')) series.push([last3.map((p) => p.valLoss!), 0]);
  const flatAndHigh = ([s, low]: [number[], number]) =>
    s.every(Number.isFinite) && s[1]! > s[0]! * (1 - UNDER_FLAT) && s[2]! > s[1]! * (1 - UNDER_FLAT) && s[2]! - low >= UNDER_HIGH * (reference + floor - low);
  if (!(reference > 0) || !series.every(flatAndHigh)) return null;
  const width = curves.config.model.width ?? 1;
  const [from, to] = [last3[0]!, last3[2]!];
  const val = series.length > 1 ? `, validation loss ${fmt(from.valLoss!)} -> ${fmt(to.valLoss!)}` : '';
  const above = floor > 0 ? ` above the label-smoothing floor ${fmt(floor)}` : '';
  return {
    id: 'underfitting',
    title: series.length > 1 ? 'underfitting: training and validation loss both high and flat' : 'underfitting: training loss high and flat (no validation split)',
    evidence:
      `epochs ${from.epoch}-${to.epoch}: training loss ${fmt(from.trainLoss)} -> ${fmt(to.trainLoss)}${val} (flat: under ${pct(UNDER_FLAT).slice(1)} lower an epoch), ` +
      `still ${fmt((to.trainLoss - floor) / reference)} of the first logged training loss ${fmt(reference + floor)}${above} (high: >= ${UNDER_HIGH})`,
    change: `model.width: ${fmt(width)} -> ${fmt(2 * width)}`,
  };
}
