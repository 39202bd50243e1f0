import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashTree, runCli, runMain } from '../helpers/bad-input-files.js';
import { tempRunDir } from '../helpers/train-subset.js';

const config = { model: { name: 'small-cnn', width: 1 }, optimizer: { name: 'sgd', lr: 0.1, weightDecay: 5e-4 }, schedule: { name: 'constant' }, training: { epochs: 6 }, plugins: {} };

/** A run directory with the files a run writes, holding an overfitting curve (validation loss off its low at epoch 3). */
function overfitRun(): string {
  const dir = tempRunDir();
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const train = [1.2, 0.8, 0.6, 0.45, 0.35, 0.28];
  const val = [1.25, 0.9, 0.8, 0.82, 0.88, 0.95];
  writeFileSync(path.join(dir, 'metrics.jsonl'), train.map((t, i) => `${JSON.stringify({ epoch: i + 1, step: 10 * (i + 1), lr: 0.1, trainLoss: t, valLoss: val[i], valTop1: 0.8, valTop5: 1, imgPerSec: 100 })}\n`).join(''));
  writeFileSync(path.join(dir, 'steps.jsonl'), train.map((t, i) => `${JSON.stringify({ epoch: i + 1, step: 10 * (i + 1), loss: t, lr: 0.1, imgPerSec: 100, time: i })}\n`).join(''));
  return dir;
}

describe('trickster doctor', () => {
  it('--help names the run directory argument and --json', async () => {
    const r = await runCli(['doctor', '--help'], process.cwd());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: trickster doctor \[options\] <run-dir>/);
    expect(r.stdout).toMatch(/--json/);
  });

  it('prints each finding with its evidence and change, as text and as JSON; the run directory is unchanged', async () => {
    const dir = overfitRun();
    const before = hashTree(dir);
    const text = await runMain(['doctor', dir], process.cwd());
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`trickster doctor ${dir}: 1 finding(s) from 6 step line(s) and 6 epoch line(s) (read config.json, steps.jsonl, metrics.jsonl)`);
    expect(text.stdout).toMatch(/1\. \[overfitting\] overfitting: validation loss rising while training loss falls\n {3}evidence: validation loss lowest at epoch 3 \(0\.8\)/);
    expect(text.stdout).toContain('   change:   plugins: { early-stopping: { patience: 2, restoreBestWeights: true } }');
    const json = await runMain(['doctor', dir, '--json'], process.cwd());
    const report = JSON.parse(json.stdout) as { findings: { id: string; change: string }[]; steps: number; epochs: number };
    expect(report.findings.map((f) => f.id)).toEqual(['overfitting']);
    expect([report.steps, report.epochs]).toEqual([6, 6]);
    expect(hashTree(dir)).toEqual(before);
  });

  const bad: [string, (dir: string) => string, RegExp][] = [
    ['a folder that does not exist', (dir) => path.join(dir, 'nope'), /nope: no such folder; pass the --out folder of a trickster train run/],
    ['a folder without config.json', (dir) => dir, /is not a trickster run directory \(no config\.json\)/],
    ['a run directory with no log lines', (dir) => (writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config)), writeFileSync(path.join(dir, 'metrics.jsonl'), ''), dir), /holds no training logs .*train at least one epoch/],
    ['a config.json that is not JSON', (dir) => (writeFileSync(path.join(dir, 'config.json'), '{"model":'), dir), /config\.json is not valid JSON .*the run directory is damaged/],
  ];
  for (const [name, setup, says] of bad) {
    it(`refuses ${name} with RUN_LOGS_MISSING on one line, writing nothing`, async () => {
      const dir = tempRunDir();
      mkdirSync(dir, { recursive: true });
      const target = setup(dir);
      const before = hashTree(dir);
      const r = await runMain(['doctor', target], process.cwd());
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error \[RUN_LOGS_MISSING\]: /);
      expect(r.stderr).toMatch(says);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(hashTree(dir)).toEqual(before);
    });
  }
});
