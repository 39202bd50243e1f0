/**
 * resnet6-pool-stem (core/models/resnet6-pool-stem.ts): shapes, parameter and multiply-add counts
 * derived by hand, channels rounded to multiples of 8, one SGD step that lowers the loss, and the
 * coded errors for options it does not have.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { ModelError } from '../../core/errors.js';
import { buildModel, forwardMultiplyAdds, layerCosts, parameterCounts } from '../../core/models/index.js';
import { channelsMultipleOf8 } from '../../core/models/resnet6-pool-stem.js';
import { CIFAR, MNIST, modelBuilder } from './helpers.js';

const NAME = 'resnet6-pool-stem';
const build = modelBuilder();

describe('resnet6-pool-stem', () => {
  it('maps 28x28x1 and 32x32x3 to logits; the stem pools 28x28 to 14x14, stage 2 strides to 7x7', () => {
    const m = build({ name: NAME, seed: 1 }, MNIST, 10);
    const out = tf.tidy(() => (m.predict(tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 1)) as tf.Tensor).shape);
    expect(out).toEqual([3, 10]);
    const costs = layerCosts(m, MNIST);
    expect(costs.find((c) => c.name === 'stem_pool')?.outputShape).toEqual([1, 14, 14, 24]);
    expect(costs.find((c) => c.name === 'stage1_block1_out')?.outputShape).toEqual([1, 14, 14, 48]);
    expect(costs.find((c) => c.name === 'stage2_block1_out')?.outputShape).toEqual([1, 7, 7, 96]);
    const rgb = build({ name: NAME, seed: 1 }, CIFAR, 7);
    expect(tf.tidy(() => (rgb.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor).shape)).toEqual([1, 7]);
  });

  it('width 1 on 28x28x1: 163,378 trainable parameters', () => {
    //   stem   conv 1→24: 216, BN 48                                                           →     264
    //   stage1 conv 24→48 10,368 + conv 48→48 20,736 + 1x1 24→48 1,152 + 3 BN 288              →  32,544
    //   stage2 conv 48→96 41,472 + conv 96→96 82,944 + 1x1 48→96 4,608 + 3 BN 576              → 129,600
    //   head   dense 96→10: 970
    const m = build({ name: NAME }, MNIST);
    expect(parameterCounts(m).trainable).toBe(264 + 32_544 + 129_600 + 970);
    expect(parameterCounts(m).trainable).toBe(163_378);
    expect(parameterCounts(m).nonTrainable).toBe(2 * (24 + 3 * 48 + 3 * 96));
  });

  it('width 1 on 28x28x1: 12,814,656 multiply-adds, 1.3% of them at 28x28', () => {
    // stem 784*9*24 = 169,344; stage1 196*(216*48 + 432*48 + 24*48) = 6,322,176;
    // stage2 49*(432*96 + 864*96 + 48*96) = 6,322,176; dense 960
    const m = build({ name: NAME }, MNIST);
    expect(forwardMultiplyAdds(m, MNIST)).toBe(169_344 + 6_322_176 + 6_322_176 + 960);
    expect(forwardMultiplyAdds(m, MNIST)).toBe(12_814_656);
    const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.name);
    expect(convs).toEqual([
      'stem_conv',
      'stage1_block1_conv1', 'stage1_block1_conv2', 'stage1_block1_shortcut_conv',
      'stage2_block1_conv1', 'stage2_block1_conv2', 'stage2_block1_shortcut_conv',
    ]);
  });

  it('width scales channels, rounded to multiples of 8', () => {
    expect(channelsMultipleOf8(24, 1.25)).toBe(32);
    expect(channelsMultipleOf8(48, 1.25)).toBe(64);
    expect(channelsMultipleOf8(96, 1.25)).toBe(120);
    expect(channelsMultipleOf8(24, 0.1)).toBe(8);
    const m = build({ name: NAME, width: 1.25 }, MNIST);
    expect(layerCosts(m, MNIST).find((c) => c.name === 'stage2_block1_out')?.outputShape).toEqual([1, 7, 7, 120]);
    for (const l of m.layers.filter((x) => x.getClassName() === 'Conv2D')) {
      expect((l.getConfig()['filters'] as number) % 8).toBe(0);
    }
  });

  it('one SGD step on a fixed batch lowers the loss, with finite gradients for every weight and no leaked tensors', () => {
    const m = build({ name: NAME, seed: 3, width: 0.5 }, MNIST);
    const x = tf.randomNormal([8, 28, 28, 1], 0, 1, 'float32', 7);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    const loss = () => tf.losses.softmaxCrossEntropy(y, m.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
    const before = tf.tidy(() => loss().dataSync()[0]!);
    const sgd = tf.train.sgd(0.05);
    const tensors = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(loss);
    expect(Object.keys(grads).length).toBe(m.trainableWeights.length);
    for (const g of Object.values(grads)) expect(Number.isFinite(tf.tidy(() => g.abs().sum().dataSync()[0]!))).toBe(true);
    sgd.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(tensors);
    const after = tf.tidy(() => loss().dataSync()[0]!);
    expect(after).toBeLessThan(before);
    tf.dispose([x, y]);
    sgd.dispose();
  });

  it('refuses options it does not have with coded errors', () => {
    expect(() => buildModel({ name: NAME, variant: 'd' }, MNIST, 10)).toThrow(ModelError);
    expect(() => buildModel({ name: NAME, variant: 'd' }, MNIST, 10)).toThrow(/variant=d is not supported/);
    expect(() => buildModel({ name: NAME, head: 'flatten' }, MNIST, 10)).toThrow(/head=flatten exists only for small-cnn/);
    expect(() => buildModel({ name: NAME, width: -1 }, MNIST, 10)).toThrow(/width must be a positive number/);
    expect(() => buildModel({ name: NAME }, MNIST, 0)).toThrow(/numClasses/);
  });
});
