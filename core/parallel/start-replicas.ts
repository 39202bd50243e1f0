import * as tf from '@tensorflow/tfjs';
import type { TricksterConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { batchNormLayers } from '../models/inspect.js';
import type { InputShape } from '../models/types.js';
import { createExchangeBuffer } from './barrier-exchange.js';
import { resolveReplicas } from './replica-count.js';
import { ReplicaPool } from './replica-pool.js';

/** What a run needs to know to start its replicas. */
export interface ReplicaStart {
  readonly config: TricksterConfig;
  readonly model: tf.LayersModel;
  readonly input: InputShape;
  readonly numClasses: number;
  /** Plugins tapping the loss hook (they must see the whole batch). */
  readonly lossTaps: readonly string[];
  readonly logger: Logger;
}

/**
 * SyncBN's exchange buffer for `count` replicas of `model`: a slot holds one layer's packed moments
 * (1 + 2 × its channels). Undefined when SyncBN is off or cannot matter (one replica, no batch norm).
 */
function syncBuffer(s: ReplicaStart, count: number): SharedArrayBuffer | undefined {
  if (!s.config.training.syncBatchNorm) return undefined;
  const channels = batchNormLayers(s.model).map((l) => l.weights[0]?.shape[0] ?? 0);
  if (count === 1 || channels.length === 0) {
    s.logger.info(`training.syncBatchNorm: no effect, ${count === 1 ? 'one replica sees the whole batch' : `model "${s.config.model.name}" has no batch norm`}`);
    return undefined;
  }
  return createExchangeBuffer(count, 1 + 2 * Math.max(...channels));
}

/**
 * Resolves `training.replicas` and starts the replica threads beyond the training thread (none for
 * one replica), with SyncBN's exchange when `training.syncBatchNorm` is set. Returns the count,
 * the training thread included, and the pool.
 */
export async function startReplicas(s: ReplicaStart): Promise<{ count: number; pool: ReplicaPool | undefined }> {
  const { training, model } = s.config;
  const count = resolveReplicas(training.replicas, { backend: tf.getBackend(), batchSize: training.batchSize, lossTaps: s.lossTaps, warn: (m) => s.logger.warn(m) });
  const buffer = syncBuffer(s, count);
  if (count === 1) return { count, pool: undefined };
  const shapes = s.model.weights.map((w) => w.shape as number[]);
  const backend = tf.getBackend() as 'wasm' | 'cpu';
  const pool = await ReplicaPool.start(count - 1, { backend, model: { ...model, seed: training.seed }, input: s.input, numClasses: s.numClasses, syncBuffer: buffer }, shapes);
  const threads = count - 1;
  s.logger.info(`data parallel: each batch split over ${count} replicas (the training thread and ${threads} replica thread${threads > 1 ? 's' : ''})${buffer ? ', batch norm synchronised across them' : ''}`);
  return { count, pool };
}
