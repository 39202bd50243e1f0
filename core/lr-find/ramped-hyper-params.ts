import { HyperParams } from '../hyper-params.js';

/**
 * HyperParams whose rate is the range test's while `ramp` is set: every reader of `hyper.lr`
 * (the optimizer, LARC, plugins) sees the ramp, over any schedule factor, multiplier or override
 * the run's plugins set, which keep running as in training.
 */
export class RampedHyperParams extends HyperParams {
  /** The range test's rate for the next step; undefined falls back to the plugins' rate. */
  ramp: number | undefined;

  override get lr(): number {
    return this.ramp ?? super.lr;
  }
}
