/**
 * Cross-replica batch norm (SyncBN): the host-side arithmetic that turns each replica's shard
 * statistics into the whole batch's, and the context through which a training pass's batch-norm
 * layers reach the other replicas (see ./batch-norm.ts and core/parallel/barrier-exchange.ts).
 *
 * Forward, each replica sends (n, mean, M2) per channel of its shard, M2 = n·variance, and every
 * replica pools them the same way (Chan et al.'s parallel variance, in float64, in rank order), so
 * all normalise with the whole batch's mean and (biased, as one replica does) variance. Backward,
 * replica r's loss is its shard's mean, a share n_r/N of the batch's; it sends its Σdy and Σdy·x̂
 * scaled by that share, and the pooled sums G, divided by n_r, take the place of the single-replica
 * Σ/N in dx = γ·r·(dy − G_β/n_r − x̂·G_γ/n_r), which is the gradient of the shard's loss with batch
 * statistics of the whole batch.
 */

/** All participants' vectors of one exchange, in rank order (every participant gets the same list). */
export type Gather = (values: Float64Array) => Float64Array[];

/** Moments of one channel set over the whole batch. */
export interface PooledMoments {
  readonly count: number;
  readonly mean: Float64Array;
  readonly variance: Float64Array;
}

/** Packs a shard's `count`, per-channel `mean` and biased `variance` into an exchange vector [n, mean…, M2…]. */
export function packMoments(count: number, mean: ArrayLike<number>, variance: ArrayLike<number>): Float64Array {
  const channels = mean.length;
  const out = new Float64Array(1 + 2 * channels);
  out[0] = count;
  for (let c = 0; c < channels; c++) {
    out[1 + c] = mean[c]!;
    out[1 + channels + c] = variance[c]! * count;
  }
  return out;
}

/** Pools packed shard moments (see {@link packMoments}) into the whole batch's count, mean and biased variance. */
export function poolMoments(parts: readonly Float64Array[]): PooledMoments {
  const channels = (parts[0]!.length - 1) / 2;
  const count = parts.reduce((n, p) => n + p[0]!, 0);
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (const p of parts) m += p[0]! * p[1 + c]!;
    m /= count;
    let m2 = 0;
    for (const p of parts) m2 += p[1 + channels + c]! + p[0]! * (p[1 + c]! - m) ** 2;
    mean[c] = m;
    variance[c] = m2 / count;
  }
  return { count, mean, variance };
}

/** Element-wise sum of the participants' vectors, in rank order (the same float64 sum on every replica). */
export function sumParts(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts[0]!.length);
  for (const p of parts) for (let i = 0; i < out.length; i++) out[i] += p[i]!;
  return out;
}

let active: Gather | null = null;

/**
 * Runs `fn` (a forward and backward pass) with batch-norm layers in training mode exchanging their
 * statistics through `gather`; restores the previous context afterwards, also when `fn` throws.
 * An exchange that fails (a peer aborted, a wait timed out) does not throw inside the pass: tfjs
 * would keep the tensors it saved for the backward of a pass that throws. The rest of the pass
 * uses this shard's own statistics instead; then its result is handed to `release` (dispose it)
 * and the exchange's error is thrown.
 */
export function withBatchNormSync<T>(gather: Gather, fn: () => T, release: (result: T) => void): T {
  const previous = active;
  let failure: { error: unknown } | null = null;
  active = (values) => {
    if (failure === null) {
      try {
        return gather(values);
      } catch (error) {
        failure = { error };
      }
    }
    return [values];
  };
  let result: T;
  try {
    result = fn();
  } finally {
    active = previous;
  }
  if (failure !== null) {
    release(result);
    throw (failure as { error: unknown }).error;
  }
  return result;
}

/** The exchange of the training pass running now on this thread, or null (batch norm on the local batch). */
export function activeBatchNormSync(): Gather | null {
  return active;
}
