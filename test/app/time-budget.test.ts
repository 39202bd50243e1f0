import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../../app/create-trainer.js';
import { BUDGET_MARGIN, EVAL_COST, endOfRunWork, planEpochs, type TimeBudgetPlan } from '../../app/time-budget.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { configSchema } from '../../core/config/schema.js';
import type { BudgetRevision } from '../../app/time-budget-keeper.js';
import { durationSeconds } from '../../core/config/duration.js';
import { cli, cliWithEnv } from '../helpers/cli.js';
import { tempRunDir } from '../helpers/train-subset.js';

describe('training.timeBudget durations', () => {
  it('reads hours, minutes and seconds in that order, or a number of seconds', () => {
    expect(['30m', '2h', '1h30m', '90s', '1.5h', '1m30s', ' 45s ', '90'].map(durationSeconds)).toEqual([1800, 7200, 5400, 90, 5400, 90, 45, 90]);
    expect(durationSeconds(120)).toBe(120);
  });

  it('refuses what is not a duration above 0', () => {
    for (const bad of ['', 'm', '30x', '-5m', '0m', '0', '30m1h', '1h 30m', 'half an hour']) expect(durationSeconds(bad), bad).toBeNull();
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(durationSeconds(bad)).toBeNull();
  });
});

describe('planEpochs', () => {
  it('fits floor((budget - spent - overhead - final evaluation) x (1 - margin) / epoch) epochs', () => {
    // 1,000 img/s; an epoch = 48,000 training images + 12,000 validation images at EVAL_COST (0.5): 54 s;
    // final evaluation 10,000 x 0.5 / 1,000 = 5 s; (1800 - 20 - 10 - 5) x 0.9 / 54 = 29.4 -> 29.
    expect(EVAL_COST).toBe(0.5);
    const none = { trained: 0, evaluated: 0 };
    const plan = planEpochs({ budgetSeconds: 1800, spentSeconds: 20, overheadSeconds: 10, imgPerSec: 1000, trainImages: 48_000, evalImagesPerEpoch: 12_000, testImages: 10_000, endOfRun: none, margin: 0.1 });
    expect(plan).toEqual({ epochs: 29, epochSeconds: 54, finalEvalSeconds: 5, endOfRunSeconds: 0, estimatedSeconds: 20 + 10 + 29 * 54 + 5 });
  });

  it("keeps time for the plugins' work after the last epoch", () => {
    // 96,000 images trained (FixRes: 2 epochs of 48,000) and 20,000 evaluated at EVAL_COST: 96 + 10 = 106 s;
    // (1800 - 20 - 10 - 5 - 106) x 0.9 / 54 = 27.65 -> 27 epochs instead of 29.
    const plan = planEpochs({ budgetSeconds: 1800, spentSeconds: 20, overheadSeconds: 10, imgPerSec: 1000, trainImages: 48_000, evalImagesPerEpoch: 12_000, testImages: 10_000, endOfRun: { trained: 96_000, evaluated: 20_000 }, margin: 0.1 });
    expect(plan).toEqual({ epochs: 27, epochSeconds: 54, finalEvalSeconds: 5, endOfRunSeconds: 106, estimatedSeconds: 20 + 10 + 27 * 54 + 5 + 106 });
  });

  it("sums the plugins' end-of-run work: FixRes at its test size, SWA's batch-norm pass and reports, none for the others", async () => {
    const run = { trainImages: 48_000, validationImages: 12_000, testImages: 10_000, batchSize: 128, imageSize: 28 };
    const make = async (plugins: Record<string, unknown>) => loadPlugins(configSchema.parse({ model: { name: 'resnet20' }, optimizer: { name: 'sgd', lr: 0.1 }, plugins }), process.cwd());
    expect(endOfRunWork(await make({ 'label-smoothing': { epsilon: 0.1 } }), run)).toEqual({ trained: 0, evaluated: 0 });
    // FixRes at 32 px: (32/28)² the cost per image; 2 epochs of all 48,000, the test split before and after, the final evaluation's extra.
    const r = (32 / 28) ** 2;
    const fixres = endOfRunWork(await make({ fixres: { testSize: 32 } }), run);
    expect(fixres.trained).toBeCloseTo(2 * 48_000 * r, 6);
    expect(fixres.evaluated).toBeCloseTo(2 * 10_000 * r + 10_000 * (r - 1), 6);
    // FixRes on 10 batches an epoch: 2 x 1,280 images.
    expect(endOfRunWork(await make({ fixres: { testSize: 28, batches: 10 } }), run)).toEqual({ trained: 2 * 1280, evaluated: 2 * 10_000 });
    // SWA: an epoch's batch-norm pass, the final weights' test report, validation before and after; with EMA not exporting, nothing more.
    expect(endOfRunWork(await make({ swa: {}, ema: { export: false } }), run)).toEqual({ trained: 48_000, evaluated: 10_000 + 2 * 12_000 });
    // Precise BN: its pass of 200 batches before the final evaluation; EMA's report of the trained weights.
    expect(endOfRunWork(await make({ 'precise-bn': {}, ema: {} }), run)).toEqual({ trained: 200 * 128, evaluated: 10_000 });
    expect(endOfRunWork(await make({ 'precise-bn': { when: 'end' } }), { ...run, trainImages: 6_400 })).toEqual({ trained: 6_400, evaluated: 10_000 });
  });

  it('gives 0 epochs when what was spent and one epoch already exceed the budget', () => {
    const base = { spentSeconds: 20, overheadSeconds: 10, imgPerSec: 1000, trainImages: 60_000, evalImagesPerEpoch: 0, testImages: 10_000, endOfRun: { trained: 0, evaluated: 0 }, margin: BUDGET_MARGIN };
    expect(planEpochs({ ...base, budgetSeconds: 60 }).epochs).toBe(0);
    expect(planEpochs({ ...base, budgetSeconds: 10 }).epochs).toBe(0);
    // 2 epochs of 60 s fit in 2 x 60 / 0.9 + 35 s = 168.3 s, not in 160 s.
    expect(planEpochs({ ...base, budgetSeconds: 169 }).epochs).toBe(2);
    expect(planEpochs({ ...base, budgetSeconds: 160 }).epochs).toBe(1);
  });
});

describe('trickster train --time-budget', () => {
  it('plans the epochs from a pilot, revises them to the pace, records both, removes the pilot folder, and resumes as an ordinary run', async () => {
    const out = tempRunDir();
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'trickster-budget-test-'));
    // EMA evaluates the trained weights on the test split after the last epoch: end-of-run work the plan keeps time for.
    const config = path.join(tmp, 'ema.yaml');
    writeFileSync(config, 'extends: baseline\nplugins:\n  ema: {}\n');
    const args = ['train', '--config', config, '--backend', 'wasm', '--limit', '1024', '--test-limit', '200', '--batch-size', '64', '--time-budget', '40s', '--out', out, '--progress', 'none', '--json', '--no-report'];
    const r = await cliWithEnv({ TMPDIR: tmp }, ...args);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('trickster: backend wasm');
    const summary = JSON.parse(lines.at(-1)!) as { epochs: number; wallSeconds: number; timeBudget: TimeBudgetPlan & { revisions: BudgetRevision[] } };
    const plan = summary.timeBudget;
    expect(plan).toMatchObject({ budget: '40s', budgetSeconds: 40, margin: BUDGET_MARGIN });
    expect(plan.pilotImgPerSec).toBeGreaterThan(0);
    // What was spent before the run covers the command's start-up and the image count besides the pilot.
    expect(plan.spentSeconds).toBeGreaterThan(plan.pilotSeconds);
    // The epochs follow from the recorded estimates; the run trained them as last revised, within the budget.
    expect(plan.endOfRunSeconds).toBeCloseTo((EVAL_COST * 200) / plan.pilotImgPerSec, 9);
    const left = (40 - plan.spentSeconds - plan.overheadSeconds - plan.finalEvalSeconds - plan.endOfRunSeconds) * (1 - BUDGET_MARGIN);
    expect(plan.epochs).toBe(Math.floor(left / plan.epochSeconds));
    expect(plan.epochs).toBeGreaterThanOrEqual(1);
    const trained = plan.revisions.at(-1)?.epochs ?? plan.epochs;
    expect(summary.epochs).toBe(trained);
    // Within the budget, give or take what the keeper does not time (the export, the process's exit): a few percent.
    expect(plan.spentSeconds + summary.wallSeconds).toBeLessThan(40 * (1 + BUDGET_MARGIN));
    expect(lines.some((l) => l.startsWith(`trickster: time budget 40s (40 s): the pilot trained `) && l.includes(`so ${plan.epochs} epoch(s)`))).toBe(true);
    for (const r of plan.revisions) expect(lines.some((l) => l.startsWith(`trickster: time budget 40s: epochs take ~${Math.round(r.paceSeconds)} s`))).toBe(true);
    // config.json is an ordinary run's: the epochs trained, no budget; summary.json keeps the plan.
    const runConfig = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')) as { training: Record<string, unknown> };
    expect(runConfig.training.epochs).toBe(trained);
    expect(runConfig.training).not.toHaveProperty('timeBudget');
    expect(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')).timeBudget).toEqual(plan);
    expect(readdirSync(tmp).filter((f) => f.startsWith('trickster-pilot-'))).toEqual([]);
    // The report shows the plan beside the run's facts.
    const report = await cli('report', out, '--backend', 'wasm');
    expect(report.code, report.stderr).toBe(0);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain(`<dt>time budget</dt><dd>40s: ${plan.epochs} epoch(s) planned from a pilot at ${plan.pilotImgPerSec.toFixed(0)} img/s`);
    for (const r of plan.revisions) expect(html).toContain(`; ${r.epochs} after epoch ${r.afterEpoch} (epochs of ~${r.paceSeconds.toFixed(0)} s)`);
    // A resume of the finished run trains nothing and returns the recorded summary, plan included.
    const again = await cli('train', '--resume', out, '--backend', 'wasm', '--progress', 'none', '--json', '--no-report');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.trim().split('\n').at(-1)!).timeBudget).toEqual(plan);
  });
});

describe('trickster train --time-budget, interrupted', () => {
  // A signal, or (as a trial of ablate/sweep/a worker, TRICKSTER_STOP_WITH_PARENT) its parent going away.
  for (const stop of ['SIGINT', 'SIGTERM', 'disconnect'] as const) {
    it(`removes the pilot's folder on ${stop} during the pilot, and still ends the process`, async () => {
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'trickster-budget-test-'));
      const args = ['train', '--backend', 'wasm', '--limit', '4096', '--test-limit', '200', '--batch-size', '64', '--time-budget', '10m', '--out', tempRunDir(), '--progress', 'none', '--no-report'];
      const asTrial = stop === 'disconnect';
      const child = spawn(process.execPath, [path.resolve('bin/trickster.js'), ...args], {
        env: { ...process.env, TMPDIR: tmp, ...(asTrial ? { TRICKSTER_STOP_WITH_PARENT: '1' } : {}) },
        stdio: asTrial ? ['ignore', 'ignore', 'ignore', 'ipc'] : 'ignore',
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      const pilots = (): string[] => readdirSync(tmp).filter((f) => f.startsWith('trickster-pilot-'));
      // Wait until the pilot is training (its run folder has its config), then interrupt it.
      const deadline = Date.now() + 60_000;
      while (!(pilots().length === 1 && existsSync(path.join(tmp, pilots()[0]!, 'config.json')))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error('the pilot never started');
        await new Promise((r) => setTimeout(r, 20));
      }
      if (asTrial) child.disconnect();
      else child.kill(stop);
      expect(await exited).toEqual(asTrial ? { code: 143, signal: null } : { code: null, signal: stop });
      expect(pilots()).toEqual([]);
      rmSync(tmp, { recursive: true, force: true });
    });
  }
});

describe('createTrainer and a time budget', () => {
  it('warns that it runs training.epochs: only trickster train and trainWithTimeBudget() plan a budget', async () => {
    const warnings: string[] = [];
    const trainer = await createTrainer({ extends: 'baseline', training: { epochs: 3, timeBudget: '30m' } }, { backend: 'wasm', outDir: tempRunDir(), logger: { info: () => {}, warn: (m) => warnings.push(m) } });
    trainer.dispose();
    expect(warnings).toEqual(['training.timeBudget 30m is planned by `trickster train` or trainWithTimeBudget(); this trainer runs training.epochs (3)']);
  });
});
