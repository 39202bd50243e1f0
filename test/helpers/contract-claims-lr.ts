import { expect } from 'vitest';
import type { EvalMetrics } from '../../core/contexts.js';
import { STAGE } from '../../core/hook-stages.js';
import type { LayersModel } from '@tensorflow/tfjs';
import type { PluginHost } from '../../core/plugin.js';
import { maxAbs, readWeights, type Claim } from './contract-run.js';

/** Tap stage after every plugin's tap of a hook: the probe sees what they left. */
export const LAST = 10_000;

interface StepRecord {
  epoch: number;
  /** Optimizer steps after this one (1 for the first). */
  step: number;
  batchInEpoch: number;
  lr: number;
}

/** Records the rate of every optimizer step and the metrics of every per-epoch evaluation. */
function lrLog(name: string) {
  const steps: StepRecord[] = [];
  const evals: EvalMetrics[] = [];
  let stepsPerEpoch = 0;
  const plugin = {
    name,
    apply(host: PluginHost) {
      host.hooks.afterOptimizerStep.tap({ name, stage: LAST }, ({ epoch, step, batchInEpoch }) => {
        stepsPerEpoch = host.stepsPerEpoch;
        steps.push({ epoch, step, batchInEpoch, lr: host.hyper.lr });
      });
      host.hooks.afterEval.tapPromise({ name, stage: LAST }, async ({ phase, metrics }) => {
        if (phase === 'epoch' && metrics) evals.push(metrics);
      });
    },
  };
  return { plugin, steps, evals, stepsPerEpoch: () => stepsPerEpoch };
}

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
 * reduce-lr-on-plateau: replays PyTorch's rule on the evaluations the run made; the rate of each
 * epoch is the previous one times `factor` exactly when the rule reduced after the previous
 * evaluation (the schedule must be flat over the run), and the summary counts the reductions.
 */
export const plateauClaim: Claim = (options, config) => {
  const log = lrLog('contract-plateau');
  const o = options as { monitor: string; mode?: string; factor: number; patience: number; threshold: number; thresholdMode: string; cooldown: number };
  return {
    plugin: log.plugin,
    check({ summary, requireEffect }) {
      const mode = o.mode ?? (o.monitor === 'val_loss' ? 'min' : 'max');
      const better = (a: number, best: number) => {
        const up = o.thresholdMode === 'rel' ? best * (mode === 'min' ? 1 - o.threshold : 1 + o.threshold) : best + (mode === 'min' ? -o.threshold : o.threshold);
        return mode === 'min' ? a < up : a > up;
      };
      let best = mode === 'min' ? Infinity : -Infinity;
      let bad = 0;
      let cooldown = 0;
      const reducedAfter: boolean[] = [];
      for (const m of log.evals) {
        const value = o.monitor === 'val_loss' ? m.loss : m.top1;
        if (better(value, best)) [best, bad] = [value, 0];
        else bad += 1;
        if (cooldown > 0) [cooldown, bad] = [cooldown - 1, 0];
        reducedAfter.push(bad > o.patience);
        if (bad > o.patience) [cooldown, bad] = [o.cooldown, 0];
      }
      expect(log.evals.length).toBe(summary.epochs);
      const firstLr = (e: number) => log.steps.find((s) => s.epoch === e)!.lr;
      for (let e = 1; e < summary.epochs; e++) {
        expect(firstLr(e)).toBeCloseTo(firstLr(e - 1) * (reducedAfter[e - 1] ? o.factor : 1), 12);
      }
      const reductions = reducedAfter.filter(Boolean).length;
      expect(summary.plugins['reduce-lr-on-plateau']?.reductions ?? 0).toBe(reductions);
      if (requireEffect) expect(reducedAfter.slice(0, -1).some(Boolean)).toBe(true);
    },
  };
};

/**
 * early-stopping: replays Keras's rule on the evaluations the run made; the run ends after the
 * epoch the rule stops at (or all epochs), and the summary names the plugin, the epoch and the best
 * value. With an effect required, it must stop before the last epoch.
 */
export const earlyStoppingClaim: Claim = (options, config) => {
  const log = lrLog('contract-early-stopping');
  const o = options as { monitor: string; mode?: string; patience: number; minDelta: number };
  return {
    plugin: log.plugin,
    check({ summary, requireEffect }) {
      const min = (o.mode ?? (o.monitor === 'val_loss' ? 'min' : 'max')) === 'min';
      let best: number | null = null;
      let bestEpoch = 0;
      let wait = 0;
      let stop: number | undefined;
      log.evals.forEach((m, i) => {
        const v = o.monitor === 'val_loss' ? m.loss : m.top1;
        if (stop !== undefined) return;
        if (Number.isFinite(v) && (best === null || (min ? v + o.minDelta < best : v - o.minDelta > best))) [best, bestEpoch, wait] = [v, i + 1, 0];
        else if (++wait >= o.patience && i > 0) stop = i + 1;
      });
      expect(log.evals.length).toBe(summary.epochs);
      expect(summary.epochs).toBe(stop ?? config.training.epochs);
      const report = summary.plugins['early-stopping'] ?? {};
      expect(report.stoppedAfterEpoch).toBe(stop);
      expect(summary.stopped?.plugin).toBe(stop === undefined ? undefined : 'early-stopping');
      expect(report.best).toBe(best);
      expect(report.bestEpoch).toBe(bestEpoch);
      if (requireEffect) expect(stop).toBeLessThan(config.training.epochs);
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
          if (epoch >= from && (epoch - from) % o.every === 0) snapshots.push(weightsOf(host.model));
        });
      },
    },
    check({ summary, trainer, requireEffect }) {
      expect(summary.plugins.swa?.averaged).toBe(snapshots.length);
      const final = weightsOf(trainer.model);
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

function weightsOf(model: LayersModel): Record<string, Float32Array> {
  return readWeights(model, 'trainable');
}
