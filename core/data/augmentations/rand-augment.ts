import type { Rng } from '../rng.js';
import type { ImageShape } from './image.js';
import { chainStep, isSigned, opMagnitude, type PolicyOp } from './policy-ops.js';

/** Options of RandAugment (Cubuk et al. 2019, torchvision's defaults). */
export interface RandAugmentOptions {
  /** Number of ops applied in sequence per image (default 2). */
  readonly n?: number;
  /** Magnitude level, 0 .. bins-1 (default 9). */
  readonly m?: number;
  /** Number of magnitude levels (default 31: levels 0-30, torchvision's `num_magnitude_bins`). */
  readonly bins?: number;
}

export const DEFAULT_RAND_AUGMENT = { n: 2, m: 9, bins: 31 } as const;

/** torchvision's RandAugment op list, in its order (each op is drawn uniformly). */
export const RAND_AUGMENT_OPS: readonly PolicyOp[] = [
  'Identity',
  'ShearX',
  'ShearY',
  'TranslateX',
  'TranslateY',
  'Rotate',
  'Brightness',
  'Color',
  'Contrast',
  'Sharpness',
  'Posterize',
  'Solarize',
  'AutoContrast',
  'Equalize',
];

/**
 * RandAugment of one HWC image from `src` into `dst` (distinct): `n` times, draws an op uniformly
 * from RAND_AUGMENT_OPS, takes its magnitude at level `m` and, for signed ops, a random sign
 * (one more draw), then applies it. `tmp` is a third image-sized buffer, distinct from both
 * (allocated when omitted).
 */
export function randAugmentInto(
  src: Uint8Array,
  dst: Uint8Array,
  shape: ImageShape,
  rng: Rng,
  opts: RandAugmentOptions = {},
  tmp?: Uint8Array,
): void {
  const n = opts.n ?? DEFAULT_RAND_AUGMENT.n;
  const m = opts.m ?? DEFAULT_RAND_AUGMENT.m;
  const bins = opts.bins ?? DEFAULT_RAND_AUGMENT.bins;
  const buf = tmp ?? new Uint8Array(src.length);
  let cur = src;
  for (let k = 0; k < n; k++) {
    const op = RAND_AUGMENT_OPS[rng.nextInt(RAND_AUGMENT_OPS.length)]!;
    let magnitude = opMagnitude(op, m, bins, shape);
    if (isSigned(op) && rng.next() < 0.5) magnitude = -magnitude;
    cur = chainStep(op, cur, dst, buf, shape, magnitude);
  }
  if (cur !== dst) dst.set(cur);
}
