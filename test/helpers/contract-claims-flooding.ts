import { expect } from 'vitest';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost } from '../../core/plugin.js';
import type { Claim } from './contract-run.js';

interface FloodRecord {
  loss: number;
  in: Record<string, Float32Array>;
  out?: Record<string, Float32Array>;
}

/** How many micro-batches the flooding claim records (the contract's short runs have 8). */
const RECORDED = 12;

/**
 * flooding: on every recorded micro-batch, the gradients leaving flooding's tap are exactly
 * sign(L − b) times those entering it, L the micro-batch's loss (with replicas: the combined one);
 * multiplying by ±1 is exact in float32. With an effect required, the run has micro-batches on both
 * sides of b (descent above, ascent below): the canonical level lies inside the loss's range.
 */
export const floodingClaim: Claim = (options) => {
  const level = options.level as number;
  const records: FloodRecord[] = [];
  const name = 'contract-flooding';
  const read = (m: Record<string, { dataSync(): unknown }>) => Object.fromEntries(Object.entries(m).map(([n, t]) => [n, Float32Array.from(t.dataSync() as Float32Array)]));
  return {
    plugin: {
      name,
      apply(host: PluginHost) {
        host.hooks.afterBackward.tap({ name, stage: STAGE.FLOOD_GRADIENTS - 1 }, (g, { loss }) => {
          if (records.length < RECORDED) records.push({ loss: loss.dataSync()[0]!, in: read(g) });
          return g;
        });
        host.hooks.afterBackward.tap({ name, stage: STAGE.FLOOD_GRADIENTS + 1 }, (g) => {
          const last = records.at(-1);
          if (last && !last.out) last.out = read(g);
          return g;
        });
      },
    },
    check({ requireEffect }) {
      expect(records.length).toBeGreaterThan(0);
      for (const r of records) {
        const sign = Math.sign(r.loss - level);
        for (const [n, g] of Object.entries(r.in)) expect(r.out![n], `${n} at loss ${r.loss}`).toEqual(g.map((v) => v * sign));
      }
      if (requireEffect) {
        expect(records.some((r) => r.loss < level)).toBe(true);
        expect(records.some((r) => r.loss > level)).toBe(true);
      }
    },
  };
};
