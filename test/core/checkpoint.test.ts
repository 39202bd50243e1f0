import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { readCheckpoint, writeCheckpoint } from '../../core/checkpoint.js';
import { tempRunDir } from '../helpers/train-subset.js';

describe('checkpoint file', () => {
  // The trainer writes checkpoints from the default backend; tensors read back must match there.
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('round-trips JSON and float32/int32 tensors exactly, atomically', async () => {
    const file = path.join(tempRunDir(), 'checkpoint.ckpt');
    const a = tf.tensor2d([[1.5, -2], [3.25, 1e-7]]);
    const b = tf.tensor1d([7, -8, 9], 'int32');
    await writeCheckpoint(file, { json: { epoch: 3, nested: { x: [1, 2] } }, tensors: { 'weights/a': a, 'plugins/p/b': b } });
    expect(existsSync(`${file}.tmp`)).toBe(false);
    const back = readCheckpoint(file);
    expect(back.json).toEqual({ epoch: 3, nested: { x: [1, 2] } });
    expect(back.tensors['weights/a'].shape).toEqual([2, 2]);
    expect(Array.from(back.tensors['weights/a'].dataSync())).toEqual(Array.from(a.dataSync()));
    expect(back.tensors['plugins/p/b'].dtype).toBe('int32');
    expect(Array.from(back.tensors['plugins/p/b'].dataSync())).toEqual([7, -8, 9]);
    tf.dispose([a, b, ...Object.values(back.tensors)]);
  });

  it('keeps the previous checkpoint when a write fails midway', async () => {
    const file = path.join(tempRunDir(), 'checkpoint.ckpt');
    const a = tf.tensor1d([1, 2, 3]);
    await writeCheckpoint(file, { json: { epoch: 1 }, tensors: { a } });
    const before = readFileSync(file);
    const bad = tf.tensor1d([true, false], 'bool');
    await expect(writeCheckpoint(file, { json: { epoch: 2 }, tensors: { a, bad } })).rejects.toThrow(/dtype bool/);
    expect(readFileSync(file).equals(before)).toBe(true);
    tf.dispose([a, bad]);
  });

  it('names the file and the problem when it is truncated or not a checkpoint', async () => {
    const file = path.join(tempRunDir(), 'checkpoint.ckpt');
    const a = tf.ones([100]);
    await writeCheckpoint(file, { json: {}, tensors: { a } });
    a.dispose();
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.byteLength - 10));
    expect(() => readCheckpoint(file)).toThrow(new RegExp(`${file} is truncated: tensor "a"`));
    writeFileSync(file, 'hello world, not a checkpoint');
    expect(() => readCheckpoint(file)).toThrow(/not a trickster checkpoint/);
    expect(() => readCheckpoint(path.join(tempRunDir(), 'none.ckpt'))).toThrow(/no checkpoint at/);
  });
});
