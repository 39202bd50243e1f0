/**
 * Shared pieces of the host-side augmentation ops: the image shape, byte clamping and the luma
 * weights. Every op works on one HWC uint8 image and writes into a caller-provided buffer.
 */

/** Height, width and channels of one HWC image. */
export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Bytes in one image of `shape`. */
export function imageSize(shape: ImageShape): number {
  return shape.height * shape.width * shape.channels;
}

/** ITU-R 601-2 luma weights (as PIL's `convert('L')`): L = 0.299 R + 0.587 G + 0.114 B. */
export const LUMA_R = 0.299;
export const LUMA_G = 0.587;
export const LUMA_B = 0.114;

/**
 * Rounds `v` to the nearest integer (halves up) and clamps it to [0, 255]. Hot loops keep a
 * module-local copy of this one-liner: under vitest's module runner an imported function is
 * reached through a getter on every call.
 */
export function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
}

/** Copies `src` into `dst` unless they are the same buffer (the no-op of an in-place-capable op). */
export function copyIfDistinct(src: Uint8Array, dst: Uint8Array): void {
  if (src !== dst) dst.set(src);
}

/** Uniform draw in [lo, hi). */
export function uniform(rng: { next(): number }, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}
