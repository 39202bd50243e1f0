/**
 * Model options: ResNet variants, zero-gamma, batch-norm settings, seeds and error messages.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { ModelError } from '../../core/errors.js';
import {
  batchNormLayers,
  buildModel,
  knownModels,
  lastBatchNormOfBlocks,
  parameterCounts,
} from '../../core/models/index.js';
import type { ModelSpec } from '../../core/models/index.js';
import { CIFAR, MNIST, modelBuilder } from './helpers.js';

const build = modelBuilder();

function config(m: tf.LayersModel, name: string): Record<string, unknown> {
  return m.getLayer(name).getConfig() as Record<string, unknown>;
}

function gamma(layer: tf.layers.Layer): Float32Array {
  const w = layer.weights.find((v) => v.originalName.endsWith('gamma'));
  if (!w) throw new Error(`${layer.name} has no gamma`);
  return w.read().dataSync() as Float32Array;
}

function layerClasses(m: tf.LayersModel): string[] {
  return m.layers.map((l) => l.getClassName());
}

describe('zeroGamma', () => {
  it('resnet20: the last BN of each of the 9 blocks starts at gamma 0, the others at 1', () => {
    const m = build({ name: 'resnet20', zeroGamma: true, seed: 3 });
    const last = lastBatchNormOfBlocks(m);
    expect(last.map((l) => l.name)).toEqual(
      [1, 2, 3].flatMap((s) => [1, 2, 3].map((b) => `stage${s}_block${b}_bn2`)),
    );
    for (const l of last) expect(Array.from(gamma(l)).every((g) => g === 0)).toBe(true);
    const others = batchNormLayers(m).filter((l) => !last.includes(l));
    expect(others.map((l) => l.name)).toContain('stage2_block1_shortcut_bn');
    for (const l of others) expect(Array.from(gamma(l)).every((g) => g === 1)).toBe(true);
  });

  it('with gamma 0 every identity block starts as the identity (on post-ReLU inputs)', () => {
    const m = build({ name: 'resnet20', zeroGamma: true, seed: 3 });
    const probe = tf.model({
      inputs: m.inputs,
      outputs: ['stem_relu', 'stage1_block1_out', 'stage1_block3_out'].map((n) => m.getLayer(n).output as tf.SymbolicTensor),
    });
    const outs = probe.predict(tf.randomNormal([1, 8, 8, 3], 0, 1, 'float32', 5)) as tf.Tensor[];
    const [stem, block1, block3] = outs.map((t) => Array.from(t.dataSync()));
    expect(stem!.some((v) => v > 0)).toBe(true);
    expect(block1).toEqual(stem);
    expect(block3).toEqual(stem);
    tf.dispose(outs);
  });

  it('resnet50: the bottleneck blocks zero their third BN', () => {
    const m = build({ name: 'resnet50', zeroGamma: true, width: 0.25 });
    const last = lastBatchNormOfBlocks(m);
    expect(last).toHaveLength(3 + 4 + 6 + 3);
    expect(last.every((l) => /^stage\d_block\d_bn3$/.test(l.name))).toBe(true);
    for (const l of last) expect(Array.from(gamma(l)).every((g) => g === 0)).toBe(true);
  });

  it('is off by default; small-cnn has no blocks', () => {
    const m = build({ name: 'resnet20' });
    for (const l of lastBatchNormOfBlocks(m)) expect(Array.from(gamma(l)).every((g) => g === 1)).toBe(true);
    expect(lastBatchNormOfBlocks(build({ name: 'small-cnn' }, MNIST))).toEqual([]);
  });
});

describe('CIFAR ResNet variant d', () => {
  it('downsamples the shortcut with a 2x2 average pool and a stride-1 1x1 conv', () => {
    const a = build({ name: 'resnet20' });
    expect(layerClasses(a)).not.toContain('AveragePooling2D');
    expect(config(a, 'stage2_block1_shortcut_conv')['strides']).toEqual([2, 2]);

    const d = build({ name: 'resnet20', variant: 'd' });
    const pools = d.layers.filter((l) => l.getClassName() === 'AveragePooling2D').map((l) => l.name);
    expect(pools).toEqual(['stage2_block1_shortcut_pool', 'stage3_block1_shortcut_pool']);
    for (const s of [2, 3]) {
      const pool = config(d, `stage${s}_block1_shortcut_pool`);
      expect(pool['poolSize']).toEqual([2, 2]);
      expect(pool['strides']).toEqual([2, 2]);
      const conv = d.getLayer(`stage${s}_block1_shortcut_conv`);
      expect(conv.getConfig()['strides']).toEqual([1, 1]);
      expect(conv.getConfig()['kernelSize']).toEqual([1, 1]);
      // pool → conv → BN → add
      expect(conv.inboundNodes[0]!.inboundLayers[0]!.name).toBe(`stage${s}_block1_shortcut_pool`);
    }
  });

  it("'b' is the same network as 'a'; an unknown variant is refused", () => {
    const a = build({ name: 'resnet20', seed: 1 });
    const b = build({ name: 'resnet20', variant: 'b', seed: 1 });
    expect(b.layers.map((l) => l.name)).toEqual(a.layers.map((l) => l.name));
    expect(() => build({ name: 'resnet20', variant: 'e' as ModelSpec['variant'] })).toThrow(/variant must be one of 'a', 'b', 'c', 'd', got e/);
  });
});

describe('CIFAR ResNet variant c', () => {
  it('replaces the one 3x3 stem conv (16) by three stride-1 3x3 conv-BN-ReLU of 8, 8, 16 channels; the rest is unchanged', () => {
    const a = build({ name: 'resnet20', seed: 1 });
    const c = build({ name: 'resnet20', variant: 'c', seed: 1 });
    expect(config(a, 'stem_conv')).toMatchObject({ kernelSize: [3, 3], strides: [1, 1], filters: 16 });
    const names = c.layers.map((l) => l.name);
    expect(names).not.toContain('stem_conv');
    expect(names.slice(0, 10)).toEqual(['input', 'stem_conv1', 'stem_bn1', 'stem_relu1', 'stem_conv2', 'stem_bn2', 'stem_relu2', 'stem_conv3', 'stem_bn3', 'stem_relu3']);
    for (const [i, filters] of [8, 8, 16].entries()) {
      expect(config(c, `stem_conv${i + 1}`)).toMatchObject({ kernelSize: [3, 3], strides: [1, 1], filters, useBias: false });
    }
    expect(c.getLayer('stage1_block1_conv1').inboundNodes[0]!.inboundLayers[0]!.name).toBe('stem_relu3');
    // After the stem the networks are the same: same layers, same output shape of the stem.
    expect(names.slice(10)).toEqual(a.layers.map((l) => l.name).slice(4));
    expect(c.getLayer('stem_relu3').outputShape).toEqual(a.getLayer('stem_relu').outputShape);
    expect(layerClasses(c)).not.toContain('AveragePooling2D');
    // Widths scale with `width`.
    const half = build({ name: 'resnet20', variant: 'c', width: 0.5 });
    expect([1, 2, 3].map((i) => config(half, `stem_conv${i}`)['filters'])).toEqual([4, 4, 8]);
  });

  it('adds the stem parameters and nothing else (CIFAR 32x32x3: 3x3x3x8 + 3x3x8x8 + 3x3x8x16 convs, 3 BNs, vs 3x3x3x16 + 1 BN)', () => {
    const a = parameterCounts(build({ name: 'resnet20' }));
    const c = parameterCounts(build({ name: 'resnet20', variant: 'c' }));
    const stemA = 3 * 3 * 3 * 16 + 2 * 16;
    const stemC = 3 * 3 * 3 * 8 + 3 * 3 * 8 * 8 + 3 * 3 * 8 * 16 + 2 * (8 + 8 + 16);
    expect(c.trainable - a.trainable).toBe(stemC - stemA); // 2,008 − 464 = 1,544
    expect(c.trainable).toBe(274_018);
    expect(c.nonTrainable - a.nonTrainable).toBe(2 * (8 + 8 + 16) - 2 * 16); // moving mean and variance
  });
});

describe('ImageNet ResNet variants', () => {
  const spec = (variant: ModelSpec['variant']): ModelSpec => ({ name: 'resnet50', variant, width: 0.25 });

  it("'a': 7x7 stem, stride on the bottleneck's first 1x1 conv, 1x1/2 projection", () => {
    const m = build(spec('a'));
    expect(config(m, 'stem_conv')).toMatchObject({ kernelSize: [7, 7], strides: [2, 2], filters: 16 });
    expect(config(m, 'stem_pool')).toMatchObject({ poolSize: [3, 3], strides: [2, 2] });
    expect(config(m, 'stage2_block1_conv1')['strides']).toEqual([2, 2]);
    expect(config(m, 'stage2_block1_conv2')['strides']).toEqual([1, 1]);
    expect(config(m, 'stage2_block1_shortcut_conv')['strides']).toEqual([2, 2]);
    expect(layerClasses(m)).not.toContain('AveragePooling2D');
  });

  it("'b': stride moved to the 3x3 conv", () => {
    const m = build(spec('b'));
    expect(config(m, 'stem_conv')['kernelSize']).toEqual([7, 7]);
    expect(config(m, 'stage2_block1_conv1')['strides']).toEqual([1, 1]);
    expect(config(m, 'stage2_block1_conv2')).toMatchObject({ kernelSize: [3, 3], strides: [2, 2] });
  });

  it("'c': deep stem of three 3x3 convs (32, 32, 64 channels, first stride 2)", () => {
    const m = build({ name: 'resnet50', variant: 'c', width: 0.5 });
    expect(m.layers.map((l) => l.name)).not.toContain('stem_conv');
    // width 0.5: 16, 16, 32
    expect(config(m, 'stem_conv1')).toMatchObject({ kernelSize: [3, 3], strides: [2, 2], filters: 16, useBias: false });
    expect(config(m, 'stem_conv2')).toMatchObject({ kernelSize: [3, 3], strides: [1, 1], filters: 16 });
    expect(config(m, 'stem_conv3')).toMatchObject({ kernelSize: [3, 3], strides: [1, 1], filters: 32 });
    expect(m.getLayer('stem_pool').inboundNodes[0]!.inboundLayers[0]!.name).toBe('stem_relu3');
    expect(config(m, 'stage2_block1_conv2')['strides']).toEqual([2, 2]);
    expect(layerClasses(m)).not.toContain('AveragePooling2D');
  });

  it("'d': deep stem + avg-pool shortcuts where the block downsamples", () => {
    const m = build(spec('d'));
    expect(m.layers.map((l) => l.name)).toContain('stem_conv3');
    const pools = m.layers.filter((l) => l.getClassName() === 'AveragePooling2D').map((l) => l.name);
    // stage 1 only widens channels (stride 1): plain 1x1 conv projection, no pool
    expect(pools).toEqual(['stage2_block1_shortcut_pool', 'stage3_block1_shortcut_pool', 'stage4_block1_shortcut_pool']);
    expect(config(m, 'stage1_block1_shortcut_conv')['strides']).toEqual([1, 1]);
    for (const s of [2, 3, 4]) expect(config(m, `stage${s}_block1_shortcut_conv`)['strides']).toEqual([1, 1]);
  });

  it("basic-block nets: 'b' builds the same layers as 'a'", () => {
    for (const name of ['resnet18', 'resnet34']) {
      const a = build({ name, width: 0.25, seed: 2 });
      const b = build({ name, width: 0.25, seed: 2, variant: 'b' });
      const describe = (m: tf.LayersModel) => m.layers.map((l) => JSON.stringify([l.name, l.getConfig()]));
      expect(describe(b)).toEqual(describe(a));
    }
  });

  it('width multiplies the stage channels', () => {
    const m = build({ name: 'resnet18', width: 0.5 });
    expect(config(m, 'stem_conv')['filters']).toBe(32);
    expect(config(m, 'stage4_block2_conv2')['filters']).toBe(256);
  });
});

describe('batch norm and convolutions', () => {
  it('PyTorch momentum 0.1 → Keras 0.9, epsilon 1e-5, convs without bias', () => {
    const m = build({ name: 'resnet20' });
    for (const bn of batchNormLayers(m)) {
      expect(bn.getConfig()).toMatchObject({ momentum: 0.9, epsilon: 1e-5 });
    }
    for (const conv of m.layers.filter((l) => l.getClassName() === 'Conv2D')) {
      expect(conv.getConfig()['useBias']).toBe(false);
    }
    const custom = build({ name: 'small-cnn', bnMomentum: 0.01 }, MNIST);
    expect(config(custom, 'stage1_bn')['momentum']).toBeCloseTo(0.99, 10);
  });

  it('bnMomentum is the weight of the batch statistic in the running mean', () => {
    const m = build({ name: 'small-cnn', bnMomentum: 0.25, seed: 1 }, MNIST);
    const conv = tf.model({ inputs: m.inputs, outputs: m.getLayer('stage1_conv').output as tf.SymbolicTensor });
    const x = tf.randomNormal([4, 6, 6, 1], 0.5, 1, 'float32', 9);
    const batchMean = tf.tidy(() => tf.mean(conv.predict(x) as tf.Tensor, [0, 1, 2]).dataSync());
    tf.tidy(() => m.apply(x, { training: true }) as tf.Tensor);
    const bn = m.getLayer('stage1_bn');
    const moving = bn.weights.find((w) => w.originalName.endsWith('moving_mean'))!.read().dataSync();
    // running = (1 - 0.25) * 0 + 0.25 * batch mean
    for (let i = 0; i < moving.length; i++) expect(moving[i]).toBeCloseTo(0.25 * batchMean[i]!, 5);
    x.dispose();
  });
});

describe('seeds', () => {
  function weights(m: tf.LayersModel): number[][] {
    return m.getWeights().map((w) => Array.from(w.dataSync()));
  }

  it('the same seed gives identical weights, another seed different ones', () => {
    const a = weights(build({ name: 'resnet20', seed: 42 }));
    const b = weights(build({ name: 'resnet20', seed: 42 }));
    expect(b).toEqual(a);
    const c = weights(build({ name: 'resnet20', seed: 43 }));
    expect(c).not.toEqual(a);
    // every conv gets its own stream: no two kernels of the same shape are equal
    const m = build({ name: 'resnet20', seed: 42 });
    const k1 = m.getLayer('stage1_block1_conv1').getWeights()[0]!.dataSync();
    const k2 = m.getLayer('stage1_block1_conv2').getWeights()[0]!.dataSync();
    expect(Array.from(k1)).not.toEqual(Array.from(k2));
  });

  it('holds for the deep-stem ResNet-D and small-cnn too', () => {
    expect(weights(build({ name: 'resnet18', variant: 'd', width: 0.25, seed: 7 }))).toEqual(
      weights(build({ name: 'resnet18', variant: 'd', width: 0.25, seed: 7 })),
    );
    expect(weights(build({ name: 'small-cnn', seed: 7 }, MNIST))).toEqual(weights(build({ name: 'small-cnn', seed: 7 }, MNIST)));
  });

  it('He normal init: conv kernel std ≈ sqrt(2 / fan_in)', () => {
    const m = build({ name: 'resnet20', seed: 1 });
    const k = m.getLayer('stage3_block2_conv1').getWeights()[0]!; // 3x3x64x64, fan_in 576
    const std = tf.tidy(() => tf.moments(k).variance.sqrt().dataSync()[0]!);
    // truncated normal at 2 std loses ~12% of the std
    expect(std).toBeGreaterThan(0.8 * Math.sqrt(2 / 576));
    expect(std).toBeLessThan(1.1 * Math.sqrt(2 / 576));
  });
});

describe('errors', () => {
  it('an unknown model name lists the known names', () => {
    let error: unknown;
    try {
      buildModel({ name: 'resnet99' }, CIFAR, 10);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).code).toBe('MODEL_UNKNOWN');
    expect((error as ModelError).message).toContain('resnet99');
    for (const name of knownModels()) expect((error as ModelError).message).toContain(name);
  });

  it.each<[ModelSpec, RegExp]>([
    [{ name: 'resnet20', width: 0 }, /width must be a positive number/],
    [{ name: 'resnet20', width: Number.NaN }, /width/],
    [{ name: 'resnet20', bnMomentum: 1.5 }, /bnMomentum must be in \[0, 1\]/],
    [{ name: 'resnet18', variant: 'e' as 'a' }, /variant must be one of/],
    [{ name: 'small-cnn', variant: 'd' }, /variant=d is not supported/],
    [{ name: 'small-cnn', zeroGamma: true }, /no residual blocks/],
    [{ name: 'resnet20', seed: Number.POSITIVE_INFINITY }, /seed must be a finite number/],
  ])('bad option %o', (spec, message) => {
    expect(() => buildModel(spec, CIFAR, 10)).toThrow(ModelError);
    expect(() => buildModel(spec, CIFAR, 10)).toThrow(message);
  });

  it('bad input channels or class count', () => {
    expect(() => buildModel({ name: 'small-cnn' }, { height: 28, width: 28, channels: 0 }, 10)).toThrow(ModelError);
    expect(() => buildModel({ name: 'small-cnn' }, MNIST, 0)).toThrow(/numClasses/);
  });
});

describe('parameter sanity', () => {
  it('every ImageNet ResNet variant builds with the expected stem parameters', () => {
    const ab = parameterCounts(build({ name: 'resnet18', width: 0.25, variant: 'a' })).trainable;
    const d = parameterCounts(build({ name: 'resnet18', width: 0.25, variant: 'd' })).trainable;
    // width 0.25: 7x7x3x16 = 2,352 + BN 32 → 3x3x3x8 + 3x3x8x8 + 3x3x8x16 = 216 + 576 + 1,152 + BN 64
    expect(d - ab).toBe(216 + 576 + 1_152 + 64 - 2_352 - 32);
  });
});
