import { readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../core/config/load.js';
import { main } from '../../app/cli/main.js';
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

  /** Every file of a run directory with its bytes, to show a refused resume changed nothing. */
  function snapshot(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of readdirSync(dir, { recursive: true }) as string[]) {
      const file = path.join(dir, f);
      if (statSync(file).isFile()) out[f] = readFileSync(file).toString('base64');
    }
    return out;
  }

  async function resumeWith(dir: string, overrides: Record<string, unknown>) {
    const resolved = await resolveConfig({ inline: config, overrides });
    const trainer = await createTrainer(resolved, { backend: 'wasm', outDir: dir, resume: true, progress: 'none', logger: silentLogger });
    try {
      return await trainer.fit();
    } finally {
      trainer.dispose();
    }
  }

  it('refuses a resume that changes results, listing every differing key with old and new values; the run directory is untouched', async () => {
    const dir = tempRunDir();
    await run(1, dir);
    const before = snapshot(dir);
    const refused = resumeWith(dir, { training: { epochs: 3, batchSize: 32, seed: 7 }, model: { width: 2 }, data: { limit: 300 } });
    await expect(refused).rejects.toMatchObject({ code: 'RESUME_MISMATCH' });
    const message = ((await refused.catch((e: unknown) => e)) as Error).message;
    for (const part of ['training.batchSize 64 -> 32', 'training.seed 42 -> 7', 'model.width 1 -> 2', 'data.limit 384 -> 300']) expect(message).toContain(part);
    expect(message).not.toContain('\n');
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a truncated checkpoint before writing anything', async () => {
    const dir = tempRunDir();
    await run(1, dir);
    const ckpt = path.join(dir, 'checkpoint.ckpt');
    writeFileSync(ckpt, readFileSync(ckpt).subarray(0, 200));
    const before = snapshot(dir);
    await expect(resumeWith(dir, { training: { epochs: 3, replicas: 1 } })).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses fewer epochs than the run has done, and a new run in a folder that holds one', async () => {
    const dir = tempRunDir();
    await run(2, dir);
    await expect(resumeWith(dir, { training: { epochs: 1 } })).rejects.toMatchObject({ code: 'RESUME_MISMATCH' });
    await expect(run(2, dir)).rejects.toMatchObject({ code: 'RUN_DIR_EXISTS' });
  });

  it('a resume of a finished run trains nothing and returns its recorded summary; with more epochs it trains on', async () => {
    const dir = tempRunDir();
    const done = await run(2, dir);
    const before = snapshot(dir);
    // Running afterTrain again would apply SWA, FixRes or a final precise-BN pass twice: nothing runs.
    expect(await resumeWith(dir, { training: { epochs: 2, replicas: 1 } })).toEqual(done);
    expect(snapshot(dir)).toEqual(before);
    const longer = await resumeWith(dir, { training: { epochs: 3, replicas: 1 } });
    expect(longer.epochs).toBe(3);
    expect(readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('a resumed run reports the preset of the run it continues, from the run directory alone', async () => {
    const dir = tempRunDir();
    const train = async (inline: Record<string, unknown>, epochs: number, resume: boolean) => {
      const trainer = await createTrainer(await resolveConfig({ inline, overrides: { training: { epochs } } }), { backend: 'wasm', outDir: dir, resume, progress: 'none', logger: silentLogger });
      try {
        return await trainer.fit();
      } finally {
        trainer.dispose();
      }
    };
    expect((await train(config, 1, false)).preset).toBe('baseline');
    // As `trickster train --resume DIR --epochs 2` does: the run's config.json, no preset named.
    const after = await train(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>, 2, true);
    expect(after.preset).toBe('baseline');
    expect(after.epochs).toBe(2);
  });

  it('resumes from any working folder: relative paths of the config resolve against the config file, as in the first run', async () => {
    const folder = tempRunDir();
    symlinkSync('/usr/share/datasets/fashion-mnist', path.join(folder, 'data'));
    const configFile = path.join(folder, 'trickster.config.yaml');
    writeFileSync(configFile, 'extends: baseline\ndata: { dir: ./data, limit: 256, testLimit: 100 }\ntraining: { epochs: 1, batchSize: 64, replicas: 1 }\n');
    const out = path.join(folder, 'run');
    const argv = (...args: string[]) => ['node', 'trickster', ...args, '--backend', 'wasm', '--progress', 'none'];
    expect(await main(argv('train', '--config', configFile, '--out', out))).toBe(0);
    // The working folder is the repository, not the config's folder: ./data exists only beside the config.
    expect(process.cwd()).not.toBe(folder);
    expect(await main(argv('train', '--resume', out, '--epochs', '2'))).toBe(0);
    expect(readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
