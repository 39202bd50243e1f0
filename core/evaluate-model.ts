import * as tf from '@tensorflow/tfjs';
import { makeBatches } from './data/batcher.js';
import { findDataDir } from './data/find-data-dir.js';
import { loadDataset } from './data/locate.js';
import { resizeDataset } from './data/resize-dataset.js';
import { limitDataset } from './data/split.js';
import type { EvalMetrics } from './contexts.js';
import { DataError, UsageError } from './errors.js';
import { assertFiniteWeights } from './finite-weights.js';
import { MetricAccumulator } from './metrics.js';
import { loadModelFromDir, readModelMetadata } from './model-io.js';
import { normalizedBlack, ttaLogProbabilities, type TtaMode } from './tta.js';

/** What `trickster eval` needs: an exported model.json and a dataset folder. */
export interface EvaluateModelOptions {
  modelPath: string;
  dataDir?: string;
  batchSize?: number;
  /** Evaluate on this many test images, the seeded subset training's `data.testLimit` picks (the model's recorded seed). */
  limit?: number;
  /** Test-time augmentation: softmax probabilities averaged over the views (core/tta.ts; default none). */
  tta?: TtaMode;
  /**
   * Resize the test images to inputSize × inputSize (bilinear, as training's resize and FixRes do)
   * instead of the size recorded with the model; only a model that pools globally accepts another size.
   */
  inputSize?: number;
}

/** Refuses `size` for a model whose input is fixed at another size (a flatten head), naming the size it takes and the fix. */
function checkInputSize(model: tf.LayersModel, size: number): void {
  const [, height, width] = model.inputs[0]!.shape;
  if ((height === null || height === size) && (width === null || width === size)) return;
  throw new UsageError(
    `--input-size ${size}: the model's input is fixed at ${height}x${width} (a flatten head), so it is evaluated at ${height} only; ` +
      'drop --input-size, or train a model that pools globally (model.head: gap for small-cnn, or a ResNet)',
  );
}

/**
 * Evaluates an exported trickster model on a dataset's test split, normalised and resized to the
 * input size recorded with the model as in training (or to `inputSize`); refuses a model with
 * non-finite weights, and an `inputSize` its fixed-size input cannot take.
 */
export async function evaluateExportedModel(options: EvaluateModelOptions): Promise<EvalMetrics> {
  const meta = readModelMetadata(options.modelPath);
  const model = await loadModelFromDir(options.modelPath);
  try {
    const size = options.inputSize ?? meta.inputShape.height;
    checkInputSize(model, size);
    await assertFiniteWeights(model, `${options.modelPath} cannot give meaningful predictions; it comes from a run that diverged, retrain with a lower learning rate`);
    const splits = loadDataset(await findDataDir({ cliDir: options.dataDir }));
    // The run's seed: `--limit n` evaluates the subset `data.testLimit: n` evaluated in training.
    const limited = options.limit ? limitDataset(splits.test, options.limit, meta.seed ?? 0) : splits.test;
    // At the input size the model was exported for (FixRes adapts a model to a test resolution) unless asked for another, resized as in training.
    const test = resizeDataset(limited, size);
    if (test.channels !== meta.inputShape.channels || test.numClasses !== meta.classNames.length) {
      throw new DataError(
        `the model was trained on ${meta.dataset} (${meta.inputShape.channels} channel(s), ${meta.classNames.length} classes) ` +
          `but the data has ${test.channels} channel(s) and ${test.numClasses} classes; pass the matching --data folder`,
      );
    }
    const acc = new MetricAccumulator();
    const tta = options.tta ?? 'none';
    const fill = normalizedBlack(meta.normalization);
    const forward = (x: tf.Tensor4D) => model.predict(x) as tf.Tensor2D;
    for (const b of makeBatches(test, { batchSize: options.batchSize ?? 500, shuffle: false, ...meta.normalization })) {
      tf.tidy(() => {
        const x = tf.tensor4d(b.x, [b.size, b.height, b.width, b.channels]);
        // Without TTA the logits themselves; with it, log mean probabilities, which metrics read as logits.
        const logits = tta === 'none' ? forward(x) : ttaLogProbabilities(forward, x, tta, fill);
        acc.add(logits, tf.tensor1d(b.labels, 'int32'));
      });
    }
    return await acc.result();
  } finally {
    model.dispose();
  }
}
