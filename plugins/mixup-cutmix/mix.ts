import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../core/contexts.js';
import { betaSample, type Uniform } from './beta.js';

/** A pixel rectangle: rows y0 ≤ y < y1, columns x0 ≤ x < x1. */
export interface Box {
  readonly y0: number;
  readonly y1: number;
  readonly x0: number;
  readonly x1: number;
}

/** What one batch gets: nothing, mixup with weight λ, or cutmix of `box` with λ = its uncovered share. */
export type MixPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'mixup'; readonly lambda: number }
  | { readonly kind: 'cutmix'; readonly lambda: number; readonly box: Box };

/** The knobs of timm's Mixup that decide a batch's plan. */
export interface MixSettings {
  readonly mixupAlpha: number;
  readonly cutmixAlpha: number;
  readonly switchProb: number;
  readonly prob: number;
}

/**
 * The cutmix box for λ on an H×W image: sides round(H·√(1−λ)) and round(W·√(1−λ)) (area ≈ (1−λ)·H·W),
 * centred on pixel (⌊uy·H⌋, ⌊ux·W⌋), then clipped to the image.
 */
export function cutmixBox(lambda: number, height: number, width: number, uy: number, ux: number): Box {
  const ratio = Math.sqrt(1 - lambda);
  const h = Math.round(height * ratio);
  const w = Math.round(width * ratio);
  const top = Math.floor(uy * height) - Math.floor(h / 2);
  const left = Math.floor(ux * width) - Math.floor(w / 2);
  const clip = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  return { y0: clip(top, height), y1: clip(top + h, height), x0: clip(left, width), x1: clip(left + w, width) };
}

/** Area of a box in pixels. */
export function boxArea(box: Box): number {
  return (box.y1 - box.y0) * (box.x1 - box.x0);
}

/**
 * Draws one batch's plan as timm's Mixup does: with probability `prob` mix at all; cutmix with
 * probability `switchProb` when both alphas are > 0, else whichever is > 0; λ ~ Beta(α, α).
 * For cutmix λ is recomputed from the clipped box: λ = 1 − area / (H·W).
 */
export function drawMixPlan(s: MixSettings, height: number, width: number, uniform: Uniform): MixPlan {
  if (uniform() >= s.prob) return { kind: 'none' };
  const useCutmix = s.mixupAlpha > 0 && s.cutmixAlpha > 0 ? uniform() < s.switchProb : s.cutmixAlpha > 0;
  const alpha = useCutmix ? s.cutmixAlpha : s.mixupAlpha;
  const lambda = betaSample(alpha, alpha, uniform);
  if (!useCutmix) return { kind: 'mixup', lambda };
  const box = cutmixBox(lambda, height, width, uniform(), uniform());
  return { kind: 'cutmix', lambda: 1 - boxArea(box) / (height * width), box };
}

/** An H×W mask, row-major: 1 inside the box, 0 outside. */
export function boxMask(box: Box, height: number, width: number): Float32Array {
  const mask = new Float32Array(height * width);
  for (let y = box.y0; y < box.y1; y++) mask.fill(1, y * width + box.x0, y * width + box.x1);
  return mask;
}

/**
 * Applies a plan on the device, pairing image i with image N−1−i (the batch reversed, like timm's
 * default flip): mixup x ← λx + (1−λ)x_rev; cutmix pastes the box from x_rev; targets ← λt + (1−λ)t_rev.
 * Returns the batch itself for 'none', otherwise new tensors (the kernel disposes the replaced ones).
 */
export function mixBatch(batch: Batch, plan: MixPlan): Batch {
  if (plan.kind === 'none') return batch;
  return tf.tidy(() => {
    const { lambda } = plan;
    const targets = tf.add(tf.mul(batch.targets, lambda), tf.mul(tf.reverse(batch.targets, 0), 1 - lambda)) as tf.Tensor2D;
    const flipped = tf.reverse(batch.x, 0);
    if (plan.kind === 'mixup') return { x: tf.add(tf.mul(batch.x, lambda), tf.mul(flipped, 1 - lambda)) as tf.Tensor4D, targets };
    const [, height, width] = batch.x.shape;
    const inside = tf.tensor4d(boxMask(plan.box, height, width), [1, height, width, 1]);
    return { x: tf.add(tf.mul(batch.x, tf.sub(1, inside)), tf.mul(flipped, inside)) as tf.Tensor4D, targets };
  });
}
