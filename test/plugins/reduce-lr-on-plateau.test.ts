import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import type { EvalContext, PluginState, StateBag, StepContext } from '../../core/contexts.js';
import { ConfigError } from '../../core/errors.js';
import { createHooks } from '../../core/hooks.js';
import { HyperParams } from '../../core/hyper-params.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { optionsSchema, PLUGIN_NAME, ReduceLrOnPlateauPlugin } from '../../plugins/reduce-lr-on-plateau/index.js';
import { flooredMultiplier, initialPlateauState, isBetter, plateauStep, type PlateauRule } from '../../plugins/reduce-lr-on-plateau/plateau.js';
import { subsetConfig, trainSubset } from '../helpers/train-subset.js';

beforeAll(async () => {
  await useBackend('wasm');
});

interface FixtureCase {
  name: string;
  /** PyTorch keyword arguments. */
  settings: { mode?: 'min' | 'max'; factor?: number; patience?: number; threshold?: number; threshold_mode?: 'rel' | 'abs'; cooldown?: number; min_lr?: number; eps?: number };
  lr: number;
  /** Numbers, or "nan" for NaN (JSON has none). */
  metrics: (number | string)[];
  steps: { lr: number; numBadEpochs: number; cooldownCounter: number }[];
}

/** Produced by test/fixtures/plateau/make_fixture.py with PyTorch's own ReduceLROnPlateau. */
const fixture = JSON.parse(
  readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/plateau/plateau.json'), 'utf8'),
) as { source: string; cases: FixtureCase[] };

/** Our options from PyTorch's keyword arguments, through our schema (same defaults as PyTorch's). */
function ruleFrom(s: FixtureCase['settings']): PlateauRule {
  const { monitor, mode, ...rest } = optionsSchema.parse({
    mode: s.mode ?? 'min',
    factor: s.factor,
    patience: s.patience,
    threshold: s.threshold,
    thresholdMode: s.threshold_mode,
    cooldown: s.cooldown,
    minLr: s.min_lr,
    eps: s.eps,
  });
  expect(monitor).toBe('val_loss');
  return { ...rest, mode: mode! };
}

describe('reduce-lr-on-plateau math', () => {
  it('has PyTorch defaults', () => {
    expect(optionsSchema.parse({})).toEqual({ monitor: 'val_loss', factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: 'rel', cooldown: 0, minLr: 0, eps: 1e-8 });
  });

  it('isBetter follows the dynamic threshold of seed 003 / PyTorch (rel: best·(1∓t), abs: best∓t)', () => {
    const rule = (mode: 'min' | 'max', thresholdMode: 'rel' | 'abs', threshold: number) => ({ mode, thresholdMode, threshold });
    expect(isBetter(0.89, 1, rule('min', 'rel', 0.1))).toBe(true); // < 1·0.9
    expect(isBetter(0.9, 1, rule('min', 'rel', 0.1))).toBe(false);
    expect(isBetter(0.94, 1, rule('min', 'abs', 0.05))).toBe(true); // < 1 − 0.05
    expect(isBetter(0.96, 1, rule('min', 'abs', 0.05))).toBe(false);
    expect(isBetter(1.11, 1, rule('max', 'rel', 0.1))).toBe(true); // > 1·1.1
    expect(isBetter(1.09, 1, rule('max', 'rel', 0.1))).toBe(false);
    expect(isBetter(1.06, 1, rule('max', 'abs', 0.05))).toBe(true); // > 1 + 0.05
    expect(isBetter(5, Infinity, rule('min', 'rel', 1e-4))).toBe(true); // first value beats the mode's worst
    expect(isBetter(NaN, Infinity, rule('min', 'rel', 1e-4))).toBe(false);
    expect(initialPlateauState('max').best).toBe(-Infinity);
  });

  it(`replays PyTorch's LR sequences exactly (${fixture.source})`, () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(10);
    for (const c of fixture.cases) {
      const rule = ruleFrom(c.settings);
      let state = initialPlateauState(rule.mode);
      let lr = c.lr;
      const got = c.metrics.map((m) => {
        const step = plateauStep(state, typeof m === 'number' ? m : Number(m), lr, rule);
        state = step.state;
        lr = step.lr;
        return { lr, numBadEpochs: state.numBadEpochs, cooldownCounter: state.cooldownCounter };
      });
      expect(got, c.name).toEqual(c.steps);
    }
  });

  it('floors the multiplier so the resulting LR stays ≥ minLr, never raising it above the other factors', () => {
    expect(flooredMultiplier(0.1, 0.05, 0)).toBe(0.1);
    expect(flooredMultiplier(0.1, 0.05, 0.002)).toBe(0.1); // 0.005 ≥ 0.002
    expect(flooredMultiplier(0.1, 0.01, 0.002)).toBeCloseTo(0.2, 12); // 0.001 < 0.002: 0.002/0.01
    expect(flooredMultiplier(0.1, 0.001, 0.002)).toBe(1); // the schedule alone is under minLr: leave it
    expect(flooredMultiplier(0.5, 0, 0.002)).toBe(0.5);
  });
});

/** A host with real hooks and the real HyperParams; a stand-in schedule owns the schedule factor. */
function fakeHost() {
  const reports: Record<string, unknown> = {};
  const infos: string[] = [];
  const host = {
    hooks: createHooks(),
    hyper: new HyperParams(0.1, 0),
    logger: { info: (m: string) => infos.push(m), warn: () => {} },
    requireValidation: () => {},
    report: (_plugin: string, key: string, value: unknown) => {
      reports[key] = value;
    },
  } as unknown as PluginHost;
  let factor = 1;
  host.hyper.claimSchedule('lr-schedule');
  host.hooks.beforeStep.tap('lr-schedule', () => host.hyper.setScheduleFactor('lr-schedule', factor));
  /** Runs one step's beforeStep with schedule factor `f`; returns the step's LR. */
  const step = (f: number) => {
    factor = f;
    host.hooks.beforeStep.call({} as StepContext);
    return host.hyper.lr;
  };
  return { host, reports, infos, step };
}

function plugin(options: Record<string, unknown>): ReduceLrOnPlateauPlugin {
  return new ReduceLrOnPlateauPlugin(optionsSchema.parse(options));
}

async function evaluate(host: PluginHost, epoch: number, loss: number, phase: 'epoch' | 'final' = 'epoch') {
  const ctx: EvalContext = { epoch, step: epoch, microStep: epoch, batchInEpoch: 0, phase, metrics: { loss, top1: 0.5, top5: 1, count: 10 } };
  await host.hooks.afterEval.promise(ctx);
}

describe('reduce-lr-on-plateau taps', () => {
  it('composes with the schedule as a multiplier and keeps the resulting LR ≥ minLr', async () => {
    const { host, reports, infos, step } = fakeHost();
    plugin({ patience: 0, factor: 0.1, minLr: 0.002 }).apply(host);
    expect(step(0.5)).toBeCloseTo(0.05, 12);
    await evaluate(host, 0, 1.0);
    await evaluate(host, 0, 2.0, 'final'); // not an epoch evaluation: ignored
    expect(host.hyper.lr).toBeCloseTo(0.05, 12);
    await evaluate(host, 1, 1.0); // no improvement, patience 0: 0.05 → max(0.005, 0.002)
    expect(host.hyper.lr).toBeCloseTo(0.005, 12);
    expect(reports).toEqual({ reductions: 1, lastReduction: { epoch: 2, lr: expect.closeTo(0.005, 12) } });
    expect(infos.join()).toMatch(/val_loss has not improved.*0\.05 → 0\.005/);
    expect(step(0.2)).toBeCloseTo(0.002, 12); // 0.1·0.2·0.1
    expect(step(0.1)).toBeCloseTo(0.002, 12); // 0.001 would be under minLr: floored
    await evaluate(host, 2, 1.0); // max(0.0002, 0.002) = 0.002: not lower by more than eps, unchanged
    expect(reports.reductions).toBe(1);
    expect(step(0.01)).toBeCloseTo(0.001, 12); // the schedule alone is under minLr: not raised
  });

  it('round-trips its state through the checkpoint (JSON: no best is null)', async () => {
    const a = fakeHost();
    plugin({ patience: 1, cooldown: 1 }).apply(a.host);
    const bag: StateBag & { map: Map<string, PluginState> } = {
      map: new Map(),
      set(p, s) {
        this.map.set(p, s);
      },
      get(p) {
        return this.map.get(p);
      },
    };
    a.host.hooks.saveState.call(bag);
    expect(bag.get(PLUGIN_NAME)!.json).toEqual({ best: null, numBadEpochs: 0, cooldownCounter: 0, reduction: 1, reductions: 0 });
    a.step(1);
    for (const loss of [1, 1.1, 1.2]) await evaluate(a.host, 0, loss); // reduce at the 3rd, then cooldown 1
    a.host.hooks.saveState.call(bag);
    const json = JSON.parse(JSON.stringify(bag.get(PLUGIN_NAME)!.json));
    expect(json).toEqual({ best: 1, numBadEpochs: 0, cooldownCounter: 1, reduction: expect.closeTo(0.1, 12), reductions: 1 });
    const b = fakeHost();
    plugin({ patience: 1, cooldown: 1 }).apply(b.host);
    b.host.hooks.loadState.call({ get: () => ({ json }), set: () => {} });
    expect(b.step(1)).toBeCloseTo(0.01, 12);
    for (const h of [a, b]) for (const loss of [1.3, 1.3, 1.3]) await evaluate(h.host, 0, loss); // cooldown, bad, bad → reduce
    expect(b.host.hyper.lr).toBeCloseTo(0.001, 12);
    expect(b.host.hyper.lr).toBe(a.host.hyper.lr);
  });
});

describe('reduce-lr-on-plateau config', () => {
  async function plugins(entry: unknown): Promise<TricksterPlugin[]> {
    const { config, baseDir } = await resolveConfig({ inline: subsetConfig({ plugins: { [PLUGIN_NAME]: entry } }) });
    return loadPlugins(config, baseDir);
  }

  it('is switched off by false, on with defaults by {}', async () => {
    expect((await plugins(false)).map((p) => p.name)).not.toContain(PLUGIN_NAME);
    expect((await plugins({})).map((p) => p.name)).toContain(PLUGIN_NAME);
  });

  it('names the key path of a bad option', async () => {
    await expect(plugins({ factor: 1 })).rejects.toThrow(ConfigError); // PyTorch: "Factor should be < 1.0."
    await expect(plugins({ factor: 1 })).rejects.toThrow(/plugins\.reduce-lr-on-plateau\.factor/);
    await expect(plugins({ thresholdMode: 'relative' })).rejects.toThrow(/plugins\.reduce-lr-on-plateau\.thresholdMode/);
    await expect(plugins({ min_lr: 0.001 })).rejects.toThrow(/plugins\.reduce-lr-on-plateau.*"min_lr"/);
  });

  it('warns with swa, whose LR override hides the multiplier', () => {
    const { host } = fakeHost();
    plugin({}).apply(host);
    const warnings: string[] = [];
    host.hooks.validate.call({ plugins: [PLUGIN_NAME, 'swa'], has: (n) => n === 'swa', warn: (m) => warnings.push(m) });
    expect(warnings.join()).toMatch(/swa/);
  });
});

describe('reduce-lr-on-plateau end to end (Fashion-MNIST subset)', () => {
  it('patience 0 and an unreachable threshold drop the LR after every evaluation from the second on', async () => {
    const { summary, trainer } = await trainSubset({
      data: { limit: 256 },
      training: { epochs: 3 },
      plugins: { [PLUGIN_NAME]: { patience: 0, threshold: 0.99 } },
    });
    trainer.dispose();
    const lines = readFileSync(path.join(summary.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { lr: number });
    // The baseline's step schedule keeps 0.1 for 5 epochs; the LR logged is the one for the next epoch.
    expect(lines.map((l) => l.lr)).toEqual([0.1, expect.closeTo(0.01, 12), expect.closeTo(0.001, 12)]);
    expect(summary.plugins[PLUGIN_NAME]).toEqual({ reductions: 2, lastReduction: { epoch: 3, lr: expect.closeTo(0.001, 12) } });
  });
});
