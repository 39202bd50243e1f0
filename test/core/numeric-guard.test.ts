import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { readCheckpoint } from '../../core/checkpoint.js';
import { evaluateExportedModel } from '../../core/evaluate-model.js';
import { NumericGuard } from '../../core/numeric-guard.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { tempRunDir, trainSubset } from '../helpers/train-subset.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** Feeds `losses` (one micro-batch each, gradient sums `grads`) through a guard, polling as the trainer does. */
async function watch(losses: number[], grads: number[] = losses.map(() => 1), every = 2): Promise<unknown> {
  const guard = new NumericGuard(every);
  try {
    for (let i = 0; i < losses.length; i++) {
      const loss = tf.scalar(losses[i]!);
      const g = { w: tf.tensor1d([grads[i]!, 0]) };
      guard.observe(loss, g, { epoch: 0, step: i, lr: 0.5 });
      tf.dispose([loss, g.w]);
      await guard.poll();
    }
    await guard.settle();
    return null;
  } catch (err) {
    return err;
  } finally {
    guard.dispose();
  }
}

describe('NumericGuard', () => {
  it('passes finite losses and gradients', async () => {
    expect(await watch([2.3, 2.1, 1.9, 1.8, 1.7])).toBeNull();
  });

  it('names the first non-finite loss: epoch, step, last finite loss, and the start-of-training cause', async () => {
    const err = (await watch([2.3, 2.1, 1e30, Number.NaN, 5])) as { code: string; message: string };
    expect(err.code).toBe('NUMERIC_INSTABILITY');
    expect(err.message).toContain('epoch 1, step 4: the loss became NaN or infinite (last finite loss 1.0000e+30)');
    expect(err.message).toContain('initial learning rate (0.5) is too high');
    expect(err.message).toContain('--lr 0.05');
    expect(err.message).not.toContain('\n');
  });

  it('catches a non-finite gradient under a finite loss', async () => {
    const err = (await watch([2.3, 2.2, 2.1], [1, Number.POSITIVE_INFINITY, 1])) as Error;
    expect(err.message).toContain('step 2: the gradient became NaN or infinite (last finite loss 2.3000)');
  });

  it('keeps the device tensor count flat from step to step', async () => {
    const guard = new NumericGuard(4);
    const counts: number[] = [];
    for (let i = 0; i < 12; i++) {
      const loss = tf.scalar(1);
      const g = { w: tf.ones([3]) };
      guard.observe(loss, g, { epoch: 0, step: i, lr: 0.1 });
      tf.dispose([loss, g.w]);
      await guard.poll();
      counts.push(tf.memory().numTensors);
    }
    await guard.settle();
    guard.dispose();
    expect(new Set(counts.slice(4)).size).toBe(1);
  });
});

/** Multiplies the learning rate by 1e9 from epoch `from` on: a run that diverges mid-way. */
class LrBomb implements TricksterPlugin {
  readonly name = 'lr-bomb';
  constructor(private readonly from: number) {}
  apply(host: PluginHost): void {
    host.hooks.beforeStep.tap({ name: this.name, stage: 1000 }, ({ epoch }) => host.hyper.setMultiplier(this.name, epoch >= this.from ? 1e9 : 1));
  }
}

describe('a diverging run', () => {
  it('stops with NUMERIC_INSTABILITY in the epoch it diverged; the last good checkpoint stays and no model is exported', async () => {
    const outDir = tempRunDir();
    const run = trainSubset({ training: { epochs: 3, batchSize: 64, replicas: 1 } }, { outDir, plugins: [new LrBomb(1)] });
    await expect(run).rejects.toMatchObject({ code: 'NUMERIC_INSTABILITY', message: expect.stringContaining('training diverged at epoch 2') });
    expect((await run.catch((e: { message: string }) => e.message)) as string).toContain('is too high for this stage of training');
    const { json, tensors } = readCheckpoint(path.join(outDir, 'checkpoint.ckpt'));
    tf.dispose(Object.values(tensors));
    expect((json.position as { epoch: number }).epoch).toBe(1);
    expect(readFileSync(path.join(outDir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(outDir, 'model'))).toBe(false);
  });

  it('refuses to report or export a model whose outputs overflow although every training loss was finite', async () => {
    const outDir = tempRunDir();
    // One step at lr 1e6: the step's own loss is finite, the weights it leaves are huge but finite.
    const run = trainSubset({ data: { limit: 128, testLimit: 100 }, training: { epochs: 1, batchSize: 128 }, optimizer: { lr: 1e6 } }, { outDir });
    await expect(run).rejects.toMatchObject({ code: 'NUMERIC_INSTABILITY', message: expect.stringMatching(/test split gave a loss of (NaN|Infinity).*outputs overflow/) });
    expect(existsSync(path.join(outDir, 'model'))).toBe(false);
  });

  it('trickster eval refuses an exported model whose weights hold NaN', async () => {
    const { summary, trainer } = await trainSubset({ training: { epochs: 1, batchSize: 64 } });
    trainer.dispose();
    const modelPath = path.join(summary.runDir, 'model', 'model.json');
    const weights = path.join(summary.runDir, 'model', 'weights.bin');
    const bytes = readFileSync(weights);
    bytes.writeFloatLE(Number.NaN, 8);
    writeFileSync(weights, bytes);
    await expect(evaluateExportedModel({ modelPath, limit: 100 })).rejects.toMatchObject({ code: 'NUMERIC_INSTABILITY' });
  });
});
