import * as tf from '@tensorflow/tfjs';

/** A source of uniform numbers in [0, 1): a seeded stream's `next`. */
export type Uniform = () => number;

/** A pixel rectangle: rows y0 ≤ y < y1, columns x0 ≤ x < x1. */
export interface Box {
  readonly y0: number;
  readonly y1: number;
  readonly x0: number;
  readonly x1: number;
}

/** The knobs of torchvision's RandomErasing that decide where to erase. */
export interface ErasingSettings {
  /** Chance that an image is erased. */
  readonly probability: number;
  /** [min, max] share of the image's area erased (torchvision's `scale`). */
  readonly areaRange: readonly [number, number];
  /** [min, max] of the box's height/width (torchvision's `ratio`), drawn log-uniformly. */
  readonly aspectRange: readonly [number, number];
}

/**
 * torchvision's `RandomErasing.get_params` for an H×W image, up to 10 attempts:
 * target area A = H·W·U(areaRange), aspect r = exp(U(log rmin, log rmax)), h = round(√(A·r)),
 * w = round(√(A/r)); retry unless h < H and w < W; top-left uniform over the valid positions.
 * Undefined when every attempt failed (the image is left alone).
 */
export function drawErasingBox(height: number, width: number, s: ErasingSettings, uniform: Uniform): Box | undefined {
  const [areaLo, areaHi] = s.areaRange;
  const logLo = Math.log(s.aspectRange[0]);
  const logHi = Math.log(s.aspectRange[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = height * width * (areaLo + uniform() * (areaHi - areaLo));
    const aspect = Math.exp(logLo + uniform() * (logHi - logLo));
    const h = Math.round(Math.sqrt(target * aspect));
    const w = Math.round(Math.sqrt(target / aspect));
    if (!(h < height && w < width)) continue;
    const y0 = Math.floor(uniform() * (height - h + 1));
    const x0 = Math.floor(uniform() * (width - w + 1));
    return { y0, y1: y0 + h, x0, x1: x0 + w };
  }
  return undefined;
}

/** Per image of a batch: a box with probability `probability` (and a successful draw), else undefined. */
export function drawErasingBoxes(count: number, height: number, width: number, s: ErasingSettings, uniform: Uniform): (Box | undefined)[] {
  return Array.from({ length: count }, () => (uniform() < s.probability ? drawErasingBox(height, width, s, uniform) : undefined));
}

/** An N×H×W mask, row-major: 1 inside image n's box, 0 elsewhere (all 0 for an image without one). */
export function erasingMask(boxes: readonly (Box | undefined)[], height: number, width: number): Float32Array {
  const mask = new Float32Array(boxes.length * height * width);
  boxes.forEach((box, n) => {
    if (!box) return;
    for (let y = box.y0; y < box.y1; y++) mask.fill(1, (n * height + y) * width + box.x0, (n * height + y) * width + box.x1);
  });
  return mask;
}

/**
 * Sets every channel inside each image's box to `value` (in the batch's normalised units, 0 = dataset mean):
 * x·(1 − m) + value·m. Returns a new tensor; the caller disposes it.
 */
export function eraseImages(x: tf.Tensor4D, boxes: readonly (Box | undefined)[], value: number): tf.Tensor4D {
  const [n, height, width] = x.shape;
  return tf.tidy(() => {
    const inside = tf.tensor4d(erasingMask(boxes, height, width), [n, height, width, 1]);
    return tf.add(tf.mul(x, tf.sub(1, inside)), tf.mul(inside, value)) as tf.Tensor4D;
  });
}
