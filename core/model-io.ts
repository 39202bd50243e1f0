import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from './errors.js';

/** What a user of an exported model needs besides the weights: how inputs were normalised. */
export interface ModelMetadata {
  dataset: string;
  classNames: readonly string[];
  inputShape: { height: number; width: number; channels: number };
  /** Inputs are `(pixel / 255 − mean[c]) / std[c]`. */
  normalization: { mean: number[]; std: number[] };
  /** training.seed of the run: the seed of the test subset `data.testLimit` picked, which `eval --limit` picks again (absent in models exported before it was recorded: 0). */
  seed?: number;
}

/** File beside model.json holding the ModelMetadata. */
export const METADATA_FILE = 'trickster.json';

/** Reads the ModelMetadata saved beside `modelJsonPath`. */
export function readModelMetadata(modelJsonPath: string): ModelMetadata {
  const file = path.join(path.dirname(modelJsonPath), METADATA_FILE);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ModelMetadata;
  } catch (err) {
    throw new CheckpointError(`cannot read ${file} (${(err as Error).message}); it is written next to model.json by trickster train`);
  }
}

/**
 * Saves `model` in TF.js Layers format: `dir/model.json` plus `dir/weights.bin` (and the metadata in `dir/trickster.json`), loadable with
 * plain `tf.loadLayersModel` (from a URL, or from disk through `loadModelFromDir`). The folder is
 * written beside the target and renamed into place, so a reader never sees half a model.
 */
export async function saveModelToDir(model: tf.LayersModel, dir: string, metadata: ModelMetadata): Promise<void> {
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData
        ? Buffer.concat((Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]).map((b) => Buffer.from(b)))
        : Buffer.alloc(0);
      writeFileSync(path.join(tmp, 'weights.bin'), weightData);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: 'trickster',
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileSync(path.join(tmp, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weightData.byteLength } };
    }),
  );
  writeFileSync(path.join(tmp, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

/** Loads a Layers model saved by saveModelToDir (or any single-shard TF.js Layers model) from disk. */
export async function loadModelFromDir(modelJsonPath: string): Promise<tf.LayersModel> {
  let json: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(readFileSync(modelJsonPath, 'utf8'));
  } catch (err) {
    throw new CheckpointError(`cannot read model ${modelJsonPath}: ${(err as Error).message}; pass the model.json of an exported run (RUN_DIR/model/model.json)`);
  }
  const dir = path.dirname(modelJsonPath);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(path.join(dir, p))));
  const data = Buffer.concat(buffers);
  const weightData = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }));
}
