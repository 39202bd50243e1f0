import type { ExperimentTable } from '../../core/experiments/table.js';
import { tableCells, tableFootnote } from '../../core/experiments/table-format.js';
import { comparisonCharts } from './comparison-charts.js';
import { esc, fixed, htmlTable, note, percent, section } from './html.js';
import { chartBox, renderPage } from './page.js';
import type { RunData } from './run-data.js';

/** What a comparison report is of: its folder, its runs, and for an experiment its results table and the trials without a run yet. */
export interface Comparison {
  readonly dir: string;
  readonly title: string;
  readonly runs: readonly RunData[];
  readonly table?: ExperimentTable;
  /** Experiment trials whose run directory does not exist yet (pending). */
  readonly notStarted?: readonly string[];
}

/** One row per run: its recipe, results and timings from summary.json (empty cells while unfinished). */
function runsTable(runs: readonly RunData[]): string {
  const rows = runs.map((r) => {
    const s = r.summary;
    const last = r.epochs.at(-1);
    return [
      esc(r.name),
      esc(s?.preset ?? r.record?.preset ?? ''),
      esc(s?.model ?? ''),
      s ? `${s.epochs}` : `${r.epochs.length} (running or stopped)`,
      percent(last?.valTop1),
      percent(s?.top1),
      percent(s?.top5),
      fixed(s?.testLoss, 4),
      esc(s ? `${s.backend} ×${s.replicas}` : (r.record?.backend ?? '')),
      fixed(s?.imgPerSec, 0),
      fixed(s?.wallSeconds, 1),
    ];
  });
  return htmlTable(['run', 'preset', 'model', 'epochs', 'val top-1 (last)', 'test top-1', 'test top-5', 'test loss', 'backend', 'img/s', 'wall s'], rows, 'class="runs"');
}

/** The experiment's results table (as `trickster experiment table` computes it) with what Δ is against. */
function experimentTableHtml(table: ExperimentTable): string {
  if (table.rows.length === 0) return note('The experiment has no variants.');
  const withVal = table.rows.some((r) => r.valN > 0);
  const heads = Object.keys(tableCells(table.rows[0]!, withVal, table.timeBudget));
  const rows = table.rows.map((r) => Object.values(tableCells(r, withVal, table.timeBudget)).map(esc));
  const failures = table.rows.flatMap((r) => r.failures).map((f) => `<li>failed: ${esc(f)}</li>`);
  return (
    htmlTable(heads, rows, 'class="results"') +
    `<p>${esc(tableFootnote(table))}</p>` +
    (table.offMeans ? `<p>Off means: ${esc(Object.entries(table.offMeans).map(([id, off]) => `${id}: ${off}`).join('; '))}.</p>` : '') +
    (failures.length ? `<ul>${failures.join('')}</ul>` : '')
  );
}

/** The HTML report comparing runs: curves overlaid, the experiment's results table (for an experiment) and a table of the runs. */
export function renderComparisonReport(c: Comparison): string {
  const charts = comparisonCharts(c.runs);
  const withoutSteps = c.runs.filter((r) => r.steps === null).map((r) => r.name);
  const stepsNote = withoutSteps.length
    ? note(`No steps.jsonl in ${withoutSteps.join(', ')} (made before trickster logged steps, or with training.logEverySteps 0): their curves are per epoch only.`)
    : '';
  const pending = c.notStarted?.length ? note(`Not started yet: ${c.notStarted.join(', ')}.`) : '';
  const body = [
    `<h1>${esc(c.title)}</h1>`,
    `<p class="sub">${esc(`${c.runs.length} run(s) in ${c.dir}`)} · written ${esc(new Date().toISOString())}</p>`,
    c.table ? section('results', 'Results', experimentTableHtml(c.table)) : '',
    section('runs', 'Runs', pending + runsTable(c.runs)),
    section('curves', 'Curves', `${stepsNote}<div class="charts">${charts.map(chartBox).join('\n')}</div>`),
  ].join('\n');
  return renderPage(c.title, body, charts);
}
