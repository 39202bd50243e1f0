/**
 * The learning rate of step `i` of an exponential ramp from `startLr` to `endLr` over `steps`
 * steps (fastai's SchedExp at position i/steps, i = 0..steps−1): `startLr · (endLr/startLr)^(i/steps)`.
 */
export function exponentialLr(i: number, steps: number, startLr: number, endLr: number): number {
  return startLr * (endLr / startLr) ** (i / steps);
}
