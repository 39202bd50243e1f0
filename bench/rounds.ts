/**
 * Interleaved measurement: every configuration is measured once per round, rounds run one after
 * another, so a slow spell of the machine (another tenant, frequency scaling) lands on all rows
 * alike instead of on whichever row happened to run then. Each row's samples are the union of its
 * rounds' timed windows; its number is their median.
 */
import type { Measurement } from './jobs.js';
import { median } from './stats.js';

/** One configuration of a round: `run(round)` measures it once, in a process of its own. */
export interface RoundEntry<K extends string> {
  readonly key: K;
  readonly run: (round: number) => Promise<Measurement>;
}

/** Outcome of a row: the merged measurement, or the first error it met. */
export type RowResult = { ok: true; m: Measurement } | { ok: false; error: Error };

/**
 * Runs `entries` in `rounds` interleaved rounds and merges each row: samples concatenated,
 * median img/s, the largest peak RSS, and the `extra` of the round closest to the median.
 * A row that fails once is not run again.
 */
export async function measureInRounds<K extends string>(entries: readonly RoundEntry<K>[], rounds: number): Promise<Map<K, RowResult>> {
  const got = new Map<K, Measurement[]>();
  const failed = new Map<K, Error>();
  for (let round = 0; round < rounds; round++) {
    for (const entry of entries) {
      if (failed.has(entry.key)) continue;
      try {
        const m = await entry.run(round);
        got.set(entry.key, [...(got.get(entry.key) ?? []), m]);
      } catch (err) {
        failed.set(entry.key, err as Error);
      }
    }
  }
  const out = new Map<K, RowResult>();
  for (const { key } of entries) {
    const error = failed.get(key);
    out.set(key, error ? { ok: false, error } : { ok: true, m: mergeRounds(got.get(key)!) });
  }
  return out;
}

/** One measurement from several rounds of the same configuration. */
export function mergeRounds(ms: readonly Measurement[]): Measurement {
  const samples = ms.flatMap((m) => m.samples);
  const imgPerSec = median(samples);
  const closest = [...ms].sort((a, b) => Math.abs(a.imgPerSec - imgPerSec) - Math.abs(b.imgPerSec - imgPerSec))[0]!;
  return {
    imgPerSec,
    samples,
    peakRssMiB: Math.max(...ms.map((m) => m.peakRssMiB)),
    batch: ms[0]!.batch,
    ...(closest.extra ? { extra: closest.extra } : {}),
  };
}
