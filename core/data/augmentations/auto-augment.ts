import type { Rng } from '../rng.js';
import type { ImageShape } from './image.js';
import { chainStep, isSigned, opMagnitude, type PolicyOp } from './policy-ops.js';

/** One step of an AutoAugment sub-policy: op, probability, magnitude level (of 10; null: none). */
export type PolicyStep = readonly [op: PolicyOp, p: number, level: number | null];
/** A sub-policy: two steps applied in order, each with its own probability. */
export type SubPolicy = readonly [PolicyStep, PolicyStep];

/** The AutoAugment policies this module knows. */
export type AutoAugmentPolicy = 'imagenet';

/** The 25 sub-policies AutoAugment (Cubuk et al. 2018) learned on ImageNet, torchvision's list. */
export const IMAGENET_POLICY: readonly SubPolicy[] = [
  [['Posterize', 0.4, 8], ['Rotate', 0.6, 9]],
  [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]],
  [['Equalize', 0.8, null], ['Equalize', 0.6, null]],
  [['Posterize', 0.6, 7], ['Posterize', 0.6, 6]],
  [['Equalize', 0.4, null], ['Solarize', 0.2, 4]],
  [['Equalize', 0.4, null], ['Rotate', 0.8, 8]],
  [['Solarize', 0.6, 3], ['Equalize', 0.6, null]],
  [['Posterize', 0.8, 5], ['Equalize', 1.0, null]],
  [['Rotate', 0.2, 3], ['Solarize', 0.6, 8]],
  [['Equalize', 0.6, null], ['Posterize', 0.4, 6]],
  [['Rotate', 0.8, 8], ['Color', 0.4, 0]],
  [['Rotate', 0.4, 9], ['Equalize', 0.6, null]],
  [['Equalize', 0.0, null], ['Equalize', 0.8, null]],
  [['Invert', 0.6, null], ['Equalize', 1.0, null]],
  [['Color', 0.6, 4], ['Contrast', 1.0, 8]],
  [['Rotate', 0.8, 8], ['Color', 1.0, 2]],
  [['Color', 0.8, 8], ['Solarize', 0.8, 7]],
  [['Sharpness', 0.4, 7], ['Invert', 0.6, null]],
  [['ShearX', 0.6, 5], ['Equalize', 1.0, null]],
  [['Color', 0.4, 0], ['Equalize', 0.6, null]],
  [['Equalize', 0.4, null], ['Solarize', 0.2, 4]],
  [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]],
  [['Invert', 0.6, null], ['Equalize', 1.0, null]],
  [['Color', 0.6, 4], ['Contrast', 1.0, 8]],
  [['Equalize', 0.8, null], ['Equalize', 0.6, null]],
];

const POLICIES: Record<AutoAugmentPolicy, readonly SubPolicy[]> = { imagenet: IMAGENET_POLICY };

/** AutoAugment uses 10 magnitude levels (0-9). */
export const AUTO_AUGMENT_BINS = 10;

/**
 * AutoAugment of one HWC image from `src` into `dst` (distinct), as torchvision's: draws a
 * sub-policy uniformly, then two uniforms and two signs (always, 5 draws in all); step i runs when
 * its uniform <= its probability, its magnitude negated for signed ops when its sign is 0.
 * `tmp` is a third image-sized buffer, distinct from both (allocated when omitted).
 */
export function autoAugmentInto(
  src: Uint8Array,
  dst: Uint8Array,
  shape: ImageShape,
  rng: Rng,
  policy: AutoAugmentPolicy = 'imagenet',
  tmp?: Uint8Array,
): void {
  const policies = POLICIES[policy];
  if (!policies) throw new RangeError(`unknown AutoAugment policy ${String(policy)} (known: ${Object.keys(POLICIES).join(', ')})`);
  const sub = policies[rng.nextInt(policies.length)]!;
  const u0 = rng.next();
  const u1 = rng.next();
  const s0 = rng.nextInt(2);
  const s1 = rng.nextInt(2);
  const buf = tmp ?? new Uint8Array(src.length);
  let cur = src;
  for (let i = 0; i < 2; i++) {
    const step = sub[i]!;
    const op = step[0];
    const level = step[2];
    if ((i === 0 ? u0 : u1) > step[1]) continue;
    let magnitude = level === null ? 0 : opMagnitude(op, level, AUTO_AUGMENT_BINS, shape);
    if (isSigned(op) && (i === 0 ? s0 : s1) === 0) magnitude = -magnitude;
    cur = chainStep(op, cur, dst, buf, shape, magnitude);
  }
  if (cur !== dst) dst.set(cur);
}
