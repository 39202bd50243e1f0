import { expect } from 'vitest';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost } from '../../core/plugin.js';
import { LAST, lrLog, type StepRecord } from './contract-probe.js';
import { maxAbs, readWeights, type Claim } from './contract-run.js';

type Schedule = {
  name: string;
  warmup?: { epochs: number; startFactor: number };
  scaleRule?: string;
  [knob: string]: unknown;
};

/** The documented schedule factor at `t` epochs (lr-schedule README), for the schedules the contract uses. */
export function expectedFactor(s: Schedule, t: number, epochs: number): number {
  const w = s.warmup?.epochs ?? 0;
  if (s.warmup && t < w) return s.warmup.startFactor + ((1 - s.warmup.startFactor) * t) / w;
  const gamma = s.gamma as number;
  switch (s.name) {
    case 'constant':
      return 1;
    case 'step':
      return gamma ** Math.floor(t / (s.stepSize as number));
    case 'multistep': {
      const milestones = (s.milestones as number[] | undefined) ?? (s.fractions as number[]).map((f) => f * epochs);
      return gamma ** milestones.filter((m) => t >= m).length;
    }
    case 'cosine': {
      const p = epochs - w > 0 ? Math.min(Math.max((t - w) / (epochs - w), 0), 1) : 1;
      const min = s.minFactor as number;
      return min + 0.5 * (1 - min) * (1 + Math.cos(Math.PI * p));
    }
    default:
      throw new Error(`the contract has no reference for schedule ${s.name}`);
  }
}

/** 0-based first epoch of SWA's phase (swa README): integer start counts from 1, a fraction of the run. */
export function swaStart(start: number, epochs: number): number {
  return start >= 1 ? Math.round(start) - 1 : Math.floor(start * epochs);
}

/**
 * lr-schedule: the rate of every optimizer step is base · factor(t), t = steps before it / steps per
 * epoch, base scaled by batch/256 under scaleRule linear; steps whose rate SWA overrides or
 * ReduceLROnPlateau may have cut are left out. With an effect required, the rate must vary.
 */
export const lrScheduleClaim: Claim = (options, config) => {
  const log = lrLog('contract-lr-schedule');
  return {
    plugin: log.plugin,
    check({ summary, requireEffect }) {
      const { epochs, batchSize } = config.training;
      const plugins = config.plugins as Record<string, Record<string, unknown> | false | undefined>;
      const micro = (plugins['gradient-accumulation'] as { steps?: number } | undefined)?.steps ?? 1;
      const scale = options.scaleRule === 'linear' ? (batchSize * micro) / (config.optimizer.name === 'sgd' ? 256 : 512) : 1;
      const swa = plugins.swa ? (plugins.swa as { start?: number; lr?: number | null }) : undefined;
      const swaFrom = swa && swa.lr != null ? swaStart(swa.start ?? 0.75, epochs) : Infinity;
      const lastFree = plugins['reduce-lr-on-plateau'] ? 0 : Infinity;
      expect(log.steps.length).toBe(summary.steps);
      const checked = log.steps.filter((s) => s.epoch < swaFrom && s.epoch <= lastFree);
      expect(checked.length).toBeGreaterThan(0);
      for (const s of checked) {
        const t = (s.step - 1) / log.stepsPerEpoch();
        expect(s.lr).toBeCloseTo(config.optimizer.lr * scale * expectedFactor(options as Schedule, t, epochs), 10);
      }
      if (requireEffect) expect(new Set(checked.map((s) => s.lr)).size).toBeGreaterThan(2);
    },
  };
};

/**
 * swa: the summary's `averaged` counts the epochs from `start` (every `every`); the final trainable
 * weights are the mean of the weights at those epoch ends; with `lr`, the steps of the phase run at
 * the SWA rate (annealed linearly from the scheduled rate over annealEpochs). With an effect
 * required, at least two snapshots are averaged and the result differs from the last.
 */
export const swaClaim: Claim = (options, config) => {
  const o = options as { start: number; every: number; lr: number | null; annealEpochs: number };
  const snapshots: Record<string, Float32Array>[] = [];
  const steps: (StepRecord & { before: number })[] = [];
  let scheduled = 0;
  let batchesPerEpoch = 0;
  const from = swaStart(o.start, config.training.epochs);
  const name = 'contract-swa';
  return {
    plugin: {
      name,
      apply(host) {
        host.hooks.beforeStep.tap({ name, stage: STAGE.ADJUST_SCHEDULED_LR - 1 }, () => {
          scheduled = host.hyper.lr;
        });
        host.hooks.afterOptimizerStep.tap({ name, stage: LAST }, ({ epoch, step, batchInEpoch }) => {
          batchesPerEpoch = host.batchesPerEpoch;
          steps.push({ epoch, step, batchInEpoch, lr: host.hyper.lr, before: scheduled });
        });
        host.hooks.afterEpoch.tapPromise({ name, stage: LAST }, async ({ epoch }) => {
          if (epoch >= from && (epoch - from) % o.every === 0) snapshots.push(readWeights(host.model, 'trainable'));
        });
      },
    },
    check({ summary, trainer, requireEffect }) {
      expect(summary.plugins.swa?.averaged).toBe(snapshots.length);
      const final = readWeights(trainer.model, 'trainable');
      for (const [n, w] of Object.entries(final)) {
        const mean = w.map((_, i) => snapshots.reduce((s, snap) => s + snap[n]![i]!, 0) / snapshots.length);
        expect(maxAbs(w, mean), n).toBeLessThan(1e-5);
      }
      if (o.lr !== null) {
        const phase = steps.filter((s) => s.epoch >= from);
        const startLr = phase[0]?.before ?? 0;
        for (const s of phase) {
          const into = s.epoch - from + s.batchInEpoch / batchesPerEpoch;
          const expected = o.annealEpochs <= 0 || into >= o.annealEpochs ? o.lr : startLr + ((o.lr - startLr) * into) / o.annealEpochs;
          expect(s.lr).toBeCloseTo(expected, 12);
        }
      }
      if (requireEffect) {
        expect(snapshots.length).toBeGreaterThanOrEqual(2);
        const last = snapshots.at(-1)!;
        expect(Math.max(...Object.entries(final).map(([n, w]) => maxAbs(w, last[n]!)))).toBeGreaterThan(1e-4);
      }
    },
  };
};

