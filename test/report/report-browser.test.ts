// The report as a person sees it: a real small run (real Fashion-MNIST, real CLI), its report.html
// opened in headless Chromium (Debian's /usr/bin/chromium via playwright-core), with no network.
// Missing Chromium fails these tests with the fix (apt-get install -y chromium), it does not skip them.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineLabel, type MachineFacts } from '../../core/machine.js';
import { runCli } from '../helpers/bad-input-files.js';
import { openInChromium, type OpenedPage } from '../helpers/chromium.js';

const TEST_IMAGES = 250;
const train = (...args: string[]) => ['train', '--backend', 'wasm', '--progress', 'none', '--test-limit', String(TEST_IMAGES), ...args];

let dir: string;
let run: string;
let trainStdout: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trickster-report-'));
  // Validation split and test each epoch, so every per-epoch curve the report can draw is there;
  // two plugins that report (EMA also exports its averaged weights, which the report evaluates).
  const yaml = 'extends: baseline\ndata: { validationSplit: 0.2 }\ntraining: { testEachEpoch: true, batchSize: 64 }\nplugins: { ema: {}, no-bias-decay: {} }\n';
  writeFileSync(path.join(dir, 'c.yaml'), yaml);
  run = path.join(dir, 'runs', 'main');
  const r = await runCli(train('--config', 'c.yaml', '--limit', '640', '--epochs', '2', '--out', run), dir);
  expect(r.code, r.stderr).toBe(0);
  trainStdout = r.stdout;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Per chart id, the points each series drew: as the page recorded them and as read from the uPlot objects. */
async function chartPoints(page: OpenedPage['page']) {
  await page.waitForSelector('body[data-charts-ready]');
  const fromDom = await page.evaluate(() =>
    Object.fromEntries([...document.querySelectorAll<HTMLElement>('[data-chart]')].map((e) => [e.dataset.chart!, JSON.parse(e.dataset.points ?? 'null') as number[]])),
  );
  const fromCharts = await page.evaluate(() => {
    const charts = (window as unknown as { tricksterCharts: Record<string, { data: (number | null)[][] }> }).tricksterCharts;
    return Object.fromEntries(Object.entries(charts).map(([id, u]) => [id, u.data.slice(1).map((s) => s.filter((v) => v !== null && v !== undefined).length)]));
  });
  expect(fromDom).toEqual(fromCharts);
  return fromDom;
}

/** Pixels of a PNG that are clearly coloured (a series' stroke), not white, grey or black. */
function colouredPixels(png: Buffer): number {
  const { data } = PNG.sync.read(png);
  let n = 0;
  for (let i = 0; i < data.length; i += 4) if (Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!) > 60) n++;
  return n;
}

/** Standard deviation of the luminance of a PNG's pixels (0 for a blank page). */
function luminanceStd(png: Buffer): number {
  const { data } = PNG.sync.read(png);
  let sum = 0;
  let sq = 0;
  const n = data.length / 4;
  for (let i = 0; i < data.length; i += 4) {
    const y = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
    sum += y;
    sq += y * y;
  }
  return Math.sqrt(sq / n - (sum / n) ** 2);
}

describe('report of one run, in Chromium', () => {
  it('trickster train wrote report.html at the end, and it draws every curve, the confusion matrix and the hardest images with no error and no request', async () => {
    const file = path.join(run, 'report.html');
    expect(trainStdout).toContain(`report -> ${file}`);
    const summary = JSON.parse(readFileSync(path.join(run, 'summary.json'), 'utf8')) as { top1: number; plugins: Record<string, Record<string, unknown>>; machine: MachineFacts };
    const epochs = readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').length;
    expect(epochs).toBe(2);
    const stepsFile = path.join(run, 'steps.jsonl');
    // steps.jsonl: a line every training.logEverySteps steps and at each epoch's end (a step once).
    const steps = existsSync(stepsFile) ? new Set(readFileSync(stepsFile, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step)).size : null;
    const opened = await openInChromium(file);
    try {
      const { page } = opened;
      const points = await chartPoints(page);
      expect(points).toEqual({
        // Each line, and smoothed from 51 lines on.
        ...(steps === null ? {} : { 'loss-step': steps > 50 ? [steps, steps] : [steps] }),
        'loss-epoch': [epochs, epochs, epochs], // train, validation, test
        'top1-epoch': [epochs, epochs], // validation, test
        lr: [steps ?? epochs],
        speed: [epochs],
      });
      expect(await page.locator('#curves .note').count()).toBe(steps === null ? 1 : 0);
      // The confusion matrix covers the run's test split (--test-limit) and agrees with the run's own test top-1.
      const cells = await page.locator('table.confusion').evaluate((t) => {
        const rows = [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll<HTMLElement>('td[data-count]')].map((td) => Number(td.dataset.count)));
        return { rows, total: Number((t as HTMLElement).dataset.total) };
      });
      expect(cells.rows).toHaveLength(10);
      expect(cells.rows.every((r) => r.length === 10)).toBe(true);
      const sum = cells.rows.flat().reduce((a, b) => a + b, 0);
      expect(sum).toBe(TEST_IMAGES);
      expect(cells.total).toBe(TEST_IMAGES);
      expect(cells.rows.reduce((a, r, i) => a + r[i]!, 0) / sum).toBeCloseTo(summary.top1, 10);
      // 24 highest-loss images, decoded by the browser, in order of loss.
      const hardest = await page.locator('#hardest figure').evaluateAll((figs) =>
        figs.map((f) => ({ loss: Number((f as HTMLElement).dataset.loss), width: (f.querySelector('img') as HTMLImageElement).naturalWidth })),
      );
      expect(hardest).toHaveLength(24);
      expect(hardest.every((h) => h.width === 28)).toBe(true);
      expect(hardest.map((h) => h.loss)).toEqual([...hardest.map((h) => h.loss)].sort((a, b) => b - a));
      expect(await page.locator('table.per-class tbody tr').count()).toBe(10);
      // Each plugin's report from summary.json, key by key.
      expect(await page.locator('#plugins h3').allTextContents()).toEqual(Object.keys(summary.plugins));
      const shown = await page.locator('#plugins table tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
      expect(shown).toEqual(Object.values(summary.plugins).flatMap((rep) => Object.entries(rep).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])));
      expect(summary.plugins['no-bias-decay']).toBeDefined();
      // The machine the speed was measured on, beside the speed.
      const facts = await page.locator('dl.kv').evaluate((dl) => Object.fromEntries([...dl.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])));
      expect(facts['machine']).toBe(`${machineLabel(summary.machine)}, Node ${summary.machine.node}`);
      expect(facts['throughput']).toMatch(/^\d+ img\/s$/);
      // Drawn, not blank: the loss chart's canvas holds its coloured lines, the page has contrast.
      expect(colouredPixels(await page.locator('#chart-loss-epoch').screenshot())).toBeGreaterThan(200);
      expect(luminanceStd(await page.screenshot({ fullPage: true }))).toBeGreaterThan(20);
      expect(opened.errors).toEqual([]);
      expect(opened.requests).toEqual([]);
    } finally {
      await opened.browser.close();
    }
  });

  it('a run without steps.jsonl (made before it existed) gets per-epoch curves and a note saying so', async () => {
    const old = path.join(dir, 'old-run');
    cpSync(run, old, { recursive: true });
    rmSync(path.join(old, 'steps.jsonl'), { force: true });
    rmSync(path.join(old, 'report.html'));
    const r = await runCli(['report', old, '--backend', 'wasm', '--hardest', '5'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`report (run, ${TEST_IMAGES} test images evaluated) -> ${path.join(old, 'report.html')}`);
    const opened = await openInChromium(path.join(old, 'report.html'));
    try {
      const points = await chartPoints(opened.page);
      expect(Object.keys(points).sort()).toEqual(['loss-epoch', 'lr', 'speed', 'top1-epoch']);
      expect(points.lr).toEqual([2]);
      expect(await opened.page.locator('#curves .note').textContent()).toMatch(/no steps\.jsonl.*per epoch only/);
      expect(await opened.page.locator('#hardest figure').count()).toBe(5);
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.browser.close();
    }
  });
});

describe('reports comparing runs, in Chromium', () => {
  it('a folder of runs: one curve per run and a row per run', async () => {
    const second = path.join(dir, 'runs', 'short');
    const r = await runCli(train('--config', 'c.yaml', '--limit', '320', '--epochs', '1', '--no-report', '--out', second), dir);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(second, 'report.html'))).toBe(false);
    const rep = await runCli(['report', path.join(dir, 'runs')], dir);
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stdout).toContain('report (runs, 2 run(s) compared)');
    const opened = await openInChromium(path.join(dir, 'runs', 'report.html'));
    try {
      const points = await chartPoints(opened.page);
      // Runs in name order: main (2 epochs), short (1 epoch).
      expect(points['cmp-train-loss']).toEqual([2, 1]);
      expect(points['cmp-val-top1']).toEqual([2, 1]);
      expect(points['cmp-test-top1']).toEqual([2, 1]);
      expect(await opened.page.locator('table.runs tbody tr').count()).toBe(2);
      expect(colouredPixels(await opened.page.locator('#chart-cmp-train-loss').screenshot())).toBeGreaterThan(200);
      expect(opened.errors).toEqual([]);
      expect(opened.requests).toEqual([]);
    } finally {
      await opened.browser.close();
    }
  });

  it('an ablation: the results table of trickster experiment table and the trials overlaid', async () => {
    const exp = path.join(dir, 'exp');
    const args = ['ablate', '--preset', 'baseline', '--only', 'augment.flip', '--seeds', '1', '--epochs', '2', '--limit', '300', '--test-limit', '100', '--batch-size', '64', '--backend', 'wasm', '--out', exp];
    const r = await runCli(args, dir);
    expect(r.code, r.stderr).toBe(0);
    const rep = await runCli(['report', exp], dir);
    expect(rep.code, rep.stderr).toBe(0);
    const opened = await openInChromium(path.join(exp, 'report.html'));
    try {
      const points = await chartPoints(opened.page);
      // full and base (= -augment.flip: with one trick chosen they are one trial), 2 epochs each.
      expect(points['cmp-train-loss']).toEqual([2, 2]);
      const variants = await opened.page.locator('table.results tbody tr td:first-child').allTextContents();
      expect(variants.sort()).toEqual(['-augment.flip', 'base', 'full']);
      expect(await opened.page.locator('table.runs tbody tr td:first-child').allTextContents()).toEqual(['full s1', 'base = -augment.flip s1']);
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.browser.close();
    }
  });
});
