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
  const width = 640;
  const height = 360;
  const m = { left: 70, right: 20, top: 36, bottom: 44 };
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
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="${m.left}" y1="${height - m.bottom}" x2="${width - m.right}" y2="${height - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${height - m.bottom}" stroke="black"/>`,
    ...xTicks,
    ...yTicks,
    `<text x="${width / 2}" y="${height - 8}" text-anchor="middle">epoch</text>`,
    `<text x="16" y="${height / 2}" text-anchor="middle" transform="rotate(-90 16 ${height / 2})">learning rate</text>`,
    `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${line}"/>`,
    `</svg>`,
  ].join('\n');
}
