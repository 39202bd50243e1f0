/**
 * Read-only helpers over the zoo's models: find layers by role (batch norms for precise BN and
 * gradient accumulation's warning, zero-gamma's block-ending BNs, FixRes's classifier) and count
 * parameters and multiply-adds (for benchmarks).
 */
import type * as tf from '@tensorflow/tfjs';

import { ModelError } from '../errors.js';
import type { InputShape } from './types.js';

type Shape = (number | null)[];

/** Name of the addition layer that ends a residual block: `stage{S}_block{B}_add`. */
const BLOCK_ADD = /^(stage\d+_block\d+)_add$/;

function inboundLayers(layer: tf.layers.Layer): tf.layers.Layer[] {
  const node = layer.inboundNodes[0];
  return node ? node.inboundLayers : [];
}

/** Every batch-norm layer, in topological order. */
export function batchNormLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
}

/**
 * The last batch norm on the residual branch of every residual block (the one `zeroGamma`
 * initialises to 0), in block order. Found structurally: the BN input of each
 * `stage{S}_block{B}_add` layer that is not `stage{S}_block{B}_shortcut_bn`. Empty for models
 * without residual blocks.
 */
export function lastBatchNormOfBlocks(model: tf.LayersModel): tf.layers.Layer[] {
  const result: tf.layers.Layer[] = [];
  for (const layer of model.layers) {
    const m = BLOCK_ADD.exec(layer.name);
    if (!m) continue;
    const bn = inboundLayers(layer).find(
      (l) => l.getClassName() === 'BatchNormalization' && l.name !== `${m[1]}_shortcut_bn`,
    );
    if (!bn) throw new ModelError(`Residual block ${m[1]} of model "${model.name}" has no batch norm before its addition.`);
    result.push(bn);
  }
  return result;
}

/** The final dense layer producing the logits. */
export function classifierLayer(model: tf.LayersModel): tf.layers.Layer {
  const out = model.outputLayers[0];
  if (!out || out.getClassName() !== 'Dense') {
    throw new ModelError(`Model "${model.name}" does not end with a dense classifier layer.`);
  }
  return out;
}

export interface ParameterCounts {
  /** Weights updated by the optimiser (conv kernels, BN gamma/beta, dense kernel/bias). */
  readonly trainable: number;
  /** BN moving means and variances. */
  readonly nonTrainable: number;
  readonly total: number;
}

/** Parameter counts; `trainable` is what PyTorch reports (BN running statistics are buffers there). */
export function parameterCounts(model: tf.LayersModel): ParameterCounts {
  const count = (ws: tf.LayerVariable[]) => ws.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
  const trainable = count(model.trainableWeights);
  const nonTrainable = count(model.nonTrainableWeights);
  return { trainable, nonTrainable, total: trainable + nonTrainable };
}

export interface LayerCost {
  readonly name: string;
  readonly className: string;
  /** Output shape for one image, `[1, ...]`. */
  readonly outputShape: number[];
  /** Multiply-adds per image (conv/dense only; 0 for other layers). */
  readonly multiplyAdds: number;
}

const COUNTED = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense']);

/**
 * Per-layer output shapes and multiply-adds for one image of the given size, in topological order.
 * Conv/depthwise-conv/dense cost `prod(kernel shape) * prod(output spatial dims)`; BN, pooling,
 * activations and additions are not counted.
 */
export function layerCosts(model: tf.LayersModel, input: InputShape): LayerCost[] {
  if (model.inputs.length !== 1) throw new ModelError(`Model "${model.name}" must have exactly one input.`);
  const declared = model.inputs[0]!.shape;
  const channels = declared[declared.length - 1];
  if (channels != null && channels !== input.channels) {
    throw new ModelError(`Model "${model.name}" expects ${channels} input channels, got ${input.channels}.`);
  }
  const shapes = new Map<string, number[]>();
  const costs: LayerCost[] = [];

  const visit = (layer: tf.layers.Layer): number[] => {
    const known = shapes.get(layer.name);
    if (known) return known;
    let out: number[];
    const parents = inboundLayers(layer);
    if (layer.getClassName() === 'InputLayer' || parents.length === 0) {
      out = [1, input.height, input.width, input.channels];
    } else {
      const ins = parents.map(visit);
      const computed = layer.computeOutputShape(ins.length === 1 ? ins[0]! : ins) as Shape | Shape[];
      if (Array.isArray(computed[0])) {
        throw new ModelError(`Layer ${layer.name} of model "${model.name}" has several outputs; not supported.`);
      }
      out = (computed as Shape).map((d, i) => {
        if (d == null) throw new ModelError(`Layer ${layer.name}: output dimension ${i} is unknown.`);
        return d;
      });
    }
    shapes.set(layer.name, out);
    let multiplyAdds = 0;
    const className = layer.getClassName();
    if (COUNTED.has(className)) {
      const kernel = layer.weights.find((w) => /kernel/.test(w.originalName) || /kernel/.test(w.name));
      if (!kernel) throw new ModelError(`Layer ${layer.name} has no kernel weight.`);
      const kernelSize = kernel.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
      const positions = out.slice(1, -1).reduce((a, b) => a * b, 1);
      multiplyAdds = kernelSize * positions;
    }
    costs.push({ name: layer.name, className, outputShape: out, multiplyAdds });
    return out;
  };
  for (const layer of model.layers) visit(layer);
  return costs;
}

/** Multiply-adds of conv and dense layers for one forward pass of one image of the given size. */
export function forwardMultiplyAdds(model: tf.LayersModel, input: InputShape): number {
  return layerCosts(model, input).reduce((n, c) => n + c.multiplyAdds, 0);
}
