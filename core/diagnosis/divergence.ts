import { fmt, lrChange } from './curve.js';
import type { Diagnosis, RunCurves } from './types.js';

/**
 * Divergence: the run was stopped by NUMERIC_INSTABILITY (divergence.json), or a logged training
 * loss is NaN or infinite. In the first epoch the change is a tenth of the initial rate; later, a
 * decaying schedule when the rate is constant, else a third of the rate.
 */
export function diagnoseDivergence(curves: RunCurves): Diagnosis | null {
  const { divergence: d, config } = curves;
  const bad = curves.steps.find((p) => !Number.isFinite(p.loss)) ?? curves.epochs.find((p) => !Number.isFinite(p.trainLoss));
  if (!d && !bad) return null;
  const where = d ? `after ${d.epochsCompleted} finished epoch(s), at step ${d.step} (lr ${fmt(d.lr)})` : `at epoch ${bad!.epoch}, step ${bad!.step} (lr ${fmt(bad!.lr)})`;
  const what = d ? `the run stopped with NUMERIC_INSTABILITY ${where}: ${d.message}` : `the training loss became NaN or infinite ${where}`;
  const early = d ? d.epochsCompleted === 0 : bad!.epoch === 1;
  const change = early ? lrChange(config.optimizer.lr, 0.1) : config.schedule.name === 'constant' ? 'schedule: { name: cosine }' : lrChange(config.optimizer.lr, 1 / 3);
  return { id: 'divergence', title: 'training diverged (NaN or infinite values)', evidence: what, change };
}
