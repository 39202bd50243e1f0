import type { Rng } from '../rng.js';
import { copyIfDistinct, LUMA_B, LUMA_G, LUMA_R, type ImageShape } from './image.js';

/**
 * Grayscale with the ITU-R 601-2 luma (L = 0.299 R + 0.587 G + 0.114 B, rounded), written to all
 * three channels so the shape is kept (torchvision's `rgb_to_grayscale(num_output_channels=3)`).
 * A no-op (copy) unless the image has 3 channels. `dst` may be `src`.
 */
export function grayscaleInto(src: Uint8Array, dst: Uint8Array, shape: ImageShape): void {
  if (shape.channels !== 3) return copyIfDistinct(src, dst);
  const n = src.length;
  const wr = LUMA_R;
  const wg = LUMA_G;
  const wb = LUMA_B;
  for (let i = 0; i < n; i += 3) {
    const v = wr * src[i]! + wg * src[i + 1]! + wb * src[i + 2]!;
    const l = v >= 255 ? 255 : (v + 0.5) | 0;
    dst[i] = l;
    dst[i + 1] = l;
    dst[i + 2] = l;
  }
}

/** Options of RandomGrayscale. */
export interface GrayscaleOptions {
  /** Probability of converting the image (default 0.1, torchvision's; SimCLR uses 0.2). */
  readonly p?: number;
}

export const DEFAULT_GRAYSCALE_P = 0.1;

/** RandomGrayscale: one draw, then grayscaleInto with probability `p`. `dst` may be `src`. */
export function randomGrayscaleInto(src: Uint8Array, dst: Uint8Array, shape: ImageShape, rng: Rng, opts: GrayscaleOptions = {}): boolean {
  const p = opts.p ?? DEFAULT_GRAYSCALE_P;
  const apply = rng.next() < p;
  if (apply) grayscaleInto(src, dst, shape);
  else copyIfDistinct(src, dst);
  return apply;
}
