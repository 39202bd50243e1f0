import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packDir, packHeader, unpackDir } from '../../core/experiments/queue/dir-pack.js';
import { DirRunStore, RedisRunStore, type RunStore } from '../../core/experiments/queue/run-store.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { tempRunDir } from '../helpers/train-subset.js';

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
  let redis: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.port, '127.0.0.1');
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
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
