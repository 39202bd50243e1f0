import type { EpochRecord, RunData } from './run-data.js';
import { smoothingWeight } from './run-charts.js';
import { alignOnX, emaSmooth, type ChartSpec } from './series.js';

/** A chart of one per-epoch metric with a curve per run that recorded it; null when none did. */
function epochChart(runs: readonly RunData[], id: string, title: string, yLabel: string, key: keyof EpochRecord, scale = 1): ChartSpec | null {
  const curves = runs
    .filter((r) => r.epochs.some((e) => e[key] !== undefined))
    .map((r) => ({ label: r.name, x: r.epochs.map((e) => e.epoch), y: r.epochs.map((e) => (e[key] === undefined ? null : scale * (e[key] as number))) }));
  return curves.length === 0 ? null : { id, title, xLabel: 'epoch', yLabel, ...alignOnX(curves) };
}

/**
 * The charts comparing runs, one curve per run: smoothed loss over steps (runs with steps.jsonl),
 * train and validation loss and validation and per-epoch test top-1 per epoch, and learning rate
 * over steps (at each steps.jsonl line where there is one, else at each epoch's end).
 */
export function comparisonCharts(runs: readonly RunData[]): ChartSpec[] {
  const charts: (ChartSpec | null)[] = [];
  const stepped = runs.filter((r) => (r.steps?.length ?? 0) > 0);
  if (stepped.length > 0) {
    // One weight for all runs (that of the longest), so their curves are smoothed alike.
    const weight = smoothingWeight(Math.max(...stepped.map((r) => r.steps!.length)));
    const curves = stepped.map((r) => ({ label: r.name, x: r.steps!.map((s) => s.step), y: emaSmooth(r.steps!.map((s) => s.loss), weight) }));
    charts.push({ id: 'cmp-loss-step', title: `Training loss over steps (steps.jsonl, EMA ${weight})`, xLabel: 'step', yLabel: 'loss', ...alignOnX(curves) });
  }
  charts.push(
    epochChart(runs, 'cmp-train-loss', 'Training loss per epoch', 'loss', 'trainLoss'),
    epochChart(runs, 'cmp-val-loss', 'Validation loss per epoch', 'loss', 'valLoss'),
    epochChart(runs, 'cmp-val-top1', 'Validation top-1 per epoch', 'top-1 %', 'valTop1', 100),
    epochChart(runs, 'cmp-test-top1', 'Test top-1 per epoch (testEachEpoch)', 'top-1 %', 'testTop1', 100),
  );
  const lrCurves = runs
    .map((r) => ((r.steps?.length ?? 0) > 0 ? r.steps! : r.epochs))
    .map((records, i) => ({ label: runs[i]!.name, x: records.map((s) => s.step), y: records.map((s) => s.lr) }))
    .filter((c) => c.x.length > 0);
  if (lrCurves.length > 0) charts.push({ id: 'cmp-lr', title: 'Learning rate', xLabel: 'step', yLabel: 'learning rate', ...alignOnX(lrCurves) });
  return charts.filter((c): c is ChartSpec => c !== null);
}
