/** Messages between the training thread and its replica threads (data parallelism, `training.replicas`). */
import type { InputShape, ModelSpec } from '../models/types.js';

/** What a replica thread starts with (its workerData): the backend and the model to build. */
export interface ReplicaSetup {
  /** TF.js backend name (`tf.getBackend()` of the training thread): wasm or cpu. */
  readonly backend: 'wasm' | 'cpu';
  readonly model: ModelSpec;
  readonly input: InputShape;
  readonly numClasses: number;
  /** SyncBN (`training.syncBatchNorm`): the shared buffer of the batch-norm exchange (core/parallel/barrier-exchange.ts). */
  readonly syncBuffer?: SharedArrayBuffer;
}

/** One replica's share of a step: the weights to start from and its shard of the batch. */
export interface ShardRequest {
  readonly type: 'shard';
  /** Every model weight, in `model.weights` order. */
  readonly weights: Float32Array[];
  /** Indices into `model.weights` of the variables to differentiate. */
  readonly trainable: number[];
  /** Indices into `model.weights` of the statistics the forward pass updates (batch-norm moving mean and variance). */
  readonly statistics: number[];
  /** The shard's images, NHWC, and its per-class targets. */
  readonly x: Float32Array;
  readonly xShape: [number, number, number, number];
  readonly targets: Float32Array;
  /** SyncBN: this replica's rank in the step's batch-norm exchange; absent: batch norm on the shard alone. */
  readonly syncRank?: number;
}

/** A shard of an evaluation batch: logits in inference mode, with these weights or, when null, the last ones sent. */
export interface ForwardRequest {
  readonly type: 'forward';
  readonly weights: Float32Array[] | null;
  readonly x: Float32Array;
  readonly xShape: [number, number, number, number];
}

/** Training thread → replica. */
export type ToReplica = ShardRequest | ForwardRequest;

/**
 * Replica → training thread: ready with its weight shapes; a training shard's mean loss, gradients
 * (in `trainable` order) and updated statistics; an evaluation shard's logits; or why it failed.
 */
export type FromReplica =
  | { readonly type: 'ready'; readonly shapes: number[][] }
  | { readonly type: 'shard'; readonly loss: number; readonly grads: Float32Array[]; readonly statistics: Float32Array[] }
  | { readonly type: 'logits'; readonly logits: Float32Array; readonly classes: number }
  | { readonly type: 'error'; readonly message: string };
