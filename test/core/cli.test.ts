import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliWithEnv } from '../helpers/cli.js';
import { tempRunDir } from '../helpers/train-subset.js';

describe('trickster CLI', () => {
  it('train --json: first line names the backend, last line is the summary; eval agrees', async () => {
    const out = tempRunDir();
    const r = await cli('train', '--limit', '256', '--epochs', '1', '--batch-size', '64', '--backend', 'wasm', '--replicas', '2', '--out', out, '--progress', 'none', '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('trickster: backend wasm');
    const summary = JSON.parse(lines.at(-1)!);
    for (const key of ['backend', 'preset', 'model', 'replicas', 'epochs', 'steps', 'top1', 'top5', 'testLoss', 'imgPerSec', 'wallSeconds', 'runDir']) {
      expect(summary).toHaveProperty(key);
    }
    expect(summary).toMatchObject({ backend: 'wasm', preset: 'baseline', model: 'small-cnn', replicas: 2, epochs: 1, steps: 4, runDir: out });
    // The speed comes with the machine it was measured on (core/machine.ts).
    expect(summary.machine).toMatchObject({ cpu: os.cpus()[0]!.model, cores: os.cpus().length, node: process.version });
    expect(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')).machine).toEqual(summary.machine);
    // The final evaluation ran split over the two replicas; eval runs the exported model in one thread.
    const e = await cli('eval', '--model', path.join(out, 'model', 'model.json'), '--backend', 'wasm', '--json');
    expect(e.code, e.stderr).toBe(0);
    const metrics = JSON.parse(e.stdout.trim().split('\n').at(-1)!);
    expect(metrics.top1).toBeCloseTo(summary.top1, 6);
    expect(metrics.testLoss).toBeCloseTo(summary.testLoss, 4);
  });

  it('eval --limit n picks the test subset train --test-limit n picked (the run\'s seed), so it gives back the run\'s numbers', async () => {
    const out = tempRunDir();
    const r = await cli('train', '--limit', '256', '--test-limit', '300', '--seed', '5', '--epochs', '1', '--batch-size', '64', '--backend', 'wasm', '--out', out, '--progress', 'none', '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    const e = await cli('eval', '--model', path.join(out, 'model', 'model.json'), '--limit', '300', '--backend', 'wasm', '--json');
    expect(e.code, e.stderr).toBe(0);
    const metrics = JSON.parse(e.stdout.trim().split('\n').at(-1)!);
    expect(metrics.count).toBe(300);
    expect(metrics.top1).toBeCloseTo(summary.top1, 6);
    expect(metrics.testLoss).toBeCloseTo(summary.testLoss, 4);
  });

  it('errors are one line naming the cause, non-zero exit, no stack unless --verbose', async () => {
    const preset = await cli('train', '--preset', 'basline');
    expect(preset.code).toBe(1);
    expect(preset.stderr.trim()).toMatch(/^error \[PRESET_UNKNOWN\]: unknown preset "basline". Did you mean "baseline"\?/);
    expect(preset.stderr).not.toMatch(/\n\s+at /);
    const data = await cli('train', '--data', '/nonexistent/data', '--backend', 'cpu');
    expect(data.code).toBe(1);
    expect(data.stderr).toMatch(/error \[DATA_NOT_FOUND\]: Data folder \/nonexistent\/data \(from the --data flag\) does not exist.*apt-get install -y dataset-fashion-mnist/);
    const verbose = await cli('train', '--preset', 'basline', '--verbose');
    expect(verbose.stderr).toMatch(/\n\s+at /);
    const flag = await cli('train', '--epochs', 'many');
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toMatch(/--epochs.*expected a positive integer, found "many"/);
    const replicas = await cli('train', '--replicas', 'two');
    expect(replicas.code).not.toBe(0);
    expect(replicas.stderr).toMatch(/--replicas.*expected auto or a positive integer, found "two"/);
    const backend = await cli('train', '--backend', 'node-gpu', '--limit', '64');
    expect(backend.code).toBe(1);
    expect(backend.stderr).toMatch(/backend "node-gpu" is not available.*npm install @tensorflow\/tfjs-node-gpu/);
  });

  it('a config syntax error is one plain line in a colour terminal or on CI too (parsers colour their excerpts there)', async () => {
    const file = path.join(tempRunDir(), 'c.json');
    writeFileSync(file, '{"extends": "baseline",}');
    const envs: Record<string, string>[] = [{ FORCE_COLOR: '1' }, { CI: 'true' }];
    for (const env of envs) {
      const r = await cliWithEnv(env, 'train', '--config', file);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`error [CONFIG_INVALID]: cannot read config file ${file}: Expected double-quoted property name in JSON at position 23; fix the syntax there`);
    }
  });

  it('stops quietly with status 141 (as SIGPIPE would) when the reader of its output goes away, e.g. `| head`', async () => {
    const child = spawn(process.execPath, [path.resolve('bin/trickster.js'), 'presets', '--show', 'baseline'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(141);
  });

  it('presets lists the built-ins and shows one resolved; every command has --help', async () => {
    const list = await cli('presets');
    expect(list.stdout).toMatch(/^baseline\s+small-cnn, SGD Nesterov momentum/m);
    const show = await cli('presets', '--show', 'baseline');
    expect(show.stdout).toMatch(/name: small-cnn/);
    expect(show.stdout).toMatch(/\* lr-schedule/);
    expect(show.stdout).toMatch(/^  epochs: 10$/m);
    // A budgeted preset's epochs are chosen when the run starts: no default epochs beside the budget.
    const budgeted = await cli('presets', '--show', 'resnet6-30m');
    expect(budgeted.code, budgeted.stderr).toBe(0);
    expect(budgeted.stdout).toMatch(/^  timeBudget: 30m$/m);
    expect(budgeted.stdout).not.toMatch(/^  epochs:/m);
    expect(budgeted.stdout).toMatch(/^# training.epochs: chosen when the run starts, as many as fit timeBudget 30m/m);
    for (const cmd of ['train', 'eval', 'presets', 'lr-find', 'predict']) {
      const help = await cli(cmd, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`Usage: trickster ${cmd}`));
    }
  });
});
