import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPresetNames } from '../core/config/presets.js';
import { resolveConfig } from '../core/config/load.js';
import { createTrainer } from '../app/create-trainer.js';
import { silentLogger } from '../core/logger.js';
import { tempRunDir, trainSubset } from './helpers/train-subset.js';

/** Every built-in preset trains end to end on a Fashion-MNIST subset (2 short epochs). */
describe('presets', () => {
  let teacher = '';
  beforeAll(async () => {
    const { summary, trainer } = await trainSubset({ data: { limit: 128, testLimit: 100 } });
    trainer.dispose();
    teacher = path.join(summary.runDir, 'model', 'model.json');
  });

  it('ships the presets the design names', () => {
    expect(builtinPresetNames()).toEqual(['bag-of-tricks', 'baseline', 'distillation', 'fixres', 'large-batch-lars', 'plateau', 'swa']);
  });

  for (const name of builtinPresetNames()) {
    it(`${name} trains`, async () => {
      const largeBatch = name === 'large-batch-lars';
      // The preset as shipped (no pinned rates), cut to a subset and 2 epochs.
      const overrides: Record<string, unknown> = {
        extends: name,
        data: { limit: largeBatch ? 2048 : 256, testLimit: 100 },
        training: { epochs: 2, ...(largeBatch ? {} : { batchSize: 64 }) },
      };
      if (name === 'distillation') overrides.plugins = { distillation: { teacher } };
      const resolved = await resolveConfig({ inline: overrides });
      const trainer = await createTrainer(resolved, { backend: 'wasm', progress: 'none', logger: silentLogger, outDir: tempRunDir() });
      const summary = await trainer.fit();
      trainer.dispose();
      expect(summary.epochs).toBeGreaterThanOrEqual(1);
      expect(Number.isFinite(summary.testLoss)).toBe(true);
      expect(summary.top1).toBeGreaterThan(0);
    });
  }
});
