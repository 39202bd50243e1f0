/**
 * `small-cnn`: a small batch-norm convnet for 28x28 / 32x32 images.
 *
 *   conv3x3(16w)-BN-ReLU, maxpool 2 → conv3x3(32w)-BN-ReLU, maxpool 2 → conv3x3(64w)-BN-ReLU
 *   → global average pool (head 'gap', any input size) or flatten (head 'flatten') → dense(numClasses)
 *
 * At 28x28x1, width 1, 10 classes it costs 1,919,872 multiply-adds per image (see the test for
 * the hand computation), i.e. ~3.8 MFLOP forward and ~11.5 MFLOP per training example.
 *
 * Layer names: `stage{1,2,3}_{conv,bn,relu}`, `stage{1,2}_pool`, `head_pool`, `head_dense`.
 */
import * as tf from '@tensorflow/tfjs';

import type { InputShape, ModelBuilder, ModelSpec } from './types.js';
import {
  checkShapes,
  classifierHead,
  convBnRelu,
  imageInput,
  maxPool,
  rejectOption,
  resolveContext,
  scaleChannels,
} from './layers.js';

/** Base channels of the three conv stages (multiplied by `width`). */
export const SMALL_CNN_CHANNELS = [16, 32, 64] as const;

export const buildSmallCnn: ModelBuilder = (spec: ModelSpec, input: InputShape, numClasses: number): tf.LayersModel => {
  const ctx = resolveContext(spec);
  checkShapes(spec.name, input.channels, numClasses);
  rejectOption(spec, 'variant', 'variants a-d exist only for the ResNets.');
  rejectOption(spec, 'zeroGamma', 'small-cnn has no residual blocks.');

  const head = spec.head ?? 'gap';
  const inputs = imageInput(input.channels, head === 'flatten' ? input : undefined);
  let x = inputs;
  SMALL_CNN_CHANNELS.forEach((base, i) => {
    const stage = `stage${i + 1}`;
    x = convBnRelu(ctx, x, { filters: scaleChannels(base, ctx.width), kernelSize: 3, prefix: stage });
    if (i < SMALL_CNN_CHANNELS.length - 1) x = maxPool(x, 2, 2, `${stage}_pool`);
  });
  const outputs = classifierHead(ctx, x, numClasses, head);
  return tf.model({ inputs, outputs, name: spec.name });
};
