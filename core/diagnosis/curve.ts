import type { RunCurves } from './types.js';

/** A training-loss curve with a label per point (`step 120` or `epoch 3`) for the evidence. */
export interface LossCurve {
  readonly losses: readonly number[];
  readonly lrs: readonly number[];
  readonly labels: readonly string[];
  /** 1-based epoch of each point. */
  readonly epochs: readonly number[];
}

/**
 * The training loss as finely as the logs have it: steps.jsonl's lines when there are any, else
 * metrics.jsonl's per-epoch train loss.
 */
export function trainCurve(curves: RunCurves): LossCurve {
  if (curves.steps.length > 0) {
    const s = curves.steps;
    return { losses: s.map((p) => p.loss), lrs: s.map((p) => p.lr), labels: s.map((p) => `step ${p.step}`), epochs: s.map((p) => p.epoch) };
  }
  const e = curves.epochs;
  return { losses: e.map((p) => p.trainLoss), lrs: e.map((p) => p.lr), labels: e.map((p) => `epoch ${p.epoch}`), epochs: e.map((p) => p.epoch) };
}

/** Mean of `values` between fractions `from` and `to` of its length (at least one point). */
export function meanOfPart(values: readonly number[], from: number, to: number): number {
  const a = Math.min(Math.floor(from * values.length), values.length - 1);
  const b = Math.max(Math.ceil(to * values.length), a + 1);
  const part = values.slice(a, b);
  return part.reduce((s, v) => s + v, 0) / part.length;
}

/** A number for a message: 4 significant digits, exponent form for very large or small values. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const a = Math.abs(value);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? value.toExponential(2) : String(Number(value.toPrecision(4)));
}

/** A relative change as a signed percentage (`-12.5%`). */
export function pct(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${(100 * fraction).toFixed(1)}%`;
}

/** The learning rate of a config change (`optimizer.lr: 0.05 -> 0.005`). */
export function lrChange(lr: number, factor: number): string {
  return `optimizer.lr: ${fmt(lr)} -> ${fmt(Number((lr * factor).toPrecision(3)))}`;
}

/** Least-squares line through (i, values[i]): its value at the first and last index, and the t statistic of its slope. */
export function linearTrend(values: readonly number[]): { start: number; end: number; t: number } {
  const n = values.length;
  const xm = (n - 1) / 2;
  const ym = values.reduce((s, v) => s + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  values.forEach((y, x) => {
    sxx += (x - xm) ** 2;
    sxy += (x - xm) * (y - ym);
  });
  const slope = sxy / sxx;
  const residual = values.reduce((s, y, x) => s + (y - (ym + slope * (x - xm))) ** 2, 0);
  const se = Math.sqrt(residual / Math.max(n - 2, 1) / sxx);
  return { start: ym - slope * xm, end: ym + slope * xm, t: se > 0 ? slope / se : slope < 0 ? -Infinity : slope > 0 ? Infinity : 0 };
}
