import { availableParallelism } from 'node:os';
import { ConfigError } from '../errors.js';

/** `training.replicas` as configured: a count, or `auto`. */
export type ReplicasOption = number | 'auto';

/** Backends whose kernels run on one core per instance, so that replica threads add cores. */
const SINGLE_CORE_BACKENDS = ['wasm', 'cpu'];

/** What resolveReplicas decides by. */
export interface ReplicaContext {
  readonly backend: string;
  readonly batchSize: number;
  readonly lossTaps: readonly string[];
  /** Cores of the machine (default os.availableParallelism()). */
  readonly cores?: number;
  /** Receives the one-line warning when an explicit count is capped at the cores. */
  readonly warn?: (message: string) => void;
}

/**
 * How many replicas (training thread included) a run uses. `auto` is 2 on the wasm backend when
 * the machine has two cores or more (measured faster on this project's 2-core reference machine,
 * see README "Speed") and 1 elsewhere, or when a loss-hook tap must see the whole batch (`lossTaps`).
 * An explicit count above 1 is refused on a native backend, which already uses every core, with
 * loss-hook taps, or above the batch size; one above the number of cores is capped at it, with a
 * warning through `warn`.
 */
export function resolveReplicas(option: ReplicasOption, context: ReplicaContext): number {
  const cores = context.cores ?? availableParallelism();
  if (option === 'auto') {
    return context.backend === 'wasm' && cores >= 2 && context.lossTaps.length === 0 && context.batchSize >= 2 ? 2 : 1;
  }
  if (option === 1) return 1;
  if (!SINGLE_CORE_BACKENDS.includes(context.backend)) {
    throw new ConfigError(
      `training.replicas: ${option} needs the wasm or cpu backend; the ${context.backend} backend already uses every core. Set training.replicas to 1 or auto.`,
    );
  }
  if (context.lossTaps.length > 0) {
    throw new ConfigError(
      `training.replicas: ${option} runs part of each batch in replica threads, where loss-hook taps cannot run; ` +
        `${context.lossTaps.join(', ')} tap the loss hook. Set training.replicas to 1 or auto (auto uses one replica then).`,
    );
  }
  if (option > cores) {
    context.warn?.(
      `training.replicas: ${option} is more than the ${cores} cores of this machine; replicas beyond the cores time-slice them ` +
        `and every step slows down (64 replicas on 2 cores: steps 9x slower than 2 replicas, a 10-step run 52x longer with the threads' start-up), so ${cores} replicas are used. Set training.replicas to at most ${cores} or auto.`,
    );
    return resolveReplicas(cores, context);
  }
  if (option > context.batchSize) {
    throw new ConfigError(`training.replicas: ${option} is more than training.batchSize (${context.batchSize}); every replica needs examples. Use at most ${context.batchSize}.`);
  }
  return option;
}
