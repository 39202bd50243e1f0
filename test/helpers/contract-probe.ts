import type { EvalMetrics } from '../../core/contexts.js';
import type { PluginHost } from '../../core/plugin.js';

/** Tap stage after every plugin's tap of a hook: the probe sees what they left. */
export const LAST = 10_000;

/** One optimizer step as the probe saw it. */
export interface StepRecord {
  epoch: number;
  /** Optimizer steps after this one (1 for the first). */
  step: number;
  batchInEpoch: number;
  lr: number;
}

/**
 * A probe that records the rate of every optimizer step and the metrics of every per-epoch
 * evaluation; `more` taps further hooks on the same host.
 */
export function lrLog(name: string, more: (host: PluginHost) => void = () => {}) {
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
      more(host);
    },
  };
  return { plugin, steps, evals, stepsPerEpoch: () => stepsPerEpoch };
}

