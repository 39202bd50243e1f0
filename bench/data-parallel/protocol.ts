/** Messages between the data-parallel experiment's coordinator and its replica workers. */
import type { StepPlan } from '../stats.js';

/** What a replica starts with: which model, which share of each batch. */
export interface ReplicaSetup {
  readonly model: string;
  readonly plan: StepPlan;
  readonly replica: number;
  readonly replicas: number;
}

/** Coordinator → replica: compute gradients of step `step`, or apply averaged gradients and statistics. */
export type ToReplica =
  | { readonly type: 'grads'; readonly step: number }
  | { readonly type: 'apply'; readonly grads: Float32Array[]; readonly stats: Float32Array[] }
  | { readonly type: 'checksum' };

/** Replica → coordinator: its gradients and batch-norm moving statistics after the forward pass, or a weight checksum. */
export type FromReplica =
  | { readonly type: 'grads'; readonly grads: Float32Array[]; readonly stats: Float32Array[]; readonly loss: number }
  | { readonly type: 'checksum'; readonly value: number }
  | { readonly type: 'error'; readonly message: string };
