import type { Rng } from '../rng.js';
import { autoAugmentInto, type AutoAugmentPolicy } from './auto-augment.js';
import { randomGaussianBlurInto, DEFAULT_BLUR, type BlurScratch, type GaussianBlurOptions } from './blur.js';
import { colorJitterInto, type ColorJitterOptions } from './color.js';
import { drawTransformInto, transformInto, type FlipCropOptions, type MutableTransform } from './flip-crop.js';
import { randomGrayscaleInto, type GrayscaleOptions } from './grayscale.js';
import { imageSize, type ImageShape } from './image.js';
import { DEFAULT_RAND_AUGMENT, randAugmentInto, type RandAugmentOptions } from './rand-augment.js';
import { randomResizedCropInto, type CropBox, type RandomResizedCropOptions } from './resized-crop.js';

/**
 * Random augmentation applied per training image. Flip and pad + crop keep their historical
 * defaults (on: p 0.5, padding 4); every other step is off unless given.
 */
export interface AugmentOptions extends FlipCropOptions {
  /** RandomResizedCrop back to the original size, before flip / pad + crop (default off). */
  readonly randomResizedCrop?: RandomResizedCropOptions | false;
  /** RandAugment after the geometric steps (default off). */
  readonly randAugment?: RandAugmentOptions | false;
  /** AutoAugment with a learned policy, after RandAugment (default off). */
  readonly autoAugment?: AutoAugmentPolicy | false;
  /** ColorJitter (default off; hue off inside it unless given). */
  readonly colorJitter?: ColorJitterOptions | false;
  /** RandomGrayscale (default off). */
  readonly grayscale?: GrayscaleOptions | false;
  /** Random gaussian blur, last (default off). */
  readonly gaussianBlur?: GaussianBlurOptions | false;
}

/** True when `opts` changes no image: no flip, no padding and every other step off. */
export function isIdentityAugment(opts: AugmentOptions): boolean {
  return (
    (opts.flipProbability ?? 0.5) === 0 &&
    (opts.padding ?? 4) === 0 &&
    !opts.randomResizedCrop &&
    !opts.randAugment &&
    !opts.autoAugment &&
    !opts.colorJitter &&
    !opts.grayscale &&
    !opts.gaussianBlur
  );
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`augment: ${message}`);
}

const isProb = (p: number | undefined) => p === undefined || (p >= 0 && p <= 1);
const isRange = (r: readonly [number, number] | undefined, lo: number, hi: number) =>
  r === undefined || (r.length === 2 && r[0] > lo && r[0] <= r[1] && r[1] <= hi);

/** Throws a RangeError naming the first invalid option of `opts`. */
export function validateAugmentOptions(opts: AugmentOptions): void {
  check(isProb(opts.flipProbability), `flipProbability must be in [0, 1], got ${opts.flipProbability}`);
  check(opts.padding === undefined || (Number.isInteger(opts.padding) && opts.padding >= 0), `padding must be a non-negative integer, got ${opts.padding}`);
  const rrc = opts.randomResizedCrop;
  if (rrc) {
    check(isRange(rrc.scale, 0, 1), `randomResizedCrop.scale must be [min, max] with 0 < min <= max <= 1`);
    check(isRange(rrc.ratio, 0, Infinity), `randomResizedCrop.ratio must be [min, max] with 0 < min <= max`);
  }
  const ra = opts.randAugment;
  if (ra) {
    const bins = ra.bins ?? DEFAULT_RAND_AUGMENT.bins;
    check(Number.isInteger(bins) && bins >= 1, `randAugment.bins must be a positive integer, got ${bins}`);
    check(ra.n === undefined || (Number.isInteger(ra.n) && ra.n >= 0), `randAugment.n must be a non-negative integer, got ${ra.n}`);
    check(ra.m === undefined || (Number.isInteger(ra.m) && ra.m >= 0 && ra.m < bins), `randAugment.m must be an integer in [0, ${bins - 1}], got ${ra.m}`);
  }
  check(!opts.autoAugment || opts.autoAugment === 'imagenet', `autoAugment must be 'imagenet' or false, got ${String(opts.autoAugment)}`);
  const cj = opts.colorJitter;
  if (cj) {
    for (const key of ['brightness', 'contrast', 'saturation'] as const) {
      const v = cj[key];
      check(v === undefined || v >= 0, `colorJitter.${key} must be >= 0, got ${v}`);
    }
    check(cj.hue === undefined || (cj.hue >= 0 && cj.hue <= 0.5), `colorJitter.hue must be in [0, 0.5], got ${cj.hue}`);
    check(isProb(cj.p), `colorJitter.p must be in [0, 1], got ${cj.p}`);
  }
  if (opts.grayscale) check(isProb(opts.grayscale.p), `grayscale.p must be in [0, 1], got ${opts.grayscale.p}`);
  const gb = opts.gaussianBlur;
  if (gb) {
    const k = gb.kernelSize;
    check(k === undefined || (Number.isInteger(k) && k > 0 && k % 2 === 1), `gaussianBlur.kernelSize must be a positive odd integer, got ${k}`);
    check(isRange(gb.sigma, 0, Infinity), `gaussianBlur.sigma must be [min, max] with 0 < min <= max`);
    check(isProb(gb.p), `gaussianBlur.p must be in [0, 1], got ${gb.p}`);
  }
}

/**
 * The composed per-image augmentation, in this order: random resized crop, flip + pad-and-crop
 * (the geometric steps), RandAugment, AutoAugment, color jitter, grayscale, gaussian blur. Each
 * enabled step draws from the rng it is given, in that order, so a seeded rng gives the same
 * bytes. Holds its scratch buffers: make one per image shape and reuse it for every image.
 */
export class Augmenter {
  private readonly size: number;
  private readonly tmpA: Uint8Array;
  private readonly tmpB: Uint8Array;
  private readonly blurScratch: BlurScratch | null;
  private readonly box: CropBox = { top: 0, left: 0, height: 0, width: 0 };
  private readonly transform: MutableTransform = { flip: false, shiftY: 0, shiftX: 0 };
  private readonly flipCrop: boolean;
  private dst: Uint8Array;

  constructor(
    readonly shape: ImageShape,
    readonly options: AugmentOptions = {},
  ) {
    validateAugmentOptions(options);
    this.size = imageSize(shape);
    this.tmpA = new Uint8Array(this.size);
    this.tmpB = new Uint8Array(options.randAugment || options.autoAugment ? this.size : 0);
    this.dst = this.tmpA;
    this.flipCrop = (options.flipProbability ?? 0.5) > 0 || (options.padding ?? 4) > 0;
    const blur = options.gaussianBlur;
    this.blurScratch = blur
      ? { kernel: new Float64Array(blur.kernelSize ?? DEFAULT_BLUR.kernelSize), tmp: new Float32Array(this.size) }
      : null;
  }

  /** A buffer of the pool (dst first) that is neither `a` nor `b`. */
  private other(a: Uint8Array, b?: Uint8Array): Uint8Array {
    if (this.dst !== a && this.dst !== b) return this.dst;
    return this.tmpA !== a && this.tmpA !== b ? this.tmpA : this.tmpB;
  }

  /** Augments `src` into `dst` (distinct buffers of the shape's size); `src` is never written. */
  apply(src: Uint8Array, dst: Uint8Array, rng: Rng): void {
    if (src.length !== this.size || dst.length !== this.size) {
      throw new RangeError(`augment: expected images of ${this.size} bytes, got ${src.length} and ${dst.length}`);
    }
    const { shape, options: o } = this;
    this.dst = dst;
    let cur = src;
    if (o.randomResizedCrop) {
      const out = this.other(cur);
      randomResizedCropInto(cur, out, shape, rng, o.randomResizedCrop, this.box);
      cur = out;
    }
    if (this.flipCrop) {
      const t = drawTransformInto(rng, o, this.transform);
      if (t.flip || t.shiftX !== 0 || t.shiftY !== 0) {
        const out = this.other(cur);
        transformInto(cur, out, shape, t);
        cur = out;
      }
    }
    if (o.randAugment) {
      const out = this.other(cur);
      randAugmentInto(cur, out, shape, rng, o.randAugment, this.other(cur, out));
      cur = out;
    }
    if (o.autoAugment) {
      const out = this.other(cur);
      autoAugmentInto(cur, out, shape, rng, o.autoAugment, this.other(cur, out));
      cur = out;
    }
    // The colour steps run in place: from src into dst the first time, then over the current buffer.
    if (o.colorJitter) {
      const out = cur === src ? dst : cur;
      colorJitterInto(cur, out, shape, rng, o.colorJitter);
      cur = out;
    }
    if (o.grayscale) {
      const out = cur === src ? dst : cur;
      randomGrayscaleInto(cur, out, shape, rng, o.grayscale);
      cur = out;
    }
    if (o.gaussianBlur) {
      const out = cur === src ? dst : cur;
      randomGaussianBlurInto(cur, out, shape, rng, o.gaussianBlur, this.blurScratch!);
      cur = out;
    }
    if (cur !== dst) dst.set(cur);
  }
}
