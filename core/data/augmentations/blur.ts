import type { Rng } from '../rng.js';
import { copyIfDistinct, uniform, type ImageShape } from './image.js';

/**
 * The normalised 1-D gaussian kernel of torchvision's GaussianBlur: taps at offsets
 * -(k-1)/2 .. (k-1)/2, weights exp(-x^2 / (2 sigma^2)) divided by their sum. Written into `out`
 * (at least `size` long) when given.
 */
export function gaussianKernel1d(size: number, sigma: number, out: Float64Array = new Float64Array(size)): Float64Array {
  const half = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const x = (i - half) / sigma;
    const w = Math.exp(-0.5 * x * x);
    out[i] = w;
    sum += w;
  }
  for (let i = 0; i < size; i++) out[i]! /= sum;
  return out;
}

// Row accumulator of gaussianBlurInto's vertical pass, grown as needed (no per-image allocation).
let acc = new Float64Array(0);

/** Index `i` reflected into [0, n) without repeating the edge (numpy/torch "reflect"). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

/**
 * Separable convolution of every channel with `kernel` (odd length `size`) along x then y, with
 * reflect padding; the result is rounded. `tmp` holds the horizontal pass (height * width *
 * channels floats; allocated when omitted). `dst` may be `src`.
 */
export function gaussianBlurInto(
  src: Uint8Array,
  dst: Uint8Array,
  shape: ImageShape,
  kernel: ArrayLike<number>,
  size: number = kernel.length,
  tmp: Float32Array = new Float32Array(src.length),
): void {
  const { height: H, width: W, channels: C } = shape;
  const half = (size - 1) >> 1;
  const row = W * C;
  if (acc.length < row) acc = new Float64Array(row);
  // Horizontal pass, tap by tap: interior columns read at a fixed offset, border columns reflect.
  for (let y = 0; y < H; y++) {
    const base = y * row;
    tmp.fill(0, base, base + row);
    for (let k = 0; k < size; k++) {
      const w = kernel[k]!;
      const shift = k - half;
      const d = shift * C;
      const lo = Math.min(row, Math.max(0, -d));
      const hi = Math.max(lo, row - Math.max(0, d));
      for (let j = lo; j < hi; j++) tmp[base + j]! += w * src[base + j + d]!;
      for (let x = 0; x < W; x++) {
        const xs = x + shift;
        if (xs >= 0 && xs < W) continue;
        const from = base + reflect(xs, W) * C;
        const to = base + x * C;
        for (let c = 0; c < C; c++) tmp[to + c]! += w * src[from + c]!;
      }
    }
  }
  // Vertical pass, tap by tap over whole rows (reflected rows at the top and bottom).
  for (let y = 0; y < H; y++) {
    acc.fill(0, 0, row);
    for (let k = 0; k < size; k++) {
      const w = kernel[k]!;
      const from = reflect(y + k - half, H) * row;
      for (let j = 0; j < row; j++) acc[j]! += w * tmp[from + j]!;
    }
    const o = y * row;
    for (let j = 0; j < row; j++) {
      const v = acc[j]!;
      dst[o + j] = v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
    }
  }
}

/** Options of the random gaussian blur (torchvision GaussianBlur inside RandomApply). */
export interface GaussianBlurOptions {
  /** Odd kernel size (default 3: SimCLR's 10% of the side, made odd, for 28-32 px images). */
  readonly kernelSize?: number;
  /** Range of sigma, drawn uniformly per image (default [0.1, 2]). */
  readonly sigma?: readonly [number, number];
  /** Probability of blurring the image (default 0.5, SimCLR's). */
  readonly p?: number;
}

export const DEFAULT_BLUR = { kernelSize: 3, sigma: [0.1, 2] as const, p: 0.5 } as const;

/** Scratch buffers for randomGaussianBlurInto, reusable across images of one shape. */
export interface BlurScratch {
  readonly kernel: Float64Array;
  readonly tmp: Float32Array;
}

/**
 * Random gaussian blur: one draw against `p`, then (when blurring) sigma uniform in the range and
 * gaussianBlurInto. `dst` may be `src`. Returns whether it blurred.
 */
export function randomGaussianBlurInto(
  src: Uint8Array,
  dst: Uint8Array,
  shape: ImageShape,
  rng: Rng,
  opts: GaussianBlurOptions = {},
  scratch?: BlurScratch,
): boolean {
  const size = opts.kernelSize ?? DEFAULT_BLUR.kernelSize;
  const range = opts.sigma ?? DEFAULT_BLUR.sigma;
  const p = opts.p ?? DEFAULT_BLUR.p;
  if (!(rng.next() < p)) {
    copyIfDistinct(src, dst);
    return false;
  }
  const sigma = uniform(rng, range[0], range[1]);
  const kernel = gaussianKernel1d(size, sigma, scratch?.kernel);
  gaussianBlurInto(src, dst, shape, kernel, size, scratch?.tmp);
  return true;
}
