import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../../app/create-trainer.js';
import { resolveConfig } from '../../core/config/load.js';
import { diagnoseRun } from '../../core/diagnosis/index.js';
import { readRunCurves } from '../../core/diagnosis/read-run.js';
import type { Logger } from '../../core/logger.js';
import { tempRunDir } from '../helpers/train-subset.js';

/**
 * Short real runs of the baseline preset on Fashion-MNIST, each made to show one learning-rate
 * reading of seed 003 (or none), diagnosed from the files they wrote, and live while they ran.
 */
async function realRun(lr: number, extra: Record<string, unknown>) {
  const inline = { extends: 'baseline', optimizer: { name: 'sgd', lr, momentum: 0.9, nesterov: true }, ...extra };
  const warnings: string[] = [];
  const logger: Logger = { info: () => {}, warn: (m) => warnings.push(m) };
  const outDir = tempRunDir();
  const trainer = await createTrainer(await resolveConfig({ inline }), { backend: 'wasm', outDir, progress: 'none', logger });
  const error = await trainer.fit().then(() => null, (err: unknown) => err as Error & { code?: string });
  trainer.dispose();
  return { outDir, warnings, error, findings: diagnoseRun(readRunCurves(outDir).curves) };
}

describe('diagnoses of real runs', () => {
  it('--lr 5: the loss explodes at the start; the run stops with NUMERIC_INSTABILITY and leaves divergence.json', async () => {
    const run = await realRun(5, { data: { limit: 512, testLimit: 100 }, training: { epochs: 2, batchSize: 32, replicas: 1, logEverySteps: 1 } });
    expect(run.error?.code).toBe('NUMERIC_INSTABILITY');
    const record = JSON.parse(readFileSync(path.join(run.outDir, 'divergence.json'), 'utf8'));
    expect(record).toMatchObject({ code: 'NUMERIC_INSTABILITY', message: run.error!.message, lr: expect.any(Number), step: 32 });
    expect(run.findings.map((d) => d.id)).toEqual(['divergence', 'initial-lr-too-high']);
    for (const d of run.findings) expect(d.change).toBe('optimizer.lr: 5 -> 0.5');
    // Live: warned once, during the run.
    expect(run.warnings.filter((w) => w.startsWith('initial learning rate too high'))).toHaveLength(1);
  }, 60_000);

  it('--lr 1e7: the NaN watch stops the run in its first steps; divergence.json holds its message, the doctor a tenth of the rate', async () => {
    const run = await realRun(1e7, { data: { limit: 256, testLimit: 100 }, training: { epochs: 1, batchSize: 32, replicas: 1 } });
    expect(run.error?.message).toMatch(/^training diverged at epoch 1, step \d+: the (loss|gradient) became NaN or infinite/);
    const record = JSON.parse(readFileSync(path.join(run.outDir, 'divergence.json'), 'utf8'));
    const step = Number(/step (\d+):/.exec(run.error!.message)![1]);
    expect(record).toMatchObject({ code: 'NUMERIC_INSTABILITY', message: run.error!.message, epochsCompleted: 0, step, lr: 1e7 });
    expect(run.findings[0]).toMatchObject({ id: 'divergence', change: 'optimizer.lr: 1.00e+7 -> 1.00e+6' });
    expect(run.findings[0]!.evidence).toContain('after 0 finished epoch(s)');
  }, 60_000);

  it('--lr 1e-5 at a constant rate: a slow steady fall, a rate ten times higher suggested', async () => {
    const run = await realRun(1e-5, { schedule: { name: 'constant' }, data: { limit: 512, testLimit: 100 }, training: { epochs: 3, batchSize: 16, replicas: 1, logEverySteps: 4 } });
    expect(run.error).toBeNull();
    expect(run.findings.map((d) => d.id)).toEqual(['lr-too-low']);
    expect(run.findings[0]!.change).toBe('optimizer.lr: 1.00e-5 -> 1.00e-4');
    expect(run.warnings.filter((w) => w.startsWith('learning rate too low'))).toHaveLength(1);
    expect(existsSync(path.join(run.outDir, 'divergence.json'))).toBe(false);
  }, 60_000);

  it('--lr 0.5 at a constant rate: a fast drop, then a flat, noisy loss at the same rate; a cosine schedule suggested', async () => {
    const run = await realRun(0.5, { schedule: { name: 'constant' }, data: { limit: 512, testLimit: 100 }, training: { epochs: 4, batchSize: 32, replicas: 1, logEverySteps: 2 } });
    expect(run.error).toBeNull();
    const late = run.findings.find((d) => d.id === 'late-lr-too-high');
    expect(late?.change).toBe('schedule: { name: cosine }');
    expect(late?.evidence).toMatch(/while the lr is still 0\.5 at step 64/);
    expect(run.warnings.filter((w) => w.startsWith('learning rate too high late'))).toHaveLength(1);
  }, 60_000);

  it('the baseline preset as it is (lr 0.05, batch 128, a step line every 10 steps): the spike inside the first logged window is found from ln(10)', async () => {
    const warnings: string[] = [];
    const outDir = tempRunDir();
    const resolved = await resolveConfig({ preset: 'baseline', overrides: { data: { limit: 2560, testLimit: 100 }, training: { epochs: 1 } } });
    const trainer = await createTrainer(resolved, { backend: 'wasm', outDir, progress: 'none', logger: { info: () => {}, warn: (m) => warnings.push(m) } });
    await trainer.fit();
    trainer.dispose();
    const { curves } = readRunCurves(outDir);
    expect(curves.initialLoss).toBeCloseTo(Math.log(10), 12);
    expect(curves.steps[0]!.loss).toBeGreaterThan(1.5 * Math.log(10));
    const initial = diagnoseRun(curves).find((d) => d.id === 'initial-lr-too-high');
    expect(initial?.evidence).toMatch(/^training loss \d+\.\d+ at step 10 \(epoch 1, lr 0\.05\), the first logged, is \d\.\d+x the 2\.303 \(ln\(classes\)\) a fresh classifier starts from/);
    expect(initial?.change).toBe('schedule.warmup: { epochs: 1, startFactor: 0.1 }');
    expect(warnings.filter((w) => w.startsWith('initial learning rate too high'))).toHaveLength(1);
  }, 120_000);

  it('a well-set rate: neither learning-rate finding, no divergence', async () => {
    const run = await realRun(0.01, { data: { limit: 768, testLimit: 100 }, training: { epochs: 2, batchSize: 32, replicas: 1, logEverySteps: 2 } });
    expect(run.error).toBeNull();
    const ids = run.findings.map((d) => d.id);
    for (const id of ['divergence', 'initial-lr-too-high', 'lr-too-low', 'late-lr-too-high'] as const) expect(ids).not.toContain(id);
    expect(run.warnings).toEqual([]);
  }, 60_000);
});
