import type { ImageShape } from './image.js';

/*
 * Affine ops of AutoAugment / RandAugment (torchvision's affine / rotate with nearest
 * interpolation and fill 0). Coordinates are continuous with the image's top-left corner at
 * (0, 0), so pixel (x, y) has its centre at (x + 0.5, y + 0.5). `src` and `dst` must be distinct.
 */

/**
 * Writes into `dst` the image sampled through the inverse map (output centre X, Y) ->
 * source point (a X + b Y + c, d X + e Y + f), nearest neighbour, `fill` outside the image.
 */
export function affineNearestInto(
  src: Uint8Array,
  dst: Uint8Array,
  shape: ImageShape,
  a: number,
  b: number,
  c: number,
  d: number,
  e: number,
  f: number,
  fill = 0,
): void {
  const { height: H, width: W, channels: C } = shape;
  let o = 0;
  for (let y = 0; y < H; y++) {
    const Y = y + 0.5;
    const rowX = b * Y + c;
    const rowY = e * Y + f;
    for (let x = 0; x < W; x++) {
      const X = x + 0.5;
      const sx = Math.floor(a * X + rowX);
      const sy = Math.floor(d * X + rowY);
      if (sx < 0 || sx >= W || sy < 0 || sy >= H) {
        for (let k = 0; k < C; k++) dst[o++] = fill;
      } else {
        const i = (sy * W + sx) * C;
        for (let k = 0; k < C; k++) dst[o++] = src[i + k]!;
      }
    }
  }
}

/**
 * ShearX by `m` (= tan of the shear angle) about the top-left corner, as torchvision's
 * `affine(shear=[atan(m) deg, 0], center=[0, 0])`: dst(X, Y) = src(X + m Y, Y).
 */
export function shearXInto(src: Uint8Array, dst: Uint8Array, shape: ImageShape, m: number): void {
  affineNearestInto(src, dst, shape, 1, m, 0, 0, 1, 0);
}

/** ShearY by `m` about the top-left corner: dst(X, Y) = src(X, Y + m X). */
export function shearYInto(src: Uint8Array, dst: Uint8Array, shape: ImageShape, m: number): void {
  affineNearestInto(src, dst, shape, 1, 0, 0, m, 1, 0);
}

/** Translation by whole pixels (content moves right by `dx`, down by `dy`), zeros shifted in. */
export function translateInto(src: Uint8Array, dst: Uint8Array, shape: ImageShape, dx: number, dy: number): void {
  affineNearestInto(src, dst, shape, 1, 0, -dx, 0, 1, -dy);
}

/** Rotation by `degrees` counter-clockwise (as seen on screen) about the image centre. */
export function rotateInto(src: Uint8Array, dst: Uint8Array, shape: ImageShape, degrees: number): void {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const cx = shape.width / 2;
  const cy = shape.height / 2;
  // source = centre + R(theta) (output - centre), R = [[cos, -sin], [sin, cos]] (y axis points down)
  affineNearestInto(src, dst, shape, cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy);
}
