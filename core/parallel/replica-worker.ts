/*
 * A training replica, in its own worker thread with its own TF.js backend instance (on wasm, its
 * own single-threaded wasm module, hence its own core). It holds a copy of the model and, for each
 * training shard it is sent, loads the training thread's weights, runs forward and backward on the
 * shard with the soft-target cross-entropy, and answers the shard's loss, gradients and updated
 * batch-norm statistics; for each evaluation shard it answers the logits in inference mode. It
 * keeps no state between shards besides the model's weights. With SyncBN its batch-norm layers
 * exchange statistics with the other replicas mid-pass; a shard that fails aborts the exchange so
 * that no other replica waits for it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../backends/resolve.js';
import { softCrossEntropy } from '../losses.js';
import { withBatchNormSync } from '../models/batch-norm-sync.js';
import { buildModel } from '../models/index.js';
import { weightVariables } from '../variables.js';
import { BarrierExchange } from './barrier-exchange.js';
import type { ForwardRequest, FromReplica, ReplicaSetup, ShardRequest, ToReplica } from './protocol.js';

const port = parentPort!;
const setup = workerData as ReplicaSetup;

/** This thread's side of the SyncBN exchange (its rank is its replica index, the same every step). */
let exchange: BarrierExchange | null = null;
function exchangeFor(rank: number): BarrierExchange {
  if (!setup.syncBuffer) throw new Error('a SyncBN shard was sent to a replica started without the exchange buffer');
  if (exchange?.rank !== rank) exchange = new BarrierExchange(setup.syncBuffer, rank);
  return exchange;
}

const send = (m: FromReplica, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

/** Makes the replica's weights the training thread's (in `model.weights` order). */
function loadWeights(variables: tf.Variable[], weights: Float32Array[]): void {
  tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape))));
}

function shard(model: tf.LayersModel, variables: tf.Variable[], m: ShardRequest): void {
  const numClasses = m.targets.length / m.xShape[0];
  loadWeights(variables, m.weights);
  const pass = () =>
    tf.tidy(() => {
      const x = tf.tensor4d(m.x, m.xShape);
      const targets = tf.tensor2d(m.targets, [m.xShape[0], numClasses]);
      return tf.variableGrads(
        () => softCrossEntropy(targets, model.apply(x, { training: true }) as tf.Tensor2D),
        m.trainable.map((i) => variables[i]!),
      );
    });
  const sync = m.syncRank === undefined ? null : exchangeFor(m.syncRank);
  const { value, grads } = sync ? withBatchNormSync((v) => sync.gather(v), pass, (r) => tf.dispose([r.value, ...Object.values(r.grads)])) : pass();
  // Copies: a backend may hand out its own storage (cpu does), which must not be transferred away.
  const gradArrays = m.trainable.map((i) => Float32Array.from(grads[variables[i]!.name]!.dataSync()));
  const statistics = m.statistics.map((i) => Float32Array.from(variables[i]!.dataSync()));
  const loss = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  send({ type: 'shard', loss, grads: gradArrays, statistics }, [...gradArrays, ...statistics].map((a) => a.buffer as ArrayBuffer));
}

function forward(model: tf.LayersModel, variables: tf.Variable[], m: ForwardRequest): void {
  if (m.weights) loadWeights(variables, m.weights);
  const logits = tf.tidy(() => model.apply(tf.tensor4d(m.x, m.xShape), { training: false }) as tf.Tensor2D);
  const values = Float32Array.from(logits.dataSync());
  const classes = logits.shape[1];
  logits.dispose();
  send({ type: 'logits', logits: values, classes }, [values.buffer]);
}

try {
  await useBackend(setup.backend);
  const model = buildModel(setup.model, setup.input, setup.numClasses);
  const variables = weightVariables(model.weights);
  port.on('message', (m: ToReplica) => {
    try {
      if (m.type === 'shard') shard(model, variables, m);
      else forward(model, variables, m);
    } catch (err) {
      if (m.type === 'shard' && m.syncRank !== undefined && setup.syncBuffer) exchangeFor(m.syncRank).abort();
      send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  });
  send({ type: 'ready', shapes: variables.map((v) => v.shape) });
} catch (err) {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
