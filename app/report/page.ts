import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { esc } from './html.js';
import type { ChartSpec } from './series.js';

const require = createRequire(import.meta.url);

/** uPlot's minified script and stylesheet, to inline (the report must open without a network). */
function uplotAssets(): { js: string; css: string } {
  return {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

/** The browser script that draws the charts (client/report-client.js beside this module). */
function clientScript(): string {
  return readFileSync(new URL('./client/report-client.js', import.meta.url), 'utf8');
}

/**
 * JSON safe inside a <script> element (no `<` that could close it), fractions cut to 6 significant
 * digits: a long run's per-step curves are tens of thousands of numbers, and a chart shows no more.
 */
function scriptJson(value: unknown): string {
  const round = (_key: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v);
  return JSON.stringify(value, round).replace(/</g, '\\u003c');
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1em 2em 3em; color: #222; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
.sub { color: #555; margin-top: 0; } .note { color: #8a5a00; background: #fff8e6; border-left: 3px solid #e0a800; padding: 0.4em 0.8em; }
table { border-collapse: collapse; margin: 0.5em 0; } th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: right; } th { background: #f4f4f4; }
td:first-child, th:first-child { text-align: left; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 1em; } .chart { min-height: 300px; }
table.confusion td { width: 3.2em; text-align: center; } table.confusion th.pred { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: normal; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 0.6em; }
.grid figure { margin: 0; padding: 0.4em; border: 1px solid #ddd; font-size: 12px; text-align: center; }
.grid img { width: 84px; height: 84px; image-rendering: pixelated; display: block; margin: 0 auto 0.3em; }
.wrong { color: #b00020; } pre { background: #f6f6f6; padding: 0.8em; overflow: auto; max-height: 40em; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; } dl.kv dt { font-weight: 600; } dl.kv dd { margin: 0; }
`;

/** The placeholder a chart is drawn into by the page's script. */
export function chartBox(spec: ChartSpec): string {
  return `<div class="chart" id="chart-${esc(spec.id)}" data-chart="${esc(spec.id)}"></div>`;
}

/**
 * A complete, self-contained HTML page: the body, uPlot and the chart script inlined, and the
 * chart data as JSON; it loads nothing from anywhere.
 */
export function renderPage(title: string, body: string, charts: readonly ChartSpec[]): string {
  const uplot = uplotAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="trickster report">
<title>${esc(title)}</title>
<style>${uplot.css}</style>
<style>${STYLE}</style>
</head>
<body>
${body}
<script type="application/json" id="report-data">${scriptJson({ charts })}</script>
<script>/* uPlot, MIT License, Copyright (c) 2022 Leon Sorokin */
${uplot.js}</script>
<script>${clientScript()}</script>
</body>
</html>
`;
}
