import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvalContext } from '../../core/contexts.js';
import type { Logger } from '../../core/logger.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { trainSubset } from '../helpers/train-subset.js';

/** Records what every afterEval tap is given. */
class EvalProbe implements TricksterPlugin {
  readonly name = 'eval-probe';
  readonly seen: { phase: EvalContext['phase']; count: number | undefined }[] = [];
  apply(host: PluginHost): void {
    host.hooks.afterEval.tapPromise(this.name, async ({ phase, metrics }) => {
      this.seen.push({ phase, count: metrics?.count });
    });
  }
}

function recordingLogger(lines: string[]): Logger {
  return { info: (m) => lines.push(m), warn: (m) => lines.push(m) };
}

const metricLines = (dir: string) => readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);

describe('model selection never sees the test split', () => {
  it('a plugin acting on metrics gets a validation split held out of the training set, said in the log and in config.json', async () => {
    const probe = new EvalProbe();
    const lines: string[] = [];
    // 500 training images, 300 test images; early stopping asks for validation metrics.
    const { summary, trainer } = await trainSubset(
      { data: { limit: 500, testLimit: 300 }, training: { epochs: 2, batchSize: 64 }, plugins: { 'early-stopping': { patience: 5 } } },
      { plugins: [probe], logger: recordingLogger(lines) },
    );
    trainer.dispose();
    expect(lines.some((l) => l.includes('early-stopping acts on evaluation metrics') && l.includes('holding out 10% of the training set'))).toBe(true);
    const config = JSON.parse(readFileSync(path.join(summary.runDir, 'config.json'), 'utf8'));
    expect(config.data.validationSplit).toBe(0.1);
    // Per-epoch evaluations see the 50 held-out images (10% of each class of 500); the final one sees no metrics.
    expect(probe.seen).toEqual([
      { phase: 'epoch', count: 50 },
      { phase: 'epoch', count: 50 },
      { phase: 'final', count: undefined },
    ]);
    expect(summary.validation?.count).toBe(50);
    const lines2 = metricLines(summary.runDir);
    expect(Object.keys(lines2[0]!)).toEqual(expect.arrayContaining(['valLoss', 'valTop1', 'valTop5']));
    expect(lines2[0]).not.toHaveProperty('testTop1');
    // 450 training images at batch 64: 7 steps per epoch.
    expect(summary.steps).toBe(14);
  });

  it('without a validation split nothing is evaluated per epoch unless asked; test numbers are logged as test* and never reach a plugin', async () => {
    const quiet = new EvalProbe();
    const plain = await trainSubset({ data: { limit: 256, testLimit: 100 }, training: { epochs: 2, batchSize: 64 } }, { plugins: [quiet] });
    plain.trainer.dispose();
    expect(quiet.seen).toEqual([{ phase: 'final', count: undefined }]);
    expect(Object.keys(metricLines(plain.summary.runDir)[0]!).filter((k) => /^(val|test)/.test(k))).toEqual([]);
    expect(plain.summary.validation).toBeNull();

    const logged = new EvalProbe();
    const withTest = await trainSubset({ data: { limit: 256, testLimit: 100 }, training: { epochs: 2, batchSize: 64, testEachEpoch: true } }, { plugins: [logged] });
    withTest.trainer.dispose();
    expect(logged.seen.map((s) => s.count)).toEqual([undefined, undefined, undefined]);
    const last = metricLines(withTest.summary.runDir)[1]!;
    expect(last.testTop1).toBe(withTest.summary.top1);
    expect(last.testLoss).toBe(withTest.summary.testLoss);
  });
});
