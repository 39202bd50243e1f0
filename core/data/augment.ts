import { Augmenter, type AugmentOptions } from './augmentations/pipeline.js';
import type { ImageShape } from './augmentations/image.js';
import type { Rng } from './rng.js';

/*
 * Host-side augmentation of training images. The ops live one family per file under
 * augmentations/ (see its README.md); this module keeps the historical entry points.
 */

export type { ImageShape } from './augmentations/image.js';
export { drawTransform, drawTransformInto, transformInto, type FlipCropOptions, type Transform } from './augmentations/flip-crop.js';
export { Augmenter, isIdentityAugment, validateAugmentOptions, type AugmentOptions } from './augmentations/pipeline.js';

/**
 * Augments one HWC image from `src` into `dst` with the composed pipeline (by default: random
 * flip + pad-and-crop). Builds its scratch buffers each call; in a loop, reuse one Augmenter.
 */
export function augmentInto(src: Uint8Array, dst: Uint8Array, shape: ImageShape, rng: Rng, opts: AugmentOptions = {}): void {
  new Augmenter(shape, opts).apply(src, dst, rng);
}
