import { fmt, lrChange, trainCurve } from './curve.js';
import type { Diagnosis, RunCurves } from './types.js';

/** The early loss peaks at this many times its first logged value or more: it rose or exploded. */
export const INITIAL_RISE_FACTOR = 1.5;
/**
 * A training loss at or above this has exploded: cross-entropy 1000 means the true class got a
 * probability below e^-1000 (a fresh classifier starts near ln(classes), about 2.3 for 10).
 */
export const EXPLODED_LOSS = 1e3;
/** The change proposed for a spike in the first logged window when the run has no warmup. */
const WARMUP_CHANGE = 'schedule.warmup: { epochs: 1, startFactor: 0.1 }';
/** At least this many training-loss points are needed (step lines, else epochs). */
export const INITIAL_MIN_POINTS = 3;

/**
 * Initial learning rate too high (seed 003: "explodes at the start"): within the first epoch's
 * points (the first half of the curve when all points are in one epoch) the training loss peaks at
 * INITIAL_RISE_FACTOR x its start or more, or is NaN/infinite there; or the first logged loss is
 * EXPLODED_LOSS or more already (an explosion inside the first logged window). Its start is the
 * first logged loss, or the loss a fresh classifier starts from (ln(classes), when the run
 * recorded it) if lower: a first logged point that is the mean of a window (10 steps by default)
 * already holds a rise inside that window, so it is INITIAL_RISE_FACTOR x ln(classes) or more
 * itself. Change: a tenth of optimizer.lr; for a rise inside the first logged window of a run
 * without warmup, one epoch of linear warmup from 0.1x instead (seeds 001 and 003: the standard
 * cure for a large rate's unstable first steps, which keeps the rate the rest of the run was tuned for).
 */
export function diagnoseInitialLr(curves: RunCurves): Diagnosis | null {
  const curve = trainCurve(curves);
  const title = 'initial learning rate too high: the loss rises or explodes at the start';
  const change = lrChange(curves.config.optimizer.lr, 0.1);
  const first = curve.losses[0];
  if (first !== undefined && first >= EXPLODED_LOSS) {
    return { id: 'initial-lr-too-high', title, change, evidence: `training loss ${fmt(first)} at ${curve.labels[0]} (epoch ${curve.epochs[0]}, lr ${fmt(curve.lrs[0]!)}) already: exploded (>= ${fmt(EXPLODED_LOSS)})` };
  }
  if (first === undefined) return null;
  const fresh = curves.initialLoss ?? null;
  if (fresh !== null && curve.epochs[0] === 1 && first >= INITIAL_RISE_FACTOR * fresh) {
    return {
      id: 'initial-lr-too-high',
      title,
      change: curves.config.schedule.warmup ? change : WARMUP_CHANGE,
      evidence: `training loss ${fmt(first)} at ${curve.labels[0]} (epoch 1, lr ${fmt(curve.lrs[0]!)}), the first logged, is ${fmt(first / fresh)}x the ${fmt(fresh)} (ln(classes)) a fresh classifier starts from: it rose within the first logged window; threshold ${INITIAL_RISE_FACTOR}x`,
    };
  }
  if (curve.losses.length < INITIAL_MIN_POINTS) return null;
  const start = fresh !== null && curve.epochs[0] === 1 ? Math.min(first, fresh) : first;
  const inFirstEpoch = curve.epochs.filter((e) => e === curve.epochs[0]).length;
  const early = inFirstEpoch === curve.losses.length ? Math.ceil(curve.losses.length / 2) : Math.max(inFirstEpoch, 2);
  const window = curve.losses.slice(1, early);
  const nonFinite = window.findIndex((v) => !Number.isFinite(v));
  const peak = 1 + (nonFinite >= 0 ? nonFinite : window.indexOf(Math.max(...window)));
  const value = curve.losses[peak]!;
  if (!Number.isFinite(first) || (Number.isFinite(value) && value < INITIAL_RISE_FACTOR * start)) return null;
  const rise = Number.isFinite(value) ? `rose to ${fmt(value)} (${fmt(value / start)}x${start < first ? ` the ${fmt(start)} (ln(classes)) a fresh classifier starts from` : ''})` : `became ${value}`;
  return {
    id: 'initial-lr-too-high',
    title,
    evidence: `training loss ${fmt(first)} at ${curve.labels[0]}, ${rise} at ${curve.labels[peak]} (epoch ${curve.epochs[peak]}, lr ${fmt(curve.lrs[peak]!)}); threshold ${INITIAL_RISE_FACTOR}x`,
    change,
  };
}
