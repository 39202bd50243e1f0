import { availableParallelism } from 'node:os';

/**
 * Replicas per trial when --replicas is not given. Written into every trial's config (not `auto`),
 * so a trial's identity and results do not depend on the machine or on --parallel. Chosen by the
 * measurement in bench/measure-experiment-parallelism.ts (result in bench/results/): on 2 cores,
 * two trials at 1 replica each finished a 6-trial ablation sooner than one trial at a time on 2
 * replicas.
 */
export const DEFAULT_TRIAL_REPLICAS = 1;

/** Trials trained at once when --parallel is not given: one per core (each trial uses DEFAULT_TRIAL_REPLICAS cores). */
export function defaultParallel(cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / DEFAULT_TRIAL_REPLICAS));
}
