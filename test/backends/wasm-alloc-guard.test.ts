import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { explainBackendFailure } from '../../core/backend-failure.js';

describe('wasm allocation guard (core/backends/wasm-alloc-guard.ts)', () => {
  it('a full wasm heap throws "could not allocate memory" (RESOURCE_EXHAUSTED) instead of aborting, and the backend keeps working', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const held: tf.Tensor[] = [];
    let failure: unknown = null;
    try {
      // 256 MiB per tensor until the heap (at most 4 GiB of wasm32 address space) is full.
      for (let i = 0; i < 40 && failure === null; i++) {
        try {
          held.push(tf.zeros([64 * 1024 * 1024]));
        } catch (err) {
          failure = err;
        }
      }
    } finally {
      for (const t of held) t.dispose();
    }
    expect(held.length).toBeGreaterThan(0);
    expect((failure as Error).message).toMatch(/^could not allocate memory: the wasm heap has no room for 268435456 more bytes$/);
    expect((explainBackendFailure(failure, { batchSize: 8192, backend: 'wasm' }) as { code?: string }).code).toBe('RESOURCE_EXHAUSTED');
    expect(tf.memory().numTensors).toBe(before);
    const sum = tf.tidy(() => tf.add(tf.ones([4]), 1).sum());
    expect(await sum.data()).toEqual(new Float32Array([8]));
    sum.dispose();
  }, 120_000);
});
