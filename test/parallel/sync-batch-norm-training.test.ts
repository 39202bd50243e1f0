import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../../app/create-trainer.js';
import { resolveConfig } from '../../core/config/load.js';
import { silentLogger } from '../../core/logger.js';
import { checkResumeConfig } from '../../core/resume-check.js';
import { cli } from '../helpers/cli.js';
import { subsetConfig, tempRunDir, trainSubset } from '../helpers/train-subset.js';

const TRAIN = ['--limit', '256', '--test-limit', '200', '--batch-size', '32', '--backend', 'wasm', '--progress', 'none', '--json'];

const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

/** metrics.jsonl of a run without the timing (imgPerSec). */
function metricLines(dir: string): Record<string, unknown>[] {
  return readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const { imgPerSec: _timing, ...rest } = JSON.parse(l);
    return rest;
  });
}

describe('training.syncBatchNorm in real trainings (Fashion-MNIST subset, wasm)', () => {
  it('replicas 2 with --sync-batch-norm trains with finite metrics, and its resume continues it', async () => {
    const out = tempRunDir();
    const r = await cli('train', ...TRAIN, '--epochs', '1', '--replicas', '2', '--sync-batch-norm', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const summary = summaryOf(r.stdout);
    expect(summary).toMatchObject({ replicas: 2, epochs: 1, steps: 8 });
    for (const key of ['top1', 'top5', 'testLoss']) expect(Number.isFinite(summary[key]), key).toBe(true);
    expect(summary.top1).toBeGreaterThan(0.3); // ten classes: chance is 0.1
    expect(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')).training.syncBatchNorm).toBe(true);
    const resumed = await cli('train', '--resume', out, '--epochs', '2', '--progress', 'none', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(summaryOf(resumed.stdout)).toMatchObject({ replicas: 2, epochs: 2, steps: 16 });
    const lines = metricLines(out);
    expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
    for (const l of lines) expect(Number.isFinite(l.trainLoss), JSON.stringify(l)).toBe(true);
  }, 240_000);

  it('a SyncBN run stopped after epoch 1 and resumed ends as the uninterrupted run does', async () => {
    // subsetConfig's step schedule does not depend on the epoch count, so the two runs share every rate.
    const config = subsetConfig({ training: { batchSize: 32, replicas: 2, syncBatchNorm: true } }, 256, 200);
    const run = async (epochs: number, outDir: string, resume: boolean) => {
      const resolved = await resolveConfig({ inline: config, overrides: { training: { epochs } } });
      const trainer = await createTrainer(resolved, { backend: 'wasm', outDir, resume, progress: 'none', logger: silentLogger });
      const summary = await trainer.fit();
      trainer.dispose();
      return summary;
    };
    const straight = tempRunDir();
    const full = await run(2, straight, false);
    const split = tempRunDir();
    await run(1, split, false);
    const resumed = await run(2, split, true);
    expect(resumed).toMatchObject({ replicas: 2, epochs: 2, steps: full.steps, top1: full.top1, testLoss: full.testLoss });
    expect(metricLines(split)).toEqual(metricLines(straight));
  }, 240_000);

  it('a resume that turns SyncBN on refuses with RESUME_MISMATCH naming training.syncBatchNorm', async () => {
    const out = tempRunDir();
    const first = await cli('train', ...TRAIN, '--epochs', '1', '--replicas', '2', '--out', out);
    expect(first.code, first.stderr).toBe(0);
    const before = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8');
    const r = await cli('train', '--resume', out, '--epochs', '2', '--sync-batch-norm', '--progress', 'none');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error \[RESUME_MISMATCH\]: --resume .* would not continue the same run: training\.syncBatchNorm false -> true;/);
    expect(readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')).toBe(before);
  }, 240_000);

  it('two replicas with SyncBN train like one replica on the whole batch; without it they drift further', async () => {
    // A small rate keeps eight steps out of the chaotic regime where float rounding alone grows.
    const run = { data: { limit: 256, testLimit: 200 }, training: { epochs: 1, batchSize: 32 }, optimizer: { lr: 0.01 } };
    const results = [];
    for (const training of [{ replicas: 1 }, { replicas: 2, syncBatchNorm: true }, { replicas: 2 }]) {
      const { summary, trainer } = await trainSubset({ ...run, training: { ...run.training, ...training } });
      trainer.dispose();
      const metrics = JSON.parse(readFileSync(path.join(summary.runDir, 'metrics.jsonl'), 'utf8').trim());
      results.push({ trainLoss: metrics.trainLoss as number, testLoss: summary.testLoss });
    }
    const [one, synced, local] = results;
    for (const key of ['trainLoss', 'testLoss'] as const) {
      const syncedOff = Math.abs(synced![key] - one![key]);
      expect(syncedOff, key).toBeLessThan(1e-4 * one![key]);
      expect(Math.abs(local![key] - one![key]), key).toBeGreaterThan(10 * syncedOff);
    }
  }, 240_000);

  it('the resume check refuses a changed syncBatchNorm either way, and takes a config.json that predates the key as off', async () => {
    const off = (await resolveConfig({ inline: subsetConfig() })).config;
    const on = (await resolveConfig({ inline: subsetConfig({ training: { syncBatchNorm: true } }) })).config;
    expect(() => checkResumeConfig('runs/x', on, off)).toThrow(/^--resume runs\/x would not continue the same run: training\.syncBatchNorm true -> false;/);
    expect(() => checkResumeConfig('runs/x', off, on)).toThrow(/training\.syncBatchNorm false -> true;/);
    const { syncBatchNorm: _new, ...olderTraining } = off.training;
    const older = JSON.parse(JSON.stringify({ ...off, training: olderTraining }));
    expect(() => checkResumeConfig('runs/x', older, off)).not.toThrow();
    expect(() => checkResumeConfig('runs/x', older, on)).toThrow(/training\.syncBatchNorm false -> true;/);
  });

  it('refuses a training.syncBatchNorm that is not a boolean, naming the key', async () => {
    await expect(resolveConfig({ inline: subsetConfig({ training: { syncBatchNorm: 'yes' } }) })).rejects.toThrow(/training\.syncBatchNorm/);
  });
});
