import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll } from 'vitest';
import { buildModel, type InputShape, type ModelSpec } from '../../core/models/index.js';

export const MNIST: InputShape = { height: 28, width: 28, channels: 1 };
export const CIFAR: InputShape = { height: 32, width: 32, channels: 3 };

/**
 * Runs the calling test file on the cpu backend and returns a `build` that makes zoo models
 * (input CIFAR-shaped unless given) and disposes them after each test.
 */
export function modelBuilder(): (spec: ModelSpec, input?: InputShape, numClasses?: number) => tf.LayersModel {
  const built: tf.LayersModel[] = [];
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(() => {
    for (const m of built.splice(0)) m.dispose();
  });
  return (spec, input = CIFAR, numClasses = 10) => {
    const m = buildModel(spec, input, numClasses);
    built.push(m);
    return m;
  };
}
