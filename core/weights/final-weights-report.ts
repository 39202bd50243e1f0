import type { EvalMetrics } from '../contexts.js';
import type { PluginHost } from '../plugin.js';

/**
 * Evaluates the model's current weights once on the test split (at the training input size) and
 * reports them under `plugin` as `finalWeightsTop1`, `finalWeightsTop5` and `finalWeightsTestLoss`.
 * The averaging plugins (ema, swa, precise-bn) call it just before they put their own weights or
 * statistics in place, so one run compares both. A report only: nothing is chosen by it.
 */
export async function reportFinalWeights(host: PluginHost, plugin: string): Promise<EvalMetrics> {
  const metrics = await host.evaluate({ split: 'test' });
  host.report(plugin, 'finalWeightsTop1', metrics.top1);
  host.report(plugin, 'finalWeightsTop5', metrics.top5);
  host.report(plugin, 'finalWeightsTestLoss', metrics.loss);
  return metrics;
}
