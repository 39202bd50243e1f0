import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlugins } from '../../app/plugin-loader.js';
import { resolveConfig } from '../../core/config/load.js';
import { silentLogger } from '../../core/logger.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { previewSchedule } from '../../core/schedule-preview/index.js';
import { epochStartRates } from '../../core/schedule-preview/curve.js';
import { cosineFactor, decayFactor, linearFactor, linearScaledLr, restartProgress, scheduleFactor } from '../../plugins/lr-schedule/schedules.js';
import { subsetConfig, trainSubset } from '../helpers/train-subset.js';

/** Records the learning rate the trainer hands the optimizer at every optimizer step. */
class AppliedRates implements TricksterPlugin {
  readonly name = 'applied-rates';
  readonly rates: number[] = [];
  apply(host: PluginHost): void {
    host.hooks.afterOptimizerStep.tap(this.name, () => void this.rates.push(host.hyper.lr));
  }
}

describe('schedule math', () => {
  it('step and multistep follow StepLR / MultiStepLR: gamma^(number of boundaries passed)', () => {
    // StepLR(step_size=30, gamma=0.1): epochs 0-29 -> 1, 30-59 -> 0.1, 60 -> 0.01.
    const step = { name: 'step', stepSize: 30, gamma: 0.1 } as const;
    expect(decayFactor(step, 29.9, 29.9, 90)).toBe(1);
    expect(decayFactor(step, 30, 30, 90)).toBeCloseTo(0.1, 12);
    expect(decayFactor(step, 60, 60, 90)).toBeCloseTo(0.01, 12);
    const multi = { name: 'multistep' as const, milestones: [30, 80], gamma: 0.5 };
    const fractions = { name: 'multistep' as const, fractions: [0.5, 0.75], gamma: 0.1 };
    // fractions of a 10-epoch run: milestones at epochs 5 and 7.5.
    expect([4.9, 5, 7.4, 7.5].map((t) => decayFactor(fractions, t, t, 10, 10))).toEqual([1, 0.1, 0.1, 0.1 ** 2]);
    expect([10, 30, 79, 80].map((t) => decayFactor(multi, t, t, 90))).toEqual([1, 0.5, 0.5, 0.25]);
  });

  it('exponential is gamma^t and 1/t decay is 1/(1+kt)', () => {
    expect(decayFactor({ name: 'exponential', gamma: 0.9 }, 3, 3, 10)).toBeCloseTo(0.729, 12);
    expect(decayFactor({ name: 'inverse-time', k: 0.5 }, 4, 4, 10)).toBeCloseTo(1 / 3, 12);
  });

  it('cosine follows CosineAnnealingLR: eta_min + (1-eta_min)(1+cos(pi t/T))/2', () => {
    expect(cosineFactor(0, 0)).toBe(1);
    expect(cosineFactor(0.5, 0)).toBeCloseTo(0.5, 12);
    expect(cosineFactor(1, 0.1)).toBeCloseTo(0.1, 12);
    // t/T = 1/3: (1 + cos(pi/3)) / 2 = 0.75
    expect(decayFactor({ name: 'cosine', minFactor: 0 }, 10, 10, 30)).toBeCloseTo(0.75, 12);
  });

  it('linear follows LinearLR from factor 1: start + (end − start)·min(t, T)/T, with end = minFactor', () => {
    // PyTorch's closed form for LinearLR (start_factor 1, end_factor e, total_iters T): 1 + (e − 1)·min(t, T)/T.
    expect(linearFactor(0, 0)).toBe(1);
    expect(linearFactor(0.25, 0)).toBeCloseTo(0.75, 12);
    expect(linearFactor(1, 0.1)).toBeCloseTo(0.1, 12);
    expect(linearFactor(1.5, 0.1)).toBeCloseTo(0.1, 12);
    // 10 epochs after a 2-epoch warmup of a 32-epoch run: 10/30 of the way to 0.
    expect(scheduleFactor({ name: 'linear', minFactor: 0 }, { epochs: 2, startFactor: 0.1 }, 12, 32)).toBeCloseTo(2 / 3, 12);
  });

  it('warm restarts follow SGDR cycles T0, T0*Tmult, ...', () => {
    // T0 = 10, Tmult = 2: cycles [0,10), [10,30), [30,70)
    expect(restartProgress(5, 10, 2)).toBeCloseTo(0.5, 12);
    expect(restartProgress(10, 10, 2)).toBe(0);
    expect(restartProgress(20, 10, 2)).toBeCloseTo(0.5, 12);
    expect(restartProgress(50, 10, 2)).toBeCloseTo(0.5, 12);
    expect(restartProgress(15, 10, 1)).toBeCloseTo(0.5, 12);
  });

  it('linear warmup rises from startFactor to 1, then the decay runs over the remaining epochs', () => {
    const cosine = { name: 'cosine', minFactor: 0 } as const;
    const warmup = { epochs: 5, startFactor: 0.1 };
    expect(scheduleFactor(cosine, warmup, 0, 90)).toBeCloseTo(0.1, 12);
    expect(scheduleFactor(cosine, warmup, 2.5, 90)).toBeCloseTo(0.55, 12);
    expect(scheduleFactor(cosine, warmup, 5, 90)).toBe(1);
    expect(scheduleFactor(cosine, warmup, 47.5, 90)).toBeCloseTo(0.5, 12);
  });

  it('linear scaling rule: batch/256 for SGD, batch/512 for AdamW (seed 001)', () => {
    expect(linearScaledLr(0.1, 1024, 'sgd')).toBeCloseTo(0.4, 12);
    expect(linearScaledLr(0.001, 2048, 'adamw')).toBeCloseTo(0.004, 12);
  });
});

describe('lr-schedule plugin', () => {
  it('sets the rate per optimizer step: a step schedule halves it after each epoch of a real run', async () => {
    const { summary, trainer } = await trainSubset({
      data: { limit: 256, testLimit: 100 },
      training: { epochs: 3, batchSize: 64 },
      schedule: { name: 'step', stepSize: 1, gamma: 0.5 },
    });
    trainer.dispose();
    const lrs = readFileSync(path.join(summary.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).lr);
    // metrics.jsonl records the rate of the epoch's last step: epochs 1, 2, 3 use 0.1, 0.05, 0.025.
    expect(lrs).toEqual([0.1, 0.05, 0.025]);
  });

  it('a linear schedule in a real run: the rate falls by the same step every optimizer step, to 0 at the end', async () => {
    const recorder = new AppliedRates();
    const { summary, trainer } = await trainSubset({ data: { limit: 256, testLimit: 100 }, training: { epochs: 2, batchSize: 64 }, schedule: { name: 'linear' } }, { plugins: [recorder] });
    trainer.dispose();
    // 4 steps per epoch, 8 in all: step k (0-based) runs at 0.1 · (1 − k/8).
    expect(summary.steps).toBe(8);
    recorder.rates.forEach((lr, k) => expect(lr).toBeCloseTo(0.1 * (1 - k / 8), 12));
  });

  it('the preview gives the rate of each epoch\'s first step, as `trickster schedule` prints it', async () => {
    const { config, baseDir } = await resolveConfig({ inline: { extends: 'baseline', schedule: { name: 'cosine', warmup: { epochs: 1, startFactor: 0 } } } });
    const perEpoch = epochStartRates(previewSchedule(config, await loadPlugins(config, baseDir), { stepsPerEpoch: 100, baseDir, logger: silentLogger }));
    expect(perEpoch[0].lr).toBe(0);
    // after one warmup epoch the cosine curve starts at the preset's base rate
    expect(perEpoch[1].lr).toBeCloseTo(config.optimizer.lr, 12);
    expect(perEpoch).toHaveLength(10);
  });

  it('the preview is the training: with accumulation, the linear scaling rule, warmup and cosine, every optimizer step\'s rate is the one the trainer applied', async () => {
    const overrides = {
      data: { limit: 640, testLimit: 100 },
      training: { epochs: 2, batchSize: 64, replicas: 1 },
      schedule: { name: 'cosine', scaleRule: 'linear', warmup: { epochs: 1, startFactor: 0.1 } },
      plugins: { 'gradient-accumulation': { steps: 3 } },
    };
    const recorder = new AppliedRates();
    const { summary, trainer } = await trainSubset(overrides, { plugins: [recorder] });
    trainer.dispose();
    // 640 images in batches of 64: 10 micro-batches, 3 optimizer steps of 3 per epoch.
    expect(summary.steps).toBe(6);
    const { config, baseDir } = await resolveConfig({ inline: subsetConfig(overrides) });
    const preview = previewSchedule(config, await loadPlugins(config, baseDir), { baseDir, logger: silentLogger });
    expect(preview.stepsPerEpoch).toBe(3);
    expect(preview.steps.map((s) => s.lr)).toEqual(recorder.rates);
    // The linear rule scales by the effective batch, 64 × 3 micro-batches (not 64 × 10/3 batches per step), at warmup's start factor.
    expect(recorder.rates[0]).toBeCloseTo(((0.1 * 64 * 3) / 256) * 0.1, 12);
    // Not a constant: warmup rises, cosine falls.
    expect(new Set(recorder.rates).size).toBe(recorder.rates.length);
  });
});
