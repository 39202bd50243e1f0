/**
 * bench/measure-trickster.ts: the real Trainer on a Fashion-MNIST subset, timed per window both on
 * the wall clock and in process CPU time (the fast-recipe throughput bench reads both), for a zoo
 * name and for a full model spec.
 */
import { describe, expect, it } from 'vitest';
import { measureTrickster } from '../../bench/measure-trickster.js';

describe('measureTrickster', () => {
  it('returns wall and CPU-time img/s for every window, with a model spec', async () => {
    const plan = { warmup: 1, steps: 2, repeats: 2, batch: 16 };
    const res = await measureTrickster({ name: 'resnet8', width: 0.5 }, plan, true, 1);
    expect(res.replicas).toBe(1);
    expect(res.rates).toHaveLength(2);
    expect(res.cpuRates).toHaveLength(2);
    for (const r of [...res.rates, ...res.cpuRates]) {
      expect(Number.isFinite(r)).toBe(true);
      expect(r).toBeGreaterThan(0);
    }
  }, 120_000);

  it('rejects a spec the config does not accept', async () => {
    await expect(measureTrickster({ name: 'resnet8', head: 'flatten' }, { warmup: 1, steps: 1, repeats: 1, batch: 8 }, false, 1)).rejects.toThrow(
      /head/,
    );
  }, 60_000);
});
