import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import type { TricksterPlugin } from '../../core/plugin.js';
import { trainSubset } from '../helpers/train-subset.js';

it('a training step leaves tf.memory().numTensors unchanged, over many steps and epochs', async () => {
  const counts: number[] = [];
  const probe: TricksterPlugin = {
    name: 'leak-probe',
    apply(host) {
      // stage 100: after every other tap of afterStep has run.
      host.hooks.afterStep.tap({ name: 'leak-probe', stage: 100 }, () => {
        counts.push(tf.memory().numTensors);
      });
    },
  };
  const { trainer } = await trainSubset(
    { data: { limit: 640, testLimit: 100 }, training: { epochs: 2, batchSize: 32 } },
    { plugins: [probe] },
  );
  trainer.dispose();
  expect(counts.length).toBe(40);
  // The first step creates the optimizer's momentum slots; from the second step on nothing may grow.
  const steady = counts.slice(1);
  expect(new Set(steady).size).toBe(1);
});
