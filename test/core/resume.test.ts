import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../core/config/load.js';
import { createTrainer } from '../../app/create-trainer.js';
import { silentLogger } from '../../core/logger.js';
import { subsetConfig, tempRunDir } from '../helpers/train-subset.js';

const config = subsetConfig({ training: { epochs: 3, batchSize: 64 }, schedule: { name: 'step', stepSize: 1, gamma: 0.5 } }, 384, 200);

async function run(epochs: number, outDir: string, resume = false, replicas = 1) {
  const resolved = await resolveConfig({ inline: config, overrides: { training: { epochs, replicas } } });
  const trainer = await createTrainer(resolved, { backend: 'wasm', outDir, resume, progress: 'none', logger: silentLogger });
  const summary = await trainer.fit();
  trainer.dispose();
  return summary;
}

function metricLines(dir: string) {
  return readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const { imgPerSec: _ignored, ...rest } = JSON.parse(l);
    return rest;
  });
}

describe('resume', () => {
  for (const replicas of [1, 2]) {
    it(`a run stopped after epoch 1 and resumed ends with the same metrics as an uninterrupted run (replicas ${replicas})`, async () => {
      const straight = tempRunDir();
      const full = await run(3, straight, false, replicas);
      const split = tempRunDir();
      await run(1, split, false, replicas);
      const resumed = await run(3, split, true, replicas);
      expect(resumed.replicas).toBe(replicas);
      expect(resumed.epochs).toBe(3);
      expect(resumed.steps).toBe(full.steps);
      expect(resumed.top1).toBe(full.top1);
      expect(resumed.testLoss).toBe(full.testLoss);
      expect(metricLines(split)).toEqual(metricLines(straight));
    });
  }

  it('refuses a checkpoint written for another model', async () => {
    const dir = tempRunDir();
    await run(1, dir);
    const resolved = await resolveConfig({ inline: config, overrides: { model: { name: 'small-cnn', width: 2 } } });
    const trainer = await createTrainer(resolved, { backend: 'wasm', outDir: dir, resume: true, progress: 'none', logger: silentLogger });
    await expect(trainer.fit()).rejects.toThrow(/have shape .* but the model needs/);
  });
});
