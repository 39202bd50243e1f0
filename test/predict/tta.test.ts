import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { normalizedBlack, parseTtaMode, ttaFlipWarning, shiftImages, ttaLogProbabilities, ttaViewCount, ttaViews } from '../../core/tta.js';

describe('test-time augmentation views', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  // A 1x3x3x1 image: 1 2 3 / 4 5 6 / 7 8 9.
  const image = () => tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);

  it('shiftImages moves the content as the training crop does, filling with the given value', () => {
    const x = image();
    const down = shiftImages(x, -1, 0, [0.5]); // out(y, x) = in(y - 1, x): content moves down
    expect(Array.from(down.dataSync())).toEqual([0.5, 0.5, 0.5, 1, 2, 3, 4, 5, 6]);
    const left = shiftImages(x, 0, 2, [-1]); // out(y, x) = in(y, x + 2)
    expect(Array.from(left.dataSync())).toEqual([3, -1, -1, 6, -1, -1, 9, -1, -1]);
    tf.dispose([x, down, left]);
  });

  it('flip has 2 views (the image and its mirror), flip+crops 10 (each also shifted 2 px up, down, left, right), none 1', () => {
    expect([ttaViewCount('none'), ttaViewCount('flip'), ttaViewCount('flip+crops')]).toEqual([1, 2, 10]);
    const x = image();
    const before = tf.memory().numTensors;
    const views = ttaViews(x, 'flip', [0]);
    expect(views.map((v) => Array.from(v.dataSync()))).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
      [3, 2, 1, 6, 5, 4, 9, 8, 7],
    ]);
    const ten = ttaViews(x, 'flip+crops', [0]);
    expect(ten).toHaveLength(10);
    expect(ten.every((v) => v.shape.join() === '1,3,3,1')).toBe(true);
    tf.dispose([...views, ...ten]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('the TTA output is the log of the mean of the softmax probabilities over the views', () => {
    // A fixed "model": logits from the left and right columns, so the mirror changes them.
    const forward = (v: tf.Tensor4D) => tf.tidy(() => tf.concat([v.slice([0, 0, 0, 0], [-1, -1, 1, -1]).reshape([-1, 3]), v.slice([0, 0, 2, 0], [-1, -1, 1, -1]).reshape([-1, 3])], 1) as tf.Tensor2D);
    const x = tf.tensor4d([0.1, -0.4, 0.3, 0.2, 0.9, -0.7, 0.5, 0.05, -0.2], [1, 3, 3, 1]);
    const before = tf.memory().numTensors;
    const out = ttaLogProbabilities(forward, x, 'flip', [0]);
    expect(tf.memory().numTensors).toBe(before + 1);
    const p0 = tf.softmax(forward(x)).dataSync();
    const p1 = tf.softmax(forward(tf.reverse(x, 2) as tf.Tensor4D)).dataSync();
    const got = Array.from(tf.exp(out).dataSync());
    got.forEach((v, c) => expect(v).toBeCloseTo((p0[c]! + p1[c]!) / 2, 6));
    expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    tf.dispose([x, out]);
  });

  it('warns about mirroring a model of digits (MNIST) only', () => {
    expect(ttaFlipWarning('flip', 'mnist')).toMatch(/^--tta flip mirrors the images, but the model was trained on mnist/);
    expect(ttaFlipWarning('none', 'mnist')).toBeNull();
    expect(ttaFlipWarning('flip+crops', 'fashion-mnist')).toBeNull();
    expect(ttaFlipWarning('flip', 'my-image-folder')).toBeNull();
  });

  it('a black pixel normalises to -mean/std; an unknown mode is a USAGE error', () => {
    expect(normalizedBlack({ mean: [0.5, 0.25], std: [0.25, 0.5] })).toEqual([-2, -0.5]);
    expect(parseTtaMode('flip+crops')).toBe('flip+crops');
    expect(() => parseTtaMode('hflip')).toThrow(/--tta hflip: unknown mode; use one of none, flip, flip\+crops/);
  });
});
