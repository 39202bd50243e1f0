/**
 * Small seeded pseudo-random generator (mulberry32). Its whole state is one 32-bit integer, so
 * a run can save it in a checkpoint (`getState()`) and resume the exact same stream
 * (`setState()`). Good enough for shuffling and augmentation; not for cryptography.
 */
export class Rng {
  private state: number;

  /** Starts a stream from `seed` (any number; only its low 32 bits are used). */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next float, uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Next integer, uniform in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** The current state, a uint32 that can be stored as JSON. */
  getState(): number {
    return this.state;
  }

  /** Restores a state obtained from `getState()`. */
  setState(state: number): void {
    this.state = state >>> 0;
  }
}
