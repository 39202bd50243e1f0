import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { useRedis } from '../helpers/redis-server.js';
import { tempRunDir } from '../helpers/train-subset.js';
import { startTrickster } from '../helpers/trickster-process.js';

const SWEEP = ['sweep', '--preset', 'baseline', '--grid', 'optimizer.lr=0.05,0.1', '--seeds', '1', '--limit', '256', '--test-limit', '100', '--epochs', '1'];

describe('a trial job that vanishes from Redis while the command waits', () => {
  const redis = useRedis();

  it('ends the wait with QUEUE_JOB_LOST naming the trial; the same command again re-enqueues it and completes', async () => {
    const dir = tempRunDir('trickster-queue-');
    const exp = path.join(dir, 'exp');
    const home = path.join(dir, 'worker');
    mkdirSync(home);
    const producer = startTrickster([...SWEEP, '--queue', redis.url, '--out', exp], dir);
    await producer.waitFor(/enqueued 2 trials/);
    const { experiment } = JSON.parse(readFileSync(path.join(exp, 'queue.json'), 'utf8')) as { experiment: string };
    const trials = new Queue('trials', { connection: { host: '127.0.0.1', port: redis.port }, prefix: 'trickster' });
    let lost: string;
    try {
      const jobs = await trials.getJobs(['waiting']);
      expect(jobs).toHaveLength(2);
      lost = jobs[0]!.name;
      // Someone removes the job (as `obliterate`, an eviction or a cleanup script would).
      await jobs[0]!.remove();
    } finally {
      await trials.close();
    }
    expect(await producer.done, producer.output()).toBe(1);
    expect(producer.output()).toMatch(
      new RegExp(`^error \\[QUEUE_JOB_LOST\\]: the job of trial ${lost} \\(${experiment}\\.${lost}\\) is no longer in Redis at redis://127\\.0\\.0\\.1:\\d+/? \\(removed, evicted or obliterated\\); run the same command again: it enqueues the lost trial again and collects the others$`, 'm'),
    );

    const lostStatus = await cli('experiment', 'status', exp);
    expect(lostStatus.code, lostStatus.stderr).toBe(0);
    expect(lostStatus.stdout).toMatch(new RegExp(`^${lost}  \\S+  seed 1  lost: its job is no longer in Redis; run the experiment's command again to enqueue it again$`, 'm'));
    expect(lostStatus.stdout).toMatch(/^(1 lost, 1 pending|1 pending, 1 lost)\s*$/m);

    const worker = startTrickster(['worker', '--queue', redis.url], home);
    try {
      const again = await cli(...SWEEP, '--queue', redis.url, '--out', exp);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`re-enqueued 1 lost trial(s) of ${experiment}: ${lost}`);
      expect(again.stdout).toMatch(/^\| optimizer\.lr=0\.05 \|/m);
      expect(again.stdout).toMatch(/^\| optimizer\.lr=0\.1 \|/m);
      const status = await cli('experiment', 'status', exp);
      expect(status.stdout).toMatch(/^2 done\s*$/m);
    } finally {
      worker.child.kill('SIGTERM');
      expect(await worker.done, worker.output()).toBe(0);
    }
  }, 240_000);

  it('the only trial\'s job removed: its parent no longer waits for it, so the same command again enqueues the trial afresh and completes', async () => {
    const dir = tempRunDir('trickster-queue-');
    const exp = path.join(dir, 'exp');
    const home = path.join(dir, 'worker');
    mkdirSync(home);
    const one = [...SWEEP.slice(0, 4), 'optimizer.lr=0.05', ...SWEEP.slice(5)];
    const producer = startTrickster([...one, '--queue', redis.url, '--out', exp], dir);
    await producer.waitFor(/enqueued 1 trials/);
    const { experiment } = JSON.parse(readFileSync(path.join(exp, 'queue.json'), 'utf8')) as { experiment: string };
    const trials = new Queue('trials', { connection: { host: '127.0.0.1', port: redis.port }, prefix: 'trickster' });
    const parents = new Queue('experiments', { connection: { host: '127.0.0.1', port: redis.port }, prefix: 'trickster' });
    try {
      const [job] = await trials.getJobs(['waiting']);
      await job!.remove();
      // BullMQ moves a parent whose last pending child is removed on to its own processing.
      expect(await (await parents.getJob(experiment))!.getState()).not.toBe('waiting-children');
    } finally {
      await trials.close();
      await parents.close();
    }
    expect(await producer.done, producer.output()).toBe(1);
    expect(producer.output()).toMatch(/^error \[QUEUE_JOB_LOST\]: the job of trial optimizer-lr-0-05-s1-\w+ /m);

    const worker = startTrickster(['worker', '--queue', redis.url], home);
    try {
      const again = await cli(...one, '--queue', redis.url, '--out', exp);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(new RegExp(`lost the jobs of optimizer-lr-0-05-s1-\\w+ \\(${experiment}\\); enqueueing the unfinished trials again`));
      expect(again.stderr).toMatch(/enqueued 1 trials on /);
      expect(again.stdout).toMatch(/^\| optimizer\.lr=0\.05 \|/m);
      expect((await cli('experiment', 'status', exp)).stdout).toMatch(/^1 done\s*$/m);
    } finally {
      worker.child.kill('SIGTERM');
      expect(await worker.done, worker.output()).toBe(0);
    }
  }, 240_000);
});
