/** Size and margins of a standalone SVG line chart. */
export const SVG_CHART = { width: 640, height: 360, margin: { left: 70, right: 20, top: 36, bottom: 44 } } as const;

/** Escapes text for an SVG text node. */
export function escapeSvgText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/**
 * Wraps a chart's marks in a standalone SVG document of SVG_CHART's size: white background, the
 * title, the x and y axes with their labels, then the given tick labels and marks in order.
 */
export function svgChartFrame(parts: { title: string; xLabel: string; yLabel: string; ticks: readonly string[]; marks: readonly string[] }): string {
  const { width, height, margin: m } = SVG_CHART;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeSvgText(parts.title)}</text>`,
    `<line x1="${m.left}" y1="${height - m.bottom}" x2="${width - m.right}" y2="${height - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${height - m.bottom}" stroke="black"/>`,
    ...parts.ticks,
    `<text x="${width / 2}" y="${height - 8}" text-anchor="middle">${escapeSvgText(parts.xLabel)}</text>`,
    `<text x="16" y="${height / 2}" text-anchor="middle" transform="rotate(-90 16 ${height / 2})">${escapeSvgText(parts.yLabel)}</text>`,
    ...parts.marks,
    `</svg>`,
  ].join('\n');
}
