import { machineLabel } from '../../core/machine.js';
import type { TimeBudgetPlan } from '../time-budget.js';
import type { BudgetRevision } from '../time-budget-keeper.js';
import { chartBox, renderPage } from './page.js';
import { esc, fixed, htmlTable, note, percent, section, valueText } from './html.js';
import { renderEvaluation } from './render-evaluation.js';
import { runCharts } from './run-charts.js';
import type { RunData } from './run-data.js';
import type { TestEvaluation } from './test-evaluation.js';

/** What the report of one run shows beyond its files: the test evaluation, or why there is none. */
export type EvaluationOutcome = { readonly evaluation: TestEvaluation } | { readonly missing: string };

/** The time-budget plan's row, with the keeper's revisions, for a run trained under `--time-budget` (summary.json's `timeBudget`). */
function budgetRow(s: RunData['summary']): [string, string][] {
  const plan = (s as { timeBudget?: TimeBudgetPlan & { revisions?: readonly BudgetRevision[] } } | null)?.timeBudget;
  if (!plan) return [];
  const revised = (plan.revisions ?? []).map((r) => `; ${r.epochs} after epoch ${r.afterEpoch} (epochs of ~${fixed(r.paceSeconds, 0)} s)`).join('');
  return [['time budget', `${plan.budget}: ${plan.epochs} epoch(s) planned from a pilot at ${fixed(plan.pilotImgPerSec, 0)} img/s (estimated ${fixed(plan.estimatedSeconds, 0)} s in all)${revised}`]];
}

/** Definition list of the run's facts: backend, replicas, results and timings (summary.json, run.json). */
function overview(run: RunData): string {
  const s = run.summary;
  const r = run.record;
  const rows: [string, string][] = [
    ['backend', s?.backend ?? r?.backend ?? ''],
    ['replicas', String(s?.replicas ?? r?.replicas ?? '')],
    ['preset', s?.preset ?? r?.preset ?? '(none)'],
    ['model', s?.model ?? valueText((run.config.model as { name?: string } | undefined)?.name ?? '')],
    ['epochs / steps', s ? `${s.epochs} / ${s.steps}` : `${run.epochs.length} epoch(s) recorded (unfinished)`],
    ['test top-1 / top-5', s ? `${percent(s.top1)} / ${percent(s.top5)}` : ''],
    ['test loss', fixed(s?.testLoss, 4)],
    ['validation (last epoch)', s?.validation ? `top-1 ${percent(s.validation.top1)}, loss ${fixed(s.validation.loss, 4)} (${s.validation.count} images)` : 'no validation split'],
    ['input size', s ? String(s.inputSize) : ''],
    ['throughput', s ? `${fixed(s.imgPerSec, 0)} img/s` : ''],
    ['wall time', s ? `${fixed(s.wallSeconds, 1)} s` : ''],
    ['machine', s?.machine ? `${machineLabel(s.machine)}, Node ${s.machine.node}` : '(not recorded)'],
    ...budgetRow(s),
    ['stopped early', s?.stopped ? `${s.stopped.plugin}: ${s.stopped.reason}` : 'no'],
    ['data', r?.dataDir ?? ''],
    ['run directory', run.dir],
  ];
  return `<dl class="kv">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

/** One table per plugin with what it reported in summary.json. */
function plugins(run: RunData): string {
  const reports = Object.entries(run.summary?.plugins ?? {});
  if (!run.summary) return note('The run has not finished (no summary.json), so no plugin has reported yet.');
  if (reports.length === 0) return '<p>No plugin reported anything (the run used none, or none that reports).</p>';
  return reports
    .map(([id, rep]) => `<h3>${esc(id)}</h3>${htmlTable(['key', 'value'], Object.entries(rep).map(([k, v]) => [esc(k), esc(valueText(v))]))}`)
    .join('\n');
}

/** The full HTML report of one run. */
export function renderRunReport(run: RunData, outcome: EvaluationOutcome): string {
  const charts = runCharts(run);
  const curvesNote =
    run.steps === null
      ? note('This run has no steps.jsonl (it was made before trickster logged steps, or with training.logEverySteps 0), so the curves are per epoch only; the learning rate is shown at the end of each epoch.')
      : '';
  const title = `trickster report: ${run.name}`;
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="sub">${esc(run.summary ? `${run.summary.model}, ${run.summary.epochs} epoch(s), test top-1 ${percent(run.summary.top1)}` : 'unfinished run')} · written ${esc(new Date().toISOString())}</p>`,
    section('overview', 'Run', overview(run)),
    section('curves', 'Curves', `${curvesNote}<div class="charts">${charts.map(chartBox).join('\n')}</div>`),
    'evaluation' in outcome ? renderEvaluation(outcome.evaluation) : section('confusion', 'Test split', note(outcome.missing)),
    section('plugins', 'Plugins', plugins(run)),
    section('config', 'Resolved config', `<pre>${esc(JSON.stringify(run.config, null, 2))}</pre>`),
  ].join('\n');
  return renderPage(title, body, charts);
}
