import type { EpochRecord, RunData } from './run-data.js';
import { emaSmooth, type ChartSpec, type Series } from './series.js';

/**
 * Weight of the EMA that smooths a loss curve of `points` points (steps.jsonl lines): an effective
 * window of points / 50 (none below 50 points), so every curve is smoothed over the same share of
 * its length and a short one is not dragged by its first, high losses.
 */
export function smoothingWeight(points: number): number {
  return Number((1 - 1 / Math.max(1, points / 50)).toPrecision(3));
}

const pct = (v: number | undefined) => (v === undefined ? null : 100 * v);
const has = (epochs: readonly EpochRecord[], key: keyof EpochRecord) => epochs.some((e) => e[key] !== undefined);

/** Per-epoch series of the metrics the run recorded, among `keys` (labels beside them); none when it recorded none of them. */
function epochSeries(epochs: readonly EpochRecord[], keys: readonly [keyof EpochRecord, string][], scale: (v: number | undefined) => number | null): Series[] {
  return keys.filter(([key]) => has(epochs, key)).map(([key, label]) => ({ label, values: epochs.map((e) => scale(e[key] as number | undefined)) }));
}

/**
 * The charts of one run: loss over steps (each steps.jsonl line, and smoothed from 51 lines on; only when it wrote one), loss and
 * top-1 per epoch (train, validation, test each epoch: what it recorded), learning rate over steps
 * (at each steps.jsonl line, or at each epoch's end without one) and throughput per epoch.
 */
export function runCharts(run: RunData): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const steps = run.steps ?? [];
  const epochs = run.epochs;
  if (steps.length > 0) {
    const loss = steps.map((s) => s.loss);
    const weight = smoothingWeight(loss.length);
    charts.push({
      id: 'loss-step',
      title: 'Training loss over steps (steps.jsonl)',
      xLabel: 'step',
      yLabel: 'loss',
      x: steps.map((s) => s.step),
      // A curve too short to smooth is drawn once, solid.
      series:
        weight === 0
          ? [{ label: 'loss (each line)', values: loss }]
          : [
              { label: 'loss (each line)', values: loss, dash: true },
              { label: `smoothed (EMA ${weight})`, values: emaSmooth(loss, weight) },
            ],
    });
  }
  const x = epochs.map((e) => e.epoch);
  const keep = (v: number | undefined) => v ?? null;
  const losses = epochSeries(epochs, [['trainLoss', 'train'], ['valLoss', 'validation'], ['testLoss', 'test']], keep);
  if (losses.length > 0) charts.push({ id: 'loss-epoch', title: 'Loss per epoch', xLabel: 'epoch', yLabel: 'loss', x, series: losses });
  const top1 = epochSeries(epochs, [['valTop1', 'validation'], ['testTop1', 'test']], pct);
  if (top1.length > 0) charts.push({ id: 'top1-epoch', title: 'Top-1 accuracy per epoch', xLabel: 'epoch', yLabel: 'top-1 %', x, series: top1 });
  const lrFrom = steps.length > 0 ? steps : epochs;
  if (lrFrom.length > 0) {
    const label = steps.length > 0 ? 'lr' : 'lr at the end of each epoch';
    charts.push({ id: 'lr', title: 'Learning rate', xLabel: 'step', yLabel: 'learning rate', x: lrFrom.map((r) => r.step), series: [{ label, values: lrFrom.map((r) => r.lr), pointsOnly: steps.length === 0 }] });
  }
  const speed = epochSeries(epochs, [['imgPerSec', 'img/s']], keep);
  if (speed.length > 0) charts.push({ id: 'speed', title: 'Training throughput per epoch', xLabel: 'epoch', yLabel: 'images / s', x, series: speed });
  return charts;
}
