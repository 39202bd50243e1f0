import type { Rng } from '../rng.js';
import { copyIfDistinct, LUMA_B, LUMA_G, LUMA_R, uniform, type ImageShape } from './image.js';

/** Round (halves up) and clamp to [0, 255] (module-local: see toByte). */
function byte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
}

const lut = new Uint8Array(256);

/** dst[i] = lut[src[i]] with lut[v] = byte(scale * v + offset): pointwise linear ops in 256 multiplies. */
function linearLut(src: Uint8Array, dst: Uint8Array, scale: number, offset: number): void {
  for (let v = 0; v < 256; v++) lut[v] = byte(scale * v + offset);
  const n = src.length;
  for (let i = 0; i < n; i++) dst[i] = lut[src[i]!]!;
}

/*
 * Colour adjustments (torchvision's adjust_brightness / contrast / saturation / hue, also PIL's
 * ImageEnhance) and ColorJitter. Each `adjust*` op writes `src` adjusted into `dst`; `dst` may be
 * `src` (in place). Results are rounded and clamped to [0, 255].
 */

/** Brightness: dst = src * factor (0 gives black, 1 the image, > 1 brighter). */
export function adjustBrightness(src: Uint8Array, dst: Uint8Array, _shape: ImageShape, factor: number): void {
  linearLut(src, dst, factor, 0);
}

/** Mean grey level of the image: the mean luma for RGB, the mean of all values otherwise. */
export function meanGray(src: Uint8Array, shape: ImageShape): number {
  const n = src.length;
  let sum = 0;
  if (shape.channels === 3) {
    let r = 0;
    let g = 0;
    let b = 0;
    for (let i = 0; i < n; i += 3) {
      r += src[i]!;
      g += src[i + 1]!;
      b += src[i + 2]!;
    }
    return (LUMA_R * r + LUMA_G * g + LUMA_B * b) / (n / 3);
  }
  for (let i = 0; i < n; i++) sum += src[i]!;
  return n > 0 ? sum / n : 0;
}

/** Contrast: blends the image with its mean grey level, dst = factor * src + (1 - factor) * mean. */
export function adjustContrast(src: Uint8Array, dst: Uint8Array, shape: ImageShape, factor: number): void {
  linearLut(src, dst, factor, (1 - factor) * meanGray(src, shape));
}

/**
 * Saturation (PIL's ImageEnhance.Color): blends each RGB pixel with its luma,
 * dst = factor * src + (1 - factor) * L. A no-op (copy) unless the image has 3 channels.
 */
export function adjustSaturation(src: Uint8Array, dst: Uint8Array, shape: ImageShape, factor: number): void {
  if (shape.channels !== 3) return copyIfDistinct(src, dst);
  const n = src.length;
  const keep = 1 - factor;
  const wr = keep * LUMA_R;
  const wg = keep * LUMA_G;
  const wb = keep * LUMA_B;
  for (let i = 0; i < n; i += 3) {
    const r = src[i]!;
    const g = src[i + 1]!;
    const b = src[i + 2]!;
    const gray = wr * r + wg * g + wb * b;
    dst[i] = byte(factor * r + gray);
    dst[i + 1] = byte(factor * g + gray);
    dst[i + 2] = byte(factor * b + gray);
  }
}

/**
 * Hue: rotates each RGB pixel's hue by `shift` turns (in [-0.5, 0.5]) in HSV space, keeping
 * saturation and value. A no-op (copy) unless the image has 3 channels.
 */
export function adjustHue(src: Uint8Array, dst: Uint8Array, shape: ImageShape, shift: number): void {
  if (shape.channels !== 3) return copyIfDistinct(src, dst);
  const n = src.length;
  for (let i = 0; i < n; i += 3) {
    const r = src[i]!;
    const g = src[i + 1]!;
    const b = src[i + 2]!;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const chroma = max - min;
    if (chroma === 0) {
      dst[i] = r;
      dst[i + 1] = g;
      dst[i + 2] = b;
      continue;
    }
    let h: number;
    if (max === r) h = (g - b) / chroma;
    else if (max === g) h = 2 + (b - r) / chroma;
    else h = 4 + (r - g) / chroma;
    h = h / 6 + shift;
    h -= Math.floor(h);
    // HSV -> RGB with v = max, s = chroma / max.
    const h6 = h * 6;
    const sector = Math.floor(h6) % 6;
    const f = h6 - Math.floor(h6);
    const p = min;
    const q = max - chroma * f;
    const t = min + chroma * f;
    let ro: number, go: number, bo: number;
    switch (sector) {
      case 0: ro = max; go = t; bo = p; break;
      case 1: ro = q; go = max; bo = p; break;
      case 2: ro = p; go = max; bo = t; break;
      case 3: ro = p; go = q; bo = max; break;
      case 4: ro = t; go = p; bo = max; break;
      default: ro = max; go = p; bo = q; break;
    }
    dst[i] = byte(ro);
    dst[i + 1] = byte(go);
    dst[i + 2] = byte(bo);
  }
}

/** Options of ColorJitter: each strength s draws a factor uniform in [max(0, 1 - s), 1 + s]. */
export interface ColorJitterOptions {
  /** Brightness strength (default 0.4; 0 disables it). */
  readonly brightness?: number;
  /** Contrast strength (default 0.4; 0 disables it). */
  readonly contrast?: number;
  /** Saturation strength (default 0.4; 0 disables it; no-op on 1-channel images). */
  readonly saturation?: number;
  /** Hue strength in [0, 0.5]: shift uniform in [-hue, hue] (default 0, off; no-op on 1-channel images). */
  readonly hue?: number;
  /** Probability of applying the jitter at all (default 1; SimCLR uses 0.8). */
  readonly p?: number;
}

export const DEFAULT_COLOR_JITTER = { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0, p: 1 } as const;

const order = new Uint8Array(4);

/**
 * ColorJitter (torchvision semantics): with probability `p` (a draw only when 0 < p < 1), draws a
 * random order of the four adjustments, then a factor for each enabled one (brightness, contrast,
 * saturation, hue, in that order), and applies them in the drawn order. `dst` may be `src`.
 */
export function colorJitterInto(src: Uint8Array, dst: Uint8Array, shape: ImageShape, rng: Rng, opts: ColorJitterOptions = {}): void {
  const p = opts.p ?? DEFAULT_COLOR_JITTER.p;
  if (p <= 0 || (p < 1 && !(rng.next() < p))) return copyIfDistinct(src, dst);
  const b = opts.brightness ?? DEFAULT_COLOR_JITTER.brightness;
  const c = opts.contrast ?? DEFAULT_COLOR_JITTER.contrast;
  const s = opts.saturation ?? DEFAULT_COLOR_JITTER.saturation;
  const h = opts.hue ?? DEFAULT_COLOR_JITTER.hue;
  for (let i = 0; i < 4; i++) order[i] = i;
  for (let i = 3; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const bf = b > 0 ? uniform(rng, Math.max(0, 1 - b), 1 + b) : 1;
  const cf = c > 0 ? uniform(rng, Math.max(0, 1 - c), 1 + c) : 1;
  const sf = s > 0 ? uniform(rng, Math.max(0, 1 - s), 1 + s) : 1;
  const hf = h > 0 ? uniform(rng, -h, h) : 0;
  let from = src;
  for (let k = 0; k < 4; k++) {
    const op = order[k]!;
    if (op === 0 && b > 0) adjustBrightness(from, dst, shape, bf);
    else if (op === 1 && c > 0) adjustContrast(from, dst, shape, cf);
    else if (op === 2 && s > 0) adjustSaturation(from, dst, shape, sf);
    else if (op === 3 && h > 0) adjustHue(from, dst, shape, hf);
    else continue;
    from = dst;
  }
  if (from !== dst) copyIfDistinct(src, dst);
}
