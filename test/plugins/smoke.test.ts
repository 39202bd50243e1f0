import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../plugins/registry.js';
import { trainSubset } from '../helpers/train-subset.js';
import { canonicalSettings } from './canonical-settings.js';

/**
 * One short real training per built-in plugin with its canonical settings, switched on from the
 * config by name. Distillation needs a teacher: a model trained here first.
 */
describe('every built-in plugin trains with its canonical settings', () => {
  let teacher = '';
  beforeAll(async () => {
    const { summary, trainer } = await trainSubset({ data: { limit: 128, testLimit: 100 } });
    trainer.dispose();
    teacher = path.join(summary.runDir, 'model', 'model.json');
  });

  it('has canonical settings for every plugin but the schedule', () => {
    const names = builtinPlugins.map((p) => p.name).filter((n) => n !== 'lr-schedule');
    expect(Object.keys(canonicalSettings).sort()).toEqual(names.sort());
  });

  const names = builtinPlugins.map((p) => p.name).filter((n) => n !== 'lr-schedule');
  for (const name of names) {
    it(name, async () => {
      const raw = canonicalSettings[name] as Record<string, unknown>;
      const options = name === 'distillation' ? { ...raw, teacher } : raw;
      const { summary, trainer } = await trainSubset({
        data: { limit: 256, testLimit: 100 },
        training: { epochs: 2, batchSize: 64 },
        plugins: { [name]: options },
        // FixRes evaluates at another resolution: it needs the globally pooling head.
        ...(name === 'fixres' ? { model: { name: 'small-cnn', head: 'gap' } } : {}),
      });
      trainer.dispose();
      expect(trainer.plugins.map((p) => p.name)).toContain(name);
      expect(summary.epochs).toBeGreaterThanOrEqual(1);
      expect(Number.isFinite(summary.testLoss)).toBe(true);
      expect(summary.top1).toBeGreaterThan(0);
    });
  }
});
