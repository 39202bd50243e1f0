import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunProgress } from '../../core/experiments/run-progress.js';
import { cli } from '../helpers/cli.js';
import { tempRunDir } from '../helpers/train-subset.js';

// A recipe with exactly two tricks (label smoothing and a warmup; baseline's step decay, no augmentation); the
// ablation leaves label smoothing out, so the base and -label-smoothing share their trials: 4 trials in all.
const RECIPE = `extends: baseline
data: { augment: { flip: false, crop: false } }
schedule: { name: multistep, fractions: [0.5, 0.75], gamma: 0.1, warmup: { epochs: 1, startFactor: 0.1 } }
plugins: { label-smoothing: { epsilon: 0.1 } }
`;
const TINY = ['--only', 'label-smoothing', '--seeds', '2', '--limit', '256', '--test-limit', '100', '--epochs', '3', '--batch-size', '64', '--parallel', '2'];

/**
 * Runs `trickster ablate ...args` and sends it SIGTERM once one trial is done and another has a
 * checkpoint after its first epoch of three (interrupted mid-run, with two epochs of margin: a trial
 * whose last checkpoint is already written can finish before the signal lands); resolves with its
 * exit code and stderr.
 */
function ablateUntilInterrupted(args: string[], exp: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [path.resolve('bin/trickster.js'), 'ablate', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const watch = setInterval(() => {
    const trials = existsSync(path.join(exp, 'trials')) ? readdirSync(path.join(exp, 'trials')) : [];
    const midway = trials.some((id) => {
      const runDir = path.join(exp, 'trials', id);
      return existsSync(path.join(runDir, 'checkpoint.ckpt')) && readRunProgress(runDir).epochs === 1;
    });
    if (/: done, test/.test(stderr) && midway) {
      clearInterval(watch);
      child.kill('SIGTERM');
    }
  }, 50);
  return new Promise((resolve) => child.on('close', (code) => (clearInterval(watch), resolve({ code, stderr }))));
}

describe('trickster ablate: an interrupted experiment continues where it stopped', () => {
  it('finished trials are skipped, the interrupted one resumes exactly (as trained without interruption), the table is complete', async () => {
    const dir = tempRunDir('trickster-ablate-');
    const config = path.join(dir, 'two-tricks.yaml');
    writeFileSync(config, RECIPE);
    const exp = path.join(dir, 'exp');
    const args = ['--config', config, ...TINY, '--out', exp];

    const first = await ablateUntilInterrupted(args, exp);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toMatch(/error \[EXPERIMENT_INTERRUPTED\]: stopped by a signal: \d+ trials left \(their checkpoints kept\); run the same command again to continue/);
    const status = await cli('experiment', 'status', exp);
    expect(status.stdout).toMatch(/seed \d+ {2}done, test top-1 \d+\.\d\d%/);
    expect(status.stdout).toMatch(/interrupted at epoch [12]\/3/);

    const second = await cli('ablate', ...args);
    expect(second.code, second.stderr).toBe(0);
    const [, done, resume] = /\n4 trials: (\d+) done, (\d+) to resume/.exec(second.stderr)!.map(Number);
    expect(done).toBeGreaterThanOrEqual(1);
    expect(resume).toBeGreaterThanOrEqual(1);
    const resumed = /(\S+): resuming after epoch [12]/.exec(second.stderr)![1]!;
    expect(second.stderr.match(/: starting/g)?.length ?? 0).toBe(4 - done! - resume!);
    expect(second.stdout).toMatch(/^\| variant \| vs \| n \| top-1 % \|/m);

    // Every variant has both seeds; the resumed trial ends as the same trial trained without interruption.
    const table = JSON.parse((await cli('experiment', 'table', exp, '--format', 'json')).stdout) as { rows: Array<{ variant: string; n: number }> };
    expect(table.rows.map((r) => [r.variant, r.n]).sort()).toEqual([['-label-smoothing', 2], ['base', 2], ['full', 2]]);
    const uninterrupted = await cli('train', '--config', path.join(exp, 'configs', `${resumed}.json`), '--out', path.join(dir, 'again'), '--json', '--progress', 'none');
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    const record = JSON.parse(readFileSync(path.join(exp, 'results', `${resumed}.json`), 'utf8')) as { summary: { top1: number; steps: number } };
    const summary = JSON.parse(uninterrupted.stdout.trim().split('\n').pop()!) as { top1: number; steps: number };
    expect(record.summary.top1).toBe(summary.top1);
    expect(record.summary.steps).toBe(summary.steps);

    const csv = await cli('experiment', 'table', exp, '--format', 'csv');
    expect(csv.stdout.split('\n')[0]).toMatch(/^variant,vs,n,trials,top1_mean/);
    const other = await cli('ablate', '--config', config, ...TINY, '--seeds', '3', '--out', exp);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^error \[EXPERIMENT_MISMATCH\]: .* holds another experiment \(2 of this command's 6 trials are not in it\); it was made by: trickster ablate --config /);
  });
});

describe('trickster sweep: bad inputs and failing trials', () => {
  it('an unknown grid path is refused before anything starts, with a did-you-mean', async () => {
    const out = path.join(tempRunDir('trickster-sweep-'), 'exp');
    const r = await cli('sweep', '--preset', 'baseline', '--grid', 'optimizer.lr=0.05,0.1', '--grid', 'training.batchSise=64', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[CONFIG_INVALID\]: --grid optimizer.lr=0.05 training.batchSise=64: invalid config .*unknown key "batchSise" \(did you mean "batchSize"\?\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('with a validation split the best point is chosen on validation top-1; without --grid it sweeps the recipe alone over the seeds', async () => {
    const dir = tempRunDir('trickster-sweep-');
    const config = path.join(dir, 'val.yaml');
    writeFileSync(config, 'extends: baseline\ndata: { validationSplit: 0.25, augment: { flip: false, crop: false } }\n');
    const tiny = ['--limit', '512', '--test-limit', '100', '--epochs', '1', '--batch-size', '64', '--parallel', '2'];
    const grid = await cli('sweep', '--config', config, '--grid', 'optimizer.lr=0.01,0.05', '--seeds', '1', ...tiny, '--out', path.join(dir, 'grid'));
    expect(grid.code, grid.stderr).toBe(0);
    expect(grid.stdout).toMatch(/^\| variant \| vs \| n \| val top-1 % \| val Δ pp \| val 95% CI \| top-1 % \|/m);
    expect(grid.stdout).toMatch(/^\| optimizer\.lr=0\.0[15] \| {2}\| 1 \| \d+\.\d\d \| {2}\| {2}\| \d+\.\d\d \|/m);
    expect(grid.stdout).toMatch(/^\| optimizer\.lr=0\.0[15] \| optimizer\.lr=0\.0[15] \| 1 \| \d+\.\d\d \| [+-]\d+\.\d\d \| {2}\| \d+\.\d\d \|/m);
    expect(grid.stdout).toMatch(/Δ: paired test difference from the grid point with the best mean validation top-1 \(optimizer\.lr=0\.0[15]\); the test split chose nothing/);
    const alone = await cli('sweep', '--config', config, '--seeds', '2', ...tiny, '--out', path.join(dir, 'alone'));
    expect(alone.code, alone.stderr).toBe(0);
    expect(alone.stderr).toMatch(/1 variants? × 2 seeds = 2 trials/);
    expect(alone.stdout).toMatch(/^\| recipe \| {2}\| 2 \| \d+\.\d\d \| {2}\| {2}\| \d+\.\d\d ± \d+\.\d\d \|/m);
  }, 300_000);

  it('a trial that fails is retried, then reported by the table, status and a TRIALS_FAILED exit', async () => {
    const dir = tempRunDir('trickster-sweep-');
    const exp = path.join(dir, 'exp');
    const r = await cli('sweep', '--preset', 'baseline', '--grid', 'optimizer.lr=0.1', '--seeds', '1', '--limit', '256', '--epochs', '1', '--data', path.join(dir, 'no-data'), '--retries', '1', '--out', exp);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed \(attempt 1\): error \[DATA_NOT_FOUND\]/);
    expect(r.stderr).toMatch(/failed \(attempt 2\): error \[DATA_NOT_FOUND\]/);
    expect(r.stderr).toMatch(/error \[TRIALS_FAILED\]: 1 trials failed after 2 attempts \(optimizer-lr-0-1-s1-[0-9a-f]{10}\); see trickster experiment status /);
    expect(r.stdout).toMatch(/- failed: optimizer-lr-0-1-s1-\w+: error \[DATA_NOT_FOUND\]/);
    const status = await cli('experiment', 'status', exp);
    expect(status.stdout).toMatch(/optimizer.lr=0.1 {2}seed 1 {2}failed at epoch 0\/1: error \[DATA_NOT_FOUND\]/);
  });
});
