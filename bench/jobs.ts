/** What one bench child process measures, and what it reports back. */
import type { StepPlan } from './stats.js';

/** A configuration measured in its own process (TF.js keeps one engine per process, so RSS is per job). */
export type Job =
  /** (a)/(h) The real Trainer via createTrainer on a Fashion-MNIST subset, wasm (default) or tensorflow (`node`), `training.replicas` (and `syncBatchNorm`) as given. */
  | { kind: 'trickster'; model: string; plan: StepPlan; augment: boolean; replicas: number | 'auto'; backend?: TrainBackend; syncBatchNorm?: boolean }
  /** (b)/(c)/(g) tfjs-layers `model.fit` on the given backend. */
  | { kind: 'layers-fit'; model: string; plan: StepPlan; backend: 'cpu' | TrainBackend }
  /** (d) Bare `tf.variableGrads` + `optimizer.applyGradients` loop on wasm. */
  | { kind: 'bare-loop'; model: string; plan: StepPlan }
  /** (e) Forward pass in inference mode and the conv layers alone, timed on wasm. */
  | { kind: 'forward'; model: string; batch: number; repeats: number }
  /** The NaN/Inf watch alone (observe + poll per step) on the model's gradient shapes. */
  | { kind: 'numeric-guard'; model: string; batch: number; steps: number; repeats: number }
  /** A 2-replica dataParallelStep with and without SyncBN, alternated in one process. */
  | { kind: 'sync-bn-step'; model: string; plan: StepPlan }
  /** Host data pipeline alone (shuffle, augmentation, normalisation), no model. */
  | { kind: 'pipeline'; batch: number; batches: number; repeats: number; augment: boolean };

/** Backends the trickster and layers-fit rows train on besides stock cpu: wasm, or tensorflow through @tensorflow/tfjs-node. */
export type TrainBackend = 'wasm' | 'node';

/** One measured configuration. `samples` are per-repeat images/s; `imgPerSec` is their median. */
export interface Measurement {
  readonly imgPerSec: number;
  readonly samples: number[];
  /** Peak resident set size of the measuring process, MiB. */
  readonly peakRssMiB: number;
  /** Batch size actually used. */
  readonly batch: number;
  /** Job-specific numbers (FLOP rates, step counts...). */
  readonly extra?: Record<string, number | string>;
}

/** Short label of a job for logs. */
export function jobLabel(job: Job): string {
  switch (job.kind) {
    case 'trickster':
      return `trickster ${job.backend === 'node' ? 'tensorflow' : 'wasm'} ${job.model} (augment ${job.augment ? 'on' : 'off'}, replicas ${job.replicas}${job.syncBatchNorm ? ', SyncBN' : ''})`;
    case 'layers-fit':
      return `layers fit ${job.backend === 'node' ? 'tensorflow' : job.backend} ${job.model} (batch ${job.plan.batch})`;
    case 'bare-loop':
      return `bare loop wasm ${job.model}`;
    case 'forward':
      return `forward wasm ${job.model}`;
    case 'numeric-guard':
      return `NaN/Inf watch wasm ${job.model}`;
    case 'sync-bn-step':
      return `2-replica step with/without SyncBN wasm ${job.model}`;
    case 'pipeline':
      return `data pipeline (augment ${job.augment ? 'on' : 'off'})`;
  }
}
