import type { Manifest } from './manifest.js';
import { excludesZero, mean, pairedInterval, sampleStd, type Interval } from './stats.js';
import type { TrialRecord } from './trial-record.js';

/** One row of an experiment table: a variant's test top-1 over seeds and its paired difference from its reference. */
export interface TableRow {
  readonly variant: string;
  /** The variant the deltas are against (null for a reference itself). */
  readonly reference: string | null;
  /** Trials with a result, and all the variant's trials. */
  readonly n: number;
  readonly trials: number;
  /** Test top-1 per seed (fractions), null where the trial has no result. */
  readonly top1BySeed: ReadonlyArray<number | null>;
  readonly mean: number;
  readonly std: number;
  /** Per-seed differences variant − reference (same seed, so the same data order), for seeds both have. */
  readonly diffs: readonly number[];
  /** Mean of `diffs` with its 95% paired t interval (NaN bounds for fewer than two pairs); null for a reference. */
  readonly delta: Interval | null;
  /** Whether the interval excludes zero. */
  readonly significant: boolean;
  /** Mean validation top-1 (the last epoch's) over the finished trials that had a validation split; NaN for none. */
  readonly valMean: number;
  /** Finished trials with validation metrics. */
  readonly valN: number;
  /** Mean wall seconds of the variant's finished trials (all attempts). */
  readonly wallSeconds: number;
  /** Mean epochs the variant's finished trials trained (what a time budget let each train). */
  readonly epochs: number;
  /** Error lines of the variant's failed trials. */
  readonly failures: readonly string[];
}

/** The table of an experiment: its rows in order and what the deltas are against. */
export interface ExperimentTable {
  readonly kind: Manifest['kind'];
  /**
   * ablation: each row's reference (full, or base for add-one-in rows); sweep: the grid point with
   * the best mean validation top-1, or test top-1 when the trials had no validation split (and says so).
   */
  readonly referenceNote: string;
  /** Sweep: the split its best point was chosen on (validation when every finished trial has one). */
  readonly selectedOn?: 'validation' | 'test';
  readonly rows: readonly TableRow[];
  /** Ablation: what switching each trick off did (manifest's offMeans). */
  readonly offMeans?: Readonly<Record<string, string>>;
  /** Whether the trials trained under a time budget (`--time-budget`), so their epochs differ by variant. */
  readonly timeBudget: boolean;
}

function rowOf(name: string, trialIds: readonly string[], reference: string | null, refTop1: ReadonlyArray<number | null> | null, records: ReadonlyMap<string, TrialRecord>): TableRow {
  const top1BySeed = trialIds.map((id) => {
    const r = records.get(id);
    return r?.status === 'done' ? r.summary.top1 : null;
  });
  const values = top1BySeed.filter((v): v is number => v !== null);
  const diffs = refTop1 ? top1BySeed.flatMap((v, i) => (v !== null && refTop1[i] != null ? [v - refTop1[i]!] : [])) : [];
  const delta = refTop1 && diffs.length > 0 ? pairedInterval(diffs) : null;
  const done = trialIds.map((id) => records.get(id)).filter((r) => r?.status === 'done');
  const val = done.flatMap((r) => (r?.status === 'done' && r.summary.validation ? [r.summary.validation.top1] : []));
  return {
    variant: name,
    reference,
    n: values.length,
    trials: trialIds.length,
    top1BySeed,
    mean: mean(values),
    std: sampleStd(values),
    diffs,
    delta,
    significant: delta !== null && excludesZero(delta),
    valMean: mean(val),
    valN: val.length,
    wallSeconds: mean(done.map((r) => r!.wallSeconds)),
    epochs: mean(done.flatMap((r) => (r?.status === 'done' ? [r.summary.epochs] : []))),
    failures: trialIds.flatMap((id) => {
      const r = records.get(id);
      return r?.status === 'failed' ? [`${id}: ${r.error}`] : [];
    }),
  };
}

/**
 * The sweep's best grid point: by mean validation top-1 when every finished trial had a validation
 * split, else by mean test top-1 (which then describes the sweep but must not choose a recipe).
 * The first point when none has results.
 */
function bestVariant(manifest: Manifest, records: ReadonlyMap<string, TrialRecord>): { name: string; on: 'validation' | 'test' } {
  const rows = manifest.variants.map((v) => rowOf(v.name, v.trials, null, null, records));
  const scored = rows.filter((r) => r.n > 0);
  const on = scored.length > 0 && scored.every((r) => r.valN === r.n) ? 'validation' : 'test';
  const score = (r: TableRow) => (on === 'validation' ? r.valMean : r.mean);
  const best = scored.reduce<TableRow | null>((b, r) => (b === null || score(r) > score(b) ? r : b), null);
  return { name: (best ?? rows[0]!).variant, on };
}

/**
 * The table of an experiment from its trials' records. Ablation rows are the full recipe, then the
 * others by the effect of what they change, largest first (a leave-one-out row's effect is
 * −Δ: what removing the trick costs; an add-one-in row's is +Δ: what adding it to the base gains).
 * Sweep rows are each grid point against the best one (chosen on validation top-1 when the trials
 * had a validation split, see bestVariant), best first.
 */
export function experimentTable(manifest: Manifest, records: ReadonlyMap<string, TrialRecord>): ExperimentTable {
  const refOf = (v: Manifest['variants'][number], best: string) => (manifest.kind === 'sweep' ? (v.name === best ? null : best) : v.reference);
  const chosen = manifest.kind === 'sweep' ? bestVariant(manifest, records) : null;
  const best = chosen?.name ?? '';
  const trialsOf = new Map(manifest.variants.map((v) => [v.name, v.trials]));
  const top1Of = (name: string) => rowOf(name, trialsOf.get(name)!, null, null, records).top1BySeed;
  const rows = manifest.variants.map((v) => {
    const reference = refOf(v, best);
    return rowOf(v.name, v.trials, reference, reference ? top1Of(reference) : null, records);
  });
  const effect = (r: TableRow) => (r.delta === null ? Infinity : Number.isNaN(r.delta.mean) ? -Infinity : r.variant.startsWith('+') ? r.delta.mean : -r.delta.mean);
  const score = (r: TableRow) => (chosen?.on === 'validation' ? r.valMean : r.mean);
  const sorted = manifest.kind === 'sweep' ? [...rows].sort((a, b) => (Number.isNaN(score(a)) ? 1 : Number.isNaN(score(b)) ? -1 : score(b) - score(a))) : [...rows].sort((a, b) => effect(b) - effect(a));
  const referenceNote = !chosen
    ? 'Δ: paired difference from the full recipe (add-one-in rows +trick: from the base)'
    : chosen.on === 'validation'
      ? `Δ: paired test difference from the grid point with the best mean validation top-1 (${best}); the test split chose nothing`
      : `Δ: paired difference from the grid point with the best mean test top-1 (${best}), chosen after seeing the test results: it describes this sweep, it must not choose a recipe; give the trials a validation split (data.validationSplit) to choose on it`;
  const timeBudget = [...records.values()].some((r) => r.status === 'done' && 'timeBudget' in r.summary);
  return { kind: manifest.kind, referenceNote, ...(chosen ? { selectedOn: chosen.on } : {}), rows: sorted, ...(manifest.offMeans ? { offMeans: manifest.offMeans } : {}), timeBudget };
}
