import { fmt } from './curve.js';
import { diagnoseDivergence } from './divergence.js';
import { diagnoseInitialLr } from './initial-lr.js';
import { diagnoseLateLr } from './late-lr.js';
import { diagnoseLrTooLow } from './lr-too-low.js';
import { diagnoseOverfitting } from './overfitting.js';
import { diagnosePlateau } from './plateau.js';
import type { Diagnosis, DiagnosisCheck, RunCurves } from './types.js';
import { diagnoseUnderfitting } from './underfitting.js';

export type * from './types.js';

/** Every check, in the order findings are reported. */
export const DIAGNOSIS_CHECKS: readonly DiagnosisCheck[] = [
  diagnoseDivergence,
  diagnoseInitialLr,
  diagnoseLateLr,
  diagnoseLrTooLow,
  diagnoseOverfitting,
  diagnoseUnderfitting,
  diagnosePlateau,
];

/** The findings the curves support; without any, one `healthy` finding saying what was checked. */
export function diagnoseRun(curves: RunCurves): Diagnosis[] {
  const found = findProblems(curves);
  if (found.length > 0) return found;
  const e = curves.epochs;
  const lossText = e.length > 0 ? `training loss ${fmt(e[0]!.trainLoss)} -> ${fmt(e[e.length - 1]!.trainLoss)} over ${e.length} epoch(s)` : `${curves.steps.length} step line(s)`;
  return [{ id: 'healthy', title: 'healthy: no problem found', evidence: `${lossText}; none of the checks applies`, change: 'none' }];
}

/** Only the problems (no `healthy` finding): what a live check during training warns about. */
export function findProblems(curves: RunCurves): Diagnosis[] {
  return DIAGNOSIS_CHECKS.map((check) => check(curves)).filter((d): d is Diagnosis => d !== null);
}
