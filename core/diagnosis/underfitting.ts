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
 * Underfitting (both losses high and flat): over the last two epochs neither the training nor the
 * validation loss fell by UNDER_FLAT or more an epoch, and both are still at least UNDER_HIGH of
 * the first logged training loss. Not reported when a learning-rate diagnosis explains the curve
 * (a rise at the start, or a slow but steady fall). Change: twice the model width.
 */
export function diagnoseUnderfitting(curves: RunCurves): Diagnosis | null {
  const e = curves.epochs;
  if (e.length < UNDER_MIN_EPOCHS || diagnoseInitialLr(curves) || diagnoseLrTooLow(curves)) return null;
  const reference = Math.min(trainCurve(curves).losses[0]!, e[0]!.trainLoss);
  const last3 = e.slice(-3);
  const series = [last3.map((p) => p.trainLoss), ...(last3.every((p) => typeof p.valLoss === 'number') ? [last3.map((p) => p.valLoss!)] : [])];
  const flatAndHigh = (s: number[]) => s.every(Number.isFinite) && s[1]! > s[0]! * (1 - UNDER_FLAT) && s[2]! > s[1]! * (1 - UNDER_FLAT) && s[2]! >= UNDER_HIGH * reference;
  if (!(reference > 0) || !series.every(flatAndHigh)) return null;
  const width = curves.config.model.width ?? 1;
  const [from, to] = [last3[0]!, last3[2]!];
  const val = series.length > 1 ? `, validation loss ${fmt(from.valLoss!)} -> ${fmt(to.valLoss!)}` : '';
  return {
    id: 'underfitting',
    title: 'underfitting: training and validation loss both high and flat',
    evidence:
      `epochs ${from.epoch}-${to.epoch}: training loss ${fmt(from.trainLoss)} -> ${fmt(to.trainLoss)}${val} (flat: under ${pct(UNDER_FLAT).slice(1)} lower an epoch), ` +
      `still ${fmt(to.trainLoss / reference)} of the first logged training loss ${fmt(reference)} (high: >= ${UNDER_HIGH})`,
    change: `model.width: ${fmt(width)} -> ${fmt(2 * width)}`,
  };
}
