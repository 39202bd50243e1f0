import type * as tf from '@tensorflow/tfjs';

/** Which architecture to build and how; options beyond `name` depend on the architecture. */
export interface ModelSpec {
  readonly name: string;
  /** Channel multiplier (1 = the architecture's standard width). */
  readonly width?: number;
  /** ResNet variant (seed 004): 'a' | 'b' | 'c' | 'd'. */
  readonly variant?: 'a' | 'b' | 'c' | 'd';
  /** Initialise the last batch-norm gamma of every residual block to zero (seed 004). */
  readonly zeroGamma?: boolean;
  /** Batch-norm momentum in PyTorch's sense (weight of the new batch statistic), default 0.1. */
  readonly bnMomentum?: number;
  /**
   * small-cnn's head: 'gap' (global average pooling, any input size) or 'flatten' (flatten the
   * last feature map: learns faster, fixes the input size to the training resolution).
   */
  readonly head?: 'gap' | 'flatten';
  /** Seed for weight initialisation. */
  readonly seed?: number;
}

/** Shape of one input image; height and width may differ at evaluation time (FixRes). */
export interface InputShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Builds a TF.js Layers model that maps NHWC images to class logits (no softmax). */
export type ModelBuilder = (spec: ModelSpec, input: InputShape, numClasses: number) => tf.LayersModel;
