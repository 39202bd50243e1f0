import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../bench/jobs.js';
import { measureInRounds, mergeRounds } from '../../bench/rounds.js';

const m = (imgPerSec: number, peakRssMiB: number, extra?: Record<string, number>): Measurement => ({
  imgPerSec,
  samples: [imgPerSec],
  peakRssMiB,
  batch: 128,
  ...(extra ? { extra } : {}),
});

describe('bench rounds', () => {
  it('measures every row once per round, rounds one after another', async () => {
    const order: string[] = [];
    const entry = (key: string) => ({ key, run: async (round: number) => (order.push(`${key}${round}`), m(100 + round, 10)) });
    const out = await measureInRounds([entry('a'), entry('d')], 3);
    expect(order).toEqual(['a0', 'd0', 'a1', 'd1', 'a2', 'd2']);
    expect(out.get('a')).toEqual({ ok: true, m: { imgPerSec: 101, samples: [100, 101, 102], peakRssMiB: 10, batch: 128 } });
  });

  it('stops running a row after its first failure and reports that error', async () => {
    let calls = 0;
    const out = await measureInRounds([{ key: 'x', run: async () => (calls++, Promise.reject(new Error('boom'))) }], 3);
    expect(calls).toBe(1);
    expect(out.get('x')).toMatchObject({ ok: false, error: { message: 'boom' } });
  });

  it('merges rounds: median of all samples, largest RSS, extra of the round nearest the median', () => {
    const merged = mergeRounds([m(90, 500, { r: 1 }), m(120, 510, { r: 2 }), m(100, 490, { r: 3 })]);
    expect(merged).toEqual({ imgPerSec: 100, samples: [90, 120, 100], peakRssMiB: 510, batch: 128, extra: { r: 3 } });
  });
});
