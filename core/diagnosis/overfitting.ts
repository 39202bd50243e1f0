import { fmt, pct } from './curve.js';
import type { Diagnosis, EpochPoint, RunCurves } from './types.js';

/** Epochs with a validation loss needed. */
export const OVERFIT_MIN_EPOCHS = 3;
/** The last validation loss is at least this fraction above its lowest. */
export const OVERFIT_VAL_RISE = 0.05;
/** The training loss fell at least this fraction between the best validation epoch and the last. */
export const OVERFIT_TRAIN_FALL = 0.05;

/**
 * Overfitting (seed 003: validation loss falling then rising, a widening train/validation gap):
 * the validation loss is at least OVERFIT_VAL_RISE above its lowest at the last epoch while the
 * training loss fell at least OVERFIT_TRAIN_FALL since that best epoch, and the gap (val - train)
 * is wider than at the best epoch. Needs a validation split. Change: early stopping that keeps the
 * best weights; with early stopping on already, twice the weight decay.
 */
export function diagnoseOverfitting(curves: RunCurves): Diagnosis | null {
  const val = curves.epochs.filter((e): e is EpochPoint & { valLoss: number } => typeof e.valLoss === 'number' && Number.isFinite(e.valLoss));
  if (val.length < OVERFIT_MIN_EPOCHS) return null;
  const best = val.reduce((b, e) => (e.valLoss < b.valLoss ? e : b));
  const last = val[val.length - 1]!;
  const valRise = (last.valLoss - best.valLoss) / best.valLoss;
  const trainFall = (best.trainLoss - last.trainLoss) / best.trainLoss;
  const [gapBest, gapLast] = [best.valLoss - best.trainLoss, last.valLoss - last.trainLoss];
  if (valRise < OVERFIT_VAL_RISE || trainFall < OVERFIT_TRAIN_FALL || gapLast <= gapBest) return null;
  const { config } = curves;
  const wd = config.optimizer.weightDecay ?? 0;
  const change =
    'early-stopping' in config.plugins
      ? `optimizer.weightDecay: ${fmt(wd)} -> ${fmt(wd > 0 ? 2 * wd : 5e-4)}`
      : `plugins: { early-stopping: { patience: 2, restoreBestWeights: true } }`;
  return {
    id: 'overfitting',
    title: 'overfitting: validation loss rising while training loss falls',
    evidence:
      `validation loss lowest at epoch ${best.epoch} (${fmt(best.valLoss)}), ${fmt(last.valLoss)} at epoch ${last.epoch} (${pct(valRise)}, threshold ${pct(OVERFIT_VAL_RISE)}); ` +
      `training loss ${fmt(best.trainLoss)} -> ${fmt(last.trainLoss)} (${pct(-trainFall)}); train/val gap ${fmt(gapBest)} -> ${fmt(gapLast)}`,
    change,
  };
}
