import { adjustBrightness, adjustContrast, adjustSaturation } from './color.js';
import { shearXInto, shearYInto, rotateInto, translateInto } from './geometric.js';
import { copyIfDistinct, type ImageShape } from './image.js';
import { autoContrastInto, equalizeInto, invertInto, posterizeInto, sharpnessInto, solarizeInto } from './tone.js';

/*
 * The op vocabulary of AutoAugment and RandAugment, with torchvision's magnitude ranges
 * (`_augmentation_space`) and application (`_apply_op`).
 */

/** Names of the policy ops. */
export type PolicyOp =
  | 'Identity'
  | 'ShearX'
  | 'ShearY'
  | 'TranslateX'
  | 'TranslateY'
  | 'Rotate'
  | 'Brightness'
  | 'Color'
  | 'Contrast'
  | 'Sharpness'
  | 'Posterize'
  | 'Solarize'
  | 'AutoContrast'
  | 'Equalize'
  | 'Invert';

/** Whether an op can write its result over its input (the others need a second buffer). */
export function runsInPlace(op: PolicyOp): boolean {
  return !(op === 'ShearX' || op === 'ShearY' || op === 'TranslateX' || op === 'TranslateY' || op === 'Rotate' || op === 'Sharpness');
}

/** Whether the op's magnitude gets a random sign (torchvision's `signed`). */
export function isSigned(op: PolicyOp): boolean {
  return (
    op === 'ShearX' ||
    op === 'ShearY' ||
    op === 'TranslateX' ||
    op === 'TranslateY' ||
    op === 'Rotate' ||
    op === 'Brightness' ||
    op === 'Color' ||
    op === 'Contrast' ||
    op === 'Sharpness'
  );
}

/**
 * The unsigned magnitude of `op` at `level` of `bins` levels (0 .. bins-1), torchvision's table:
 * shear 0-0.3, translate 0-150/331 of the side (px), rotate 0-30 deg, brightness / color /
 * contrast / sharpness 0-0.9 (factor 1 +- m), posterize 8 down to 4 bits, solarize threshold
 * 255 down to 0; identity, autocontrast, equalize and invert have none (0).
 */
export function opMagnitude(op: PolicyOp, level: number, bins: number, shape: ImageShape): number {
  const t = bins > 1 ? level / (bins - 1) : 0;
  switch (op) {
    case 'ShearX':
    case 'ShearY':
      return 0.3 * t;
    case 'TranslateX':
      return ((150 / 331) * shape.width) * t;
    case 'TranslateY':
      return ((150 / 331) * shape.height) * t;
    case 'Rotate':
      return 30 * t;
    case 'Brightness':
    case 'Color':
    case 'Contrast':
    case 'Sharpness':
      return 0.9 * t;
    case 'Posterize':
      return bins > 1 ? 8 - Math.round(level / ((bins - 1) / 4)) : 8;
    case 'Solarize':
      return 255 * (1 - t);
    default:
      return 0;
  }
}

/**
 * Applies `op` with the (signed) `magnitude` from `src` into `dst`; `dst` may be `src` only when
 * runsInPlace(op).
 */
export function applyPolicyOp(op: PolicyOp, src: Uint8Array, dst: Uint8Array, shape: ImageShape, magnitude: number): void {
  switch (op) {
    case 'ShearX':
      return shearXInto(src, dst, shape, magnitude);
    case 'ShearY':
      return shearYInto(src, dst, shape, magnitude);
    case 'TranslateX':
      return translateInto(src, dst, shape, Math.trunc(magnitude), 0);
    case 'TranslateY':
      return translateInto(src, dst, shape, 0, Math.trunc(magnitude));
    case 'Rotate':
      return rotateInto(src, dst, shape, magnitude);
    case 'Brightness':
      return adjustBrightness(src, dst, shape, 1 + magnitude);
    case 'Color':
      return adjustSaturation(src, dst, shape, 1 + magnitude);
    case 'Contrast':
      return adjustContrast(src, dst, shape, 1 + magnitude);
    case 'Sharpness':
      return sharpnessInto(src, dst, shape, 1 + magnitude);
    case 'Posterize':
      return posterizeInto(src, dst, shape, Math.trunc(magnitude));
    case 'Solarize':
      return solarizeInto(src, dst, shape, magnitude);
    case 'AutoContrast':
      return autoContrastInto(src, dst, shape);
    case 'Equalize':
      return equalizeInto(src, dst, shape);
    case 'Invert':
      return invertInto(src, dst, shape);
    case 'Identity':
      return copyIfDistinct(src, dst);
  }
}

/**
 * Runs `op` as one step of a chain that must end in `dst`: reads `cur` (the chain's current image,
 * `src` at first), writes into `dst` when the op runs in place or `cur` is elsewhere, else into
 * `tmp`; returns the buffer now holding the image.
 */
export function chainStep(op: PolicyOp, cur: Uint8Array, dst: Uint8Array, tmp: Uint8Array, shape: ImageShape, magnitude: number): Uint8Array {
  const out = cur !== dst || runsInPlace(op) ? dst : tmp;
  applyPolicyOp(op, cur, out, shape, magnitude);
  return out;
}
