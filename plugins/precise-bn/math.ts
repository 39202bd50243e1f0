/**
 * Batches one precise-BN pass averages over: the requested count, capped by the training
 * batches of one epoch (seed 002 asserts the loader has enough; we cap and warn instead).
 * The averaging itself is shared with SWA: see recomputeBatchNormStats in core/weights.
 */
export function passLength(requested: number, batchesPerEpoch: number): number {
  return Math.max(0, Math.min(requested, batchesPerEpoch));
}
