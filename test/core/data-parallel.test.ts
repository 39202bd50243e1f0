import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import type { TricksterPlugin } from '../../core/plugin.js';
import { subsetTrainer, trainSubset } from '../helpers/train-subset.js';

/** A plugin that taps the loss hook (leaves the loss as it is), as distillation does. */
const lossTap: TricksterPlugin = {
  name: 'loss-tap',
  apply(host) {
    host.hooks.loss.tap('loss-tap', (loss) => loss);
  },
};

const run = { data: { limit: 1024, testLimit: 500 }, training: { epochs: 2, batchSize: 64 } };

describe('training.replicas (data parallelism in the Trainer)', () => {
  it('two replicas learn as one does, and a run is repeatable', async () => {
    const results = [];
    for (const replicas of [1, 2, 2]) {
      const { summary, trainer } = await trainSubset({ ...run, training: { ...run.training, replicas } });
      trainer.dispose();
      expect(summary.replicas).toBe(replicas);
      results.push(summary);
    }
    const [one, two, again] = results;
    // Batch norm normalises each 32-image shard with its own statistics, so the runs differ a little.
    expect(two!.top1).toBeGreaterThan(0.6);
    expect(Math.abs(two!.top1 - one!.top1)).toBeLessThan(0.05);
    expect(again!.testLoss).toBe(two!.testLoss);
    expect(again!.top1).toBe(two!.top1);
  }, 180_000);

  it('auto uses one replica when a plugin taps the loss hook', async () => {
    const { summary, trainer } = await trainSubset({ data: { limit: 128, testLimit: 100 } }, { plugins: [lossTap] });
    trainer.dispose();
    expect(summary.replicas).toBe(1);
  }, 60_000);

  it('an explicit count with a loss-hook tap is refused before training, naming the plugin', async () => {
    const trainer = await subsetTrainer({ data: { limit: 128, testLimit: 100 }, training: { replicas: 2 } }, { plugins: [lossTap] });
    const before = tf.memory().numTensors;
    const failure = trainer.fit();
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(/loss-tap tap the loss hook. Set training.replicas to 1 or auto/);
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
