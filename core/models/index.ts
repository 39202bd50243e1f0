/**
 * The model zoo: `buildModel(spec, input, numClasses)` returns a TF.js Layers model mapping NHWC
 * images (any height/width, `input.channels` channels) to logits. See layers.ts for the naming,
 * padding, initialisation and batch-norm conventions shared by all models.
 */
import type * as tf from '@tensorflow/tfjs';

import { ModelError } from '../errors.js';
import type { InputShape, ModelBuilder, ModelSpec } from './types.js';
import { buildSmallCnn } from './small-cnn.js';
import { buildResNet8, buildResNet20, buildResNet32, buildResNet56 } from './resnet-cifar.js';
import { buildResNet6PoolStem } from './resnet6-pool-stem.js';
import { buildResNet18, buildResNet34, buildResNet50 } from './resnet-imagenet.js';

export type { InputShape, ModelBuilder, ModelSpec } from './types.js';
export {
  batchNormLayers,
  classifierLayer,
  forwardMultiplyAdds,
  lastBatchNormOfBlocks,
  layerCosts,
  parameterCounts,
  type LayerCost,
  type ParameterCounts,
} from './inspect.js';
export { BN_EPSILON, DEFAULT_BN_MOMENTUM, layerSeed } from './layers.js';

const BUILDERS: Readonly<Record<string, ModelBuilder>> = {
  'small-cnn': buildSmallCnn,
  resnet8: buildResNet8,
  'resnet6-pool-stem': buildResNet6PoolStem,
  resnet20: buildResNet20,
  resnet32: buildResNet32,
  resnet56: buildResNet56,
  resnet18: buildResNet18,
  resnet34: buildResNet34,
  resnet50: buildResNet50,
};

/** Names accepted by {@link buildModel}. */
export function knownModels(): string[] {
  return Object.keys(BUILDERS);
}

/** Builds the named model; throws {@link ModelError} for an unknown name or a bad option. */
export function buildModel(spec: ModelSpec, input: InputShape, numClasses: number): tf.LayersModel {
  const builder = Object.hasOwn(BUILDERS, spec.name) ? BUILDERS[spec.name] : undefined;
  if (!builder) {
    throw new ModelError(`Unknown model "${spec.name}". Known models: ${knownModels().join(', ')}.`);
  }
  if (spec.head !== undefined && spec.name !== 'small-cnn') {
    throw new ModelError(`Model "${spec.name}": option head=${spec.head} exists only for small-cnn; the ResNets always pool globally.`);
  }
  return builder(spec, input, numClasses);
}
