import { fmt, linearTrend, lrChange, meanOfPart, pct, trainCurve } from './curve.js';
import type { Diagnosis, RunCurves } from './types.js';

/** Points needed (step lines, else epochs). */
export const LOW_MIN_POINTS = 6;
/** "Slow": the fitted line falls by less than this fraction of its starting value over the whole curve. */
export const LOW_SLOW_DROP = 0.25;
/** "Throughout": the fitted line's slope is negative with a t statistic at or below this (not noise). */
export const LOW_TREND_T = -2;
/** Never above the first point by more than this factor (a rise is a rate too high, not too low). */
export const LOW_MAX_RISE = 1.1;

/**
 * Learning rate too low (seed 003: "slow decrease throughout"): a least-squares line through the
 * training loss falls clearly (slope t statistic <= LOW_TREND_T), the second half's mean is below
 * the first half's (still falling at the end), yet the line drops by less than LOW_SLOW_DROP over
 * the whole curve, and the loss never rises above LOW_MAX_RISE x its first value. Change: ten
 * times optimizer.lr.
 */
export function diagnoseLrTooLow(curves: RunCurves): Diagnosis | null {
  const { losses, labels } = trainCurve(curves);
  if (losses.length < LOW_MIN_POINTS || !losses.every(Number.isFinite)) return null;
  const trend = linearTrend(losses);
  const [h1, h2] = [meanOfPart(losses, 0, 0.5), meanOfPart(losses, 0.5, 1)];
  const drop = (trend.start - trend.end) / trend.start;
  if (trend.t > LOW_TREND_T || !(h2 < h1) || drop >= LOW_SLOW_DROP || Math.max(...losses) > LOW_MAX_RISE * losses[0]!) return null;
  return {
    id: 'lr-too-low',
    title: 'learning rate too low: the loss decreases slowly throughout',
    evidence:
      `training loss ${fmt(losses[0]!)} at ${labels[0]} -> ${fmt(losses[losses.length - 1]!)} at ${labels[labels.length - 1]}; ` +
      `the fitted line falls ${fmt(trend.start)} -> ${fmt(trend.end)} (${pct(-drop)}, slow: less than ${pct(LOW_SLOW_DROP).slice(1)} down; slope t ${fmt(trend.t)}, steady: <= ${LOW_TREND_T}), ` +
      `still falling in the second half (half means ${fmt(h1)} -> ${fmt(h2)})`,
    change: lrChange(curves.config.optimizer.lr, 10),
  };
}
