import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../core/config/load.js';
import { acquireLock } from '../../core/experiments/experiment-lock.js';
import { experimentStatus, statusLines } from '../../core/experiments/experiment-status.js';
import { ExperimentDir, type Manifest } from '../../core/experiments/manifest.js';
import { runPool } from '../../core/experiments/pool.js';
import { writeTrialRecord } from '../../core/experiments/trial-record.js';
import { errorLine, trainArgs } from '../../core/experiments/trial-runner.js';
import { expandTrials } from '../../core/experiments/trials.js';
import type { RunSummary } from '../../core/run-summary.js';
import { tempRunDir } from '../helpers/train-subset.js';

/** A 4-trial experiment (two variants × seeds 1, 2) created in a fresh folder. */
async function experiment(seeds = [1, 2]): Promise<{ exp: ExperimentDir; manifest: Manifest }> {
  const config = (await resolveConfig({ preset: 'baseline', overrides: { training: { epochs: 2 } } })).config;
  const variants = [{ name: 'full', reference: null, config }, { name: '-x', reference: 'full', config: { ...config, optimizer: { ...config.optimizer, lr: 0.1 } } }];
  const { trials, byVariant } = expandTrials(variants, seeds, { dataDir: null, backend: 'wasm' });
  const manifest: Manifest = { version: 1, kind: 'ablation', command: 'trickster ablate --seeds 2', created: '', seeds, trials, variants: variants.map((v) => ({ name: v.name, reference: v.reference, trials: byVariant[v.name]! })) };
  const exp = new ExperimentDir(path.join(tempRunDir('trickster-expdir-'), 'exp'));
  exp.openOrCreate(manifest);
  return { exp, manifest };
}

describe('experiment folders', () => {
  it('status from the folder alone: done, failed with its error line, interrupted at an epoch, pending', async () => {
    const { exp, manifest } = await experiment();
    const [done, failed, interrupted] = manifest.trials.map((t) => t.id);
    writeTrialRecord(exp.resultFile(done!), { id: done!, status: 'done', attempts: 1, wallSeconds: 3, summary: { top1: 0.8123 } as RunSummary });
    writeTrialRecord(exp.resultFile(failed!), { id: failed!, status: 'failed', attempts: 2, wallSeconds: 3, error: 'error [DATA_NOT_FOUND]: no data' });
    mkdirSync(exp.runDir(interrupted!), { recursive: true });
    writeFileSync(path.join(exp.runDir(interrupted!), 'metrics.jsonl'), '{"epoch":1,"step":4,"valTop1":0.5}\n{"epoch":2,"st');
    writeFileSync(path.join(exp.runDir(interrupted!), 'checkpoint.ckpt'), '');
    const lines = statusLines(experimentStatus(exp, manifest));
    expect(lines).toEqual([
      `${done}  full  seed 1  done, test top-1 81.23%`,
      `${failed}  full  seed 2  failed at epoch 0/2: error [DATA_NOT_FOUND]: no data`,
      `${interrupted}  -x  seed 1  interrupted at epoch 1/2`,
      `${manifest.trials[3]!.id}  -x  seed 2  pending`,
      '1 done, 1 failed, 1 interrupted, 1 pending',
    ]);
  });

  it('the next attempt resumes a run directory with a checkpoint, and starts fresh otherwise', async () => {
    const { exp, manifest } = await experiment();
    const [a, b] = manifest.trials;
    mkdirSync(exp.runDir(a!.id), { recursive: true });
    writeFileSync(path.join(exp.runDir(a!.id), 'checkpoint.ckpt'), '');
    expect(trainArgs({ configFile: exp.configFile(a!.id), runDir: exp.runDir(a!.id), run: a!.run })).toEqual({
      args: ['train', '--resume', exp.runDir(a!.id), '--json', '--no-report', '--progress', 'none', '--backend', 'wasm'], fresh: false,
    });
    expect(trainArgs({ configFile: exp.configFile(b!.id), runDir: exp.runDir(b!.id), run: { ...b!.run, dataDir: '/d' } })).toEqual({
      args: ['train', '--config', exp.configFile(b!.id), '--out', exp.runDir(b!.id), '--json', '--no-report', '--progress', 'none', '--backend', 'wasm', '--data', '/d'], fresh: true,
    });
    expect(JSON.parse(readFileSync(exp.configFile(b!.id), 'utf8'))).toEqual(b!.config);
    expect(errorLine('trickster: backend wasm\nerror [NUMERIC_INSTABILITY]: loss NaN at step 3\n(run with --verbose)\n')).toBe('error [NUMERIC_INSTABILITY]: loss NaN at step 3');
  });

  it('another experiment in the folder is refused (EXPERIMENT_MISMATCH); the same one continues', async () => {
    const { exp, manifest } = await experiment();
    expect(exp.openOrCreate({ ...manifest, created: 'later' }).created).toBe('');
    const three = await experiment([1, 2, 3]);
    expect(() => exp.openOrCreate(three.manifest)).toThrow(/holds another experiment \(2 of this command's 6 trials are not in it\); it was made by: trickster ablate --seeds 2/);
    expect(() => exp.openOrCreate({ ...manifest, kind: 'sweep' })).toThrow(/it is an ablation, this command makes a sweep/);
  });

  it('a folder run by a live process, or with a live trial process left by a killed one, is refused (EXPERIMENT_BUSY); a lock left by a dead one is taken over', async () => {
    const { exp, manifest } = await experiment();
    writeFileSync(path.join(exp.dir, 'lock'), `${process.ppid}\n`);
    expect(() => acquireLock(exp.dir)).toThrow(expect.objectContaining({ code: 'EXPERIMENT_BUSY', message: expect.stringMatching(/is being run by process \d+; wait for it to end/) }));
    const trial = manifest.trials[0]!.id;
    mkdirSync(path.dirname(exp.pidFile(trial)), { recursive: true });
    writeFileSync(exp.pidFile(trial), `${process.ppid}\n`);
    const lines: string[] = [];
    await expect(runPool(exp, manifest, { parallel: 1, retries: 0, bin: 'unused', log: (l) => lines.push(l) })).rejects.toThrow(
      new RegExp(`^trial ${trial} is still being trained by process ${process.ppid}, left by an experiment that was killed`),
    );
    expect(lines).toEqual([]);
    writeFileSync(path.join(exp.dir, 'lock'), '999999999\n');
    const release = acquireLock(exp.dir);
    expect(readFileSync(path.join(exp.dir, 'lock'), 'utf8')).toBe(`${process.pid}\n`);
    release();
  });
});
