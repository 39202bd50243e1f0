import { describe, expect, it } from 'vitest';
import { loadPlugins } from '../../app/plugin-loader.js';
import { resolveConfig } from '../../core/config/load.js';
import { TricksterError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { previewSchedule } from '../../core/schedule-preview/index.js';

/** A plugin whose beforeStep reads the model, which the preview does not build. */
class ModelReader implements TricksterPlugin {
  readonly name = 'model-reader';
  apply(host: PluginHost): void {
    host.hooks.beforeStep.tap(this.name, () => void host.model.name);
  }
}

describe('schedule preview host', () => {
  it('a plugin that touches the model during the replay gets PREVIEW_UNSUPPORTED naming host.model', async () => {
    const { config, baseDir } = await resolveConfig({ inline: { extends: 'baseline' } });
    let caught: unknown;
    try {
      previewSchedule(config, [new ModelReader()], { stepsPerEpoch: 2, baseDir, logger: silentLogger });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TricksterError);
    expect((caught as TricksterError).code).toBe('PREVIEW_UNSUPPORTED');
    expect((caught as TricksterError).message).toMatch(/^a plugin used host\.model while the learning-rate preview/);
  });

  it('replays the trainer\'s counters: micro-batches per step from the plugins, optimizer steps numbered from 1', async () => {
    const { config, baseDir } = await resolveConfig({ inline: { extends: 'baseline', training: { epochs: 2 } } });
    const seen: { step: number; microStep: number; batchInEpoch: number }[] = [];
    const accumulate: TricksterPlugin = {
      name: 'two-micro-batches',
      apply: (host) => {
        host.setMicroBatchesPerStep('two-micro-batches', 2);
        host.hooks.beforeStep.tap('probe', ({ step, microStep, batchInEpoch }) => void seen.push({ step, microStep, batchInEpoch }));
      },
    };
    const preview = previewSchedule(config, [accumulate], { stepsPerEpoch: 2, baseDir, logger: silentLogger });
    expect(preview.steps.map((s) => [s.step, s.epoch])).toEqual([[1, 0], [2, 0], [3, 1], [4, 1]]);
    expect(seen.map((p) => [p.step, p.microStep, p.batchInEpoch])).toEqual([
      [0, 0, 0], [0, 1, 1], [1, 2, 2], [1, 3, 3],
      [2, 4, 0], [2, 5, 1], [3, 6, 2], [3, 7, 3],
    ]);
  });

  it('SWA\'s constant rate takes over from its start epoch, as in training (no setup needed)', async () => {
    const inline = { extends: 'baseline', training: { epochs: 4 }, schedule: { name: 'constant' }, plugins: { swa: { start: 0.5, lr: 0.01 } } };
    const { config, baseDir } = await resolveConfig({ inline });
    const preview = previewSchedule(config, await loadPlugins(config, baseDir), { stepsPerEpoch: 2, baseDir, logger: silentLogger });
    expect(preview.steps.map((s) => s.lr)).toEqual([0.05, 0.05, 0.05, 0.05, 0.01, 0.01, 0.01, 0.01]);
  });

  it('counts the epoch as the trainer does: data.limit, then the validation split a metric-driven plugin gets held out', async () => {
    const inline = { extends: 'baseline', data: { limit: 1280 }, training: { batchSize: 64 } };
    const plain = await resolveConfig({ inline });
    const stopping = await resolveConfig({ inline: { ...inline, plugins: { 'early-stopping': { patience: 2 } } } });
    const steps = async ({ config, baseDir }: typeof plain) =>
      previewSchedule(config, await loadPlugins(config, baseDir), { baseDir, logger: silentLogger }).stepsPerEpoch;
    // 1280 images: 20 batches of 64; with early stopping 10% (128) are held out for validation: 18.
    expect(await steps(plain)).toBe(20);
    expect(await steps(stopping)).toBe(18);
  });

  it('an epoch without one whole optimizer step is CONFIG_INVALID naming training.batchSize', async () => {
    const { config, baseDir } = await resolveConfig({ inline: { extends: 'baseline', data: { limit: 100 } } });
    expect(() => previewSchedule(config, [], { baseDir, logger: silentLogger })).toThrow(
      /^training\.batchSize: an epoch has 0 full batches of 128 but one optimizer step takes 1; lower training\.batchSize$/,
    );
  });
});
