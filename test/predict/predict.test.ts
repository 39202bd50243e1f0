import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { loadDataset } from '../../core/data/locate.js';
import { limitDataset } from '../../core/data/split.js';
import { evaluateExportedModel } from '../../core/evaluate-model.js';
import type { ImageDataset } from '../../core/data/types.js';
import { loadModelFromDir, readModelMetadata } from '../../core/model-io.js';
import { loadClassifier, type Classifier, type Prediction } from '../../core/predict/classifier.js';
import { cli } from '../helpers/cli.js';
import { tempRunDir, trainSubset } from '../helpers/train-subset.js';

/** Writes a PNG of `width`×`height` whose pixel (x, y) has the RGBA `at(x, y)`; colorType 0 gray, 2 RGB, 6 RGBA. */
function writePng(file: string, width: number, height: number, colorType: 0 | 2 | 6, at: (x: number, y: number) => [number, number, number, number]): string {
  const png = new PNG({ width, height, colorType, inputColorType: 6, inputHasAlpha: true });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) png.data.set(at(x, y), 4 * (y * width + x));
  writeFileSync(file, PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true }));
  return file;
}

/** Test image `i` of the dataset as a gray pixel getter. */
function pixelOf(ds: ImageDataset, i: number): (x: number, y: number) => number {
  return (x, y) => ds.images[i * 28 * 28 + y * 28 + x]!;
}

function probabilitiesOf(p: Prediction): number[] {
  if (!p.ok) throw new Error(`${p.source}: ${p.error.message}`);
  return [...p.top].sort((a, b) => a.index - b.index).map((c) => c.probability);
}

describe('predict with a model exported by a real training (Fashion-MNIST subset, wasm)', () => {
  let runDir: string;
  let classifier: Classifier;
  let test: ImageDataset;
  const dir = tempRunDir('trickster-predict-');

  beforeAll(async () => {
    await useBackend('wasm');
    runDir = tempRunDir();
    const { trainer } = await trainSubset({ data: { limit: 512, testLimit: 100 } }, { outDir: runDir });
    trainer.dispose();
    classifier = await loadClassifier(runDir);
    test = loadDataset('/usr/share/datasets/fashion-mnist').test;
  }, 120_000);

  afterAll(() => classifier?.dispose());

  it('an image of the model\'s own size and channels is predicted exactly as the model predicts the normalised dataset image', async () => {
    const meta = readModelMetadata(path.join(runDir, 'model', 'model.json'));
    expect(meta.classNames).toEqual(test.classNames);
    const px = pixelOf(test, 0);
    const gray = writePng(path.join(dir, 'gray.png'), 28, 28, 0, (x, y) => [px(x, y), px(x, y), px(x, y), 255]);
    const [p] = await classifier.predict([gray], { topK: 10 });
    const model = await loadModelFromDir(path.join(runDir, 'model', 'model.json'));
    const x = Float32Array.from(test.images.subarray(0, 784), (v) => (v / 255 - meta.normalization.mean[0]!) / meta.normalization.std[0]!);
    const expected = tf.tidy(() => tf.softmax(model.predict(tf.tensor4d(x, [1, 28, 28, 1])) as tf.Tensor2D).arraySync() as number[][])[0]!;
    model.dispose();
    const got = probabilitiesOf(p!);
    got.forEach((v, c) => expect(v).toBeCloseTo(expected[c]!, 5));
    expect(p!.ok && p!.top[0]!.className).toBe(test.classNames[expected.indexOf(Math.max(...expected))]);
  });

  it('gray, RGB and RGBA PNGs of the same picture give the same probabilities (alpha dropped, luma of r=g=b is the gray)', async () => {
    const px = pixelOf(test, 1);
    const files = [
      writePng(path.join(dir, 'g.png'), 28, 28, 0, (x, y) => [px(x, y), px(x, y), px(x, y), 255]),
      writePng(path.join(dir, 'rgb.png'), 28, 28, 2, (x, y) => [px(x, y), px(x, y), px(x, y), 255]),
      writePng(path.join(dir, 'rgba.png'), 28, 28, 6, (x, y) => [px(x, y), px(x, y), px(x, y), (x * 9) % 256]),
    ];
    const [g, rgb, rgba] = (await classifier.predict(files, { topK: 10 })).map(probabilitiesOf);
    g!.forEach((v, c) => {
      expect(rgb![c]).toBeCloseTo(v, 6);
      expect(rgba![c]).toBeCloseTo(v, 6);
    });
  });

  it('images of other sizes (a 56x56 RGB PNG, a 45x33 JPEG) are resized and classified; a corrupt file among them is reported with its code, the others still predicted, no tensor leaks', async () => {
    const px = pixelOf(test, 2);
    const big = writePng(path.join(dir, 'big.png'), 56, 56, 2, (x, y) => [px(x >> 1, y >> 1), px(x >> 1, y >> 1), px(x >> 1, y >> 1), 255]);
    const rgba = Buffer.alloc(45 * 33 * 4);
    for (let i = 0; i < 45 * 33; i++) rgba.set([(i * 3) % 256, (i * 5) % 256, (i * 7) % 256, 255], 4 * i);
    const jpeg = path.join(dir, 'photo.jpg');
    writeFileSync(jpeg, encodeJpeg({ data: rgba, width: 45, height: 33 }, 90).data);
    const corrupt = path.join(dir, 'corrupt.png');
    writeFileSync(corrupt, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a png')]));
    const before = tf.memory().numTensors;
    const preds = await classifier.predict([big, corrupt, jpeg], { topK: 3, tta: 'flip+crops' });
    expect(tf.memory().numTensors).toBe(before);
    expect(preds.map((p) => p.ok)).toEqual([true, false, true]);
    const bad = preds[1]!;
    expect(!bad.ok && bad.error.code).toBe('DATA_CORRUPT');
    expect(!bad.ok && bad.error.message).toMatch(/corrupt\.png cannot be decoded as PNG/);
    for (const p of [preds[0]!, preds[2]!]) {
      if (!p.ok) throw new Error('expected a prediction');
      expect(p.top).toHaveLength(3);
      expect(p.top[0]!.probability).toBeGreaterThanOrEqual(p.top[1]!.probability);
      expect(p.top.reduce((s, c) => s + c.probability, 0)).toBeLessThanOrEqual(1 + 1e-6);
      expect(test.classNames).toContain(p.top[0]!.className);
    }
  });

  it('CLI: a folder and a missing file; one line per good image, one coded line per bad one, exit 1', async () => {
    const folder = tempRunDir('trickster-predict-cli-');
    const px = pixelOf(test, 3);
    writePng(path.join(folder, 'one.png'), 28, 28, 0, (x, y) => [px(x, y), px(x, y), px(x, y), 255]);
    writePng(path.join(folder, 'two.png'), 30, 20, 2, (x, y) => [x * 8, y * 12, 100, 255]);
    writeFileSync(path.join(folder, 'notes.txt'), 'skipped: not an image extension');
    const r = await cli('predict', '--model', path.join(runDir, 'model'), folder, path.join(folder, 'missing.jpg'), '--top-k', '2', '--backend', 'wasm');
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.shift()).toBe('trickster: backend wasm');
    expect(lines[0]).toMatch(new RegExp(`^${folder}/one\\.png {2}\\S.* 0\\.\\d{4} {2}\\S.* 0\\.\\d{4}$`));
    expect(r.stderr).toMatch(/^error \[DATA_NOT_FOUND\]: .*missing\.jpg does not exist\. Check the path\.$/m);
    expect(r.stderr).toMatch(/^error \[DATA_NOT_FOUND\]: 1 of 3 image\(s\) could not be classified/m);
    const ok = await cli('predict', '--model', runDir, path.join(folder, 'one.png'), '--json', '--tta', 'flip', '--backend', 'wasm');
    expect(ok.code, ok.stderr).toBe(0);
    const [p] = JSON.parse(ok.stdout.trim().split('\n').at(-1)!) as Prediction[];
    expect(p!.ok && p!.top).toHaveLength(3);
  });

  it('eval --tta flip equals the manual average of the softmax of the image and its mirror; no tensor leaks', async () => {
    const modelJson = path.join(runDir, 'model', 'model.json');
    const meta = readModelMetadata(modelJson);
    const before = tf.memory().numTensors;
    const none = await evaluateExportedModel({ modelPath: modelJson, limit: 300, batchSize: 128 });
    const flip = await evaluateExportedModel({ modelPath: modelJson, limit: 300, batchSize: 128, tta: 'flip' });
    const crops = await evaluateExportedModel({ modelPath: modelJson, limit: 300, batchSize: 128, tta: 'flip+crops' });
    expect(tf.memory().numTensors).toBe(before);
    // The same 300 images evaluate picks (limitDataset with the run's recorded seed), by hand.
    expect(meta.seed).toBeDefined();
    const subset = limitDataset(test, 300, meta.seed!);
    const model = await loadModelFromDir(modelJson);
    const x = Float32Array.from(subset.images, (v) => (v / 255 - meta.normalization.mean[0]!) / meta.normalization.std[0]!);
    // Log-probabilities (float32 softmax underflows to 0 for confident mistakes), averaged on the host in float64.
    const logp = tf.tidy(() => {
      const t = tf.tensor4d(x, [300, 28, 28, 1]);
      return [tf.logSoftmax(model.predict(t) as tf.Tensor2D).arraySync() as number[][], tf.logSoftmax(model.predict(tf.reverse(t, 2)) as tf.Tensor2D).arraySync() as number[][]];
    });
    model.dispose();
    const logMean = (a: number, b: number) => Math.max(a, b) + Math.log((Math.exp(a - Math.max(a, b)) + Math.exp(b - Math.max(a, b))) / 2);
    const probs = { plain: logp[0]!, averaged: logp[0]!.map((row, i) => row.map((a, c) => logMean(a, logp[1]![i]![c]!))) };
    const metrics = (rows: number[][]) => ({
      top1: rows.filter((r, i) => r.indexOf(Math.max(...r)) === subset.labels[i]).length / rows.length,
      loss: rows.reduce((s, r, i) => s - r[subset.labels[i]!]!, 0) / rows.length,
    });
    expect(none.top1).toBeCloseTo(metrics(probs.plain).top1, 10);
    expect(none.loss).toBeCloseTo(metrics(probs.plain).loss, 4);
    expect(flip.top1).toBeCloseTo(metrics(probs.averaged).top1, 10);
    expect(flip.loss).toBeCloseTo(metrics(probs.averaged).loss, 4);
    // The views change the result (a real averaging, not the plain pass).
    expect(flip.loss).not.toBeCloseTo(none.loss, 4);
    expect(crops.loss).not.toBeCloseTo(flip.loss, 4);
    expect(crops.count).toBe(300);
  });

  it('a mirror-symmetric image gets the same probabilities with --tta flip as without', async () => {
    const px = pixelOf(test, 4);
    const sym = writePng(path.join(dir, 'sym.png'), 28, 28, 0, (x, y) => {
      const v = px(Math.min(x, 27 - x), y);
      return [v, v, v, 255];
    });
    const [plain] = await classifier.predict([sym], { topK: 10 });
    const [flipped] = await classifier.predict([sym], { topK: 10, tta: 'flip' });
    const a = probabilitiesOf(plain!);
    probabilitiesOf(flipped!).forEach((v, c) => expect(v).toBeCloseTo(a[c]!, 5));
  });

  it('a --model without a model and an unknown --tta are coded errors', async () => {
    const r = await cli('predict', '--model', dir, path.join(dir, 'g.png'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[MODEL_NOT_FOUND\]: --model .*: no model\.json there/m);
    const t = await cli('predict', '--model', runDir, path.join(dir, 'g.png'), '--tta', 'rotate');
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/^error \[USAGE\]: .*--tta rotate: unknown mode; use one of none, flip, flip\+crops/m);
  });
});
