import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { tempRunDir } from '../helpers/train-subset.js';


/** Writes a YAML config into a fresh folder and returns its path. */
function configFile(yaml: string): string {
  const file = path.join(tempRunDir('trickster-schedule-'), 'trickster.config.yaml');
  writeFileSync(file, yaml);
  return file;
}

const badSchedule = 'extends: baseline\nschedule: { name: multistep, milestones: [6], gamma: -1, gama: 0.1 }\n';

describe('trickster schedule', () => {
  it('a bad schedule is a coded CONFIG_INVALID error naming each key, exit 1, no zod dump', async () => {
    const r = await cli('schedule', '--config', configFile(badSchedule), '--steps-per-epoch', '10');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error \[CONFIG_INVALID\]: invalid options for plugin "lr-schedule"/);
    expect(r.stderr).toContain('schedule.gamma: Too small: expected number to be >0; found number -1');
    expect(r.stderr).toContain('schedule: unknown key "gama"; remove or fix the spelling');
    expect(r.stderr).not.toMatch(/ZodError|"code":|run with --verbose/);
  });

  it('presets --show gives the same error for the same config', async () => {
    const r = await cli('presets', '--show', configFile(badSchedule));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[CONFIG_INVALID\]: invalid options for plugin "lr-schedule".*schedule\.gamma: /);
  });

  it('extends: baseline with multistep milestones prints one line per epoch, decayed at the milestones', async () => {
    const file = configFile('extends: baseline\nschedule: { name: multistep, milestones: [6, 13], gamma: 0.1 }\ntraining: { epochs: 15 }\n');
    const r = await cli('schedule', '--config', file, '--steps-per-epoch', '10');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(15);
    expect(lines[5]).toBe('epoch   6  lr 0.0500000');
    expect(lines[6]).toBe('epoch   7  lr 0.00500000');
    expect(lines[13]).toBe('epoch  14  lr 0.000500000');
  });

  it('--json prints the per-epoch rates and --svg draws the curve; with accumulation and the linear rule, the epoch length comes from the dataset', async () => {
    const file = configFile(
      'extends: baseline\ndata: { limit: 1280 }\noptimizer: { name: sgd, lr: 0.1 }\ntraining: { epochs: 2, batchSize: 64 }\n' +
        'schedule: { name: constant, scaleRule: linear }\nplugins: { gradient-accumulation: { steps: 4 } }\n',
    );
    const svg = path.join(path.dirname(file), 'lr.svg');
    const r = await cli('schedule', '--config', file, '--json', '--svg', svg);
    expect(r.code, r.stderr).toBe(0);
    // 1280 images: 20 batches of 64, 5 optimizer steps of 4 micro-batches; effective batch 256, so lr 0.1 · 256/256.
    expect(JSON.parse(r.stdout)).toEqual([
      { epoch: 0, lr: 0.1 },
      { epoch: 1, lr: 0.1 },
    ]);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg .*<polyline/s);
  });

  it('a config with a time budget previews training.epochs and says that train chooses the epochs', async () => {
    const file = configFile('extends: baseline\ntraining: { epochs: 4, timeBudget: 30m }\n');
    const r = await cli('schedule', '--config', file, '--steps-per-epoch', '10');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(4);
    expect(r.stderr).toContain('warning: training.timeBudget 30m: `trickster train` chooses the epochs when the run starts; this previews training.epochs (4), set with --epochs');
  });
});
