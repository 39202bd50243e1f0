import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { useRedis, type RedisServer } from '../helpers/redis-server.js';
import { tempRunDir } from '../helpers/train-subset.js';
import { startTrickster as start } from '../helpers/trickster-process.js';

// Label smoothing ablated from a recipe where it is the only plugin: full and base (= -label-smoothing), 2 trials at one seed.
const RECIPE = `extends: baseline
data: { augment: { flip: false, crop: false } }
schedule: { name: multistep, fractions: [0.5, 0.75], gamma: 0.1, warmup: { epochs: 1, startFactor: 0.1 } }
plugins: { label-smoothing: { epsilon: 0.1 } }
`;
const TINY = ['--only', 'label-smoothing', '--seeds', '1', '--limit', '1024', '--test-limit', '100', '--epochs', '2', '--batch-size', '32'];
interface Progress {
  epoch: number;
  worker: string;
}

/**
 * Polls the trials queue until an active job's progress says `pid`'s worker has stored epoch 1; returns its trial id.
 * Fails after 90 s (an epoch of 1024 images takes seconds, so the 100 ms poll cannot miss it) instead of hanging to the test timeout.
 */
async function waitForEpochOne(redis: RedisServer, pid: number): Promise<string> {
  const trials = new Queue('trials', { connection: { host: '127.0.0.1', port: redis.port }, prefix: 'trickster' });
  const deadline = Date.now() + 90_000;
  try {
    while (Date.now() < deadline) {
      for (const job of await trials.getJobs(['active'])) {
        const p = job.progress as unknown as Progress;
        if (typeof p === 'object' && p.epoch === 1 && p.worker.endsWith(`:${pid}`)) return job.name;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no job of worker ${pid} reported epoch 1 within 90 s`);
  } finally {
    await trials.close();
  }
}

const results = (exp: string, id: string) => JSON.parse(readFileSync(path.join(exp, 'results', `${id}.json`), 'utf8')) as { status: string; summary: { top1: number; testLoss: number; steps: number } };

describe('trickster ablate --queue with two workers (real Redis, separate processes and folders)', () => {
  const redis = useRedis();

  it('a worker killed during a trial\'s second epoch: a second worker resumes it from epoch 1; the table equals a local run bit for bit', async () => {
    const dir = tempRunDir('trickster-queue-');
    const config = path.join(dir, 'two-tricks.yaml');
    writeFileSync(config, RECIPE);
    const [homeA, homeB] = ['machine-a', 'machine-b'].map((m) => path.join(dir, m));
    for (const d of [homeA!, homeB!]) mkdirSync(d);
    const exp = path.join(dir, 'exp');

    const producer = start(['ablate', '--config', config, ...TINY, '--queue', redis.url, '--out', exp], dir);
    const workerA = start(['worker', '--queue', redis.url, '--lock-seconds', '3'], homeA!);
    const killed = await waitForEpochOne(redis, workerA.child.pid!);
    // The machine dies: the worker and its training process, at once.
    const pidFile = path.join(homeA!, 'trickster-worker', JSON.parse(readFileSync(path.join(exp, 'queue.json'), 'utf8')).experiment, 'running', `${killed}.pid`);
    const trainer = Number(readFileSync(pidFile, 'utf8'));
    workerA.child.kill('SIGKILL');
    process.kill(trainer, 'SIGKILL');
    expect(await workerA.done).toBe(null);
    // status shows the killed trial's job progress: still active at epoch 1 on A (its lock has not expired or no live
    // worker has checked it yet), or back on the queue to resume after epoch 1. B starts after it (no race).
    const midway = await cli('experiment', 'status', exp);
    expect(midway.stdout).toMatch(new RegExp(`^${killed}  \\S+  seed 1  (running at epoch 1/2 on \\S+:${workerA.child.pid}|pending, resumes after epoch 1/2 \\(last trained on \\S+:${workerA.child.pid}\\))$`, 'm'));
    const workerB = start(['worker', '--queue', redis.url, '--lock-seconds', '3'], homeB!);

    const code = await producer.done;
    workerB.child.kill('SIGTERM');
    expect(await workerB.done, workerB.output()).toBe(0);
    expect(code, producer.output()).toBe(0);
    expect(producer.output()).toMatch(/enqueued 2 trials on redis:\/\/127\.0\.0\.1:\d+\/? as exp-\w+/);
    expect(workerB.output()).toContain(`${killed}: resuming after epoch 1`);
    expect(producer.output()).toMatch(new RegExp(`^  ${killed}: epoch 1/2 on \\S+:${workerA.child.pid}$`, 'm'));

    // Every trial finished and came back whole (the worker's folder is not shared with the experiment's).
    const manifest = JSON.parse(readFileSync(path.join(exp, 'manifest.json'), 'utf8')) as { trials: Array<{ id: string }> };
    expect(manifest.trials).toHaveLength(2);
    for (const { id } of manifest.trials) {
      expect(results(exp, id).status).toBe('done');
      for (const f of ['config.json', 'run.json', 'metrics.jsonl', 'checkpoint.ckpt', 'summary.json', 'model/model.json', 'model/weights.bin']) expect(existsSync(path.join(exp, 'trials', id, f)), `${id}/${f}`).toBe(true);
    }
    // The killed trial resumed on B after epoch 1 (which A trained), it did not start over.
    const runDir = path.join(exp, 'trials', killed);
    const attempts = readFileSync(path.join(runDir, 'attempts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { worker: string; resumedAfterEpoch: number });
    expect(attempts.map((a) => [a.worker.split(':').pop(), a.resumedAfterEpoch])).toEqual([
      [String(workerA.child.pid), 0],
      [String(workerB.child.pid), 1],
    ]);
    const epochs = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { epoch: number }).epoch);
    expect(epochs).toEqual([1, 2]);
    const status = await cli('experiment', 'status', exp);
    expect(status.stdout).toMatch(/2 done\s*$/);

    // The same experiment trained locally: the same trials, the same numbers to the last bit.
    const local = path.join(dir, 'local');
    const here = await cli('ablate', '--config', config, ...TINY, '--parallel', '2', '--out', local);
    expect(here.code, here.stderr).toBe(0);
    for (const { id } of manifest.trials) {
      const [q, l] = [results(exp, id).summary, results(local, id).summary];
      expect([q.top1, q.testLoss, q.steps], id).toEqual([l.top1, l.testLoss, l.steps]);
    }
    const table = async (d: string) => (JSON.parse((await cli('experiment', 'table', d, '--format', 'json')).stdout) as { rows: Array<{ variant: string; top1BySeed: number[]; diffs: number[] }> }).rows.map((r) => [r.variant, r.top1BySeed, r.diffs]);
    expect(await table(exp)).toEqual(await table(local));
  }, 300_000);
});
