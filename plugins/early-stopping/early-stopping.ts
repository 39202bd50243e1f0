import type { Mode } from '../../core/metric-monitor.js';

/** Knobs of the stopping rule (Keras EarlyStopping's patience, min_delta and mode). */
export interface StoppingRule {
  readonly mode: Mode;
  readonly patience: number;
  readonly minDelta: number;
}

/** Where the rule stands after some evaluations. */
export interface StoppingState {
  /** Best value so far; null before the first finite value. */
  readonly best: number | null;
  /** 1-based evaluation that gave `best` (0: none yet). */
  readonly bestEvaluation: number;
  /** Evaluations since the last improvement. */
  readonly wait: number;
  /** Evaluations seen. */
  readonly evaluations: number;
}

/** The state before any evaluation. */
export const initialStoppingState: StoppingState = { best: null, bestEvaluation: 0, wait: 0, evaluations: 0 };

/**
 * Keras's improvement test, with its arithmetic: better than `best` by more than minDelta
 * (min: value + minDelta < best, max: value − minDelta > best). The first finite value always
 * improves; NaN and ±∞ never do.
 */
export function isImprovement(value: number, best: number | null, rule: Pick<StoppingRule, 'mode' | 'minDelta'>): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === null) return true;
  return rule.mode === 'min' ? value + rule.minDelta < best : value - rule.minDelta > best;
}

/**
 * One evaluation of Keras's EarlyStopping.on_epoch_end: wait += 1; an improvement records the
 * best and resets wait; otherwise stop once wait ≥ patience, never on the first evaluation.
 */
export function stoppingStep(state: StoppingState, value: number, rule: StoppingRule): { state: StoppingState; improved: boolean; stop: boolean } {
  const evaluations = state.evaluations + 1;
  if (isImprovement(value, state.best, rule)) {
    return { state: { best: value, bestEvaluation: evaluations, wait: 0, evaluations }, improved: true, stop: false };
  }
  const wait = state.wait + 1;
  return { state: { ...state, wait, evaluations }, improved: false, stop: wait >= rule.patience && evaluations > 1 };
}
