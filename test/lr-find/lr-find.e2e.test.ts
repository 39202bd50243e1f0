import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { findLearningRate } from '../../app/lr-find.js';
import { useBackend } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import { silentLogger } from '../../core/logger.js';
import { subsetConfig, tempRunDir } from '../helpers/train-subset.js';

const run = promisify(execFile);
const bin = path.resolve('bin/trickster.js');

/** Runs the CLI in `cwd`; resolves with exit code, stdout and stderr. */
async function cliIn(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('trickster lr-find (real Fashion-MNIST subset, wasm)', () => {
  it('runs the ramp, prints both suggestions, writes only --svg and --apply (a new config extending the preset)', async () => {
    const dir = tempRunDir('trickster-lrfind-');
    const r = await cliIn(dir, 'lr-find', '--preset', 'baseline', '--limit', '512', '--batch-size', '32', '--steps', '40', '--backend', 'wasm', '--svg', 'curve.svg', '--apply', 'tuned.yaml', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^valley lr \S+ {2}\(smoothed loss /m);
    expect(r.stdout).toMatch(/^steep {2}lr \S+ {2}\(smoothed loss /m);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(result.plannedSteps).toBe(40);
    expect(result.points.length).toBeGreaterThan(10);
    expect(result.points.length).toBeLessThanOrEqual(40);
    // The ramp: 1e-7 · (10/1e-7)^(i/40), one point per optimizer step.
    result.points.forEach((p: { lr: number }, i: number) => expect(p.lr).toBeCloseTo(1e-7 * 1e8 ** (i / 40), 12));
    const first = result.points[0];
    expect(first.smoothed).toBeCloseTo(first.loss, 10);
    expect(result.valley.lr).toBe(result.points[result.valley.index + 4].lr); // the window starts at plannedSteps / 10 = 4
    // Only the requested files, no run directory or checkpoint.
    expect(readdirSync(dir).sort()).toEqual(['curve.svg', 'tuned.yaml']);
    expect(readFileSync(path.join(dir, 'curve.svg'), 'utf8')).toMatch(/^<svg .*valley: .*steep: /s);
    expect(readFileSync(path.join(dir, 'tuned.yaml'), 'utf8')).toBe(
      `# written by trickster lr-find\nextends: "baseline"\noptimizer:\n  lr: ${Number(result.valley.lr.toPrecision(3))}\n`,
    );
    // The written config resolves, at the suggested rate.
    const applied = await resolveConfig({ configFile: path.join(dir, 'tuned.yaml') });
    expect(applied.config.optimizer.lr).toBe(Number(result.valley.lr.toPrecision(3)));
    expect(applied.config.model.name).toBe('small-cnn');
  });

  it('a start rate above the end rate is a coded error, exit 1, nothing written', async () => {
    const dir = tempRunDir('trickster-lrfind-');
    const r = await cliIn(dir, 'lr-find', '--preset', 'baseline', '--limit', '256', '--start-lr', '1', '--end-lr', '0.1', '--backend', 'wasm', '--apply', 'x.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[CONFIG_INVALID\]: the range test needs 0 < start lr < end lr, got 1 and 0.1/m);
    expect(existsSync(path.join(dir, 'x.yaml'))).toBe(false);
  });

  it('through the plugins: accumulation gives one point per optimizer step, the linear rule maps the rate back to optimizer.lr, no tensor leaks', async () => {
    await useBackend('wasm');
    const config = subsetConfig({
      optimizer: { lr: 0.1 },
      schedule: { name: 'constant', scaleRule: 'linear' },
      plugins: { 'gradient-accumulation': { steps: 2 }, 'label-smoothing': { epsilon: 0.1 } },
      training: { batchSize: 32 },
    });
    const resolved = await resolveConfig({ inline: config });
    const before = tf.memory().numTensors;
    const r = await findLearningRate(resolved, { steps: 12, startLr: 1e-4, endLr: 1, backend: 'wasm', logger: silentLogger });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.points.length).toBe(12);
    r.points.forEach((p, i) => expect(p.lr).toBeCloseTo(1e-4 * 1e4 ** (i / 12), 12));
    // Effective batch 64 under the linear rule for SGD (lr · batch / 256): a rate of the curve is that rate · 256/64 as optimizer.lr.
    expect(r.configLrPerRate).toBeCloseTo(4, 12);
    if (r.valley) expect(r.suggestedConfigLr).toBeCloseTo(4 * r.valley.lr, 12);
  });
});
