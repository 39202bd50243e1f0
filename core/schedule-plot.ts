import { SVG_CHART, svgChartFrame } from './svg-frame.js';

/** One point of a learning-rate curve: time in epochs and the rate. */
export interface LrPoint {
  epoch: number;
  lr: number;
}

/**
 * Renders a learning-rate curve as a standalone SVG line chart (axes, ticks at each epoch
 * boundary up to 10 labels, the curve as a polyline).
 */
export function lrCurveSvg(points: readonly LrPoint[], title: string): string {
  const { width, height, margin: m } = SVG_CHART;
  const maxEpoch = Math.max(...points.map((p) => p.epoch), 1);
  const maxLr = Math.max(...points.map((p) => p.lr), 1e-12);
  const x = (e: number) => m.left + ((width - m.left - m.right) * e) / maxEpoch;
  const y = (lr: number) => height - m.bottom - ((height - m.top - m.bottom) * lr) / maxLr;
  const line = points.map((p) => `${x(p.epoch).toFixed(1)},${y(p.lr).toFixed(1)}`).join(' ');
  const tickStep = Math.max(1, Math.ceil(maxEpoch / 10));
  const xTicks: string[] = [];
  for (let e = 0; e <= maxEpoch; e += tickStep) {
    xTicks.push(`<text x="${x(e).toFixed(1)}" y="${height - m.bottom + 18}" text-anchor="middle">${e}</text>`);
  }
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map(
    (f) => `<text x="${m.left - 8}" y="${(y(f * maxLr) + 4).toFixed(1)}" text-anchor="end">${(f * maxLr).toPrecision(3)}</text>`,
  );
  return svgChartFrame({
    title,
    xLabel: 'epoch',
    yLabel: 'learning rate',
    ticks: [...xTicks, ...yTicks],
    marks: [`<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${line}"/>`],
  });
}
