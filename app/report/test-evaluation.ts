import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { makeBatches } from '../../core/data/batcher.js';
import { findDataDir } from '../../core/data/find-data-dir.js';
import { loadDataset } from '../../core/data/locate.js';
import { resizeDataset } from '../../core/data/resize-dataset.js';
import { limitDataset } from '../../core/data/split.js';
import type { ImageDataset } from '../../core/data/types.js';
import { DataError } from '../../core/errors.js';
import { softCrossEntropyPerExample } from '../../core/losses.js';
import { loadModelFromDir, readModelMetadata } from '../../core/model-io.js';
import { imageDataUri } from './image-png.js';
import type { RunData } from './run-data.js';

/** One test image the model got most wrong. */
export interface HardExample {
  /** Index in the run's test split (after data.testLimit). */
  readonly index: number;
  readonly label: number;
  readonly predicted: number;
  /** Softmax probability of the predicted class and of the true class. */
  readonly probPredicted: number;
  readonly probTrue: number;
  /** Cross-entropy of this image. */
  readonly loss: number;
  /** The image as a PNG data URI. */
  readonly png: string;
}

/** The exported model of a run evaluated image by image on the run's test split. */
export interface TestEvaluation {
  readonly classNames: readonly string[];
  /** Test images evaluated: the run's test split, cut to data.testLimit as in training. */
  readonly count: number;
  /** confusion[true][predicted] = images. */
  readonly confusion: readonly (readonly number[])[];
  readonly top1: number;
  readonly loss: number;
  /** The highest-loss images, highest first. */
  readonly hardest: readonly HardExample[];
  readonly dataDir: string;
}

/** How to evaluate: where the data is when not where the run read it, and how many hard examples to keep. */
export interface TestEvaluationOptions {
  readonly dataDir?: string;
  readonly hardest?: number;
  readonly batchSize?: number;
}

/** The run's test split as the trainer built it: data.size, then data.testLimit images drawn with training.seed. */
async function runTestSplit(run: RunData, dataDir: string | undefined): Promise<{ dir: string; test: ImageDataset }> {
  const data = (run.config.data ?? {}) as { dir?: string; size?: number; testLimit?: number };
  const seed = ((run.config.training ?? {}) as { seed?: number }).seed ?? 0;
  const recorded = run.record?.dataDir;
  if (dataDir === undefined && recorded !== undefined && !existsSync(recorded)) {
    throw new DataError(`${recorded} (where the run read its data, in run.json) does not exist; pass the run's dataset folder with --data`, 'DATA_NOT_FOUND');
  }
  const dir = await findDataDir({ cliDir: dataDir ?? recorded, configDir: data.dir, baseDir: run.record?.configDir ?? undefined });
  const splits = loadDataset(dir, { size: data.size });
  return { dir, test: data.testLimit !== undefined ? limitDataset(splits.test, data.testLimit, seed) : splits.test };
}

/** Per image: predicted class, its probability, the true class's probability and the loss. */
interface PerImage {
  predicted: Int32Array;
  probPredicted: Float32Array;
  probTrue: Float32Array;
  loss: Float32Array;
}

async function predictEach(model: tf.LayersModel, test: ImageDataset, normalization: { mean: number[]; std: number[] }, batchSize: number): Promise<PerImage> {
  const out: PerImage = { predicted: new Int32Array(test.count), probPredicted: new Float32Array(test.count), probTrue: new Float32Array(test.count), loss: new Float32Array(test.count) };
  let offset = 0;
  for (const b of makeBatches(test, { batchSize, shuffle: false, ...normalization })) {
    const [pred, pPred, pTrue, loss] = tf.tidy(() => {
      const logits = model.predict(tf.tensor4d(b.x, [b.size, b.height, b.width, b.channels])) as tf.Tensor2D;
      const targets = tf.oneHot(tf.tensor1d(b.labels, 'int32'), test.numClasses).toFloat() as tf.Tensor2D;
      const probs = tf.softmax(logits);
      return [tf.argMax(logits, 1), tf.max(probs, 1), tf.sum(tf.mul(probs, targets), 1), softCrossEntropyPerExample(targets, logits)];
    });
    const values = await Promise.all([pred!.data(), pPred!.data(), pTrue!.data(), loss!.data()]);
    tf.dispose([pred!, pPred!, pTrue!, loss!]);
    out.predicted.set(values[0] as Int32Array, offset);
    out.probPredicted.set(values[1] as Float32Array, offset);
    out.probTrue.set(values[2] as Float32Array, offset);
    out.loss.set(values[3] as Float32Array, offset);
    offset += b.size;
  }
  return out;
}

/**
 * Evaluates the run's exported model on the run's test split (the same images, at the model's
 * input size, normalised as in training): the confusion matrix, accuracy, loss and the images with
 * the highest loss.
 */
export async function evaluateRunTestSplit(run: RunData, options: TestEvaluationOptions = {}): Promise<TestEvaluation> {
  if (!run.modelFile) throw new DataError(`${run.dir} has no exported model (model/model.json)`, 'DATA_NOT_FOUND');
  const meta = readModelMetadata(run.modelFile);
  const { dir, test } = await runTestSplit(run, options.dataDir);
  if (test.channels !== meta.inputShape.channels || test.numClasses !== meta.classNames.length) {
    throw new DataError(
      `the run's model was trained on ${meta.dataset} (${meta.inputShape.channels} channel(s), ${meta.classNames.length} classes) ` +
        `but ${dir} has ${test.channels} channel(s) and ${test.numClasses} classes; pass the run's dataset with --data`,
    );
  }
  const model = await loadModelFromDir(run.modelFile);
  let each: PerImage;
  try {
    each = await predictEach(model, resizeDataset(test, meta.inputShape.height), meta.normalization, options.batchSize ?? 500);
  } finally {
    model.dispose();
  }
  const confusion = meta.classNames.map(() => new Array<number>(meta.classNames.length).fill(0));
  let correct = 0;
  let lossSum = 0;
  for (let i = 0; i < test.count; i++) {
    const label = test.labels[i]!;
    confusion[label]![each.predicted[i]!]! += 1;
    if (label === each.predicted[i]) correct += 1;
    lossSum += each.loss[i]!;
  }
  const order = Array.from({ length: test.count }, (_, i) => i).sort((a, b) => each.loss[b]! - each.loss[a]!);
  const hardest = order.slice(0, options.hardest ?? 24).map((i) => ({
    index: i,
    label: test.labels[i]!,
    predicted: each.predicted[i]!,
    probPredicted: each.probPredicted[i]!,
    probTrue: each.probTrue[i]!,
    loss: each.loss[i]!,
    png: imageDataUri(test, i),
  }));
  const n = Math.max(test.count, 1);
  return { classNames: meta.classNames, count: test.count, confusion, top1: correct / n, loss: lossSum / n, hardest, dataDir: dir };
}
