import { expect } from 'vitest';
import type { Batch } from '../../core/contexts.js';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { maxAbs, type Claim } from './contract-run.js';

/** A batch on the host: images N×H×W×C and targets N×K. */
interface HostCopy {
  n: number;
  h: number;
  w: number;
  c: number;
  k: number;
  x: Float32Array;
  t: Float32Array;
}

function copy(b: Batch): HostCopy {
  const [n, h, w, c] = b.x.shape;
  return { n, h, w, c, k: b.targets.shape[1], x: b.x.dataSync() as Float32Array, t: b.targets.dataSync() as Float32Array };
}

/** A probe that copies every batch just before and just after the batch tap at `stage` (up to `max` batches). */
function aroundStage(name: string, stage: number, max = Infinity) {
  const pairs: { before: HostCopy; after: HostCopy }[] = [];
  let pending: HostCopy | undefined;
  const plugin: TricksterPlugin = {
    name,
    apply(host: PluginHost) {
      host.hooks.batch.tap({ name, stage: stage - 1 }, (b) => {
        if (pairs.length < max) pending = copy(b);
        return b;
      });
      host.hooks.batch.tap({ name, stage: stage + 1 }, (b) => {
        if (pending) pairs.push({ before: pending, after: copy(b) });
        pending = undefined;
        return b;
      });
    },
  };
  return { plugin, pairs };
}

/** Row i of an N×K matrix. */
const row = (t: Float32Array, k: number, i: number) => t.subarray(i * k, (i + 1) * k);
const argmax = (r: Float32Array) => r.indexOf(Math.max(...r));

/**
 * label-smoothing: the targets the loss sees are (1 − ε)·t + ε/K of the targets that reach the tap
 * (one-hot rows become max 1 − ε + ε/K, min ε/K).
 */
export const labelSmoothingClaim: Claim = (options) => {
  const eps = options.epsilon as number;
  const probe = aroundStage('contract-label-smoothing', STAGE.SMOOTH_TARGETS, 4);
  return {
    plugin: probe.plugin,
    check({ requireEffect }) {
      expect(probe.pairs.length).toBeGreaterThan(0);
      for (const { before, after } of probe.pairs) {
        expect(maxAbs(after.t, before.t.map((v) => (1 - eps) * v + eps / before.k))).toBeLessThan(1e-6);
        expect(after.x).toEqual(before.x);
      }
      if (requireEffect) expect(Math.max(...probe.pairs[0]!.after.t)).toBeCloseTo(1 - eps + eps / probe.pairs[0]!.before.k, 6);
    },
  };
};

/**
 * mixup-cutmix: each batch is left alone or mixed with its reverse, targets λt + (1 − λ)t_rev, images
 * λx + (1 − λ)x_rev (mixup) or x with one box pasted from x_rev whose area is (1 − λ)·H·W (cutmix); the
 * summary counts the batches of each kind. With an effect required, some targets are soft.
 */
export const mixupCutmixClaim: Claim = () => {
  const probe = aroundStage('contract-mixup-cutmix', STAGE.MIX_BATCH);
  return {
    plugin: probe.plugin,
    check({ summary, requireEffect }) {
      const counts = { mixup: 0, cutmix: 0 };
      for (const { before: b, after: a } of probe.pairs) {
        if (maxAbs(a.t, b.t) === 0 && maxAbs(a.x, b.x) === 0) continue;
        const rev = (i: number) => b.n - 1 - i;
        const i0 = [...Array(b.n).keys()].find((i) => argmax(row(b.t, b.k, i)) !== argmax(row(b.t, b.k, rev(i))))!;
        const lambda = row(a.t, b.k, i0)[argmax(row(b.t, b.k, i0))]!;
        const mixed = (m: Float32Array, size: number) => m.map((_, j) => lambda * m[j]! + (1 - lambda) * m[rev(Math.floor(j / size)) * size + (j % size)]!);
        expect(maxAbs(a.t, mixed(b.t, b.k))).toBeLessThan(1e-6);
        const image = b.h * b.w * b.c;
        if (maxAbs(a.x, mixed(b.x, image)) < 1e-4) {
          counts.mixup += 1;
          continue;
        }
        counts.cutmix += 1;
        // Pixel positions pasted from the reversed batch in some image; each value is x or x_rev.
        const pasted = new Set<number>();
        let neither = 0;
        for (let j = 0; j < a.x.length; j++) {
          const from = b.x[rev(Math.floor(j / image)) * image + (j % image)]!;
          if (a.x[j] !== b.x[j] && a.x[j] !== from) neither += 1;
          if (a.x[j] !== b.x[j]) pasted.add(Math.floor((j % image) / b.c));
        }
        expect(neither).toBe(0);
        // Where every image has the same value (background) a pasted pixel looks kept, so the box
        // seen is inside the true one: at most its area, and pasted throughout.
        const ys = [...pasted].map((p) => Math.floor(p / b.w));
        const xs = [...pasted].map((p) => p % b.w);
        const [y0, y1, x0, x1] = [Math.min(...ys), Math.max(...ys), Math.min(...xs), Math.max(...xs)];
        expect((y1 - y0 + 1) * (x1 - x0 + 1)).toBeLessThanOrEqual(Math.round((1 - lambda) * b.h * b.w));
        let kept = 0;
        for (let n = 0; n < b.n; n++) {
          for (let y = y0; y <= y1; y++) {
            for (let x = x0; x <= x1; x++) if (a.x[n * image + (y * b.w + x) * b.c] !== b.x[rev(n) * image + (y * b.w + x) * b.c]) kept += 1;
          }
        }
        expect(kept).toBe(0);
      }
      expect(summary.plugins['mixup-cutmix']).toMatchObject({ mixupBatches: counts.mixup, cutmixBatches: counts.cutmix });
      if (requireEffect) expect(counts.mixup + counts.cutmix).toBeGreaterThan(0);
    },
  };
};

/**
 * random-erasing: the pixels a batch tap changes all take the fill value, and in each image they lie
 * in one box filled with it; targets are untouched; the summary counts every image seen and at
 * least the images changed.
 */
export const randomErasingClaim: Claim = (options) => {
  const value = options.value as number;
  const probe = aroundStage('contract-random-erasing', STAGE.ERASE_IMAGES);
  return {
    plugin: probe.plugin,
    check({ summary, requireEffect }) {
      let images = 0;
      let changed = 0;
      let wrong = 0;
      for (const { before: b, after: a } of probe.pairs) {
        images += b.n;
        expect(a.t).toEqual(b.t);
        for (let n = 0; n < b.n; n++) {
          const ys: number[] = [];
          const xs: number[] = [];
          for (let p = 0; p < b.h * b.w * b.c; p++) {
            const j = n * b.h * b.w * b.c + p;
            if (a.x[j] === b.x[j]) continue;
            if (a.x[j] !== Math.fround(value)) wrong += 1;
            ys.push(Math.floor(p / (b.w * b.c)));
            xs.push(Math.floor(p / b.c) % b.w);
          }
          if (ys.length === 0) continue;
          changed += 1;
          for (let y = Math.min(...ys); y <= Math.max(...ys); y++) {
            for (let x = Math.min(...xs); x <= Math.max(...xs); x++) if (a.x[((n * b.h + y) * b.w + x) * b.c] !== Math.fround(value)) wrong += 1;
          }
        }
      }
      expect(wrong).toBe(0);
      const report = summary.plugins['random-erasing'] ?? {};
      expect(report.images).toBe(images);
      expect(report.erasedImages).toBeGreaterThanOrEqual(changed);
      if (requireEffect) expect(changed).toBeGreaterThan(0);
    },
  };
};
