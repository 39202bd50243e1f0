import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { createTrainer } from '../../app/create-trainer.js';
import { resolveConfig } from '../../core/config/load.js';
import { silentLogger } from '../../core/logger.js';
import type { TricksterPlugin } from '../../core/plugin.js';
import { subsetConfig, tempRunDir } from '../helpers/train-subset.js';

// 384 images in batches of 64: 6 optimizer steps an epoch; a step line every 4 steps and one at each epoch's end.
const config = subsetConfig({ training: { epochs: 3, batchSize: 64, replicas: 1, logEverySteps: 4 }, schedule: { name: 'step', stepSize: 1, gamma: 0.5 } }, 384, 100);

async function train(outDir: string, opts: { epochs?: number; resume?: boolean; plugins?: TricksterPlugin[]; overrides?: Record<string, unknown> } = {}) {
  const resolved = await resolveConfig({ inline: config, overrides: { training: { epochs: opts.epochs ?? 3 }, ...opts.overrides } });
  const trainer = await createTrainer(resolved, { backend: 'wasm', outDir, resume: opts.resume ?? false, progress: 'none', logger: silentLogger, plugins: opts.plugins ?? [] });
  try {
    return await trainer.fit();
  } finally {
    trainer.dispose();
  }
}

const lines = (dir: string, name: string) => readFileSync(path.join(dir, name), 'utf8').trim().split('\n');
const jsonl = (dir: string, name: string) => lines(dir, name).map((l) => JSON.parse(l) as Record<string, number>);
/** The lines without the fields that measure time (they differ between any two runs). */
const untimed = (records: Record<string, number>[]) => records.map(({ time: _t, imgPerSec: _i, ...rest }) => rest);
const untimedCsv = (dir: string, name: string, drop: string[]) => {
  const [header, ...rows] = lines(dir, name).map((l) => l.split(','));
  const keep = header!.map((h, i) => (drop.includes(h) ? -1 : i)).filter((i) => i >= 0);
  return [header!, ...rows].map((r) => keep.map((i) => r[i]).join(','));
};

/** A plugin that throws as a crash would: in the step of (0-based) epoch and batch, or in saveState once `epoch` epochs are done, before their checkpoint. */
function crashAt(where: 'step' | 'saveState', epoch: number, batch = 0): TricksterPlugin {
  return {
    name: 'crash',
    apply(host) {
      if (where === 'step') host.hooks.afterStep.tap('crash', (c) => {
        if (c.epoch === epoch && c.batchInEpoch === batch) throw new Error('crash in the middle of an epoch');
      });
      else host.hooks.saveState.tap('crash', () => {
        if (host.position.epoch === epoch) throw new Error('crash before the checkpoint');
      });
    },
  };
}

describe('step log and CSV logs', () => {
  it('writes steps.jsonl/.csv every logEverySteps steps and at each epoch end, whose losses average to the epoch train loss', async () => {
    const dir = tempRunDir();
    await train(dir, { epochs: 2 });
    const steps = jsonl(dir, 'steps.jsonl');
    expect(steps.map((s) => [s.epoch, s.step])).toEqual([[1, 4], [1, 6], [2, 8], [2, 12]]);
    for (const s of steps) expect(Object.keys(s)).toEqual(['epoch', 'step', 'loss', 'lr', 'imgPerSec', 'time']);
    expect(steps.map((s) => s.lr)).toEqual([0.1, 0.1, 0.05, 0.05]);
    expect(steps.every((s) => s.imgPerSec > 0 && s.time > 0 && s.loss > 0)).toBe(true);
    expect(steps.map((s) => s.time)).toEqual([...steps.map((s) => s.time)].sort((a, b) => a - b));
    const metrics = jsonl(dir, 'metrics.jsonl');
    // Lines cover 4+2 and 2+4 steps (steps 7-8, then 9-12): their step-weighted mean loss is the epoch's mean train loss.
    expect((4 * steps[0]!.loss + 2 * steps[1]!.loss) / 6).toBeCloseTo(metrics[0]!.trainLoss, 5);
    expect((2 * steps[2]!.loss + 4 * steps[3]!.loss) / 6).toBeCloseTo(metrics[1]!.trainLoss, 5);
    const csv = lines(dir, 'steps.csv');
    expect(csv[0]).toBe('step,epoch,loss,lr,imgPerSec,time');
    expect(csv.slice(1)).toEqual(steps.map((s) => [s.step, s.epoch, s.loss, s.lr, s.imgPerSec, s.time].join(',')));
    const mcsv = lines(dir, 'metrics.csv');
    expect(mcsv[0]).toBe('epoch,step,lr,trainLoss,valLoss,valTop1,valTop5,testLoss,testTop1,testTop5,imgPerSec');
    expect(mcsv.slice(1)).toEqual(metrics.map((m) => `${m.epoch},${m.step},${m.lr},${m.trainLoss},,,,,,,${m.imgPerSec}`));
  });

  it('adds no synchronous device read: dataSync/arraySync are called as often with a line every step as with no step log', async () => {
    const syncReads = async (logEverySteps: number) => {
      const dataSync = vi.spyOn(tf.Tensor.prototype, 'dataSync');
      const arraySync = vi.spyOn(tf.Tensor.prototype, 'arraySync');
      try {
        await train(tempRunDir(), { epochs: 1, overrides: { training: { epochs: 1, logEverySteps } } });
        return dataSync.mock.calls.length + arraySync.mock.calls.length;
      } finally {
        dataSync.mockRestore();
        arraySync.mockRestore();
      }
    };
    expect(await syncReads(1)).toBe(await syncReads(0));
  });

  it('logEverySteps 0 writes no step log; a negative or fractional value is CONFIG_INVALID', async () => {
    const dir = tempRunDir();
    await train(dir, { epochs: 1, overrides: { training: { epochs: 1, logEverySteps: 0 } } });
    expect(existsSync(path.join(dir, 'steps.jsonl'))).toBe(false);
    expect(lines(dir, 'metrics.jsonl')).toHaveLength(1);
    for (const bad of [-1, 1.5]) {
      await expect(resolveConfig({ inline: config, overrides: { training: { logEverySteps: bad } } })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('training.logEverySteps') });
    }
  });

  it('a run that crashed mid-epoch, or after an epoch\'s lines but before its checkpoint, resumes to the same lines as an uninterrupted run', async () => {
    const straight = tempRunDir();
    await train(straight);
    for (const [crash, metricLines] of [[crashAt('step', 1, 5), 1], [crashAt('saveState', 2), 2]] as const) {
      const dir = tempRunDir();
      await expect(train(dir, { plugins: [crash] })).rejects.toThrow(/crash/);
      // What the crash left: lines of the unfinished epoch 2 (and its metrics line), past the checkpoint of epoch 1.
      expect(jsonl(dir, 'steps.jsonl').map((s) => s.epoch)).toContain(2);
      expect(lines(dir, 'metrics.jsonl')).toHaveLength(metricLines);
      writeFileSync(path.join(dir, 'divergence.json'), '{}');
      await train(dir, { resume: true });
      expect(untimed(jsonl(dir, 'steps.jsonl'))).toEqual(untimed(jsonl(straight, 'steps.jsonl')));
      expect(untimed(jsonl(dir, 'metrics.jsonl'))).toEqual(untimed(jsonl(straight, 'metrics.jsonl')));
      expect(untimedCsv(dir, 'steps.csv', ['time', 'imgPerSec'])).toEqual(untimedCsv(straight, 'steps.csv', ['time', 'imgPerSec']));
      expect(untimedCsv(dir, 'metrics.csv', ['imgPerSec'])).toEqual(untimedCsv(straight, 'metrics.csv', ['imgPerSec']));
      // A divergence record is of the attempt before the resume.
      expect(existsSync(path.join(dir, 'divergence.json'))).toBe(false);
    }
  });
});
