import { fmt, lrChange } from './curve.js';
import { diagnoseInitialLr, EXPLODED_LOSS, INITIAL_RISE_FACTOR } from './initial-lr.js';
import type { Diagnosis, RunCurves } from './types.js';

/**
 * Divergence: the run was stopped by NUMERIC_INSTABILITY (divergence.json), or a logged training
 * loss is NaN or infinite. Unless the first epoch went calmly (a mean training loss below
 * EXPLODED_LOSS and INITIAL_RISE_FACTOR x the first logged loss, no rise found by diagnoseInitialLr) the change is a
 * tenth of the initial rate; after a calm first epoch, a decaying schedule when the rate is
 * constant, else a third of the rate.
 */
export function diagnoseDivergence(curves: RunCurves): Diagnosis | null {
  const { divergence: d, config } = curves;
  const bad = curves.steps.find((p) => !Number.isFinite(p.loss)) ?? curves.epochs.find((p) => !Number.isFinite(p.trainLoss));
  if (!d && !bad) return null;
  const where = d ? `after ${d.epochsCompleted} finished epoch(s), at step ${d.step} (lr ${fmt(d.lr)})` : `at epoch ${bad!.epoch}, step ${bad!.step} (lr ${fmt(bad!.lr)})`;
  const what = d ? `the run stopped with NUMERIC_INSTABILITY ${where}: ${d.message}` : `the training loss became NaN or infinite ${where}`;
  const firstEpoch = curves.epochs[0]?.trainLoss ?? NaN;
  const firstLogged = curves.steps[0]?.loss ?? firstEpoch;
  const calmFirstEpoch = firstEpoch < EXPLODED_LOSS && firstEpoch < INITIAL_RISE_FACTOR * firstLogged && diagnoseInitialLr(curves) === null;
  const early = (d ? d.epochsCompleted === 0 : bad!.epoch === 1) || !calmFirstEpoch;
  const change = early ? lrChange(config.optimizer.lr, 0.1) : config.schedule.name === 'constant' ? 'schedule: { name: cosine }' : lrChange(config.optimizer.lr, 1 / 3);
  return { id: 'divergence', title: 'training diverged (NaN or infinite values)', evidence: what, change };
}
