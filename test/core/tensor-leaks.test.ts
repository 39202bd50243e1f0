import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { TricksterPlugin } from '../../core/plugin.js';
import { subsetTrainer, trainSubset } from '../helpers/train-subset.js';

it.each([1, 2])('a training step leaves tf.memory().numTensors unchanged, over many steps and epochs (replicas %i)', async (replicas) => {
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
    { data: { limit: 640, testLimit: 100 }, training: { epochs: 2, batchSize: 32, replicas } },
    { plugins: [probe] },
  );
  trainer.dispose();
  expect(counts.length).toBe(40);
  // The first step creates the optimizer's momentum slots; from the second step on nothing may grow.
  const steady = counts.slice(1);
  expect(new Set(steady).size).toBe(1);
});

describe('Trainer.dispose()', () => {
  // Plugins that hold tensors across the run (EMA shadow weights, early stopping's best weights,
  // a held accumulation window; the SWA average), in two sets that may run together.
  const run = { data: { limit: 256, testLimit: 100 }, training: { epochs: 2, batchSize: 32 } };
  const sets = {
    'ema + early-stopping + gradient-accumulation': {
      ...run,
      plugins: { ema: { decay: 0.9 }, 'early-stopping': { patience: 5, restoreBestWeights: true }, 'gradient-accumulation': { steps: 3 } },
    },
    swa: { ...run, plugins: { swa: { start: 0.5 } } },
  };
  const failing: TricksterPlugin = {
    name: 'fails-after-first-epoch',
    apply(host) {
      host.hooks.afterEpoch.tapPromise('fails-after-first-epoch', async () => {
        throw new Error('boom after epoch 1');
      });
    },
  };

  for (const [name, config] of Object.entries(sets)) {
    it(`releases every tensor of a finished run: ${name}`, async () => {
      const trainer = await subsetTrainer(config);
      const before = tf.memory().numTensors;
      await trainer.fit();
      expect(tf.memory().numTensors).toBeGreaterThan(before);
      trainer.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it(`releases every tensor of a run that failed half-way: ${name}`, async () => {
      const trainer = await subsetTrainer(config, { plugins: [failing] });
      const before = tf.memory().numTensors;
      await expect(trainer.fit()).rejects.toThrow('boom after epoch 1');
      trainer.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
