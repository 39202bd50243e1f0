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
 *   bottleneck blocks, which these networks do not have. 'd': ResNet-D shortcut, 2x2 average pool
 *   stride 2 + 1x1 conv stride 1 + BN. 'c' (deep 3-conv stem) is rejected: the CIFAR stem is
 *   already a single 3x3 conv.
 * - `zeroGamma`: gamma of each block's last BN (`stage{S}_block{B}_bn2`) starts at 0.
 * - `width`: multiplies all channel counts.
 */
import * as tf from '@tensorflow/tfjs';

import { ModelError } from '../errors.js';
import type { InputShape, ModelBuilder, ModelSpec } from './types.js';
import {
  basicBlock,
  checkShapes,
  classifierHead,
  convBnRelu,
  imageInput,
  resolveContext,
  scaleChannels,
} from './layers.js';

export const CIFAR_RESNET_CHANNELS = [16, 32, 64] as const;

/** Builder for the CIFAR ResNet of the given depth (6n+2). */
export function cifarResNet(depth: number): ModelBuilder {
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw new ModelError(`CIFAR ResNet depth must be 6n+2 with n >= 1, got ${depth}.`);
  }
  const blocksPerStage = (depth - 2) / 6;
  return (spec: ModelSpec, input: InputShape, numClasses: number): tf.LayersModel => {
    const ctx = resolveContext(spec);
    checkShapes(spec.name, input.channels, numClasses);
    const variant = spec.variant ?? 'a';
    if (variant !== 'a' && variant !== 'b' && variant !== 'd') {
      throw new ModelError(
        `Model "${spec.name}": variant must be 'a', 'b' or 'd' for CIFAR ResNets, got ${String(spec.variant)} ` +
          `('c' replaces the ImageNet 7x7 stem, which CIFAR ResNets do not have).`,
      );
    }
    const zeroGamma = spec.zeroGamma ?? false;

    const inputs = imageInput(input.channels);
    let x = convBnRelu(ctx, inputs, { filters: scaleChannels(CIFAR_RESNET_CHANNELS[0], ctx.width), kernelSize: 3, prefix: 'stem' });
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

export const buildResNet20 = cifarResNet(20);
export const buildResNet32 = cifarResNet(32);
export const buildResNet56 = cifarResNet(56);
