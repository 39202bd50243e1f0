import type { EvalMetrics } from './contexts.js';

/** `{ <prefix>Loss, <prefix>Top1, <prefix>Top5 }` of an evaluation for metrics.jsonl, or nothing. */
export function metricFields(prefix: 'val' | 'test', m: EvalMetrics | undefined): Record<string, number> {
  return m ? { [`${prefix}Loss`]: m.loss, [`${prefix}Top1`]: m.top1, [`${prefix}Top5`]: m.top5 } : {};
}

/** `  <prefix> loss … <prefix> top1 …% <prefix> top5 …%` for the epoch's log line, or nothing. */
export function metricText(prefix: 'val' | 'test', m: EvalMetrics | undefined): string {
  return m ? `  ${prefix} loss ${m.loss.toFixed(4)}  ${prefix} top1 ${(100 * m.top1).toFixed(2)}%  ${prefix} top5 ${(100 * m.top5).toFixed(2)}%` : '';
}
