import { excludesZero, pairedInterval, type Interval } from '../../core/experiments/stats.js';
import type { Claim, EffectRef } from './claims.js';
import type { StoredSummary } from './summary.js';

/** What the measurement says about a claim at this scale. */
export type Verdict = 'reproduced' | 'not reproduced' | 'inconclusive' | 'not measured yet';

/** A claim's measured effect: per-seed differences and their paired interval, or why there is none. */
export interface ClaimEffect {
  readonly verdict: Verdict;
  /** Seeds every value of the effect has a result for, in order. */
  readonly seeds: readonly number[];
  /** Per seed: Σ plus − Σ minus (fractions). */
  readonly diffs: readonly number[];
  /** Mean difference with its 95% paired t interval (null when nothing was measured). */
  readonly interval: Interval | null;
  /** Why it is not measured yet, or a note (failed trials). */
  readonly note: string;
}

/** The value at a dotted `metric` path of a trial's metrics, or an Error naming what is missing. */
function metricValue(metrics: Record<string, unknown>, metric: string, where: string): number {
  let node: unknown = metrics;
  for (const key of metric.split('.')) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  if (typeof node !== 'number' || !Number.isFinite(node)) throw new Error(`${where}: metric "${metric}" is not a finite number in its summary (got ${JSON.stringify(node)})`);
  return node;
}

/** Per seed, the value of `ref` (seeds whose trial is not done are left out); an unknown variant throws. */
function refValues(ref: EffectRef, summary: StoredSummary): Map<number, number> {
  const rows = summary.trials.filter((t) => t.variant === ref.variant);
  if (rows.length === 0) {
    const known = [...new Set(summary.trials.map((t) => t.variant))];
    throw new Error(`experiment ${ref.experiment} has no variant "${ref.variant}" in its summary (variants: ${known.join(', ')})`);
  }
  const values = new Map<number, number>();
  for (const t of rows) if (t.status === 'done' && t.metrics) values.set(t.seed, metricValue(t.metrics, ref.metric, `${ref.experiment}/${t.trial}`));
  return values;
}

/**
 * A claim's effect from the summaries of its experiments (`summaries.get(id)` undefined: not run
 * yet). Per seed the effect is Σ plus − Σ minus over seeds all values have; the verdict is
 * `reproduced` when the 95% paired interval excludes 0 on the side the seed predicts, `not
 * reproduced` when it excludes 0 on the other side, `inconclusive` when it contains 0 (or fewer
 * than two seeds pair up).
 */
export function claimEffect(claim: Claim, summaries: ReadonlyMap<string, StoredSummary | undefined>): ClaimEffect {
  const refs = [...claim.effect.plus.map((r) => ({ r, sign: 1 })), ...claim.effect.minus.map((r) => ({ r, sign: -1 }))];
  const missing = [...new Set(refs.map(({ r }) => r.experiment).filter((id) => !summaries.get(id)))];
  if (missing.length) return { verdict: 'not measured yet', seeds: [], diffs: [], interval: null, note: `no summary of ${missing.join(', ')} yet` };
  const values = refs.map(({ r, sign }) => ({ sign, values: refValues(r, summaries.get(r.experiment)!) }));
  const allSeeds = [...new Set(values.flatMap((v) => [...v.values.keys()]))].sort((a, b) => a - b);
  const seeds = allSeeds.filter((s) => values.every((v) => v.values.has(s)));
  const diffs = seeds.map((s) => values.reduce((sum, v) => sum + v.sign * v.values.get(s)!, 0));
  const failed = refs.flatMap(({ r }) => summaries.get(r.experiment)!.trials.filter((t) => t.variant === r.variant && t.status !== 'done').map((t) => `${r.experiment}/${t.trial} ${t.status}`));
  const note = failed.length ? `left out: ${[...new Set(failed)].join(', ')}` : '';
  if (seeds.length === 0) return { verdict: 'not measured yet', seeds, diffs, interval: null, note: note || 'no seed has every value' };
  const interval = pairedInterval(diffs);
  const sideOk = claim.predicts === 'positive' ? interval.mean > 0 : interval.mean < 0;
  const verdict: Verdict = seeds.length < 2 || !excludesZero(interval) ? 'inconclusive' : sideOk ? 'reproduced' : 'not reproduced';
  return { verdict, seeds, diffs, interval, note };
}
