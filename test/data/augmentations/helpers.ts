import type { ImageShape } from '../../../core/data/augmentations/image.js';

/** A shape literal. */
export const shapeOf = (height: number, width: number, channels: number): ImageShape => ({ height, width, channels });

/** An image of `shape` whose bytes are `f(y, x, c)`. */
export function makeImage(shape: ImageShape, f: (y: number, x: number, c: number) => number): Uint8Array {
  const { height, width, channels } = shape;
  const img = new Uint8Array(height * width * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) img[(y * width + x) * channels + c] = f(y, x, c);
  return img;
}

/** A textured image (deterministic pseudo-random bytes). */
export function noiseImage(shape: ImageShape, seed = 1): Uint8Array {
  let s = seed >>> 0;
  return makeImage(shape, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  });
}

/** Pixel (y, x) of an HWC image as an array of its channels. */
export function pixel(img: Uint8Array, shape: ImageShape, y: number, x: number): number[] {
  const o = (y * shape.width + x) * shape.channels;
  return [...img.subarray(o, o + shape.channels)];
}

/** Whether two byte arrays are equal (fast; vitest's deep equality is slow on large typed arrays). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
