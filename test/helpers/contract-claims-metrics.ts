import { expect } from 'vitest';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost } from '../../core/plugin.js';
import { lrLog } from './contract-probe.js';
import { maxAbs, readWeights, type Claim } from './contract-run.js';

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
 * value; with restoreBestWeights the final weights are those evaluated at the best epoch (unless a
 * later afterTrain plugin changes them). With an effect required, it must stop before the last epoch.
 */
export const earlyStoppingClaim: Claim = (options, config) => {
  const o = options as { monitor: string; mode?: string; patience: number; minDelta: number; restoreBestWeights: boolean };
  // The weights each evaluation saw, read where early stopping reads them (before EMA swaps back).
  const evaluated: Record<string, Float32Array>[] = [];
  const log = lrLog('contract-early-stopping', (host: PluginHost) => {
    host.hooks.afterEval.tapPromise({ name: 'contract-early-stopping', stage: STAGE.READ_EVAL_METRICS + 1 }, async ({ phase }) => {
      if (phase === 'epoch') evaluated.push(readWeights(host.model));
    });
  });
  return {
    plugin: log.plugin,
    check({ summary, trainer, requireEffect }) {
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
      const later = ['swa', 'fixres', 'precise-bn'].some((p) => (config.plugins as Record<string, unknown>)[p]);
      if (o.restoreBestWeights && bestEpoch > 0 && !later) {
        expect(report.restoredEpoch).toBe(bestEpoch);
        const final = readWeights(trainer.model);
        for (const [n, w] of Object.entries(final)) expect(maxAbs(w, evaluated[bestEpoch - 1]![n]!), n).toBe(0);
      }
      if (requireEffect) expect(stop).toBeLessThan(config.training.epochs);
    },
  };
};
