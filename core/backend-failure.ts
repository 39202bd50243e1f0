import { ResourceError, TricksterError } from './errors.js';

/**
 * Messages of a backend that ran out of memory: a wasm instance past its 4 GB address space traps
 * with an out-of-bounds access or aborts with OOM (in the training thread or a replica thread,
 * whose failure carries the message), the host fails to allocate an ArrayBuffer.
 */
const OUT_OF_MEMORY = [
  /memory access out of bounds/i,
  /table index is out of bounds/i,
  /Aborted\(OOM\)/i,
  /Cannot enlarge memory/i,
  /could not allocate memory/i,
  /Array buffer allocation failed/i,
];

/** Largest batch this hint proposes; small-cnn and resnet20 train at it on wasm. */
const SUGGESTED_MAX_BATCH = 512;

/**
 * Translates a failure of training into an error a user can act on: an out-of-memory failure of
 * the backend (see OUT_OF_MEMORY) becomes RESOURCE_EXHAUSTED naming the batch size and backend and
 * proposing a smaller batch with gradient accumulation to keep the effective batch. Any other
 * error, and every TricksterError, is returned as it is.
 */
export function explainBackendFailure(err: unknown, context: { batchSize: number; backend: string }): unknown {
  if (!(err instanceof Error) || err instanceof TricksterError) return err;
  if (!OUT_OF_MEMORY.some((p) => p.test(err.message))) return err;
  const { batchSize, backend } = context;
  const smaller = Math.max(1, Math.min(SUGGESTED_MAX_BATCH, Math.floor(batchSize / 2)));
  const steps = Math.ceil(batchSize / smaller);
  return new ResourceError(
    `training at batch size ${batchSize} ran out of memory on the ${backend} backend (${err.message.split('\n')[0]}). ` +
      `Use a smaller batch (--batch-size ${smaller}) and keep the effective batch of ${smaller * steps} with ` +
      `gradient accumulation: plugins: { gradient-accumulation: { steps: ${steps} } }`,
    { cause: err },
  );
}
