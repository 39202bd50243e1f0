import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { freePort, startRedis, useRedis, type RedisServer } from '../helpers/redis-server.js';
import { tempRunDir } from '../helpers/train-subset.js';
import { startTrickster } from '../helpers/trickster-process.js';

const SWEEP = ['sweep', '--preset', 'baseline', '--grid', 'optimizer.lr=0.05', '--seeds', '1', '--limit', '256', '--test-limit', '100', '--epochs', '1'];

describe('--queue and trickster worker: a queue that is not there, or not Redis', () => {
  let http: Server;
  let httpPort: number;
  beforeAll(async () => {
    http = createServer((_req, res) => res.end('not redis'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpPort = (http.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));

  it('no Redis listening: QUEUE_UNREACHABLE, and nothing is written', async () => {
    const port = await freePort();
    const out = path.join(tempRunDir('trickster-queue-'), 'exp');
    const r = await cli(...SWEEP, '--queue', `redis://127.0.0.1:${port}`, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error \\[QUEUE_UNREACHABLE\\]: cannot reach Redis at redis://127\\.0\\.0\\.1:${port} \\(connection refused: nothing listens there\\); start Redis there \\(e\\.g\\. redis-server --port ${port}\\) or fix --queue\\n$`));
    expect(existsSync(out)).toBe(false);
    const w = await cli('worker', '--queue', `redis://127.0.0.1:${port}`);
    expect(w.code).toBe(1);
    expect(w.stderr).toMatch(/^error \[QUEUE_UNREACHABLE\]: cannot reach Redis at /);
  });

  it('an http:// URL: QUEUE_URL_INVALID', async () => {
    const r = await cli(...SWEEP, '--queue', `http://127.0.0.1:${httpPort}`, '--out', path.join(tempRunDir('trickster-queue-'), 'exp'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[QUEUE_URL_INVALID\]: --queue http:\/\/127\.0\.0\.1:\d+ is not a Redis URL \(its scheme is http:\/\/\); the queue is a Redis server: pass redis:\/\/host:port/);
  });

  it('a redis:// URL at a port where an HTTP server listens: QUEUE_NOT_REDIS, for ablate and worker alike', async () => {
    const out = path.join(tempRunDir('trickster-queue-'), 'exp');
    for (const r of [await cli(...SWEEP, '--queue', `redis://127.0.0.1:${httpPort}`, '--out', out), await cli('worker', '--queue', `redis://127.0.0.1:${httpPort}`)]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error \[QUEUE_NOT_REDIS\]: redis:\/\/127\.0\.0\.1:\d+ answered, but not as a Redis server does \(it said "HTTP\/1\.1 400 Bad Request"\); point --queue at a Redis server/);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('trickster worker --help says what it does and its flags', async () => {
    const r = await cli('worker', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/train the trials of experiments enqueued with trickster ablate\/sweep --queue/);
    for (const flag of ['--queue <url>', '--concurrency <n>', '--store <dir>', '--work-dir <dir>', '--lock-seconds <n>']) expect(r.stdout).toContain(flag);
  });

  it('--detach without --queue is a usage error', async () => {
    const r = await cli(...SWEEP, '--detach');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error \[USAGE\]: --detach needs --queue/);
  });
});

describe('trickster worker with a real Redis', () => {
  const redis = useRedis();

  it('a job enqueued by another trickster version is refused (QUEUE_VERSION_MISMATCH) and left on the queue for another worker', async () => {
    const trials = new Queue('trials', { connection: { host: '127.0.0.1', port: redis.port }, prefix: 'trickster' });
    try {
      const job = await trials.add('t', { version: '99.0.0', experiment: 'exp-newer', trial: { id: 'full-s1-0123456789' } }, { jobId: 'exp-newer.full-s1-0123456789' });
      const home = tempRunDir('trickster-worker-');
      const w = startTrickster(['worker', '--queue', redis.url], home);
      expect(await w.done, w.output()).toBe(1);
      expect(w.output()).toMatch(/^error \[QUEUE_VERSION_MISMATCH\]: trial full-s1-0123456789 was enqueued by trickster 99\.0\.0, this worker runs trickster \d+\.\d+\.\d+\S*; results of two versions are not comparable, so the job was left on the queue: run this worker with trickster 99\.0\.0$/m);
      const after = (await trials.getJob(job.id!))!;
      expect(['delayed', 'waiting']).toContain(await after.getState());
      expect(after.attemptsMade).toBe(0);
      expect(existsSync(path.join(home, 'trickster-worker'))).toBe(false);
    } finally {
      await trials.obliterate({ force: true });
      await trials.close();
    }
  });

  it('Ctrl-C on a worker stops its trial and hands it back to the queue without using an attempt; status says where it resumes', async () => {
    const dir = tempRunDir('trickster-queue-');
    const exp = path.join(dir, 'exp');
    // 2,048 images (16 steps an epoch, not 256 in 2): the worker's 250 ms checkpoint watch reports only the newest
    // checkpoint it sees, and with 2-step epochs it once saw none before the last (CI: only "epoch 3/3 stored", then done).
    const longer = SWEEP.slice(0, -1).map((a) => (a === '256' ? '2048' : a));
    const enqueue = await cli(...longer, '6', '--queue', redis.url, '--detach', '--out', exp);
    expect(enqueue.code, enqueue.stderr).toBe(0);
    const worker = startTrickster(['worker', '--queue', redis.url], dir);
    await worker.waitFor(/: epoch [123]\/6 stored/); // three epochs of margin before the trial would end
    worker.child.kill('SIGINT');
    expect(await worker.done, worker.output()).toBe(0);
    const status = await cli('experiment', 'status', exp);
    expect(status.stdout).toMatch(new RegExp(`seed 1  pending, resumes after epoch [1-6]/6 \\(last trained on \\S+:${worker.child.pid}\\)\n1 pending`));
    const trials = new Queue('trials', { connection: { host: '127.0.0.1', port: redis.port }, prefix: 'trickster' });
    try {
      const [job] = await trials.getJobs(['waiting', 'delayed']);
      expect(job!.attemptsMade).toBe(0);
    } finally {
      await trials.obliterate({ force: true });
      await trials.close();
    }
  });

  it('one trial failing on the queue does not lose the table: the flow\'s parent merges it as failed, TRIALS_FAILED after the table', async () => {
    const dir = tempRunDir('trickster-queue-');
    const exp = path.join(dir, 'exp');
    const home = path.join(dir, 'worker');
    mkdirSync(home);
    const worker = startTrickster(['worker', '--queue', redis.url], home);
    try {
      const grid = `data.dir=${path.join(dir, 'no-data')},/usr/share/datasets/fashion-mnist`;
      const r = await cli('sweep', '--preset', 'baseline', '--grid', grid, '--seeds', '1', '--limit', '256', '--test-limit', '100', '--epochs', '1', '--retries', '0', '--queue', redis.url, '--out', exp);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/data-dir-\S+-no-data-s1-\w+: failed after 1 attempt\(s\): error \[DATA_NOT_FOUND\]/);
      expect(r.stderr).toMatch(/error \[TRIALS_FAILED\]: 1 trials failed after 1 attempts/);
      expect(r.stdout).toMatch(/^\| data\.dir=\/usr\/share\/datasets\/fashion-mnist \|  \| 1 \| \d+\.\d\d \|/m);
      expect(r.stdout).toMatch(/^- failed: data-dir-\S+-no-data-s1-\w+: error \[DATA_NOT_FOUND\]/m);
      const status = await cli('experiment', 'status', exp);
      expect(status.stdout).toMatch(/^(1 done, 1 failed|1 failed, 1 done)\s*$/m);
      // The failed trial's run directory came into the folder (its attempts) and its pack left Redis, as the finished one's did.
      const failedId = /(data-dir-\S+-no-data-s1-\w+): failed/.exec(r.stderr)![1]!;
      expect(existsSync(path.join(exp, 'trials', failedId, 'attempts.jsonl'))).toBe(true);
      const keys = new Redis(redis.port, '127.0.0.1');
      try {
        const { experiment } = JSON.parse(readFileSync(path.join(exp, 'queue.json'), 'utf8')) as { experiment: string };
        expect(await keys.keys(`trickster:run:${experiment}:*`)).toEqual([]);
      } finally {
        keys.disconnect();
      }
    } finally {
      worker.child.kill('SIGTERM');
      expect(await worker.done, worker.output()).toBe(0);
    }
  });
});

describe('Redis going away mid-experiment', () => {
  it('the waiting command ends with QUEUE_CONNECTION_LOST; the worker keeps training its trial locally, warns once and reconnects', async () => {
    const redis = await startRedis();
    const dir = tempRunDir('trickster-queue-');
    const home = path.join(dir, 'worker');
    mkdirSync(home);
    const worker = startTrickster(['worker', '--queue', redis.url], home);
    const producer = startTrickster([...SWEEP.slice(0, -1), '3', '--queue', redis.url, '--out', path.join(dir, 'exp')], dir);
    // The Redis started again on the same port: stopped in the end whatever failed before.
    let back: RedisServer | undefined;
    try {
      // Redis goes away as the trial's training process starts, before its first epoch: an epoch of
      // 256 images can end before the worker's 250 ms checkpoint watch sees the one before it, so
      // waiting for a given "epoch k stored" line could wait for a line that never comes.
      await worker.waitFor(/: starting \(job attempt 1\)/);
      await redis.stop();
      const started = Date.now();
      expect(await producer.done, producer.output()).toBe(1);
      expect(producer.output()).toMatch(/^error \[QUEUE_CONNECTION_LOST\]: lost Redis at redis:\/\/127\.0\.0\.1:\d+\/? for over 10 s \(.*\); the workers keep their trials' state: once Redis is back, collect the results with trickster experiment status /m);
      expect(Date.now() - started).toBeGreaterThanOrEqual(9000);
      const status = await cli('experiment', 'status', path.join(dir, 'exp'));
      expect(status.code).toBe(0);
      expect(status.stderr).toMatch(/^warning \[QUEUE_UNREACHABLE\]: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(connection refused: nothing listens there\); .*; showing what \S+ holds, without the trials still on the queue\n$/);
      expect(status.stdout).toMatch(/seed 1 {2}pending\n1 pending/);
      await worker.waitFor(/warning \[QUEUE_CONNECTION_LOST\]: lost Redis at redis:\/\/127\.0\.0\.1:\d+\/? \(.*\); running trials go on and keep their state in .*; reconnecting/);
      // The trial finishes on the worker without Redis: its run directory is complete locally.
      const expDir = path.join(home, 'trickster-worker');
      const trialDir = () => {
        const [key] = readdirSync(expDir);
        const [id] = readdirSync(path.join(expDir, key!, 'trials'));
        return path.join(expDir, key!, 'trials', id!);
      };
      for (let i = 0; i < 600 && !existsSync(path.join(trialDir(), 'summary.json')); i++) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(path.join(trialDir(), 'summary.json'))).toBe(true);
      // Redis comes back empty (no persistence): the trial's job is gone from it.
      back = await startRedis(redis.port);
      try {
        await worker.waitFor(/reconnected to Redis at redis:\/\/127\.0\.0\.1:\d+/);
        expect(worker.output().match(/warning \[QUEUE_CONNECTION_LOST\]/g)).toHaveLength(1);
      } finally {
        // Stopped at once, while BullMQ's own connections may still be reconnecting: the worker
        // waits for them (at most 5 s) instead of hanging in Worker.close() until its 15 s grace
        // ran out, and says the job is gone. (Measured: 1.8-3.5 s alone, 11.7 s beside three other
        // queue test files on 2 cores.)
        const stopped = Date.now();
        worker.child.kill('SIGTERM');
        expect(await worker.done, worker.output()).toBe(0);
        expect(Date.now() - stopped, worker.output()).toBeLessThan(15_000);
        // The run directory it stored once Redis was back is deleted again: the experiment is enqueued afresh under a new key.
        const keys = new Redis(back.port, '127.0.0.1');
        try {
          expect(await keys.keys('trickster:run:*')).toEqual([]);
        } finally {
          keys.disconnect();
        }
      }
      expect(worker.output()).toMatch(
        /^warning \[QUEUE_JOB_LOST\]: the job of trial (\S+) \(exp-\w+\.\1\) is no longer in Redis at redis:\/\/127\.0\.0\.1:\d+\/? \(Redis restarted empty, or the job was removed or evicted\), so its result cannot be handed back; its run directory stays in \S+\/trickster-worker\/exp-\w+\/trials\/\1; running the experiment's command again enqueues the experiment's unfinished trials afresh$/m,
      );
      expect(worker.output().match(/warning \[QUEUE_CONNECTION_LOST\]/g)).toHaveLength(1);
    } finally {
      worker.child.kill('SIGKILL');
      producer.child.kill('SIGKILL');
      await redis.stop();
      await back?.stop();
    }
  }, 180_000);
});
