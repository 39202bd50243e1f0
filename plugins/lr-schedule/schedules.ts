/** A learning-rate schedule as a factor of the base rate, over training time in (fractional) epochs. */
export type ScheduleSpec =
  | { name: 'constant' }
  | { name: 'step'; stepSize: number; gamma: number }
  | { name: 'multistep'; milestones?: number[]; fractions?: number[]; gamma: number }
  | { name: 'exponential'; gamma: number }
  | { name: 'inverse-time'; k: number }
  | { name: 'cosine'; minFactor: number }
  | { name: 'linear'; minFactor: number }
  | { name: 'cosine-restarts'; t0: number; tMult: number; minFactor: number };

/** Linear warmup: the factor rises from `startFactor` to 1 over `epochs` (Goyal et al., seed 001). */
export interface WarmupSpec {
  epochs: number;
  startFactor: number;
}

/** Cosine from 1 down to `minFactor` as `progress` goes 0 → 1 (SGDR's η_min + ½(1−η_min)(1+cos πp)). */
export function cosineFactor(progress: number, minFactor: number): number {
  const p = Math.min(Math.max(progress, 0), 1);
  return minFactor + 0.5 * (1 - minFactor) * (1 + Math.cos(Math.PI * p));
}

/** Straight from 1 down to `minFactor` as `progress` goes 0 → 1 (PyTorch's LinearLR from factor 1 to end_factor = minFactor). */
export function linearFactor(progress: number, minFactor: number): number {
  const p = Math.min(Math.max(progress, 0), 1);
  return 1 - (1 - minFactor) * p;
}

/** Position inside the current SGDR cycle: cycles last t0, t0·tMult, t0·tMult², … epochs. */
export function restartProgress(t: number, t0: number, tMult: number): number {
  if (tMult === 1) return (t % t0) / t0;
  let length = t0;
  let start = 0;
  while (t >= start + length) {
    start += length;
    length *= tMult;
  }
  return (t - start) / length;
}

/**
 * Decay factor at `t` epochs after warmup, for a run of `horizon` epochs after warmup.
 * step/multistep count epochs from the start of training (`tAbsolute`), as PyTorch's StepLR and
 * MultiStepLR do (multistep `fractions` are milestones given as fractions of `totalEpochs`); the cosine families, linear and the exponential and 1/t decays count from the end of warmup.
 */
export function decayFactor(spec: ScheduleSpec, t: number, tAbsolute: number, horizon: number, totalEpochs = horizon): number {
  switch (spec.name) {
    case 'constant':
      return 1;
    case 'step':
      return spec.gamma ** Math.floor(tAbsolute / spec.stepSize);
    case 'multistep': {
      const milestones = spec.milestones ?? (spec.fractions ?? []).map((f) => f * totalEpochs);
      return spec.gamma ** milestones.filter((m) => tAbsolute >= m).length;
    }
    case 'exponential':
      return spec.gamma ** t;
    case 'inverse-time':
      return 1 / (1 + spec.k * t);
    case 'cosine':
      return cosineFactor(horizon > 0 ? t / horizon : 1, spec.minFactor);
    case 'linear':
      return linearFactor(horizon > 0 ? t / horizon : 1, spec.minFactor);
    case 'cosine-restarts':
      return cosineFactor(restartProgress(t, spec.t0, spec.tMult), spec.minFactor);
  }
}

/**
 * The factor of the base learning rate at training time `t` (epochs, fractional), for a run of
 * `totalEpochs`: linear warmup first, then the decay schedule.
 */
export function scheduleFactor(spec: ScheduleSpec, warmup: WarmupSpec | undefined, t: number, totalEpochs: number): number {
  const w = warmup?.epochs ?? 0;
  if (warmup && t < w) return warmup.startFactor + ((1 - warmup.startFactor) * t) / w;
  return decayFactor(spec, t - w, t, totalEpochs - w, totalEpochs);
}

/**
 * Linear scaling rule (seed 001): lr = base · batch / 256 for SGD, base · batch / 512 for the Adam family.
 */
export function linearScaledLr(baseLr: number, batchSize: number, optimizer: 'sgd' | 'adamw'): number {
  return (baseLr * batchSize) / (optimizer === 'sgd' ? 256 : 512);
}
