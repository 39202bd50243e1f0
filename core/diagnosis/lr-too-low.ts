import { fmt, lrChange, meanOfPart, pct, trainCurve } from './curve.js';
import type { Diagnosis, RunCurves } from './types.js';

/** Points needed (step lines, else epochs). */
export const LOW_MIN_POINTS = 6;
/** "Slow": the last quarter's mean loss is less than this fraction below the first point. */
export const LOW_SLOW_DROP = 0.25;
/** Never above the first point by more than this factor (a rise is a rate too high, not too low). */
export const LOW_MAX_RISE = 1.1;

/**
 * Learning rate too low (seed 003: "slow decrease throughout"): the training loss goes down all
 * the way, each half and each of the last two quarters lower than the one before, yet by less than
 * LOW_SLOW_DROP from its first value, and never rises above LOW_MAX_RISE x that value. Change: ten
 * times optimizer.lr.
 */
export function diagnoseLrTooLow(curves: RunCurves): Diagnosis | null {
  const { losses, labels } = trainCurve(curves);
  if (losses.length < LOW_MIN_POINTS || !losses.every(Number.isFinite)) return null;
  const first = losses[0]!;
  const [h1, h2] = [meanOfPart(losses, 0, 0.5), meanOfPart(losses, 0.5, 1)];
  const [q3, q4] = [meanOfPart(losses, 0.5, 0.75), meanOfPart(losses, 0.75, 1)];
  const drop = (first - q4) / first;
  const steady = h2 < h1 && q4 < q3 && q4 < first;
  if (!steady || drop >= LOW_SLOW_DROP || Math.max(...losses) > LOW_MAX_RISE * first) return null;
  return {
    id: 'lr-too-low',
    title: 'learning rate too low: the loss decreases slowly throughout',
    evidence:
      `training loss ${fmt(first)} at ${labels[0]} -> ${fmt(q4)} over the last quarter (to ${labels[labels.length - 1]}): ${pct(-drop)} (slow: < ${pct(LOW_SLOW_DROP)} down), ` +
      `still falling at the end (halves ${fmt(h1)} -> ${fmt(h2)}, last quarters ${fmt(q3)} -> ${fmt(q4)})`,
    change: lrChange(curves.config.optimizer.lr, 10),
  };
}
