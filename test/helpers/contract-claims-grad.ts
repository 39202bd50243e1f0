import { expect } from 'vitest';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost } from '../../core/plugin.js';
import { LAST } from './contract-probe.js';
import { maxRelDiff, type Claim } from './contract-run.js';

/**
 * gradient-accumulation: one optimizer step per `steps` micro-batches, taken on the last of each
 * window; summary.steps is that count and the summary reports the effective batch.
 */
export const gradientAccumulationClaim: Claim = (options, config) => {
  const steps = options.steps as number;
  let micro = 0;
  const appliedAt: number[] = [];
  const name = 'contract-gradient-accumulation';
  return {
    plugin: {
      name,
      apply(host: PluginHost) {
        host.hooks.afterOptimizerStep.tap({ name, stage: LAST }, () => appliedAt.push(micro));
        host.hooks.afterStep.tap({ name, stage: LAST }, () => {
          micro += 1;
        });
      },
    },
    check({ summary, requireEffect }) {
      expect(micro % steps).toBe(0);
      expect(appliedAt).toEqual(Array.from({ length: micro / steps }, (_, i) => (i + 1) * steps - 1));
      expect(summary.steps).toBe(micro / steps);
      expect(summary.plugins['gradient-accumulation']?.effectiveBatch).toBe(config.training.batchSize * steps);
      if (requireEffect) expect(steps).toBeGreaterThan(1);
    },
  };
};

interface LarcRecord {
  lr: number;
  w: Record<string, Float32Array>;
  g: Record<string, Float32Array>;
  decay: Record<string, number>;
  rank: Record<string, number>;
  out?: Record<string, Float32Array>;
}

const norm = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

/**
 * larc: on the first optimizer steps, each gradient leaving LARC's tap is (g + wd·w)·f with
 * f = min(η‖w‖/(‖g‖ + wd‖w‖ + eps) / lr, 1) (clip) or the local rate itself (no clip), computed here
 * in float64 from the tensors around the tap; excluded variables pass unchanged. With an effect
 * required, some layer's factor is below 1.
 */
export const larcClaim: Claim = (options) => {
  const o = options as { trustCoefficient: number; clip: boolean; eps: number; excludeBiasAndNorm: boolean };
  const records: LarcRecord[] = [];
  const name = 'contract-larc';
  const host2 = (m: Record<string, { dataSync(): unknown }>) => Object.fromEntries(Object.entries(m).map(([n, t]) => [n, t.dataSync() as Float32Array]));
  return {
    plugin: {
      name,
      apply(host: PluginHost) {
        host.hooks.afterBackward.tap({ name, stage: STAGE.RESCALE_GRADIENTS - 1 }, (g, { variables }) => {
          if (records.length < 2 && Object.keys(g).length > 0) {
            const decay = Object.fromEntries(Object.keys(g).map((n) => [n, host.hyper.decayFor(n)]));
            const rank = Object.fromEntries(Object.keys(g).map((n) => [n, variables[n]!.shape.length]));
            records.push({ lr: host.hyper.lr, w: host2(variables), g: host2(g), decay, rank });
          }
          return g;
        });
        host.hooks.afterBackward.tap({ name, stage: STAGE.RESCALE_GRADIENTS + 1 }, (g) => {
          const last = records.at(-1);
          if (last && !last.out && Object.keys(g).length > 0) last.out = host2(g);
          return g;
        });
      },
    },
    check({ summary, requireEffect }) {
      expect(records.length).toBe(2);
      let smallest = Infinity;
      for (const r of records) {
        for (const [n, g] of Object.entries(r.g)) {
          const w = r.w[n]!;
          if (o.excludeBiasAndNorm && r.rank[n]! <= 1) {
            expect(r.out![n]).toEqual(g);
            continue;
          }
          const [wn, gn, wd] = [norm(w), norm(g), r.decay[n]!];
          const local = (o.trustCoefficient * wn) / (gn + wn * wd + o.eps);
          const f = wn === 0 || gn === 0 ? 1 : o.clip ? Math.min(local / r.lr, 1) : local;
          const d = wn === 0 || gn === 0 ? 0 : wd;
          smallest = Math.min(smallest, f);
          expect(maxRelDiff(r.out![n]!, g.map((v, i) => (v + d * w[i]!) * f), 1e-6), n).toBeLessThan(1e-3);
        }
      }
      expect(summary.plugins.larc?.adaptedVariables).toBeGreaterThan(0);
      if (requireEffect) expect(smallest).toBeLessThan(1);
    },
  };
};

/**
 * distillation: inside the loss hook, the loss leaving distillation's tap is (1 − α)·CE + α·term with
 * a term ≥ 0 (a KL divergence), whose mean over the last epoch is the summary's `term`; α = 0
 * leaves the cross-entropy exactly as it was.
 */
export const distillationClaim: Claim = (options) => {
  const alpha = options.alpha as number;
  const pairs: { epoch: number; ce: number; loss: number }[] = [];
  let ce = 0;
  const name = 'contract-distillation';
  return {
    plugin: {
      name,
      apply(host: PluginHost) {
        host.hooks.loss.tap({ name, stage: STAGE.ADD_LOSS_TERM - 1 }, (loss) => {
          ce = loss.dataSync()[0]!;
          return loss;
        });
        host.hooks.loss.tap({ name, stage: STAGE.ADD_LOSS_TERM + 1 }, (loss, { epoch }) => {
          pairs.push({ epoch, ce, loss: loss.dataSync()[0]! });
          return loss;
        });
      },
    },
    check({ summary, requireEffect }) {
      expect(pairs.length).toBeGreaterThan(0);
      if (alpha === 0) {
        for (const p of pairs) expect(p.loss).toBe(p.ce);
        return;
      }
      const terms = pairs.map((p) => ({ epoch: p.epoch, term: (p.loss - (1 - alpha) * p.ce) / alpha }));
      for (const t of terms) expect(t.term).toBeGreaterThan(-1e-4);
      const last = terms.filter((t) => t.epoch === summary.epochs - 1);
      const mean = last.reduce((s, t) => s + t.term, 0) / last.length;
      expect(Math.abs(mean - (summary.plugins.distillation?.term as number))).toBeLessThan(1e-3 * Math.max(1, mean));
      if (requireEffect) expect(Math.max(...terms.map((t) => t.term))).toBeGreaterThan(1e-3);
    },
  };
};
