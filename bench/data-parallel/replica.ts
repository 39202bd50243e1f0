/*
 * One replica of the data-parallel experiment, in its own worker thread with its own wasm
 * instance: holds a copy of the model and its share of every batch, computes gradients on that
 * share, and applies the averaged gradients with its own SGD momentum optimizer. All replicas
 * start from the same seeded weights and apply the same averaged updates, so they stay equal
 * without sending weights; batch-norm moving statistics are replaced by their average after each
 * step (each replica normalises with the statistics of its own share, as PyTorch DDP without
 * SyncBatchNorm does).
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../core/backends/resolve.js';
import { benchModel } from '../bench-model.js';
import { fashionTensors, splitBatches } from '../fashion-tensors.js';
import { totalSteps } from '../stats.js';
import type { FromReplica, ReplicaSetup, ToReplica } from './protocol.js';

interface LayerVariableLike {
  read(): tf.Variable;
  write(t: tf.Tensor): void;
}

const port = parentPort!;
const setup = workerData as ReplicaSetup;
await useBackend('wasm');
const net = benchModel(setup.model);
const trainable = net.trainableWeights.map((w) => (w as unknown as LayerVariableLike).read());
const movingStats = net.nonTrainableWeights as unknown as LayerVariableLike[];
const optimizer = tf.train.momentum(0.1, 0.9);
const share = setup.plan.batch / setup.replicas;
const { x, y } = fashionTensors(totalSteps(setup.plan) * setup.plan.batch);
const batches = splitBatches(x, y, setup.plan.batch).map((b) => {
  const mine = { x: b.x.slice(setup.replica * share, share), y: b.y.slice(setup.replica * share, share) };
  tf.dispose([b.x, b.y]);
  return mine;
});
tf.dispose([x, y]);

const send = (m: FromReplica, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

function computeGrads(step: number): void {
  const b = batches[step]!;
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(b.y, net.apply(b.x, { training: true }) as tf.Tensor) as tf.Scalar,
    trainable,
  );
  const arrays = trainable.map((v) => grads[v.name]!.dataSync() as Float32Array);
  const stats = movingStats.map((s) => s.read().dataSync() as Float32Array);
  const loss = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  send({ type: 'grads', grads: arrays, stats, loss }, [...arrays, ...stats].map((a) => a.buffer as ArrayBuffer));
}

function apply(grads: Float32Array[], stats: Float32Array[]): void {
  tf.tidy(() => {
    optimizer.applyGradients(trainable.map((v, i) => ({ name: v.name, tensor: tf.tensor(grads[i]!, v.shape) })));
    movingStats.forEach((s, i) => s.write(tf.tensor(stats[i]!, s.read().shape)));
  });
}

function checksum(): number {
  return tf.tidy(() => net.weights.reduce((acc, w, i) => acc + (i + 1) * (w.read().sum().dataSync()[0] ?? 0), 0));
}

port.on('message', (m: ToReplica) => {
  try {
    if (m.type === 'grads') computeGrads(m.step);
    else if (m.type === 'apply') apply(m.grads, m.stats);
    else send({ type: 'checksum', value: checksum() });
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});
port.postMessage({ type: 'ready' });
