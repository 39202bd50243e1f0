/**
 * Building blocks shared by the model zoo: seeded conv/BN/dense layers with stable names, the
 * residual blocks of the ResNet families and the global-average-pooling classifier head.
 *
 * Conventions (all architectures):
 * - NHWC tensors, `'same'` padding everywhere. For stride 1 this is PyTorch's `padding=k//2`;
 *   for stride 2 the output size is the same as PyTorch's (`ceil(n/2)`) but TF puts the odd
 *   padding pixel at the bottom/right instead of splitting it. Parameter and multiply-add counts
 *   are unaffected; the model never fails on small or odd input sizes.
 * - Convolutions followed by batch norm have no bias. Kernels use He normal (fan-in) init, the
 *   classifier uses Glorot uniform (Keras' default for dense layers); both are seeded from
 *   `spec.seed` and the layer name (see {@link layerSeed}), so two builds with the same seed give
 *   identical weights and adding a layer does not change the others' initial weights.
 * - Batch norm: epsilon 1e-5 and PyTorch-style momentum `m` (weight of the new batch statistic),
 *   which is Keras' `momentum: 1 - m`.
 * - Layer names: `stem_conv`, `stem_bn`, `stem_relu`, `stem_pool` (or `stem_conv1..3` etc. for the
 *   deep stem), `stage{S}_block{B}_{conv,bn,relu}{K}`, `stage{S}_block{B}_shortcut_{pool,conv,bn}`,
 *   `stage{S}_block{B}_add`, `stage{S}_block{B}_out` (the ReLU after the addition), `head_pool`,
 *   `head_dense`. Stages and blocks are numbered from 1. The last BN of a residual block is
 *   `stage{S}_block{B}_bn{K}` with K the number of convs on the residual branch (2 for basic,
 *   3 for bottleneck blocks); it is the BN input of `stage{S}_block{B}_add` that is not a shortcut.
 */
import * as tf from '@tensorflow/tfjs';

import { ModelError } from '../errors.js';
import { closedFormBatchNormalization } from './batch-norm.js';
import { lazyGradientConv2d } from './conv2d.js';
import type { ModelSpec } from './types.js';

/** Batch-norm epsilon used by every model (PyTorch's default). */
export const BN_EPSILON = 1e-5;
/** PyTorch-style default batch-norm momentum (weight of the new batch statistic). */
export const DEFAULT_BN_MOMENTUM = 0.1;

/** Options resolved from a {@link ModelSpec} that every layer factory needs. */
export interface BuildContext {
  /** Base seed, or undefined for unseeded (non-reproducible) initialisation. */
  readonly seed: number | undefined;
  /** PyTorch-style momentum (0..1); Keras' momentum is `1 - bnMomentum`. */
  readonly bnMomentum: number;
  /** Channel multiplier. */
  readonly width: number;
}

/** Validates the options shared by all architectures and returns the build context. */
export function resolveContext(spec: ModelSpec): BuildContext {
  const width = spec.width ?? 1;
  if (typeof width !== 'number' || !Number.isFinite(width) || width <= 0) {
    throw new ModelError(
      `Model "${spec.name}": option width must be a positive number (channel multiplier), got ${String(spec.width)}.`,
    );
  }
  const bnMomentum = spec.bnMomentum ?? DEFAULT_BN_MOMENTUM;
  if (typeof bnMomentum !== 'number' || !Number.isFinite(bnMomentum) || bnMomentum < 0 || bnMomentum > 1) {
    throw new ModelError(
      `Model "${spec.name}": option bnMomentum must be in [0, 1] (PyTorch convention, weight of the new ` +
        `batch statistic; default ${DEFAULT_BN_MOMENTUM}), got ${String(spec.bnMomentum)}.`,
    );
  }
  if (spec.seed !== undefined && (typeof spec.seed !== 'number' || !Number.isFinite(spec.seed))) {
    throw new ModelError(`Model "${spec.name}": option seed must be a finite number, got ${String(spec.seed)}.`);
  }
  return { seed: spec.seed, bnMomentum, width };
}

/**
 * Per-layer seed derived from the base seed and the layer's name (FNV-1a over `seed:name`), so
 * the same (seed, name) always gives the same initial weights. Undefined when `seed` is.
 */
export function layerSeed(seed: number | undefined, name: string): number | undefined {
  if (seed === undefined) return undefined;
  const text = `${seed}:${name}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** `round(channels * width)`, at least 1. */
export function scaleChannels(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}

function applyLayer(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(x) as tf.SymbolicTensor;
}

export interface ConvOptions {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides?: number;
  readonly name: string;
}

/**
 * Bias-free conv (to be followed by batch norm), He normal init, `'same'` padding; its backward
 * pass skips the input gradient where nothing needs it (./conv2d.ts).
 */
export function conv2d(ctx: BuildContext, x: tf.SymbolicTensor, o: ConvOptions): tf.SymbolicTensor {
  return applyLayer(
    lazyGradientConv2d({
      filters: o.filters,
      kernelSize: o.kernelSize,
      strides: o.strides ?? 1,
      padding: 'same',
      useBias: false,
      kernelInitializer: tf.initializers.heNormal({ seed: layerSeed(ctx.seed, o.name) }),
      name: o.name,
    }),
    x,
  );
}

/**
 * Batch norm with epsilon 1e-5 and the context's momentum; gamma starts at 0 when `zeroGamma`.
 * Trains with the closed-form gradient of ./batch-norm.ts.
 */
export function batchNorm(ctx: BuildContext, x: tf.SymbolicTensor, name: string, zeroGamma = false): tf.SymbolicTensor {
  return applyLayer(
    closedFormBatchNormalization({
      axis: -1,
      momentum: 1 - ctx.bnMomentum,
      epsilon: BN_EPSILON,
      gammaInitializer: zeroGamma ? 'zeros' : 'ones',
      name,
    }),
    x,
  );
}

export function relu(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return applyLayer(tf.layers.activation({ activation: 'relu', name }), x);
}

/** conv → BN → ReLU named `${prefix}_conv${suffix}`, `${prefix}_bn${suffix}`, `${prefix}_relu${suffix}`. */
export function convBnRelu(
  ctx: BuildContext,
  x: tf.SymbolicTensor,
  o: { filters: number; kernelSize: number; strides?: number; prefix: string; suffix?: string | number },
): tf.SymbolicTensor {
  const s = o.suffix ?? '';
  const y = conv2d(ctx, x, { filters: o.filters, kernelSize: o.kernelSize, strides: o.strides, name: `${o.prefix}_conv${s}` });
  return relu(batchNorm(ctx, y, `${o.prefix}_bn${s}`), `${o.prefix}_relu${s}`);
}

export function maxPool(x: tf.SymbolicTensor, poolSize: number, strides: number, name: string): tf.SymbolicTensor {
  return applyLayer(tf.layers.maxPooling2d({ poolSize, strides, padding: 'same', name }), x);
}

/** Channel count of a symbolic NHWC tensor (always known in our models). */
export function channelsOf(x: tf.SymbolicTensor): number {
  const c = x.shape[x.shape.length - 1];
  if (c == null) throw new ModelError(`Tensor ${x.name} has an unknown channel count.`);
  return c;
}

export interface ShortcutOptions {
  readonly filters: number;
  readonly strides: number;
  /** ResNet-D: downsample with a 2x2 average pool (stride 2) before a stride-1 1x1 conv. */
  readonly avgDown: boolean;
  /** Block prefix, e.g. `stage2_block1`. */
  readonly prefix: string;
}

/**
 * Identity when the shape is unchanged, otherwise a projection (option B): 1x1 conv with the
 * block's stride + BN, or for ResNet-D with stride 2: 2x2 avg pool stride 2 + 1x1 conv + BN.
 */
export function shortcut(ctx: BuildContext, x: tf.SymbolicTensor, o: ShortcutOptions): tf.SymbolicTensor {
  if (o.strides === 1 && channelsOf(x) === o.filters) return x;
  let y = x;
  let convStrides = o.strides;
  if (o.avgDown && o.strides > 1) {
    y = applyLayer(
      tf.layers.averagePooling2d({
        poolSize: o.strides,
        strides: o.strides,
        // 'same' averages over valid pixels only: PyTorch's ceil_mode=True, count_include_pad=False.
        padding: 'same',
        name: `${o.prefix}_shortcut_pool`,
      }),
      y,
    );
    convStrides = 1;
  }
  y = conv2d(ctx, y, { filters: o.filters, kernelSize: 1, strides: convStrides, name: `${o.prefix}_shortcut_conv` });
  return batchNorm(ctx, y, `${o.prefix}_shortcut_bn`);
}

function addAndRelu(residual: tf.SymbolicTensor, short: tf.SymbolicTensor, prefix: string): tf.SymbolicTensor {
  const sum = applyLayer(tf.layers.add({ name: `${prefix}_add` }), [residual, short]);
  return relu(sum, `${prefix}_out`);
}

export interface BlockOptions {
  /** Output channels (basic block) or bottleneck width (bottleneck block; output is 4x). */
  readonly filters: number;
  readonly strides: number;
  readonly prefix: string;
  readonly zeroGamma: boolean;
  readonly avgDown: boolean;
}

/** Basic block: 3x3 conv (stride) → BN → ReLU → 3x3 conv → BN, + shortcut, ReLU. */
export function basicBlock(ctx: BuildContext, x: tf.SymbolicTensor, o: BlockOptions): tf.SymbolicTensor {
  let y = convBnRelu(ctx, x, { filters: o.filters, kernelSize: 3, strides: o.strides, prefix: o.prefix, suffix: 1 });
  y = conv2d(ctx, y, { filters: o.filters, kernelSize: 3, name: `${o.prefix}_conv2` });
  y = batchNorm(ctx, y, `${o.prefix}_bn2`, o.zeroGamma);
  const s = shortcut(ctx, x, { filters: o.filters, strides: o.strides, avgDown: o.avgDown, prefix: o.prefix });
  return addAndRelu(y, s, o.prefix);
}

/** Bottleneck expansion of ResNet-50/101/152. */
export const BOTTLENECK_EXPANSION = 4;

/**
 * Bottleneck block: 1x1 → 3x3 → 1x1 (x4 channels), each with BN, ReLU between, + shortcut, ReLU.
 * `strideOn: '1x1'` is the original ResNet (variant A), `'3x3'` is ResNet-B and later.
 */
export function bottleneckBlock(
  ctx: BuildContext,
  x: tf.SymbolicTensor,
  o: BlockOptions & { readonly strideOn: '1x1' | '3x3' },
): tf.SymbolicTensor {
  const out = o.filters * BOTTLENECK_EXPANSION;
  const s1 = o.strideOn === '1x1' ? o.strides : 1;
  const s2 = o.strideOn === '3x3' ? o.strides : 1;
  let y = convBnRelu(ctx, x, { filters: o.filters, kernelSize: 1, strides: s1, prefix: o.prefix, suffix: 1 });
  y = convBnRelu(ctx, y, { filters: o.filters, kernelSize: 3, strides: s2, prefix: o.prefix, suffix: 2 });
  y = conv2d(ctx, y, { filters: out, kernelSize: 1, name: `${o.prefix}_conv3` });
  y = batchNorm(ctx, y, `${o.prefix}_bn3`, o.zeroGamma);
  const s = shortcut(ctx, x, { filters: out, strides: o.strides, avgDown: o.avgDown, prefix: o.prefix });
  return addAndRelu(y, s, o.prefix);
}

/** Global average pooling (`head_pool`) → dense logits (`head_dense`, with bias, no softmax). */
export function classifierHead(ctx: BuildContext, x: tf.SymbolicTensor, numClasses: number, head: 'gap' | 'flatten' = 'gap'): tf.SymbolicTensor {
  const pooled = applyLayer(head === 'flatten' ? tf.layers.flatten({ name: 'head_flatten' }) : tf.layers.globalAveragePooling2d({ name: 'head_pool' }), x);
  return applyLayer(
    tf.layers.dense({
      units: numClasses,
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(ctx.seed, 'head_dense') }),
      biasInitializer: 'zeros',
      name: 'head_dense',
    }),
    pooled,
  );
}

/**
 * The model input, `[null, null, channels]` so the same model runs at any resolution (FixRes),
 * or `[height, width, channels]` when a fixed size is given (flatten heads).
 */
export function imageInput(channels: number, fixed?: { height: number; width: number }): tf.SymbolicTensor {
  return tf.input({ shape: [fixed?.height ?? null, fixed?.width ?? null, channels], name: 'input' });
}

/** Validates `numClasses` and the input's channel count. */
export function checkShapes(name: string, channels: number, numClasses: number): void {
  if (!Number.isInteger(channels) || channels < 1) {
    throw new ModelError(`Model "${name}": input channels must be a positive integer, got ${channels}.`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ModelError(`Model "${name}": numClasses must be a positive integer, got ${numClasses}.`);
  }
}

/** A ResNet's `variant` (seed 004's ResNet-B/C/D), 'a' when unset; throws on any other value. */
export function resnetVariant(spec: ModelSpec): 'a' | 'b' | 'c' | 'd' {
  const variant = spec.variant ?? 'a';
  if (!['a', 'b', 'c', 'd'].includes(variant)) {
    throw new ModelError(`Model "${spec.name}": variant must be one of 'a', 'b', 'c', 'd', got ${String(spec.variant)}.`);
  }
  return variant;
}

/** Throws when an option that the architecture does not have is set. */
export function rejectOption(spec: ModelSpec, option: keyof ModelSpec, why: string): void {
  const value = spec[option];
  if (value !== undefined && value !== false) {
    throw new ModelError(`Model "${spec.name}": option ${String(option)}=${String(value)} is not supported: ${why}`);
  }
}
