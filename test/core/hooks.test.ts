import * as tf from '@tensorflow/tfjs';
import { AsyncSeriesHook, SyncBailHook, SyncHook, SyncWaterfallHook } from 'tapable';
import { afterAll, describe, expect, it } from 'vitest';
import { createHooks } from '../../core/hooks.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { trainSubset } from '../helpers/train-subset.js';

/** Records every hook call of a run, with the stage option used to check ordering. */
class Recorder implements TricksterPlugin {
  readonly name = 'recorder';
  readonly events: string[] = [];
  apply(host: PluginHost): void {
    const h = host.hooks;
    const log = (e: string): void => {
      this.events.push(e);
    };
    h.validate.tap(this.name, () => log('validate'));
    h.setup.tapPromise(this.name, async () => log('setup'));
    h.beforeEpoch.tapPromise(this.name, async () => log('beforeEpoch'));
    h.batch.tap(this.name, (b) => (log('batch'), b));
    h.beforeStep.tap(this.name, () => log('beforeStep'));
    h.loss.tap(this.name, (l) => (log('loss'), l));
    h.afterBackward.tap(this.name, (g) => (log('afterBackward'), g));
    h.shouldApplyGradients.tap(this.name, () => (log('shouldApplyGradients'), undefined));
    h.afterOptimizerStep.tap(this.name, () => log('afterOptimizerStep'));
    h.afterStep.tap(this.name, () => log('afterStep'));
    h.afterEpoch.tapPromise(this.name, async () => log('afterEpoch'));
    h.beforeEval.tapPromise(this.name, async (e) => log(`beforeEval:${e.phase}`));
    h.afterEval.tapPromise(this.name, async (e) => log(`afterEval:${e.phase}:${e.metrics ? 'metrics' : 'none'}`));
    h.saveState.tap(this.name, () => log('saveState'));
    h.shouldStop.tap(this.name, () => (log('shouldStop'), undefined));
    h.afterTrain.tapPromise(this.name, async () => log('afterTrain'));
  }
}

describe('hooks', () => {
  it('uses the hook kind that fits each event, in a frozen object', () => {
    const hooks = createHooks();
    expect(Object.isFrozen(hooks)).toBe(true);
    for (const name of ['batch', 'loss', 'afterBackward'] as const) expect(hooks[name].constructor).toBe(SyncWaterfallHook);
    for (const name of ['shouldApplyGradients', 'shouldStop'] as const) expect(hooks[name].constructor).toBe(SyncBailHook);
    for (const name of ['setup', 'beforeEpoch', 'afterEpoch', 'beforeEval', 'afterEval', 'afterTrain'] as const) {
      expect(hooks[name].constructor).toBe(AsyncSeriesHook);
    }
    for (const name of ['validate', 'beforeStep', 'afterOptimizerStep', 'afterStep', 'saveState', 'loadState', 'dispose'] as const) {
      expect(hooks[name].constructor).toBe(SyncHook);
    }
  });

  it('orders taps by declared stage, not registration order', () => {
    const hooks = createHooks();
    const order: string[] = [];
    hooks.beforeStep.tap({ name: 'late', stage: 10 }, () => order.push('late'));
    hooks.beforeStep.tap({ name: 'early', stage: -10 }, () => order.push('early'));
    hooks.beforeStep.tap('default', () => order.push('default'));
    hooks.beforeStep.call({} as never);
    expect(order).toEqual(['early', 'default', 'late']);
  });

  const recorder = new Recorder();
  let run: Awaited<ReturnType<typeof trainSubset>>;
  afterAll(() => run?.trainer.dispose());

  it('fires in the documented order during a real training', async () => {
    // 160 images, 32 held out for validation: 128 to train on, 2 steps per epoch.
    run = await trainSubset({ data: { limit: 160, testLimit: 100, validationSplit: 0.2 }, training: { epochs: 2, batchSize: 64 } }, { plugins: [recorder] });
    const step = ['batch', 'beforeStep', 'loss', 'afterBackward', 'shouldApplyGradients', 'afterOptimizerStep', 'afterStep'];
    const epoch = ['beforeEpoch', ...step, ...step, 'afterEpoch', 'beforeEval:epoch', 'afterEval:epoch:metrics', 'saveState', 'shouldStop'];
    // The final evaluation reads the test split: its hooks fire (weights swap in and out) but carry no metrics.
    expect(recorder.events).toEqual(['validate', 'setup', ...epoch, ...epoch, 'afterTrain', 'beforeEval:final', 'afterEval:final:none']);
    expect(run.summary.steps).toBe(4);
    expect(run.summary.epochs).toBe(2);
  });

  it('disposes the tensors a waterfall tap replaces', async () => {
    const replaced: tf.Tensor[] = [];
    const swapper: TricksterPlugin = {
      name: 'swapper',
      apply(host) {
        host.hooks.batch.tap('swapper', (batch) => {
          replaced.push(batch.x);
          return { x: tf.mul(batch.x, 1) as tf.Tensor4D, targets: batch.targets };
        });
      },
    };
    const { trainer } = await trainSubset({ data: { limit: 128, testLimit: 100 } }, { plugins: [swapper] });
    trainer.dispose();
    expect(replaced.length).toBe(2);
    expect(replaced.every((t) => t.isDisposed)).toBe(true);
  });
});
