// The report's data side without a browser: class statistics, smoothing and alignment, reading a
// run directory (resumed epochs, steps.jsonl, damaged lines), and `trickster report` refusing bad
// inputs with a coded one-line error and writing nothing.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classStats, mostConfusedPairs } from '../../app/report/class-stats.js';
import { comparisonCharts } from '../../app/report/comparison-charts.js';
import { runCharts, smoothingWeight } from '../../app/report/run-charts.js';
import { readRunData } from '../../app/report/run-data.js';
import { alignOnX, emaSmooth } from '../../app/report/series.js';
import { hashTree, runMain } from '../helpers/bad-input-files.js';

let dir: string;
beforeAll(() => void (dir = mkdtempSync(path.join(os.tmpdir(), 'trickster-report-data-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A run directory with `files` (name → text) in a fresh folder under `dir`. */
function runFolder(name: string, files: Record<string, string>): string {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(d, f), text);
  return d;
}
const config = JSON.stringify({ model: { name: 'small-cnn' }, data: {}, training: { seed: 1 } });
const lines = (records: object[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

describe('class statistics', () => {
  // 3 classes; rows true, columns predicted.
  const m = [
    [8, 2, 0],
    [1, 5, 4],
    [0, 0, 0],
  ];
  it('precision, recall and support per class; NaN where a class is never predicted or absent', () => {
    const s = classStats(m);
    expect(s[0]).toEqual({ precision: 8 / 9, recall: 0.8, support: 10, predicted: 9 });
    expect(s[1]).toEqual({ precision: 5 / 7, recall: 0.5, support: 10, predicted: 7 });
    expect(s[2]!.recall).toBeNaN();
    expect(s[2]!.precision).toBe(0);
  });
  it('the most-confused pairs, most images first, with their share of the true class', () => {
    expect(mostConfusedPairs(m, 2)).toEqual([
      { actual: 1, predicted: 2, count: 4, share: 0.4 },
      { actual: 0, predicted: 1, count: 2, share: 0.2 },
    ]);
    expect(mostConfusedPairs([[3, 0], [0, 2]], 5)).toEqual([]);
  });
});

describe('series', () => {
  it('the debiased EMA keeps a constant constant and starts at the first value', () => {
    expect(emaSmooth([2, 2, 2], 0.9).map((v) => Number(v.toFixed(12)))).toEqual([2, 2, 2]);
    const s = emaSmooth([1, 3], 0.5);
    expect(s[0]).toBe(1);
    expect(s[1]).toBeCloseTo((0.5 * 0.5 * 1 + 0.5 * 3) / (1 - 0.25), 12);
  });
  it('the smoothing window is a fiftieth of the curve: none below 50 points', () => {
    expect(smoothingWeight(9)).toBe(0);
    expect(smoothingWeight(50)).toBe(0);
    expect(smoothingWeight(500)).toBe(0.9);
    expect(smoothingWeight(47000)).toBe(Number((1 - 50 / 47000).toPrecision(3)));
  });
  it('curves on their own xs share one sorted x axis, null where a curve has no value', () => {
    expect(alignOnX([{ label: 'a', x: [1, 3], y: [10, 30] }, { label: 'b', x: [2, 3], y: [20, 31] }])).toEqual({
      x: [1, 2, 3],
      series: [
        { label: 'a', values: [10, null, 30] },
        { label: 'b', values: [null, 20, 31] },
      ],
    });
  });
});

describe('reading a run directory', () => {
  it('a resumed run: the last line of a repeated epoch wins; steps.jsonl feeds the per-step charts', () => {
    const d = runFolder('resumed', {
      'config.json': config,
      'metrics.jsonl': lines([
        { epoch: 1, step: 2, lr: 0.1, trainLoss: 2.0 },
        { epoch: 2, step: 4, lr: 0.1, trainLoss: 9.9 },
        { epoch: 2, step: 4, lr: 0.1, trainLoss: 1.5 },
        { epoch: 3, step: 6, lr: 0.01, trainLoss: 1.2, valLoss: 1.3, valTop1: 0.5, valTop5: 0.9 },
      ]),
      'steps.jsonl': lines([1, 2, 3, 4, 5, 6].map((step) => ({ epoch: Math.ceil(step / 2), step, loss: 3 - step / 3, lr: step > 4 ? 0.01 : 0.1, imgPerSec: 100, time: step }))),
    });
    const run = readRunData(d);
    expect(run.epochs.map((e) => e.trainLoss)).toEqual([2.0, 1.5, 1.2]);
    expect(run.steps).toHaveLength(6);
    expect(run.summary).toBeNull();
    expect(run.modelFile).toBeNull();
    const charts = Object.fromEntries(runCharts(run).map((c) => [c.id, c]));
    expect(Object.keys(charts)).toEqual(['loss-step', 'loss-epoch', 'top1-epoch', 'lr']);
    expect(charts['loss-step']!.x).toEqual([1, 2, 3, 4, 5, 6]);
    // 6 lines: too few to smooth, drawn once.
    expect(charts['loss-step']!.series.map((s) => s.values.length)).toEqual([6]);
    expect(charts['lr']!.series[0]!.values).toEqual([0.1, 0.1, 0.1, 0.1, 0.01, 0.01]);
    // Validation only in epoch 3: null before it.
    expect(charts['loss-epoch']!.series[1]).toEqual({ label: 'validation', values: [null, null, 1.3] });
    expect(charts['top1-epoch']!.series).toEqual([{ label: 'validation', values: [null, null, 50] }]);
  });

  it('a steps.jsonl of more than 50 lines gets its smoothed curve beside the raw one', () => {
    const d = runFolder('long', { 'config.json': config, 'steps.jsonl': lines(Array.from({ length: 120 }, (_, i) => ({ epoch: 1, step: 10 * (i + 1), loss: 2 + (i % 2), lr: 0.1 }))) });
    const chart = runCharts(readRunData(d)).find((c) => c.id === 'loss-step')!;
    expect(chart.series.map((s) => s.label)).toEqual(['loss (each line)', `smoothed (EMA ${smoothingWeight(120)})`]);
    expect(chart.series[1]!.values).toEqual(emaSmooth(chart.series[0]!.values as number[], smoothingWeight(120)));
    // Alternating 2, 3: the smoothed curve settles near their mean.
    expect(Math.abs((chart.series[1]!.values.at(-1) as number) - 2.5)).toBeLessThan(0.3);
  });

  it('comparing a run with steps.jsonl and one without: per-step curve for the first only, per-epoch for both', () => {
    const a = readRunData(path.join(dir, 'resumed'));
    const b = readRunData(runFolder('no-steps', { 'config.json': config, 'metrics.jsonl': lines([{ epoch: 1, step: 5, lr: 0.1, trainLoss: 2.5 }]) }));
    expect(b.steps).toBeNull();
    const charts = Object.fromEntries(comparisonCharts([a, b]).map((c) => [c.id, c]));
    expect(Object.keys(charts)).toEqual(['cmp-loss-step', 'cmp-train-loss', 'cmp-val-loss', 'cmp-val-top1', 'cmp-lr']);
    expect(charts['cmp-loss-step']!.series.map((s) => s.label)).toEqual(['resumed']);
    expect(charts['cmp-train-loss']!.series.map((s) => s.values)).toEqual([
      [2.0, 1.5, 1.2],
      [2.5, null, null],
    ]);
    // a's lr per step (1..6), b's at its epoch end (step 5): one x axis.
    expect(charts['cmp-lr']!.x).toEqual([1, 2, 3, 4, 5, 6]);
    expect(charts['cmp-lr']!.series[1]!.values).toEqual([null, null, null, null, 0.1, null]);
  });
});

describe('trickster report: bad inputs', () => {
  const cases: { name: string; code: string; says: RegExp; exit: number; args: (d: string) => string[]; setup?: (d: string) => void }[] = [
    { name: 'a folder that does not exist', code: 'RUN_NOT_FOUND', exit: 1, says: /nope: no such folder; pass a run directory/, args: (d) => ['report', path.join(d, 'nope')] },
    { name: 'a folder with no run in it', code: 'RUN_NOT_FOUND', exit: 1, says: /holds no trickster run \(no config\.json\), experiment \(no manifest\.json\) or run directories; pass the --out folder/, args: (d) => ['report', d], setup: (d) => void writeFileSync(path.join(d, 'notes.txt'), 'x') },
    {
      name: 'a damaged metrics.jsonl line',
      code: 'CHECKPOINT_INVALID',
      exit: 1,
      says: /metrics\.jsonl line 2 is not valid JSON .*the run directory is damaged/,
      args: (d) => ['report', d],
      setup: (d) => {
        writeFileSync(path.join(d, 'config.json'), '{}');
        writeFileSync(path.join(d, 'metrics.jsonl'), '{"epoch":1,"step":1,"lr":0.1,"trainLoss":1}\n{"epoch":2,"st\n');
      },
    },
    {
      name: 'a run whose data folder (run.json) is gone',
      code: 'DATA_NOT_FOUND',
      exit: 1,
      says: /\/gone\/fashion-mnist \(where the run read its data, in run\.json\) does not exist; pass the run's dataset folder with --data/,
      args: (d) => ['report', d],
      setup: (d) => {
        writeFileSync(path.join(d, 'config.json'), config);
        writeFileSync(path.join(d, 'run.json'), JSON.stringify({ preset: null, replicas: 1, dataDir: '/gone/fashion-mnist', configDir: null, backend: 'cpu' }));
        mkdirSync(path.join(d, 'model'));
        writeFileSync(path.join(d, 'model', 'model.json'), '{}');
        const meta = { dataset: 'fashion-mnist', classNames: ['a', 'b'], inputShape: { height: 28, width: 28, channels: 1 }, normalization: { mean: [0], std: [1] } };
        writeFileSync(path.join(d, 'model', 'trickster.json'), JSON.stringify(meta));
      },
    },
    {
      name: '--out in a folder that does not exist',
      code: 'USAGE',
      exit: 2,
      says: /--out \S+\/no\/such\/r\.html: folder \S+\/no\/such does not exist; create it/,
      args: (d) => ['report', d, '--out', path.join(d, 'no', 'such', 'r.html')],
      setup: (d) => void writeFileSync(path.join(d, 'config.json'), config),
    },
    { name: '--hardest 0', code: 'USAGE', exit: 2, says: /--hardest.*expected a positive integer, found "0"/, args: (d) => ['report', d, '--hardest', '0'] },
  ];
  for (const c of cases) {
    it(`${c.name}: error [${c.code}] on one line, exit ${c.exit}, nothing written`, async () => {
      const d = mkdtempSync(path.join(dir, 'bad-'));
      c.setup?.(d);
      const before = hashTree(d);
      const r = await runMain([...c.args(d), '--backend', 'cpu'], dir);
      expect(r.code).toBe(c.exit);
      expect(r.stderr).toMatch(new RegExp(`^error \\[${c.code}\\]: [^\\n]*\\n$`));
      expect(r.stderr).toMatch(c.says);
      expect(hashTree(d)).toEqual(before);
    });
  }

  it('an unfinished run (no summary, no model): the report says why there is no confusion matrix', async () => {
    const d = runFolder('unfinished', { 'config.json': config, 'metrics.jsonl': lines([{ epoch: 1, step: 3, lr: 0.1, trainLoss: 2 }]) });
    const r = await runMain(['report', d, '--backend', 'cpu'], dir);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(path.join(d, 'report.html'), 'utf8');
    expect(html).toContain('the run has not finished, so it has exported no model yet');
    expect(html).not.toContain('class="confusion"');
    expect(existsSync(path.join(d, `report.html.${process.pid}.tmp`))).toBe(false);
  });
});
