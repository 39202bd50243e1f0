/**
 * Shared weight-copy, swap and batch-norm recalibration code for the weight-averaging plugins
 * (ema, swa, precise-bn) and any plugin that evaluates or exports other weights than the trained
 * ones. See README.md.
 */
export { assignAll, cloneVariables, disposeVariables, loadVariables, restoreWeights, swapInWeights } from './weights.js';
export type { VariableMap, WeightMap } from './weights.js';
export { cumulativeMomentum, firstNonFiniteBatchNorm, hostImages, recomputeBatchNormStats } from './batch-norm.js';
export { reportFinalWeights } from './final-weights-report.js';
