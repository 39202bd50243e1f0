/**
 * ImageNet-style ResNets (He et al. 2016) with the tweaks of "Bag of Tricks for Image
 * Classification" (He et al. 2019, section 4.1):
 *
 *   stem → 4 stages (64w, 128w, 256w, 512w channels; strides 1, 2, 2, 2) → GAP → dense
 *
 * - resnet18 / resnet34: basic blocks [2,2,2,2] / [3,4,6,3].
 * - resnet50: bottleneck blocks [3,4,6,3], output channels 4x the stage width.
 *
 * `variant`:
 * - 'a' (default, original): stem conv7x7/2 (64w)-BN-ReLU + maxpool3x3/2; the downsampling
 *   bottleneck has its stride in the first 1x1 conv; projection shortcut 1x1 conv/2 + BN.
 * - 'b': stride moved to the bottleneck's 3x3 conv. For basic blocks (resnet18/34) the stride is
 *   already on the first 3x3 conv, so 'b' builds exactly the same network as 'a'.
 * - 'c': 'b' + deep stem: three 3x3 convs (32w stride 2, 32w, 64w), each BN-ReLU, then maxpool.
 * - 'd': 'c' + downsampling shortcut 2x2 avg pool/2 + 1x1 conv/1 + BN. Shortcuts that only change
 *   the channel count (stride 1, e.g. resnet50's first block) stay a plain 1x1 conv + BN.
 *
 * The stem is kept on small images: a 28x28 input becomes 14x14 after the stem conv, 7x7 after the
 * max pool and 4, 2, 1 after stages 2-4 ('same' padding keeps every size >= 1).
 * `zeroGamma` zeroes the gamma of each block's last BN (`bn2` basic, `bn3` bottleneck).
 */
import * as tf from '@tensorflow/tfjs';

import type { InputShape, ModelBuilder, ModelSpec } from './types.js';
import {
  basicBlock,
  bottleneckBlock,
  checkShapes,
  classifierHead,
  convBnRelu,
  imageInput,
  maxPool,
  resnetVariant,
  resolveContext,
  scaleChannels,
  type BuildContext,
} from './layers.js';

export const IMAGENET_RESNET_CHANNELS = [64, 128, 256, 512] as const;

export interface ImageNetResNetConfig {
  readonly block: 'basic' | 'bottleneck';
  readonly blocksPerStage: readonly number[];
}

export const IMAGENET_RESNETS = {
  resnet18: { block: 'basic', blocksPerStage: [2, 2, 2, 2] },
  resnet34: { block: 'basic', blocksPerStage: [3, 4, 6, 3] },
  resnet50: { block: 'bottleneck', blocksPerStage: [3, 4, 6, 3] },
} as const satisfies Record<string, ImageNetResNetConfig>;

function stem(ctx: BuildContext, x: tf.SymbolicTensor, deep: boolean): tf.SymbolicTensor {
  if (deep) {
    x = convBnRelu(ctx, x, { filters: scaleChannels(32, ctx.width), kernelSize: 3, strides: 2, prefix: 'stem', suffix: 1 });
    x = convBnRelu(ctx, x, { filters: scaleChannels(32, ctx.width), kernelSize: 3, prefix: 'stem', suffix: 2 });
    x = convBnRelu(ctx, x, { filters: scaleChannels(64, ctx.width), kernelSize: 3, prefix: 'stem', suffix: 3 });
  } else {
    x = convBnRelu(ctx, x, { filters: scaleChannels(64, ctx.width), kernelSize: 7, strides: 2, prefix: 'stem' });
  }
  return maxPool(x, 3, 2, 'stem_pool');
}

/** Builder for an ImageNet ResNet with the given block type and stage depths. */
export function imageNetResNet(config: ImageNetResNetConfig): ModelBuilder {
  return (spec: ModelSpec, input: InputShape, numClasses: number): tf.LayersModel => {
    const ctx = resolveContext(spec);
    checkShapes(spec.name, input.channels, numClasses);
    const variant = resnetVariant(spec);
    const zeroGamma = spec.zeroGamma ?? false;

    const inputs = imageInput(input.channels);
    let x = stem(ctx, inputs, variant === 'c' || variant === 'd');
    config.blocksPerStage.forEach((blocks, s) => {
      const filters = scaleChannels(IMAGENET_RESNET_CHANNELS[s]!, ctx.width);
      for (let b = 0; b < blocks; b++) {
        const o = {
          filters,
          strides: s > 0 && b === 0 ? 2 : 1,
          prefix: `stage${s + 1}_block${b + 1}`,
          zeroGamma,
          avgDown: variant === 'd',
        };
        x =
          config.block === 'basic'
            ? basicBlock(ctx, x, o)
            : bottleneckBlock(ctx, x, { ...o, strideOn: variant === 'a' ? '1x1' : '3x3' });
      }
    });
    const outputs = classifierHead(ctx, x, numClasses);
    return tf.model({ inputs, outputs, name: spec.name });
  };
}

export const buildResNet18 = imageNetResNet(IMAGENET_RESNETS.resnet18);
export const buildResNet34 = imageNetResNet(IMAGENET_RESNETS.resnet34);
export const buildResNet50 = imageNetResNet(IMAGENET_RESNETS.resnet50);
