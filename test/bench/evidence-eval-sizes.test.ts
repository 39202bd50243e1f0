import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { claimEffect } from '../../bench/evidence/effect.js';
import { evaluateAtSizes } from '../../bench/evidence/eval-sizes.js';
import { trialSummaries, type StoredSummary } from '../../bench/evidence/summary.js';
import type { Claim } from '../../bench/evidence/claims.js';
import { useBackend } from '../../core/backends/resolve.js';
import { evaluateExportedModel } from '../../core/evaluate-model.js';
import { ExperimentDir, type Manifest } from '../../core/experiments/manifest.js';
import type { TrialRecord } from '../../core/experiments/trial-record.js';
import { saveModelToDir } from '../../core/model-io.js';
import { buildModel } from '../../core/models/index.js';
import type { RunSummary } from '../../core/run-summary.js';
import { tempRunDir } from '../helpers/train-subset.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const META = {
  dataset: 'fashion-mnist',
  classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
  inputShape: { height: 28, width: 28, channels: 1 },
  normalization: { mean: [0.286], std: [0.353] },
};

/** An experiment folder holding one done trial `t1` (variant `v`, seed 1) whose run exported an untrained small-cnn with `head`. */
async function oneTrialExperiment(head: 'gap' | 'flatten') {
  const outDir = tempRunDir('evidence-eval-sizes-');
  const model = buildModel({ name: 'small-cnn', head, seed: 5 }, META.inputShape, 10);
  await saveModelToDir(model, path.join(new ExperimentDir(outDir).runDir('t1'), 'model'), META);
  model.dispose();
  const manifest = { seeds: [1], variants: [{ name: 'v', reference: null, trials: ['t1'] }], trials: [{ id: 't1', seed: 1 }] } as unknown as Manifest;
  const summary = { backend: 'wasm', top1: 0.1, top5: 0.5, testLoss: 2.3, inputSize: 28, plugins: {} } as unknown as RunSummary;
  const records = new Map<string, TrialRecord>([['t1', { id: 't1', status: 'done', attempts: 1, wallSeconds: 1, summary }]]);
  return { outDir, manifest, records, modelJson: path.join(new ExperimentDir(outDir).runDir('t1'), 'model', 'model.json') };
}

describe('bench/evidence evalSizes', () => {
  it("evaluates each done trial's model at each size with trickster eval --input-size; a claim reads evalAt.N.top1", { timeout: 120_000 }, async () => {
    const { outDir, manifest, records, modelJson } = await oneTrialExperiment('gap');
    const evalAt = await evaluateAtSizes(outDir, manifest, records, [28, 32], 100);
    for (const size of [28, 32]) {
      const direct = await evaluateExportedModel({ modelPath: modelJson, limit: 100, inputSize: size });
      expect(evalAt.get('t1')![String(size)]!.top1).toBe(direct.top1);
      expect(evalAt.get('t1')![String(size)]!.testLoss).toBeCloseTo(direct.loss, 5);
    }
    const trials = trialSummaries(manifest, records, evalAt);
    expect(trials[0]!.metrics).toMatchObject({ top1: 0.1, evalAt: { '28': evalAt.get('t1')!['28'], '32': evalAt.get('t1')!['32'] } });
    const stored: StoredSummary = { experiment: {} as StoredSummary['experiment'], trials };
    const claim = {
      id: 'test-resolution',
      predicts: 'positive',
      effect: { plus: [{ experiment: 'x', variant: 'v', metric: 'evalAt.32.top1' }], minus: [{ experiment: 'x', variant: 'v', metric: 'evalAt.28.top1' }] },
    } as unknown as Claim;
    const effect = claimEffect(claim, new Map([['x', stored]]));
    expect(effect.diffs).toEqual([evalAt.get('t1')!['32']!.top1 - evalAt.get('t1')!['28']!.top1]);
  });

  it('a model that cannot take the size fails with the command and its error line', { timeout: 60_000 }, async () => {
    const { outDir, manifest, records } = await oneTrialExperiment('flatten');
    await expect(evaluateAtSizes(outDir, manifest, records, [32], 100)).rejects.toThrow(/trickster eval --model \S+ --input-size 32 .*failed: error \[USAGE\]: --input-size 32: the model's input is fixed at 28x28/);
  });
});
