/**
 * `resnet6-pool-stem`: a 6-layer residual net shaped for the wasm backend at 28x28 (issue 13's
 * fast recipe). It moves work out of the full-resolution stage, where wasm is least efficient
 * (one input channel, 16-20 output channels: bench/fast-recipe/README.md), into wider
 * half- and quarter-resolution stages where the SIMD conv kernels run (16+ input channels,
 * channel counts multiples of 4/8: core/backends/wasm-simd/).
 *
 *   stem: conv3x3(24w)-BN-ReLU at full resolution, 2x2 max pool stride 2 (28x28 → 14x14)
 *   stage 1: one basic block, 48w channels, stride 1 (1x1 projection shortcut: 24w → 48w)
 *   stage 2: one basic block, 96w channels, first conv stride 2 (1x1 stride-2 projection)
 *   head: global average pool → dense(numClasses)
 *
 * Channel counts are `24w, 48w, 96w` rounded to a multiple of 8 (at least 8), so every conv after
 * the stem meets the SIMD kernels' tiles. At width 1, 28x28x1, 10 classes: 12.8M multiply-adds
 * and 163k parameters (test/models/resnet6-pool-stem.test.ts derives both by hand), against
 * resnet8 width 1.25's 14.6M and 121k, of which 40% of the multiply-adds are at 28x28.
 *
 * Layer names follow layers.ts (`stem_conv`, `stem_pool`, `stage{S}_block1_*`, `head_*`).
 */
import * as tf from '@tensorflow/tfjs';

import type { InputShape, ModelBuilder, ModelSpec } from './types.js';
import { basicBlock, checkShapes, classifierHead, convBnRelu, imageInput, maxPool, rejectOption, resolveContext } from './layers.js';

/** Base channels of the stem and the two stages (multiplied by `width`, then rounded to a multiple of 8). */
export const POOL_STEM_CHANNELS = [24, 48, 96] as const;

/** `channels * width` rounded to the nearest multiple of 8, at least 8. */
export function channelsMultipleOf8(channels: number, width: number): number {
  return Math.max(8, Math.round((channels * width) / 8) * 8);
}

export const buildResNet6PoolStem: ModelBuilder = (spec: ModelSpec, input: InputShape, numClasses: number): tf.LayersModel => {
  const ctx = resolveContext(spec);
  checkShapes(spec.name, input.channels, numClasses);
  rejectOption(spec, 'variant', 'variants a-d exist only for the CIFAR and ImageNet ResNets.');
  const zeroGamma = spec.zeroGamma ?? false;
  const [stemC, c1, c2] = POOL_STEM_CHANNELS.map((c) => channelsMultipleOf8(c, ctx.width)) as [number, number, number];

  const inputs = imageInput(input.channels);
  let x = convBnRelu(ctx, inputs, { filters: stemC, kernelSize: 3, prefix: 'stem' });
  x = maxPool(x, 2, 2, 'stem_pool');
  x = basicBlock(ctx, x, { filters: c1, strides: 1, prefix: 'stage1_block1', zeroGamma, avgDown: false });
  x = basicBlock(ctx, x, { filters: c2, strides: 2, prefix: 'stage2_block1', zeroGamma, avgDown: false });
  const outputs = classifierHead(ctx, x, numClasses);
  return tf.model({ inputs, outputs, name: spec.name });
};
