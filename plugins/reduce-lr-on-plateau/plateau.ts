import type { Mode } from '../../core/metric-monitor.js';

/** Knobs of torch.optim.lr_scheduler.ReduceLROnPlateau (seed 003), names in camelCase. */
export interface PlateauRule {
  readonly mode: Mode;
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
}

/** The scheduler's state: best value, bad evaluations in a row, evaluations of cooldown left. */
export interface PlateauState {
  /** Best value so far; ±∞ (the mode's worst) before the first. */
  readonly best: number;
  readonly numBadEpochs: number;
  readonly cooldownCounter: number;
}

/** The state before any evaluation (PyTorch's `_reset`: best is the mode's worst value). */
export function initialPlateauState(mode: Mode): PlateauState {
  return { best: mode === 'min' ? Infinity : -Infinity, numBadEpochs: 0, cooldownCounter: 0 };
}

/**
 * PyTorch's `is_better`: rel min a < best·(1 − threshold), abs min a < best − threshold,
 * rel max a > best·(1 + threshold), abs max a > best + threshold. NaN is never better.
 */
export function isBetter(a: number, best: number, rule: Pick<PlateauRule, 'mode' | 'threshold' | 'thresholdMode'>): boolean {
  const { mode, threshold, thresholdMode } = rule;
  if (mode === 'min') return thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
  return thresholdMode === 'rel' ? a > best * (1 + threshold) : a > best + threshold;
}

/**
 * One `ReduceLROnPlateau.step(metric)` for a learning rate `lr`: a better value resets the bad
 * count; evaluations in cooldown count down and are never bad; more than `patience` bad ones
 * reduce the rate to max(lr·factor, minLr) — only when that lowers it by more than eps — and
 * start the cooldown. Returns the new state and rate.
 */
export function plateauStep(state: PlateauState, metric: number, lr: number, rule: PlateauRule): { state: PlateauState; lr: number } {
  let { best, numBadEpochs, cooldownCounter } = state;
  if (isBetter(metric, best, rule)) {
    best = metric;
    numBadEpochs = 0;
  } else {
    numBadEpochs += 1;
  }
  if (cooldownCounter > 0) {
    cooldownCounter -= 1;
    numBadEpochs = 0;
  }
  let next = lr;
  if (numBadEpochs > rule.patience) {
    const reduced = Math.max(lr * rule.factor, rule.minLr);
    if (lr - reduced > rule.eps) next = reduced;
    cooldownCounter = rule.cooldown;
    numBadEpochs = 0;
  }
  return { state: { best, numBadEpochs, cooldownCounter }, lr: next };
}

/**
 * The multiplier to apply on top of the other LR factors (`otherLr` = the rate without it) so the
 * plateau's reductions `reduction` never take the resulting rate below minLr, and never raise it
 * above `otherLr`: min(1, max(reduction, minLr / otherLr)).
 */
export function flooredMultiplier(reduction: number, otherLr: number, minLr: number): number {
  if (otherLr <= 0) return reduction;
  return Math.min(1, Math.max(reduction, minLr / otherLr));
}
