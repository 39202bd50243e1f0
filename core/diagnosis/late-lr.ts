import { fmt, lrChange, meanOfPart, pct, trainCurve } from './curve.js';
import type { Diagnosis, RunCurves } from './types.js';

/** Points needed (step lines, else epochs). */
export const LATE_MIN_POINTS = 8;
/** "Drops fast": the mean loss over 25-35% of the curve is at least this fraction below the first point. */
export const LATE_FAST_DROP = 0.3;
/** "Then flat": the last quarter's mean loss is less than this fraction below the third quarter's. */
export const LATE_FLAT = 0.03;
/** "While the LR is still high": the last point's rate is at least this fraction of the highest rate of the run. */
export const LATE_LR_STILL_HIGH = 0.5;

/**
 * Late learning rate too high (seed 003: "drops fast then flat"): the training loss falls fast
 * early (LATE_FAST_DROP) and then stops improving (LATE_FLAT) while the learning rate has not been
 * decayed (LATE_LR_STILL_HIGH). Only on a finished run or under a constant schedule: a decay yet
 * to come would not show in the curves so far. Change: a cosine schedule (a third of the rate when
 * it is already cosine).
 */
export function diagnoseLateLr(curves: RunCurves): Diagnosis | null {
  const { config } = curves;
  if (!curves.finished && config.schedule.name !== 'constant') return null;
  const { losses, lrs, labels } = trainCurve(curves);
  if (losses.length < LATE_MIN_POINTS || !losses.every(Number.isFinite)) return null;
  const first = losses[0]!;
  const early = meanOfPart(losses, 0.25, 0.35);
  const q3 = meanOfPart(losses, 0.5, 0.75);
  const q4 = meanOfPart(losses, 0.75, 1);
  const lastLr = lrs[lrs.length - 1]!;
  const maxLr = Math.max(...lrs);
  const drop = (first - early) / first;
  const late = (q3 - q4) / q3;
  if (drop < LATE_FAST_DROP || late >= LATE_FLAT || lastLr < LATE_LR_STILL_HIGH * maxLr) return null;
  return {
    id: 'late-lr-too-high',
    title: 'learning rate too high late in training: the loss drops fast, then stays flat',
    evidence:
      `training loss ${fmt(first)} at ${labels[0]} -> ${fmt(early)} over 25-35% of training (${pct(-drop)}, fast: >= ${pct(LATE_FAST_DROP)} down), ` +
      `then ${fmt(q3)} -> ${fmt(q4)} from the third to the last quarter (${pct(-late)}, flat: < ${pct(LATE_FLAT)} down) ` +
      `while the lr is still ${fmt(lastLr)} at ${labels[labels.length - 1]} (${fmt(lastLr / maxLr)} of its highest, ${fmt(maxLr)})`,
    change: config.schedule.name === 'cosine' ? lrChange(config.optimizer.lr, 1 / 3) : 'schedule: { name: cosine }',
  };
}
