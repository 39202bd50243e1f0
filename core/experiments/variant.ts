import type { TricksterConfig } from '../config/schema.js';

/** One configuration an experiment compares, trained once per seed. */
export interface Variant {
  /** Unique name in its experiment: `full`, `base`, `-ema` (leave-one-out), `+ema` (add-one-in), or a sweep point `optimizer.lr=0.1`. */
  readonly name: string;
  /** The variant this one is compared with in tables (its paired deltas), or null for a reference itself. */
  readonly reference: string | null;
  /** The resolved config (seed set per trial). */
  readonly config: TricksterConfig;
}
