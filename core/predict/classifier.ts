import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { decodeImageFile, type RgbaImage } from '../data/image-folder.js';
import { CheckpointError, TricksterError } from '../errors.js';
import { assertFiniteWeights } from '../finite-weights.js';
import { loadModelFromDir, readModelMetadata, type ModelMetadata } from '../model-io.js';
import { normalizedBlack, ttaLogProbabilities, type TtaMode } from '../tta.js';
import { prepareImageInto } from './prepare-image.js';

const PREDICT_HINTS = { missing: 'Check the path.', fix: 'Pass a PNG or JPEG file (re-export it if it is damaged).' };

/** One class of a prediction and its probability. */
export interface ClassProbability {
  readonly index: number;
  readonly className: string;
  readonly probability: number;
}

/** The prediction for one input: its top classes, or the coded error that stopped it. */
export type Prediction =
  | { readonly source: string; readonly ok: true; readonly top: ClassProbability[] }
  | { readonly source: string; readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** An input of `predict`: an image file (PNG or JPEG) or an already decoded RGBA image. */
export type PredictInput = string | RgbaImage;

/** How to predict. */
export interface PredictOptions {
  /** Classes per prediction, most probable first (default 5, at most the class count). */
  readonly topK?: number;
  /** Test-time augmentation (default none; see core/tta.ts). */
  readonly tta?: TtaMode;
  /** Images per forward pass (default 64). */
  readonly batchSize?: number;
}

/** `dir` as a model.json path: a run folder, its model/ folder, or the model.json itself. */
export function modelJsonPath(dir: string): string {
  const candidates = [dir, path.join(dir, 'model.json'), path.join(dir, 'model', 'model.json')];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  if (!found) {
    throw new CheckpointError(`--model ${dir}: no model.json there; pass a run folder, its model/ folder (RUN_DIR/model) or the model.json written by trickster train`, 'MODEL_NOT_FOUND');
  }
  return found;
}

/**
 * An exported trickster model ready to classify images: the weights and the metadata saved
 * beside them (class names, input size and channels, normalisation). Call dispose() when done.
 */
export class Classifier {
  private constructor(
    private readonly model: tf.LayersModel,
    /** What the model was trained on: class names, input shape, normalisation. */
    readonly metadata: ModelMetadata,
  ) {}

  /** Loads the model of `dir` (see modelJsonPath); refuses one with non-finite weights. */
  static async load(dir: string): Promise<Classifier> {
    const file = modelJsonPath(dir);
    const metadata = readModelMetadata(file);
    const model = await loadModelFromDir(file);
    try {
      await assertFiniteWeights(model, `${file} cannot give meaningful predictions; it comes from a run that diverged, retrain with a lower learning rate`);
    } catch (err) {
      model.dispose();
      throw err;
    }
    return new Classifier(model, metadata);
  }

  /**
   * Classifies each input, converted as in training (prepareImageInto), in batches. An input that
   * cannot be read or decoded gets its coded error and the others are still classified.
   * Probabilities are softmax outputs, averaged over the TTA views when `tta` is set.
   */
  async predict(inputs: readonly PredictInput[], options: PredictOptions = {}): Promise<Prediction[]> {
    const { height, width, channels } = this.metadata.inputShape;
    const size = height * width * channels;
    const batchSize = options.batchSize ?? 64;
    const k = Math.min(options.topK ?? 5, this.metadata.classNames.length);
    const results: Prediction[] = new Array(inputs.length);
    const fill = normalizedBlack(this.metadata.normalization);
    for (let start = 0; start < inputs.length; start += batchSize) {
      const chunk = inputs.slice(start, start + batchSize);
      const ready: number[] = [];
      const x = new Float32Array(chunk.length * size);
      chunk.forEach((input, i) => {
        const source = typeof input === 'string' ? input : `image ${start + i}`;
        try {
          const img = typeof input === 'string' ? decodeImageFile(input, PREDICT_HINTS) : input;
          prepareImageInto(img, this.metadata, x, ready.length * size);
          ready.push(i);
        } catch (err) {
          if (!(err instanceof TricksterError)) throw err;
          results[start + i] = { source, ok: false, error: { code: err.code, message: err.message } };
        }
      });
      if (ready.length === 0) continue;
      const probs = tf.tidy(() => {
        const batch = tf.tensor4d(x.subarray(0, ready.length * size), [ready.length, height, width, channels]);
        const forward = (v: tf.Tensor4D) => this.model.predict(v) as tf.Tensor2D;
        return tf.exp(ttaLogProbabilities(forward, batch, options.tta ?? 'none', fill));
      });
      const values = await probs.data();
      probs.dispose();
      const classes = this.metadata.classNames.length;
      ready.forEach((i, row) => {
        const p = Array.from(values.subarray(row * classes, (row + 1) * classes));
        const top = p
          .map((probability, index) => ({ index, className: this.metadata.classNames[index] ?? String(index), probability }))
          .sort((a, b) => b.probability - a.probability || a.index - b.index)
          .slice(0, k);
        const input = chunk[i]!;
        results[start + i] = { source: typeof input === 'string' ? input : `image ${start + i}`, ok: true, top };
      });
    }
    return results;
  }

  /** Releases the model's weights. */
  dispose(): void {
    this.model.dispose();
  }
}

/** Loads an exported model for prediction: `loadClassifier(dir).then((c) => c.predict(images))`. */
export function loadClassifier(dir: string): Promise<Classifier> {
  return Classifier.load(dir);
}
