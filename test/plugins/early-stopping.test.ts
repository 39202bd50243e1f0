import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import type { EvalContext } from '../../core/contexts.js';
import { ConfigError, PluginConflictError } from '../../core/errors.js';
import { createHooks, type RunContext } from '../../core/hooks.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { allVariables } from '../../core/variables.js';
import { initialStoppingState, isImprovement, stoppingStep, type StoppingRule } from '../../plugins/early-stopping/early-stopping.js';
import { EarlyStoppingPlugin, optionsSchema, PLUGIN_NAME } from '../../plugins/early-stopping/index.js';
import { defaultMode } from '../../core/metric-monitor.js';
import { subsetConfig, trainSubset } from '../helpers/train-subset.js';
import { MapStateBag } from '../../core/trainer-state.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** Feeds `values` through stoppingStep; returns the 1-based evaluation that stops (0: none) and the final state. */
function replay(values: number[], rule: StoppingRule) {
  let state = initialStoppingState;
  for (const [i, v] of values.entries()) {
    const r = stoppingStep(state, v, rule);
    state = r.state;
    if (r.stop) return { stoppedAt: i + 1, state };
  }
  return { stoppedAt: 0, state };
}

describe('early-stopping math (Keras EarlyStopping semantics)', () => {
  it('improvement means better than best by more than minDelta; the first finite value improves; NaN never', () => {
    const min = { mode: 'min' as const, minDelta: 0.05 };
    expect(isImprovement(0.5, 0.6, min)).toBe(true); // 0.5 + 0.05 < 0.6
    expect(isImprovement(0.56, 0.6, min)).toBe(false); // 0.61 ≥ 0.6
    expect(isImprovement(0.55, 0.6, min)).toBe(false); // strict, as Keras's np.less (0.55 + 0.05 is not < 0.6)
    expect(isImprovement(0.75, 0.7, { mode: 'max', minDelta: 0.1 })).toBe(false); // 0.75 − 0.1 is not > 0.7
    expect(isImprovement(0.81, 0.7, { mode: 'max', minDelta: 0.1 })).toBe(true);
    expect(isImprovement(3, null, min)).toBe(true);
    expect(isImprovement(NaN, null, min)).toBe(false);
    expect(isImprovement(NaN, 1, min)).toBe(false);
  });

  it('stops once `patience` evaluations in a row did not improve, never on the first', () => {
    const rule = (patience: number, minDelta = 0): StoppingRule => ({ mode: 'min', patience, minDelta });
    // Keras: wait += 1 each epoch; improvement → wait = 0; stop when wait ≥ patience and epoch > 0.
    // 1.0 (best), 0.9 (best), 0.95 (wait 1), 0.92 (wait 2 ≥ 2: stop at 4)
    expect(replay([1.0, 0.9, 0.95, 0.92, 0.91], rule(2))).toMatchObject({ stoppedAt: 4, state: { best: 0.9, bestEvaluation: 2, wait: 2 } });
    // patience 0 and 1 both stop at the first non-improvement
    expect(replay([1.0, 1.0], rule(0)).stoppedAt).toBe(2);
    expect(replay([1.0, 1.0], rule(1)).stoppedAt).toBe(2);
    // minDelta 0.2: 0.85 is not enough below 1.0, 0.7 is (wait resets), then two small gains stop it.
    expect(replay([1.0, 0.85, 0.7, 0.6, 0.55], rule(2, 0.2))).toMatchObject({ stoppedAt: 5, state: { best: 0.7, bestEvaluation: 3 } });
    // A NaN first evaluation counts as waiting but the first evaluation never stops.
    expect(replay([NaN], rule(0)).stoppedAt).toBe(0);
    expect(replay([NaN, NaN], rule(1)).stoppedAt).toBe(2);
  });

  it('takes the mode from the monitor: loss down, top-1 up', () => {
    expect(defaultMode('val_loss')).toBe('min');
    expect(defaultMode('top1')).toBe('max');
    expect(replay([0.5, 0.6, 0.7], { mode: 'max', patience: 1, minDelta: 0 }).stoppedAt).toBe(0);
  });
});

/** input [2,2,1] → bn → flatten → dense(2): BN moving statistics are part of the weights. */
function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [2, 2, 1] });
  let x = tf.layers.batchNormalization({ name: 'bn' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.flatten({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'dense', units: 2 }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** A host with real hooks: just enough of the trainer for the plugin's taps. */
function fakeHost(model: tf.LayersModel) {
  const reports: Record<string, unknown> = {};
  const host = {
    hooks: createHooks(),
    model,
    requireValidation: () => {},
    report: (_plugin: string, key: string, value: unknown) => {
      reports[key] = value;
    },
  } as unknown as PluginHost;
  return { host, reports };
}


const RUN: RunContext = { epochs: 10, stepsPerEpoch: 1 };
const values = (m: tf.LayersModel) => Object.fromEntries(Object.entries(allVariables(m)).map(([k, v]) => [k, Array.from(v.dataSync())]));
const shift = (m: tf.LayersModel, d: number) => {
  for (const v of Object.values(allVariables(m))) {
    const next = tf.add(v, d);
    v.assign(next);
    next.dispose();
  }
};

function plugin(options: Record<string, unknown> = {}): EarlyStoppingPlugin {
  return new EarlyStoppingPlugin(optionsSchema.parse(options));
}

/** What the kernel does after epoch `epoch` (0-based): evaluate with `loss`, then ask shouldStop. */
async function evaluate(host: PluginHost, epoch: number, loss: number, top1 = 0.5) {
  const ctx: EvalContext = { epoch, step: epoch + 1, microStep: epoch + 1, batchInEpoch: 0, phase: 'epoch', metrics: { loss, top1, top5: 1, count: 10 } };
  await host.hooks.afterEval.promise(ctx);
  return host.hooks.shouldStop.call({ epoch, step: epoch + 1, microStep: epoch + 1, batchInEpoch: 0, epochs: 10 });
}

describe('early-stopping taps', () => {
  it('requests the stop through shouldStop and says why and when in the summary', async () => {
    const { host, reports } = fakeHost(tinyModel());
    plugin({ patience: 2 }).apply(host);
    expect(await evaluate(host, 0, 1.0)).toBeUndefined();
    expect(await evaluate(host, 1, 0.8)).toBeUndefined();
    expect(await evaluate(host, 2, 0.9)).toBeUndefined();
    // A final evaluation is not an epoch evaluation: it does not count.
    await host.hooks.afterEval.promise({ epoch: 3, step: 3, microStep: 3, batchInEpoch: 0, phase: 'final', metrics: { loss: 9, top1: 0, top5: 0, count: 1 } });
    const stop = await evaluate(host, 3, 0.85);
    expect(stop).toEqual({ plugin: PLUGIN_NAME, reason: expect.stringMatching(/val_loss did not improve on 0\.8 \(epoch 2\).*2 evaluation/) });
    expect(reports).toMatchObject({ stoppedAfterEpoch: 4, reason: stop!.reason });
    await host.hooks.afterTrain.promise(RUN);
    expect(reports).toMatchObject({ best: 0.8, bestEpoch: 2 });
    expect(reports.restoredEpoch).toBeUndefined();
  });

  it('watches top-1 upwards when asked', async () => {
    const { host } = fakeHost(tinyModel());
    plugin({ monitor: 'top1', patience: 1 }).apply(host);
    expect(await evaluate(host, 0, 5, 0.3)).toBeUndefined();
    expect(await evaluate(host, 1, 5, 0.4)).toBeUndefined();
    expect(await evaluate(host, 2, 0.1, 0.4)).toBeDefined(); // loss fell but top-1 did not rise
  });

  it('restoreBestWeights restores every variable (BN statistics too) of the best evaluation, without leaking', async () => {
    const model = tinyModel();
    const { host, reports } = fakeHost(model);
    plugin({ patience: 5, restoreBestWeights: true }).apply(host);
    await evaluate(host, 0, 1.0);
    shift(model, 1);
    await evaluate(host, 1, 0.5);
    const best = values(model);
    expect(Object.keys(best)).toContain('bn/moving_mean');
    shift(model, 1);
    const before = tf.memory().numTensors;
    await evaluate(host, 2, 0.7);
    shift(model, 1);
    await evaluate(host, 3, 0.4); // a new best: the copy is overwritten in place
    expect(tf.memory().numTensors).toBe(before);
    const newBest = values(model);
    shift(model, 1);
    await evaluate(host, 4, 0.45);
    await host.hooks.afterTrain.promise(RUN); // not stopped early: restores anyway
    expect(values(model)).toEqual(newBest);
    expect(values(model)).not.toEqual(best);
    expect(reports.restoredEpoch).toBe(4);
    expect(tf.memory().numTensors).toBeLessThan(before); // the copy is released after restoring
  });

  it('round-trips its counters and best weights through the checkpoint state', async () => {
    const model = tinyModel();
    const a = fakeHost(model);
    plugin({ patience: 2, restoreBestWeights: true }).apply(a.host);
    await evaluate(a.host, 0, 1.0);
    const best = values(model);
    shift(model, 1);
    await evaluate(a.host, 1, 1.2);
    const saved = new MapStateBag();
    a.host.hooks.saveState.call(saved);
    expect(saved.get(PLUGIN_NAME)!.json).toEqual({ best: 1.0, bestEvaluation: 1, wait: 1, evaluations: 2, bestEpoch: 1 });
    // As read back from a file: copies, disposed by the kernel after loadState.
    const tensors = Object.fromEntries(Object.entries(saved.get(PLUGIN_NAME)!.tensors!).map(([k, t]) => [k, t.clone()]));
    const read = new MapStateBag();
    read.set(PLUGIN_NAME, { json: JSON.parse(JSON.stringify(saved.get(PLUGIN_NAME)!.json)), tensors });
    const b = fakeHost(model);
    plugin({ patience: 2, restoreBestWeights: true }).apply(b.host);
    b.host.hooks.loadState.call(read);
    tf.dispose(Object.values(tensors));
    expect(await evaluate(b.host, 2, 1.1)).toBeDefined(); // wait 2 with the restored wait 1
    await b.host.hooks.afterTrain.promise(RUN);
    expect(values(model)).toEqual(best);
    expect(b.reports).toMatchObject({ bestEpoch: 1, restoredEpoch: 1 });
  });
});

describe('early-stopping config', () => {
  async function plugins(entry: unknown): Promise<TricksterPlugin[]> {
    const { config, baseDir } = await resolveConfig({ inline: subsetConfig({ plugins: { [PLUGIN_NAME]: entry } }) });
    return loadPlugins(config, baseDir);
  }

  it('is switched off by false, on with defaults by {}', async () => {
    expect((await plugins(false)).map((p) => p.name)).not.toContain(PLUGIN_NAME);
    expect((await plugins({})).map((p) => p.name)).toContain(PLUGIN_NAME);
    expect(optionsSchema.parse({})).toEqual({ monitor: 'val_loss', patience: 10, minDelta: 0, restoreBestWeights: false, refit: false });
  });

  it('names the key path of a bad option', async () => {
    await expect(plugins({ patience: -1 })).rejects.toThrow(ConfigError);
    await expect(plugins({ patience: 1.5 })).rejects.toThrow(/plugins\.early-stopping\.patience/);
    await expect(plugins({ monitor: 'accuracy' })).rejects.toThrow(/plugins\.early-stopping\.monitor/);
    await expect(plugins({ mode: 'up' })).rejects.toThrow(/plugins\.early-stopping\.mode/);
    await expect(plugins({ min_delta: 0.1 })).rejects.toThrow(/plugins\.early-stopping.*"min_delta"/);
  });

  it('refuses restoreBestWeights with swa naming both, warns with ema', () => {
    const ctx = (names: string[], warn: (m: string) => void = () => {}) => ({ plugins: names, has: (n: string) => names.includes(n), warn });
    const { host } = fakeHost(tinyModel());
    plugin({ restoreBestWeights: true }).apply(host);
    expect(() => host.hooks.validate.call(ctx([PLUGIN_NAME, 'swa']))).toThrow(PluginConflictError);
    expect(() => host.hooks.validate.call(ctx([PLUGIN_NAME, 'swa']))).toThrow(/"early-stopping".*"swa"/);
    const warnings: string[] = [];
    host.hooks.validate.call(ctx([PLUGIN_NAME, 'ema'], (m) => warnings.push(m)));
    expect(warnings.join()).toMatch(/ema/);
    const plain = fakeHost(tinyModel());
    plugin().apply(plain.host);
    expect(() => plain.host.hooks.validate.call(ctx([PLUGIN_NAME, 'swa']))).not.toThrow();
  });
});

describe('early-stopping end to end (Fashion-MNIST subset)', () => {
  /** Records every model variable after each epoch's evaluation. */
  class AfterEvalProbe implements TricksterPlugin {
    readonly name = 'after-eval-probe';
    readonly snapshots: Record<string, number[]>[] = [];
    apply(host: PluginHost): void {
      host.hooks.afterEval.tapPromise({ name: this.name, stage: 100 }, async ({ phase }) => {
        if (phase === 'epoch') this.snapshots.push(values(host.model));
      });
    }
  }

  it('patience 0 with a large minDelta stops after the second of 4 epochs and restores the first epoch weights', async () => {
    const probe = new AfterEvalProbe();
    const { summary, trainer } = await trainSubset(
      { data: { limit: 256 }, training: { epochs: 4 }, plugins: { [PLUGIN_NAME]: { patience: 0, minDelta: 10, restoreBestWeights: true } } },
      { plugins: [probe] },
    );
    expect(summary.epochs).toBe(2);
    expect(summary.steps).toBe(6); // 2 epochs × floor(230/64): 26 of the 256 images are held out for validation
    expect(summary.stopped).toEqual({ plugin: PLUGIN_NAME, reason: expect.stringMatching(/val_loss did not improve/) });
    expect(summary.plugins[PLUGIN_NAME]).toMatchObject({ stoppedAfterEpoch: 2, bestEpoch: 1, restoredEpoch: 1 });
    expect(probe.snapshots).toHaveLength(2);
    expect(values(trainer.model)).toEqual(probe.snapshots[0]);
    trainer.dispose();
  });

  it('patience 1 on top-1 with an impossible minDelta stops after the second epoch too', async () => {
    const { summary, trainer } = await trainSubset({ data: { limit: 256 }, training: { epochs: 3 }, plugins: { [PLUGIN_NAME]: { monitor: 'top1', patience: 1, minDelta: 1 } } });
    trainer.dispose();
    expect(summary.epochs).toBe(2);
    expect(summary.stopped?.plugin).toBe(PLUGIN_NAME);
    expect(summary.plugins[PLUGIN_NAME]).toMatchObject({ stoppedAfterEpoch: 2, bestEpoch: 1 });
  });
});
