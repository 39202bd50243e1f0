import { describe, expect, it } from 'vitest';
import { epochPace, keepBudget, planLine, projectedSeconds, revisedEpochs } from '../../app/time-budget-keeper.js';
import type { TimeBudgetPlan } from '../../app/time-budget.js';
import { createHooks } from '../../core/hooks.js';
import type { PluginHost } from '../../core/plugin.js';

// A 30-minute plan of 19 epochs of ~82 s (the pilot's estimate), 5 s of final evaluation, no plugin work after the last epoch.
const plan: TimeBudgetPlan = {
  budget: '30m',
  budgetSeconds: 1800,
  pilotImgPerSec: 732,
  pilotSeconds: 6.9,
  spentSeconds: 12,
  overheadSeconds: 3,
  epochSeconds: 82,
  finalEvalSeconds: 5,
  endOfRunSeconds: 0,
  margin: 0.1,
  epochs: 19,
  estimatedSeconds: 12 + 3 + 19 * 82 + 5,
};
const progress = (epochEnds: number[], epochs = 19) => ({ epochEnds, epochs, budgetSeconds: 1800, endSeconds: 5, margin: 0.1 });

/**
 * Runs the keeper on real hooks over epochs of `seconds` each (from the budget's start), with the
 * kernel's side of reviseEpochs played as the trainer plays it: the loop runs to the revised length.
 * What it logged, the epochs trained, and the revisions.
 */
async function keep(seconds: (epoch: number) => number, planned: TimeBudgetPlan = plan) {
  const lines = { info: [] as string[], warn: [] as string[] };
  let epochs = planned.epochs;
  const host = {
    hooks: createHooks(),
    logger: { info: (m: string) => lines.info.push(m), warn: (m: string) => lines.warn.push(m) },
    reviseEpochs: (_owner: string, n: number) => (epochs = n),
  } as unknown as PluginHost;
  let nowMs = 0;
  const keeper = keepBudget(planned, 0, () => nowMs);
  keeper.plugin.apply(host);
  await host.hooks.setup.promise({ epochs, stepsPerEpoch: 468 });
  let epoch = 0;
  for (; epoch < epochs; epoch++) {
    nowMs += seconds(epoch) * 1000;
    await host.hooks.afterEpoch.promise({ epoch, step: 0, microStep: 0, batchInEpoch: 0, epochs });
  }
  return { lines, epochs: epoch, endSeconds: nowMs / 1000 + planned.finalEvalSeconds + planned.endOfRunSeconds, revisions: keeper.revisions };
}

describe('epochPace', () => {
  it('is the mean of the last 3 epochs after the first', () => {
    expect(epochPace([100])).toBeUndefined();
    expect(epochPace([100, 190])).toBe(90);
    // Epochs 3-5 took 90, 100, 110 s; epoch 2's 70 s is out of the window.
    expect(epochPace([100, 170, 260, 360, 470])).toBe(100);
  });
});

describe('projectedSeconds and revisedEpochs', () => {
  it('keep a plan that ends within the budget and leaves no room for another epoch', () => {
    // 290 + 16 x 90 + 5 = 1735 s; (1800 - 290 - 5) x 0.9 / 90 = 15.05 epochs fit: 3 + 15 = 18 < 19.
    expect(projectedSeconds(progress([110, 200, 290]))).toBe(1735);
    expect(revisedEpochs(progress([110, 200, 290]))).toBe(19);
    expect(revisedEpochs(progress([110]))).toBeUndefined();
  });

  it('shorten a plan that would overrun and lengthen one that leaves time', () => {
    // 100 s an epoch: 210 + 17 x 100 + 5 = 1915 s > 1800; (1800 - 210 - 5) x 0.9 / 100 = 14.3: 2 + 14 = 16.
    expect(revisedEpochs(progress([110, 210]))).toBe(16);
    // 60 s an epoch: (1800 - 170 - 5) x 0.9 / 60 = 24.4: 2 + 24 = 26.
    expect(revisedEpochs(progress([110, 170]))).toBe(26);
    // Past the budget already: the run ends with the epochs done.
    expect(revisedEpochs(progress([900, 1850]))).toBe(2);
  });

  it('lengthen a plan only in its first half', () => {
    // 100 s epochs, then three of 50 s: after epoch 10 (2 x 10 > 19) 10 + (1800 - 850 - 5) x 0.9 / 50 = 27 would fit; the plan stays.
    const late = [100, 200, 300, 400, 500, 600, 700, 750, 800, 850];
    expect(revisedEpochs(progress(late))).toBe(19);
    // The same after epoch 9 (2 x 9 <= 19) lengthens it, at the slower of the recent 50 s and the mean
    // 81.25 s after the first epoch: 9 + floor((1800 - 750 - 5) x 0.9 / 81.25) = 20.
    const early = [100, 200, 300, 400, 500, 600, 650, 700, 750];
    expect(revisedEpochs(progress(early))).toBe(20);
  });

  it('do not lengthen a run on pace for one fast epoch', () => {
    // 90 s epochs, then one of 60 s: the recent 80 s would fit 6 + floor(1275 x 0.9 / 80) = 20 epochs, the mean 84 s only 19.
    expect(revisedEpochs(progress([100, 190, 280, 370, 460, 520]))).toBe(19);
  });
});

describe('keepBudget', () => {
  it('logs the plan and keeps the epochs of a run on pace', async () => {
    // 85 s an epoch after a 100 s first one: 100 + 18 x 85 + 5 = 1635 s, and in the first half no 20th epoch fits with the margin.
    const run = await keep((e) => (e === 0 ? 100 : 85));
    expect(run.lines.info).toEqual([planLine(plan)]);
    expect(run.lines.info[0]).toBe('trickster: time budget 30m (1800 s): the pilot trained 732 img/s in 6.9 s, so 19 epoch(s) of ~82 s fit with a 10% margin (estimated 1578 s in all)');
    expect(run.revisions).toEqual([]);
    expect(run.epochs).toBe(19);
  });

  it('shortens a run slower than the pilot said, after its second epoch, and it ends within the budget', async () => {
    const run = await keep((e) => (e === 0 ? 110 : 100));
    expect(run.revisions[0]).toEqual({ afterEpoch: 2, epochs: 16, paceSeconds: 100 });
    expect(run.lines.info[1]).toBe('trickster: time budget 30m: epochs take ~100 s (210 s of 1800 s spent), so 16 epochs fit, not 19: the run trains shorter and the learning-rate schedule follows');
    expect(run.endSeconds).toBeLessThanOrEqual(1800);
    expect(run.epochs).toBe(16);
  });

  it('lengthens a run faster than the pilot said, and uses most of the budget', async () => {
    const run = await keep((e) => (e === 0 ? 80 : 60));
    expect(run.revisions[0]).toEqual({ afterEpoch: 2, epochs: 26, paceSeconds: 60 });
    // Any later lengthening came in the first half of the plan it changed.
    const planned = [plan.epochs, ...run.revisions.map((r) => r.epochs)];
    expect(run.revisions.every((r, i) => r.epochs < planned[i]! || 2 * r.afterEpoch <= planned[i]!)).toBe(true);
    expect(run.endSeconds).toBeLessThanOrEqual(1800);
    expect(run.endSeconds).toBeGreaterThan(0.9 * 1800);
  });

  it('follows a machine that slows down late, instead of overrunning', async () => {
    // On pace (85 s) for 10 epochs, then 130 s an epoch: unrevised it would end near 100 + 9 x 85 + 9 x 130 + 5 = 2040 s.
    const run = await keep((e) => (e === 0 ? 100 : e < 10 ? 85 : 130));
    expect(run.revisions.length).toBeGreaterThan(0);
    expect(run.revisions.every((r) => r.epochs < plan.epochs)).toBe(true);
    expect(run.endSeconds).toBeLessThanOrEqual(1800);
  });

  it("keeps time for the plugins' work after the last epoch (a FixRes fine-tuning)", async () => {
    // The on-pace run above (85 s epochs) ends at 1635 s; 200 s of FixRes after it would end at 1835 s.
    // After epoch 2: 2 + floor((1800 - 185 - 5 - 200) x 0.9 / 85) = 16 epochs fit.
    const run = await keep((e) => (e === 0 ? 100 : 85), { ...plan, endOfRunSeconds: 200 });
    expect(run.revisions[0]).toEqual({ afterEpoch: 2, epochs: 16, paceSeconds: 85 });
    expect(run.epochs).toBeLessThan(plan.epochs);
    expect(run.endSeconds).toBeLessThanOrEqual(1800);
  });
});
