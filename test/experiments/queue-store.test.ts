import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packDir, packHeader, unpackDir } from '../../core/experiments/queue/dir-pack.js';
import { DirRunStore, RedisRunStore, type RunStore } from '../../core/experiments/queue/run-store.js';
import { cli } from '../helpers/cli.js';
import { useRedis } from '../helpers/redis-server.js';
import { tempRunDir } from '../helpers/train-subset.js';
import { startTrickster } from '../helpers/trickster-process.js';

/** A run directory as a run leaves it, with a checkpoint being written (.tmp). */
function fakeRunDir(): string {
  const dir = path.join(tempRunDir('trickster-pack-'), 'run');
  mkdirSync(path.join(dir, 'model'), { recursive: true });
  writeFileSync(path.join(dir, 'metrics.jsonl'), '{"epoch":1}\n{"epoch":2}\n');
  writeFileSync(path.join(dir, 'checkpoint.ckpt'), Buffer.from([0, 1, 2, 255, 254]));
  writeFileSync(path.join(dir, 'checkpoint.ckpt.tmp'), 'half written');
  writeFileSync(path.join(dir, 'model', 'weights.bin'), Buffer.alloc(70_000, 7));
  writeFileSync(path.join(dir, 'steps.csv'), 'step,loss\n1,2.3\n');
  return dir;
}

describe('packed run directories', () => {
  it('pack and unpack give back every file byte for byte (whatever the run wrote), without files being written', () => {
    const dir = fakeRunDir();
    const pack = packDir(dir, 2);
    expect(packHeader(pack).header.epochs).toBe(2);
    const target = path.join(tempRunDir('trickster-pack-'), 'copy');
    mkdirSync(target);
    writeFileSync(path.join(target, 'stale.json'), 'from an older copy');
    unpackDir(pack, target);
    for (const f of ['metrics.jsonl', 'checkpoint.ckpt', 'model/weights.bin', 'steps.csv']) expect(readFileSync(path.join(target, f)).equals(readFileSync(path.join(dir, f))), f).toBe(true);
    expect(existsSync(path.join(target, 'checkpoint.ckpt.tmp'))).toBe(false);
    expect(existsSync(path.join(target, 'stale.json'))).toBe(false);
  });

  it('a damaged pack or one naming files outside its folder is refused (CHECKPOINT_INVALID), the target unchanged', () => {
    const target = path.join(tempRunDir('trickster-pack-'), 'copy');
    expect(() => unpackDir(Buffer.from('not a pack at all'), target)).toThrow(/a stored run directory is not a trickster pack/);
    const header = Buffer.from(JSON.stringify({ epochs: 1, files: [{ path: '../evil', size: 1 }] }));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.length);
    expect(() => unpackDir(Buffer.concat([Buffer.from('TRKDIR1\n'), length, header, Buffer.from('x')]), target)).toThrow(/names a file outside itself \(\.\.\/evil\)/);
    expect(existsSync(target)).toBe(false);
  });
});

describe('run stores', () => {
  const redis = useRedis();
  let client: Redis;
  beforeAll(() => {
    client = new Redis(redis.port, '127.0.0.1');
  });
  afterAll(() => {
    client?.disconnect();
  });

  it.each([['Redis', () => new RedisRunStore(client)], ['--store folder', () => new DirRunStore(tempRunDir('trickster-store-'))]] as Array<[string, () => RunStore]>)('%s: put, get back the same bytes, delete', async (_name, make) => {
    const store = make();
    const pack = packDir(fakeRunDir(), 2);
    expect(await store.get('exp-1', 'trial-a')).toBeNull();
    await store.put('exp-1', 'trial-a', pack);
    expect((await store.get('exp-1', 'trial-a'))!.equals(pack)).toBe(true);
    expect(await store.get('exp-1', 'trial-b')).toBeNull();
    await store.delete('exp-1', 'trial-a');
    expect(await store.get('exp-1', 'trial-a')).toBeNull();
  });
});

describe('--detach with --store: run directories through a shared folder, results collected by experiment table', () => {
  const redis = useRedis();

  it('the worker stores the finished run in the folder (not Redis); experiment table brings it into the experiment and clears folder and queue', async () => {
    const dir = tempRunDir('trickster-store-');
    const [exp, store, home] = ['exp', 'shared', 'worker'].map((d) => path.join(dir, d)) as [string, string, string];
    mkdirSync(home);
    const enqueue = await cli('sweep', '--preset', 'baseline', '--grid', 'optimizer.lr=0.05', '--seeds', '1', '--limit', '256', '--test-limit', '100', '--epochs', '1', '--queue', redis.url, '--store', store, '--detach', '--out', exp);
    expect(enqueue.code, enqueue.stderr).toBe(0);
    expect(enqueue.stderr).toMatch(/detached: see progress and collect results with trickster experiment status /);
    expect((await cli('experiment', 'status', exp)).stdout).toMatch(/seed 1 {2}pending\n1 pending/);
    const worker = startTrickster(['worker', '--queue', redis.url, '--store', store], home);
    try {
      await worker.waitFor(/: done, test top-1/);
    } finally {
      worker.child.kill('SIGTERM');
      expect(await worker.done, worker.output()).toBe(0);
    }
    // Before collection the finished run is a pack in the shared folder, and not in Redis.
    const [key] = readdirSync(store);
    expect(readdirSync(path.join(store, key!))).toEqual([expect.stringMatching(/^optimizer-lr-0-05-s1-\w+\.pack$/)]);
    const redisKeys = new Redis(redis.port, '127.0.0.1');
    try {
      expect(await redisKeys.keys('trickster:run:*')).toEqual([]);
    } finally {
      redisKeys.disconnect();
    }
    const table = await cli('experiment', 'table', exp, '--format', 'csv');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^optimizer\.lr=0\.05,,1,1,\d+\.\d{4},/m);
    const [id] = readdirSync(path.join(exp, 'trials'));
    for (const f of ['summary.json', 'checkpoint.ckpt', 'model/weights.bin', 'attempts.jsonl']) expect(existsSync(path.join(exp, 'trials', id!, f)), f).toBe(true);
    // Collected: the pack is removed from the folder, and the experiment's jobs from the queue.
    expect(readdirSync(path.join(store, key!))).toEqual([]);
    const after = new Redis(redis.port, '127.0.0.1');
    try {
      expect(await after.keys('trickster:trials:exp-*')).toEqual([]);
    } finally {
      after.disconnect();
    }
  });

  it('a worker whose --store differs from the experiment\'s (another folder, or none) fails the trial with QUEUE_STORE_MISMATCH and exits; status shows why', async () => {
    const dir = tempRunDir('trickster-store-');
    const [exp, store, other, home] = ['exp', 'shared', 'other', 'worker'].map((d) => path.join(dir, d)) as [string, string, string, string];
    mkdirSync(home);
    const enqueue = await cli('sweep', '--preset', 'baseline', '--grid', 'optimizer.lr=0.05,0.1', '--seeds', '1', '--limit', '256', '--test-limit', '100', '--epochs', '1', '--queue', redis.url, '--store', store, '--detach', '--out', exp);
    expect(enqueue.code, enqueue.stderr).toBe(0);
    const mismatch = (own: string) =>
      new RegExp(`^error \\[QUEUE_STORE_MISMATCH\\]: trial optimizer-lr-0-\\d+-s1-\\w+ of exp-\\w+ expects its run directories in ${store} \\(the experiment's --store\\), this worker keeps them in ${own}; the trial failed: start this experiment's workers with --store ${store}, then run its command again to enqueue the trial again$`, 'm');
    for (const [flags, own] of [[['--store', other], `${other} \\(--store\\)`], [[], "the queue's Redis"]] as Array<[string[], string]>) {
      const worker = startTrickster(['worker', '--queue', redis.url, ...flags], home);
      expect(await worker.done, worker.output()).toBe(1);
      expect(worker.output()).toMatch(mismatch(own));
    }
    expect(existsSync(other)).toBe(false);
    const status = await cli('experiment', 'status', exp);
    expect(status.stdout).toMatch(/^2 failed\s*$/m);
    expect(status.stdout.match(/seed 1  failed at epoch 0\/1: error \[QUEUE_STORE_MISMATCH\]: trial \S+ of exp-\w+ expects its run directories in /g)).toHaveLength(2);
  });
});
