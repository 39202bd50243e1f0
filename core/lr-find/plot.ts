import type { RangeTestPoint } from './curve-recorder.js';
import type { LrSuggestion } from './suggest.js';
import { SVG_CHART, svgChartFrame } from '../svg-frame.js';

const COLORS: Record<LrSuggestion['rule'], string> = { valley: '#d62728', steep: '#2ca02c' };

/**
 * Renders a range test as a standalone SVG chart: smoothed loss (line) and raw loss (faint)
 * against the learning rate on a log axis, one tick per decade, a marker per suggestion. The loss
 * axis stops at 4x the lowest smoothed loss so a blow-up does not flatten the curve.
 */
export function lrFindSvg(points: readonly RangeTestPoint[], suggestions: readonly LrSuggestion[], title: string): string {
  const { width, height, margin: m } = SVG_CHART;
  const finite = points.filter((p) => Number.isFinite(p.smoothed) && p.lr > 0);
  const logs = finite.map((p) => Math.log10(p.lr));
  const lo = Math.floor(Math.min(...logs, 0));
  const hi = Math.max(Math.ceil(Math.max(...logs, lo + 1)), lo + 1);
  const minLoss = Math.min(...finite.map((p) => p.smoothed), Infinity);
  const top = Number.isFinite(minLoss) ? Math.min(Math.max(...finite.map((p) => p.smoothed)), 4 * minLoss) : 1;
  const bottom = Number.isFinite(minLoss) ? Math.min(0, minLoss) : 0;
  const x = (lr: number) => m.left + ((width - m.left - m.right) * (Math.log10(lr) - lo)) / (hi - lo);
  const clampY = (v: number) => Math.min(Math.max(v, bottom), top);
  const y = (loss: number) => height - m.bottom - ((height - m.top - m.bottom) * (clampY(loss) - bottom)) / Math.max(top - bottom, 1e-12);
  const line = (key: 'loss' | 'smoothed') =>
    finite
      .filter((p) => Number.isFinite(p[key]))
      .map((p) => `${x(p.lr).toFixed(1)},${y(p[key]).toFixed(1)}`)
      .join(' ');
  const xTicks: string[] = [];
  for (let d = lo; d <= hi; d++) xTicks.push(`<text x="${x(10 ** d).toFixed(1)}" y="${height - m.bottom + 18}" text-anchor="middle">1e${d}</text>`);
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = bottom + f * (top - bottom);
    return `<text x="${m.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toPrecision(3)}</text>`;
  });
  const marks = suggestions.map(
    (s, i) =>
      `<circle cx="${x(s.lr).toFixed(1)}" cy="${y(s.loss).toFixed(1)}" r="5" fill="${COLORS[s.rule]}"/>` +
      `<text x="${width - m.right - 4}" y="${m.top + 14 + 16 * i}" text-anchor="end" fill="${COLORS[s.rule]}">${s.rule}: ${s.lr.toPrecision(3)}</text>`,
  );
  return svgChartFrame({
    title,
    xLabel: 'learning rate (log scale)',
    yLabel: 'training loss',
    ticks: [...xTicks, ...yTicks],
    marks: [
      `<polyline fill="none" stroke="#1f77b4" stroke-opacity="0.3" stroke-width="1" points="${line('loss')}"/>`,
      `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${line('smoothed')}"/>`,
      ...marks,
    ],
  });
}
