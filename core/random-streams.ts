import { Rng } from './data/rng.js';
import type { RandomStream } from './plugin.js';

/** Hashes a seed and a stream name into a 32-bit seed (FNV-1a over the name, mixed with the seed). */
export function streamSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Named seeded random streams, each independent, whose states are saved in checkpoints. */
export class RandomStreams {
  private readonly streams = new Map<string, Rng>();

  constructor(private readonly seed: number) {}

  /** The stream `name`, created from the run seed the first time. */
  get(name: string): RandomStream {
    return this.stream(name);
  }

  private stream(name: string): Rng {
    const existing = this.streams.get(name);
    if (existing) return existing;
    const rng = new Rng(streamSeed(this.seed, name));
    this.streams.set(name, rng);
    return rng;
  }

  /** The state of every stream created so far. */
  getState(): Record<string, unknown> {
    return Object.fromEntries([...this.streams].map(([k, r]) => [k, r.getState()]));
  }

  /** Restores the streams saved by getState. */
  setState(state: Record<string, unknown>): void {
    for (const [name, s] of Object.entries(state)) this.stream(name).setState(Number(s));
  }
}
