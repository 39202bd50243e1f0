import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { makeBatches } from '../../core/data/batcher.js';
import { findDataDir } from '../../core/data/find-data-dir.js';
import { loadDataset } from '../../core/data/locate.js';
import { resizeDataset } from '../../core/data/resize-dataset.js';
import { limitDataset } from '../../core/data/split.js';
import { evaluateExportedModel } from '../../core/evaluate-model.js';
import { MetricAccumulator } from '../../core/metrics.js';
import { loadModelFromDir, saveModelToDir, type ModelMetadata } from '../../core/model-io.js';
import { buildModel } from '../../core/models/index.js';
import { runMain } from '../helpers/bad-input-files.js';
import { tempRunDir } from '../helpers/train-subset.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const LIMIT = 200;
const META: ModelMetadata = {
  dataset: 'fashion-mnist',
  classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
  inputShape: { height: 28, width: 28, channels: 1 },
  normalization: { mean: [0.286], std: [0.353] },
};

/** An untrained small-cnn with `head`, exported as trickster train exports it; returns its model.json. */
async function exported(head: 'gap' | 'flatten'): Promise<string> {
  const dir = path.join(tempRunDir(), 'model');
  const model = buildModel({ name: 'small-cnn', head, seed: 3 }, META.inputShape, 10);
  await saveModelToDir(model, dir, META);
  model.dispose();
  return path.join(dir, 'model.json');
}

/** The first LIMIT test images resized to `size` by the training code (resizeDataset), through `model`. */
async function byHand(modelPath: string, size: number) {
  const model = await loadModelFromDir(modelPath);
  const test = resizeDataset(limitDataset(loadDataset(await findDataDir({})).test, LIMIT, 0), size);
  const acc = new MetricAccumulator();
  for (const b of makeBatches(test, { batchSize: 64, shuffle: false, ...META.normalization })) {
    tf.tidy(() => acc.add(model.predict(tf.tensor4d(b.x, [b.size, size, size, 1])) as tf.Tensor2D, tf.tensor1d(b.labels, 'int32')));
  }
  model.dispose();
  return acc.result();
}

describe('trickster eval --input-size', () => {
  it('evaluates a gap-head model on the test images resized to N (bilinear, as in training); the flag is on the CLI', async () => {
    const modelPath = await exported('gap');
    const at28 = await evaluateExportedModel({ modelPath, limit: LIMIT });
    const at36 = await evaluateExportedModel({ modelPath, limit: LIMIT, inputSize: 36 });
    expect(at36.count).toBe(LIMIT);
    const hand = await byHand(modelPath, 36);
    expect(at36.top1).toBe(hand.top1);
    expect(at36.loss).toBeCloseTo(hand.loss, 5);
    expect(at36.loss).not.toBeCloseTo(at28.loss, 5); // other pixels reach the pooled features
    const cli = await runMain(['eval', '--model', modelPath, '--limit', String(LIMIT), '--input-size', '36', '--backend', 'wasm', '--json'], process.cwd());
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/\(200 images at 36px\)/);
    const json = JSON.parse(cli.stdout.trim().split('\n').at(-1)!);
    expect(json).toMatchObject({ inputSize: 36, count: LIMIT, top1: at36.top1 });
    expect(json.testLoss).toBeCloseTo(at36.loss, 5);
  });

  it('refuses another size for a flatten-head model: one coded line naming the fixed size and the fix, exit 2', async () => {
    const modelPath = await exported('flatten');
    const bad = await runMain(['eval', '--model', modelPath, '--limit', String(LIMIT), '--input-size', '32', '--backend', 'wasm'], process.cwd());
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^error \[USAGE\]: --input-size 32: the model's input is fixed at 28x28 \(a flatten head\), so it is evaluated at 28 only; drop --input-size, or train a model that pools globally \(model\.head: gap/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    // Its own size is accepted.
    const same = await evaluateExportedModel({ modelPath, limit: LIMIT, inputSize: 28 });
    expect(same.count).toBe(LIMIT);
  });
});
