/**
 * How a batch of `size` examples splits over `replicas`: contiguous shards, the first ones one
 * example larger when it does not divide evenly; a replica gets an empty shard only when the batch
 * has fewer examples than there are replicas.
 */
export function shardSizes(size: number, replicas: number): number[] {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`batch size must be a non-negative integer, got ${size}`);
  if (!Number.isInteger(replicas) || replicas < 1) throw new RangeError(`replicas must be an integer >= 1, got ${replicas}`);
  const base = Math.floor(size / replicas);
  return Array.from({ length: replicas }, (_, i) => base + (i < size % replicas ? 1 : 0));
}

/** Start offset of each shard of {@link shardSizes}. */
export function shardOffsets(sizes: readonly number[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(at);
    at += s;
  }
  return out;
}
