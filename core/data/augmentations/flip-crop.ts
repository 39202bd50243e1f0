import type { Rng } from '../rng.js';
import type { ImageShape } from './image.js';

/** One drawn flip + pad-and-crop: flip or not, and the shift of the crop window (in [-padding, padding]). */
export interface Transform {
  readonly flip: boolean;
  readonly shiftY: number;
  readonly shiftX: number;
}

/** Options of the flip + pad-and-crop step. */
export interface FlipCropOptions {
  /** Probability of a horizontal flip (default 0.5; 0 disables it). */
  readonly flipProbability?: number;
  /**
   * Zero padding on every side before a random crop back to the original size (default 4; 0
   * disables it). 4 suits both 32x32 (CIFAR) and 28x28 (MNIST-like) images: shifts of up to 4 px.
   */
  readonly padding?: number;
}

/**
 * Writes into `dst` the crop of `src` zero-padded then shifted by (shiftY, shiftX), flipped
 * horizontally when asked: dst(y, x) = src(y + shiftY, x' + shiftX) with x' = W-1-x when flipping,
 * 0 outside `src`. `src` and `dst` must be distinct buffers of the same size.
 */
export function transformInto(src: Uint8Array, dst: Uint8Array, shape: ImageShape, t: Transform): void {
  const { height, width, channels } = shape;
  for (let y = 0; y < height; y++) {
    const sy = y + t.shiftY;
    const rowOut = y * width * channels;
    if (sy < 0 || sy >= height) {
      dst.fill(0, rowOut, rowOut + width * channels);
      continue;
    }
    const rowIn = sy * width * channels;
    for (let x = 0; x < width; x++) {
      const sx = (t.flip ? width - 1 - x : x) + t.shiftX;
      const o = rowOut + x * channels;
      if (sx < 0 || sx >= width) {
        for (let c = 0; c < channels; c++) dst[o + c] = 0;
      } else {
        const i = rowIn + sx * channels;
        for (let c = 0; c < channels; c++) dst[o + c] = src[i + c]!;
      }
    }
  }
}

/** A Transform whose fields can be redrawn in place (see drawTransformInto). */
export interface MutableTransform {
  flip: boolean;
  shiftY: number;
  shiftX: number;
}

/**
 * Draws a transform with `rng` into `out`: a flip draw when flipProbability > 0, then y and x
 * shifts when padding > 0 (the draw order of drawTransform; allocates nothing).
 */
export function drawTransformInto(rng: Rng, opts: FlipCropOptions, out: MutableTransform): MutableTransform {
  const p = opts.flipProbability ?? 0.5;
  const pad = opts.padding ?? 4;
  out.flip = p > 0 && rng.next() < p;
  out.shiftY = pad > 0 ? rng.nextInt(2 * pad + 1) - pad : 0;
  out.shiftX = pad > 0 ? rng.nextInt(2 * pad + 1) - pad : 0;
  return out;
}

/** Draws a transform with `rng`: a flip draw when flipProbability > 0, then y and x shifts when padding > 0. */
export function drawTransform(rng: Rng, opts: FlipCropOptions = {}): Transform {
  return drawTransformInto(rng, opts, { flip: false, shiftY: 0, shiftX: 0 });
}
