import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { tempRunDir } from '../helpers/train-subset.js';

const RECIPE = `extends: baseline
data: { augment: { flip: false, crop: false } }
plugins: { label-smoothing: { epsilon: 0.1 } }
`;

/** Pids of the processes whose command line mentions `text` (Linux /proc). */
function pidsMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Whether a pid still runs (a zombie waiting for its reaper counts as stopped). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const until = async (ok: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end && !ok(); ) await new Promise((r) => setTimeout(r, 100));
  return ok();
};

describe('a trial does not outlive the experiment that started it', () => {
  it('SIGKILL of `trickster ablate` stops its running trial, which keeps its last checkpoint', async () => {
    const dir = tempRunDir('trickster-orphan-');
    const config = path.join(dir, 'recipe.yaml');
    writeFileSync(config, RECIPE);
    const exp = path.join(dir, 'exp');
    const args = ['--config', config, '--only', 'label-smoothing', '--seeds', '1', '--limit', '4096', '--test-limit', '100', '--epochs', '200', '--batch-size', '64', '--parallel', '1', '--out', exp];
    const ablate = spawn(process.execPath, [path.resolve('bin/trickster.js'), 'ablate', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    ablate.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise((r) => ablate.on('close', r));
    const trials = path.join(exp, 'trials');
    const checkpointed = () => existsSync(trials) && readdirSync(trials).some((id) => existsSync(path.join(trials, id, 'checkpoint.ckpt')));
    expect(await until(checkpointed, 90_000), stderr).toBe(true);
    const children = pidsMentioning(trials);
    expect(children.length, 'the trial runs as a child process').toBeGreaterThan(0);

    // Killed just after the first checkpoint: an epoch of 4096 images takes seconds, so a trial
    // that only noticed at its next log line (a write to the dead parent's pipe) would outlive this.
    ablate.kill('SIGKILL');
    await closed;
    expect(await until(() => !children.some(running), 2_000), `still running: ${children.filter(running).join(', ')}`).toBe(true);

    const status = await cli('experiment', 'status', exp);
    expect(status.stdout).toMatch(/interrupted at epoch \d+\/200/);
  });
});
