import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { metricLines } from '../helpers/contract-run.js';
import { tempRunDir } from '../helpers/train-subset.js';
import { requireNative } from './require-native.js';

/** 3 epochs of batch 64 over 1,024 images (16 steps an epoch), 200 test images, on tensorflow. */
const train = ['train', '--preset', 'baseline', '--limit', '1024', '--test-limit', '200', '--epochs', '3', '--batch-size', '64', '--backend', 'node', '--progress', 'none', '--json'];

/**
 * Starts the CLI training in `dir`, waits for the checkpoint of epoch 1 (written atomically after
 * the epoch's metrics line) and SIGKILLs the process, mid-way through epoch 2.
 */
async function trainAndKill(dir: string): Promise<void> {
  const child = spawn(process.execPath, [path.resolve('bin/trickster.js'), ...train, '--out', dir], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const checkpoint = path.join(dir, 'checkpoint.ckpt');
  while (!existsSync(checkpoint)) {
    if (child.exitCode !== null) throw new Error(`training exited (${child.exitCode}) before its first checkpoint`);
    await sleep(10);
  }
  child.kill('SIGKILL');
  expect(await exited).toBeNull(); // killed, not finished
}

describe('native backend: a run SIGKILLed after epoch 1 and resumed', () => {
  beforeAll(requireNative);

  it('ends with the same metrics and the same exported weights as an uninterrupted run', async () => {
    const straightDir = tempRunDir('trickster-native-straight-');
    const straight = await cli(...train, '--out', straightDir);
    expect(straight.code, straight.stderr).toBe(0);

    const killedDir = tempRunDir('trickster-native-killed-');
    await trainAndKill(killedDir);
    expect(existsSync(path.join(killedDir, 'summary.json'))).toBe(false);
    expect(metricLines(killedDir)).toHaveLength(1);
    const resumed = await cli(...train, '--resume', killedDir);
    expect(resumed.code, resumed.stderr).toBe(0);

    expect(metricLines(killedDir)).toEqual(metricLines(straightDir));
    const pick = (json: string) => {
      const s = JSON.parse(json.trim().split('\n').at(-1)!) as Record<string, unknown>;
      return { backend: s.backend, epochs: s.epochs, steps: s.steps, top1: s.top1, testLoss: s.testLoss };
    };
    expect(pick(resumed.stdout)).toEqual(pick(straight.stdout));
    expect(pick(straight.stdout).backend).toBe('tensorflow (@tensorflow/tfjs-node)');
    expect(readFileSync(path.join(killedDir, 'model', 'weights.bin')).equals(readFileSync(path.join(straightDir, 'model', 'weights.bin')))).toBe(true);
  });
});
