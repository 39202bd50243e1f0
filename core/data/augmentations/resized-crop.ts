import type { Rng } from '../rng.js';
import { uniform, type ImageShape } from './image.js';

/** Options of RandomResizedCrop (torchvision semantics). */
export interface RandomResizedCropOptions {
  /** Range of the crop's area as a fraction of the image's (default [0.08, 1]). */
  readonly scale?: readonly [number, number];
  /** Range of the crop's aspect ratio width / height, drawn log-uniformly (default [3/4, 4/3]). */
  readonly ratio?: readonly [number, number];
}

export const DEFAULT_RRC_SCALE: readonly [number, number] = [0.08, 1];
export const DEFAULT_RRC_RATIO: readonly [number, number] = [3 / 4, 4 / 3];

/** A crop window in pixels: top-left corner and size. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * Draws a crop window as torchvision's `RandomResizedCrop.get_params`: up to 10 tries of an area
 * uniform in `scale` x image area and an aspect ratio log-uniform in `ratio`, rounded to whole
 * pixels; the first that fits gets a uniform position. When none fits, the central crop with the
 * aspect ratio clamped into `ratio`. Writes into `out` (allocates nothing).
 */
export function drawResizedCropBox(
  rng: Rng,
  height: number,
  width: number,
  scale: readonly [number, number] = DEFAULT_RRC_SCALE,
  ratio: readonly [number, number] = DEFAULT_RRC_RATIO,
  out: CropBox = { top: 0, left: 0, height, width },
): CropBox {
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * uniform(rng, scale[0], scale[1]);
    const aspect = Math.exp(uniform(rng, logLo, logHi));
    const w = Math.round(Math.sqrt(targetArea * aspect));
    const h = Math.round(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      out.top = rng.nextInt(height - h + 1);
      out.left = rng.nextInt(width - w + 1);
      out.height = h;
      out.width = w;
      return out;
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
  out.top = Math.floor((height - h) / 2);
  out.left = Math.floor((width - w) / 2);
  out.height = h;
  out.width = w;
  return out;
}

// Per-column source offsets and weights of resizedCropInto, grown as needed (no per-image allocation).
let colA = new Int32Array(0);
let colB = new Int32Array(0);
let colF = new Float64Array(0);

/**
 * Writes into `dst` the window `box` of `src` resized back to the full image size with bilinear
 * interpolation (half-pixel centres, edges clamped to the window, results rounded) - torchvision's
 * `resized_crop` (the window is never larger than the image, so no antialiasing is needed).
 * `src` and `dst` must be distinct buffers of the same size.
 */
export function resizedCropInto(src: Uint8Array, dst: Uint8Array, shape: ImageShape, box: CropBox): void {
  const { height: H, width: W, channels: C } = shape;
  const scaleY = box.height / H;
  const scaleX = box.width / W;
  const rowStride = W * C;
  if (colA.length < W) {
    colA = new Int32Array(W);
    colB = new Int32Array(W);
    colF = new Float64Array(W);
  }
  for (let x = 0; x < W; x++) {
    const sx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), box.width - 1);
    const x0 = Math.floor(sx);
    colA[x] = (box.left + x0) * C;
    colB[x] = (box.left + Math.min(x0 + 1, box.width - 1)) * C;
    colF[x] = sx - x0;
  }
  let o = 0;
  for (let y = 0; y < H; y++) {
    const sy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), box.height - 1);
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    const r0 = (box.top + y0) * rowStride;
    const r1 = (box.top + Math.min(y0 + 1, box.height - 1)) * rowStride;
    for (let x = 0; x < W; x++) {
      const a0 = r0 + colA[x]!;
      const b0 = r0 + colB[x]!;
      const a1 = r1 + colA[x]!;
      const b1 = r1 + colB[x]!;
      const fx = colF[x]!;
      for (let c = 0; c < C; c++, o++) {
        const top = src[a0 + c]! + (src[b0 + c]! - src[a0 + c]!) * fx;
        const bottom = src[a1 + c]! + (src[b1 + c]! - src[a1 + c]!) * fx;
        const v = top + (bottom - top) * fy;
        dst[o] = (v + 0.5) | 0;
      }
    }
  }
}

/**
 * RandomResizedCrop of one HWC image from `src` into `dst` (distinct buffers): draws a window
 * (drawResizedCropBox) and resizes it back to the original size (resizedCropInto).
 */
export function randomResizedCropInto(
  src: Uint8Array,
  dst: Uint8Array,
  shape: ImageShape,
  rng: Rng,
  opts: RandomResizedCropOptions = {},
  box?: CropBox,
): CropBox {
  const b = drawResizedCropBox(rng, shape.height, shape.width, opts.scale ?? DEFAULT_RRC_SCALE, opts.ratio ?? DEFAULT_RRC_RATIO, box);
  resizedCropInto(src, dst, shape, b);
  return b;
}
