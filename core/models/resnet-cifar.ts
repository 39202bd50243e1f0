/**
 * CIFAR-style ResNets (He et al. 2016, "Deep Residual Learning", section 4.2): depth 6n+2.
 *
 *   stem: conv3x3(16w)-BN-ReLU
 *   stage 1: n basic blocks, 16w channels, stride 1
 *   stage 2: n basic blocks, 32w channels, first block stride 2
 *   stage 3: n basic blocks, 64w channels, first block stride 2
 *   head: global average pool → dense(numClasses)
 *
 * Shortcuts are identities except where the shape changes (first block of stages 2 and 3), which
 * use a projection: 1x1 conv (stride 2) + BN (the paper's option B; option A's zero-padded identity
 * is not implemented). Options:
 * - `variant`: 'a' or 'b' (or unset): the standard network; 'b' only moves the stride inside
 *   bottleneck blocks, which these networks do not have. 'c': ResNet-C at this scale. On ImageNet
 *   (seed 004) C replaces the 7x7 stride-2 stem conv by three 3x3 convs of c/2, c/2 and c channels
 *   (32, 32, 64), the first of stride 2. The CIFAR stem is one 3x3 stride-1 conv of c = 16w
 *   channels, so here C makes it three 3x3 stride-1 conv-BN-ReLU of c/2, c/2, c (8w, 8w, 16w):
 *   the same output shape, a 7x7 receptive field instead of 3x3, two more non-linearities
 *   (`stem_conv{1,2,3}`). 'd': ResNet-D shortcut, 2x2 average pool stride 2 + 1x1 conv stride 1 +
 *   BN (the shortcut only; unlike the ImageNet 'd', not combined with C's stem).
 * - `zeroGamma`: gamma of each block's last BN (`stage{S}_block{B}_bn2`) starts at 0.
 * - `width`: multiplies all channel counts.
 */
import * as tf from '@tensorflow/tfjs';

import { ModelError } from '../errors.js';
import type { InputShape, ModelBuilder, ModelSpec } from './types.js';
import {
  basicBlock,
  type BuildContext,
  checkShapes,
  classifierHead,
  convBnRelu,
  imageInput,
  resnetVariant,
  resolveContext,
  scaleChannels,
} from './layers.js';

export const CIFAR_RESNET_CHANNELS = [16, 32, 64] as const;

/** The stem: one 3x3 conv of c = 16w channels, or with `deep` (ResNet-C) three 3x3 convs of c/2, c/2, c. */
function stem(ctx: BuildContext, x: tf.SymbolicTensor, deep: boolean): tf.SymbolicTensor {
  const c = scaleChannels(CIFAR_RESNET_CHANNELS[0], ctx.width);
  if (!deep) return convBnRelu(ctx, x, { filters: c, kernelSize: 3, prefix: 'stem' });
  const half = scaleChannels(CIFAR_RESNET_CHANNELS[0] / 2, ctx.width);
  x = convBnRelu(ctx, x, { filters: half, kernelSize: 3, prefix: 'stem', suffix: 1 });
  x = convBnRelu(ctx, x, { filters: half, kernelSize: 3, prefix: 'stem', suffix: 2 });
  return convBnRelu(ctx, x, { filters: c, kernelSize: 3, prefix: 'stem', suffix: 3 });
}

/** Builder for the CIFAR ResNet of the given depth (6n+2). */
export function cifarResNet(depth: number): ModelBuilder {
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw new ModelError(`CIFAR ResNet depth must be 6n+2 with n >= 1, got ${depth}.`);
  }
  const blocksPerStage = (depth - 2) / 6;
  return (spec: ModelSpec, input: InputShape, numClasses: number): tf.LayersModel => {
    const ctx = resolveContext(spec);
    checkShapes(spec.name, input.channels, numClasses);
    const variant = resnetVariant(spec);
    const zeroGamma = spec.zeroGamma ?? false;

    const inputs = imageInput(input.channels);
    let x = stem(ctx, inputs, variant === 'c');
    CIFAR_RESNET_CHANNELS.forEach((base, s) => {
      for (let b = 0; b < blocksPerStage; b++) {
        x = basicBlock(ctx, x, {
          filters: scaleChannels(base, ctx.width),
          strides: s > 0 && b === 0 ? 2 : 1,
          prefix: `stage${s + 1}_block${b + 1}`,
          zeroGamma,
          avgDown: variant === 'd',
        });
      }
    });
    const outputs = classifierHead(ctx, x, numClasses);
    return tf.model({ inputs, outputs, name: spec.name });
  };
}

/** ResNet-8 (n = 1): one block per stage; at width 1.25 (20/40/80 channels) the size of issue 13's fast PyTorch net. */
export const buildResNet8 = cifarResNet(8);
export const buildResNet20 = cifarResNet(20);
export const buildResNet32 = cifarResNet(32);
export const buildResNet56 = cifarResNet(56);
