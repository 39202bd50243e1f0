import { createHash } from 'node:crypto';
import type { TricksterConfig } from '../config/schema.js';
import type { Variant } from './variant.js';

/** How every trial of an experiment is run, beside its config: flags that are not config keys. */
export interface TrialRunOptions {
  /** `--data` (absolute), or null for the config's own data.dir / the default. */
  readonly dataDir: string | null;
  /** `--backend`. */
  readonly backend: string;
}

/** One training run of an experiment: a config at a seed. A queue worker needs nothing else to run it. */
export interface Trial {
  /** `<variant slug>-s<seed>-<hash>`; the hash is of the config (seed included) and run options, so a re-run finds what is done. */
  readonly id: string;
  readonly seed: number;
  /** The resolved config, `training.seed` set to `seed`. */
  readonly config: TricksterConfig;
  readonly run: TrialRunOptions;
}

/** JSON with object keys sorted, so equal configs hash equally whatever order their keys came in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Hex SHA-256 (first 10 digits) of a trial's config, seed and run options. */
export function trialHash(config: TricksterConfig, seed: number, run: TrialRunOptions): string {
  return createHash('sha256').update(canonicalJson({ config, seed, run })).digest('hex').slice(0, 10);
}

/** A variant name as a folder-safe slug: `-schedule.warmup` → `no-schedule-warmup`, `+ema` → `add-ema`. */
export function variantSlug(name: string): string {
  const named = name.replace(/^-/, 'no-').replace(/^\+/, 'add-');
  return named.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'variant';
}

/** Seeds 1..n: the seeds of a `--seeds n` experiment. */
export function seedList(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/**
 * The trials of `variants` at each seed. Two variants with the same config (e.g. leave-one-out of
 * a recipe's only trick and the base) share their trials; `byVariant` maps each variant to its
 * trial ids, in seed order.
 */
export function expandTrials(variants: readonly Variant[], seeds: readonly number[], run: TrialRunOptions): { trials: Trial[]; byVariant: Record<string, string[]> } {
  const trials = new Map<string, Trial>();
  const byHash = new Map<string, string>();
  const byVariant: Record<string, string[]> = {};
  for (const variant of variants) {
    byVariant[variant.name] = seeds.map((seed) => {
      const config: TricksterConfig = { ...variant.config, training: { ...variant.config.training, seed } };
      const hash = trialHash(config, seed, run);
      const known = byHash.get(hash);
      if (known) return known;
      const id = `${variantSlug(variant.name)}-s${seed}-${hash}`;
      byHash.set(hash, id);
      trials.set(id, { id, seed, config, run });
      return id;
    });
  }
  return { trials: [...trials.values()], byVariant };
}
