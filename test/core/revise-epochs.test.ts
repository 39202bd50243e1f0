import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TricksterPlugin } from '../../core/plugin.js';
import { trainSubset } from '../helpers/train-subset.js';

// 128 images of batch 64: 2 steps an epoch; cosine to 0, so every step's rate depends on the run's length.
const config = (epochs: number) => ({ data: { limit: 128, testLimit: 100 }, training: { epochs }, schedule: { name: 'cosine', minFactor: 0 } });

/** A plugin that calls reviseEpochs(to) after epoch `after` (1-based), under the name `name`. */
function reviser(after: number, to: number, name = 'reviser'): TricksterPlugin {
  return {
    name,
    apply(host) {
      host.hooks.afterEpoch.tap(name, ({ epoch }) => {
        if (epoch + 1 === after) host.reviseEpochs(name, to);
      });
    },
  };
}

/** The learning rate at the end of each epoch, from the run's metrics.jsonl. */
function epochLrs(runDir: string): number[] {
  const lines = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
  return lines.map((l) => JSON.parse(l) as { lr?: number; epoch?: number }).filter((m) => m.epoch !== undefined).map((m) => m.lr!);
}

describe('PluginHost.reviseEpochs', () => {
  it('lengthens the run: the loop, config.json and the learning-rate schedule follow', async () => {
    const revised = await trainSubset(config(2), { plugins: [reviser(1, 4)] });
    const planned = await trainSubset(config(4));
    revised.trainer.dispose();
    planned.trainer.dispose();
    expect(revised.summary.epochs).toBe(4);
    expect(revised.summary.steps).toBe(8);
    const saved = JSON.parse(readFileSync(path.join(revised.summary.runDir, 'config.json'), 'utf8')) as { training: { epochs: number } };
    expect(saved.training.epochs).toBe(4);
    // Epoch 1 ran on a 2-epoch cosine (its last rate is the 4-epoch run's at a later point); from epoch 2 the rates are the 4-epoch run's.
    const [first, ...rest] = epochLrs(revised.summary.runDir);
    const reference = epochLrs(planned.summary.runDir);
    expect(first).toBeLessThan(reference[0]!);
    expect(rest).toEqual(reference.slice(1));
  });

  it('shortens the run, to the current epoch at the earliest', async () => {
    const { summary, trainer } = await trainSubset(config(4), { plugins: [reviser(2, 2)] });
    trainer.dispose();
    expect(summary.epochs).toBe(2);
    await expect(trainSubset(config(4), { plugins: [reviser(2, 1)] })).rejects.toMatchObject({
      code: 'PLUGIN_CONFLICT',
      message: 'plugin "reviser" revised the run to 1 epochs during epoch 2; the run can end after epoch 2 at the earliest (a whole number)',
    });
  });

  it('has one owner per run', async () => {
    await expect(trainSubset(config(4), { plugins: [reviser(1, 3, 'first'), reviser(2, 4, 'second')] })).rejects.toMatchObject({
      code: 'PLUGIN_CONFLICT',
      message: `plugins "first" and "second" both revise the run's epochs; keep one of them`,
    });
  });
});

describe('PluginHost.reviseEpochs with SWA', () => {
  it("SWA's fractional start follows a revision made before its phase: 0.5 of a run lengthened from 2 to 4 epochs averages epochs 3-4", async () => {
    const { summary, trainer } = await trainSubset({ ...config(2), plugins: { swa: { start: 0.5 } } }, { plugins: [reviser(1, 4)] });
    trainer.dispose();
    expect(summary.epochs).toBe(4);
    // Unrevised, 0.5 of 2 epochs would have started the phase at epoch 2 and averaged 3 snapshots.
    expect((summary.plugins as Record<string, Record<string, unknown>>).swa!.averaged).toBe(2);
  });
});
