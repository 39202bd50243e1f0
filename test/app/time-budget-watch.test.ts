import { describe, expect, it } from 'vitest';
import { budgetWatch, planLine, projectedSeconds } from '../../app/time-budget-watch.js';
import type { TimeBudgetPlan } from '../../app/time-budget.js';
import { createHooks } from '../../core/hooks.js';
import type { PluginHost } from '../../core/plugin.js';

// A 30-minute plan of 19 epochs of ~82 s (the pilot's estimate), 5 s of final evaluation.
const plan: TimeBudgetPlan = {
  budget: '30m',
  budgetSeconds: 1800,
  pilotImgPerSec: 732,
  pilotSeconds: 6.9,
  spentSeconds: 12,
  overheadSeconds: 3,
  epochSeconds: 82,
  finalEvalSeconds: 5,
  margin: 0.1,
  epochs: 19,
  estimatedSeconds: 12 + 3 + 19 * 82 + 5,
};

/** A host with real hooks and a logger that keeps what it was told: all the watch uses. */
function fakeHost() {
  const lines = { info: [] as string[], warn: [] as string[] };
  const host = { hooks: createHooks(), logger: { info: (m: string) => lines.info.push(m), warn: (m: string) => lines.warn.push(m) } } as unknown as PluginHost;
  return { host, lines };
}

/** Runs the watch over epochs that end at `ends` seconds from the budget's start; what it logged. */
async function watch(ends: number[]) {
  const { host, lines } = fakeHost();
  let nowMs = 0;
  budgetWatch(plan, 0, () => nowMs).apply(host);
  await host.hooks.setup.promise({ epochs: plan.epochs, stepsPerEpoch: 468 });
  for (const [epoch, end] of ends.entries()) {
    nowMs = end * 1000;
    await host.hooks.afterEpoch.promise({ epoch, step: 0, microStep: 0, batchInEpoch: 0, epochs: plan.epochs });
  }
  return lines;
}

describe('projectedSeconds', () => {
  it('is now + the epochs left at the pace after the first epoch + the final evaluation', () => {
    // First epoch ended at 110 s (warm-up included), the third at 290 s: 90 s an epoch after it;
    // 16 epochs left: 290 + 16 x 90 + 5 = 1735.
    expect(projectedSeconds({ elapsedSeconds: 290, firstEpochEndSeconds: 110, epochsDone: 3, epochs: 19, finalEvalSeconds: 5 })).toBe(1735);
    expect(projectedSeconds({ elapsedSeconds: 110, firstEpochEndSeconds: 110, epochsDone: 1, epochs: 19, finalEvalSeconds: 5 })).toBeUndefined();
  });
});

describe('budgetWatch', () => {
  it('logs the plan when the run starts and stays quiet while the run keeps to its budget', async () => {
    // 85 s an epoch after a 100 s first one: the end is near 100 + 18 x 85 + 5 = 1635 s.
    const lines = await watch(Array.from({ length: 19 }, (_, i) => 100 + 85 * i));
    expect(lines.info).toEqual([planLine(plan)]);
    expect(lines.info[0]).toBe('trickster: time budget 30m (1800 s): the pilot trained 732 img/s in 6.9 s, so 19 epoch(s) of ~82 s fit with a 10% margin (estimated 1578 s in all)');
    expect(lines.warn).toEqual([]);
  });

  it('warns once, after the second epoch, when the run is on course to end past its budget', async () => {
    // 100 s an epoch after a 110 s first one: after epoch 2, 210 + 17 x 100 + 5 = 1915 s > 1800 s.
    const lines = await watch(Array.from({ length: 19 }, (_, i) => 110 + 100 * i));
    expect(lines.warn).toEqual([
      'training.timeBudget 30m: epochs take ~100 s (the pilot estimated ~82 s), so this run of 19 epochs will end near 1915 s, past its 1800 s budget; ' +
        'it keeps the planned epochs (the schedule is laid out for them): stop it and use a smaller --time-budget or --epochs to stay within the budget',
    ]);
  });

  it('warns when a run slows down late, not only when it starts slow', async () => {
    // On pace (85 s) for 10 epochs, then 130 s an epoch: the end moves past 1800 s after epoch 13.
    const ends = [100];
    for (let i = 1; i < 19; i++) ends.push(ends[i - 1]! + (i < 10 ? 85 : 130));
    const upTo = (n: number) => watch(ends.slice(0, n));
    expect((await upTo(12)).warn).toEqual([]);
    expect((await upTo(13)).warn).toHaveLength(1);
    expect((await upTo(19)).warn).toHaveLength(1);
  });
});
