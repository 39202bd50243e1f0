import { copyIfDistinct, type ImageShape } from './image.js';

/** Round (halves up) and clamp to [0, 255] (module-local: see toByte). */
function byte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
}

/*
 * Tone ops of AutoAugment / RandAugment (torchvision's posterize, solarize, invert, autocontrast,
 * equalize, adjust_sharpness; PIL's ImageOps). All but sharpness accept `dst === src`.
 */

/** Posterize: keeps the top `bits` bits (0-8) of every value. */
export function posterizeInto(src: Uint8Array, dst: Uint8Array, _shape: ImageShape, bits: number): void {
  const mask = (0xff << (8 - Math.max(0, Math.min(8, bits)))) & 0xff;
  const n = src.length;
  for (let i = 0; i < n; i++) dst[i] = src[i]! & mask;
}

/** Solarize: inverts every value at or above `threshold` (v -> 255 - v). */
export function solarizeInto(src: Uint8Array, dst: Uint8Array, _shape: ImageShape, threshold: number): void {
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const v = src[i]!;
    dst[i] = v >= threshold ? 255 - v : v;
  }
}

const lut = new Uint8Array(256);

/** Invert: v -> 255 - v. */
export function invertInto(src: Uint8Array, dst: Uint8Array, _shape: ImageShape): void {
  const n = src.length;
  for (let i = 0; i < n; i++) dst[i] = 255 - src[i]!;
}

/**
 * AutoContrast: stretches each channel linearly so its min maps to 0 and its max to 255
 * (rounded); a constant channel is left as it is.
 */
export function autoContrastInto(src: Uint8Array, dst: Uint8Array, shape: ImageShape): void {
  const C = shape.channels;
  const n = src.length;
  for (let c = 0; c < C; c++) {
    let lo = 255;
    let hi = 0;
    for (let i = c; i < n; i += C) {
      const v = src[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi <= lo) {
      if (src !== dst) for (let i = c; i < n; i += C) dst[i] = src[i]!;
      continue;
    }
    const scale = 255 / (hi - lo);
    for (let v = lo; v <= hi; v++) lut[v] = byte((v - lo) * scale);
    for (let i = c; i < n; i += C) dst[i] = lut[src[i]!]!;
  }
}

const hist = new Int32Array(256);

/**
 * Equalize (PIL's ImageOps.equalize, as torchvision): per channel, with the histogram h and
 * step = floor((N - count of the highest value present) / 255), maps v to
 * min(255, floor((cumsum(h)[v-1] + floor(step / 2)) / step)) (0 maps to 0); a channel with
 * step 0 (nearly constant) is left as it is.
 */
export function equalizeInto(src: Uint8Array, dst: Uint8Array, shape: ImageShape): void {
  const C = shape.channels;
  const n = src.length;
  for (let c = 0; c < C; c++) {
    hist.fill(0);
    for (let i = c; i < n; i += C) hist[src[i]!]!++;
    let last = 255;
    while (last > 0 && hist[last] === 0) last--;
    const step = Math.floor((n / C - hist[last]!) / 255);
    if (step === 0) {
      if (src !== dst) for (let i = c; i < n; i += C) dst[i] = src[i]!;
      continue;
    }
    let cum = Math.floor(step / 2);
    for (let v = 0; v < 256; v++) {
      lut[v] = Math.min(255, Math.floor(cum / step));
      cum += hist[v]!;
    }
    for (let i = c; i < n; i += C) dst[i] = lut[src[i]!]!;
  }
}

/**
 * Sharpness (PIL's ImageEnhance.Sharpness, as torchvision's adjust_sharpness): blends the image
 * with a smoothed copy (3x3 kernel [[1,1,1],[1,5,1],[1,1,1]] / 13, rounded; border pixels kept),
 * dst = factor * src + (1 - factor) * smooth. `src` and `dst` must be distinct.
 */
export function sharpnessInto(src: Uint8Array, dst: Uint8Array, shape: ImageShape, factor: number): void {
  const { height: H, width: W, channels: C } = shape;
  copyIfDistinct(src, dst);
  if (H < 3 || W < 3) return;
  const row = W * C;
  const keep = 1 - factor;
  for (let y = 1; y < H - 1; y++) {
    for (let x = 1; x < W - 1; x++) {
      const o = y * row + x * C;
      for (let c = 0; c < C; c++) {
        const i = o + c;
        const v = src[i]!;
        const ring =
          src[i - row - C]! + src[i - row]! + src[i - row + C]! + src[i - C]! + src[i + C]! + src[i + row - C]! + src[i + row]! + src[i + row + C]!;
        const smooth = Math.round((ring + 5 * v) / 13);
        dst[i] = byte(factor * v + keep * smooth);
      }
    }
  }
}
