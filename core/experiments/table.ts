import type { Manifest } from './manifest.js';
import { excludesZero, mean, pairedInterval, sampleStd, type Interval } from './stats.js';
import type { TrialRecord } from './trial-record.js';

/** One row of an experiment table: a variant's test (and validation) top-1 over seeds and its paired differences from its reference. */
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
  /** Validation top-1 per seed (the last epoch's), null where the trial has no result or no validation split. */
  readonly valBySeed: ReadonlyArray<number | null>;
  /** Per-seed validation differences variant − reference, for seeds both have: the ones to choose tricks and settings on. */
  readonly valDiffs: readonly number[];
  /** Mean of `valDiffs` with its 95% paired t interval; null for a reference or without validation pairs. */
  readonly valDelta: Interval | null;
  /** Whether the validation interval excludes zero. */
  readonly valSignificant: boolean;
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
   * ablation: each row's reference (full, or base for add-one-in rows) and the split its rows are
   * ordered on; sweep: the grid point with the best mean validation top-1, or test top-1 when the
   * trials had no validation split (and says so).
   */
  readonly referenceNote: string;
  /** The split that chooses: a sweep's best point, an ablation's row order (validation when every finished trial has one). */
  readonly selectedOn: 'validation' | 'test';
  readonly rows: readonly TableRow[];
  /** Ablation: what switching each trick off did (manifest's offMeans). */
  readonly offMeans?: Readonly<Record<string, string>>;
  /** Whether the trials trained under a time budget (`--time-budget`), so their epochs differ by variant. */
  readonly timeBudget: boolean;
}

/** Per-seed values of one variant's trials: test top-1, and validation top-1 where the trial had a validation split. */
function bySeed(trialIds: readonly string[], records: ReadonlyMap<string, TrialRecord>): { test: Array<number | null>; val: Array<number | null> } {
  const done = trialIds.map((id) => records.get(id)).map((r) => (r?.status === 'done' ? r : null));
  return { test: done.map((r) => r?.summary.top1 ?? null), val: done.map((r) => r?.summary.validation?.top1 ?? null) };
}

/** Differences a − b for the seeds both have a value for. */
function pairedDiffs(a: ReadonlyArray<number | null>, b: ReadonlyArray<number | null>): number[] {
  return a.flatMap((v, i) => (v !== null && b[i] != null ? [v - b[i]!] : []));
}

function rowOf(name: string, trialIds: readonly string[], reference: string | null, refSeeds: ReturnType<typeof bySeed> | null, records: ReadonlyMap<string, TrialRecord>): TableRow {
  const { test: top1BySeed, val: valBySeed } = bySeed(trialIds, records);
  const values = top1BySeed.filter((v): v is number => v !== null);
  const val = valBySeed.filter((v): v is number => v !== null);
  const diffs = refSeeds ? pairedDiffs(top1BySeed, refSeeds.test) : [];
  const valDiffs = refSeeds ? pairedDiffs(valBySeed, refSeeds.val) : [];
  const delta = refSeeds && diffs.length > 0 ? pairedInterval(diffs) : null;
  const valDelta = refSeeds && valDiffs.length > 0 ? pairedInterval(valDiffs) : null;
  const done = trialIds.map((id) => records.get(id)).filter((r) => r?.status === 'done');
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
    valBySeed,
    valDiffs,
    valDelta,
    valSignificant: valDelta !== null && excludesZero(valDelta),
    wallSeconds: mean(done.map((r) => r!.wallSeconds)),
    epochs: mean(done.flatMap((r) => (r?.status === 'done' ? [r.summary.epochs] : []))),
    failures: trialIds.flatMap((id) => {
      const r = records.get(id);
      return r?.status === 'failed' ? [`${id}: ${r.error}`] : [];
    }),
  };
}

/** The split to choose on: validation when every finished trial of `rows` had one, else test (which describes, never chooses). */
function choiceSplit(rows: readonly TableRow[]): 'validation' | 'test' {
  const scored = rows.filter((r) => r.n > 0);
  return scored.length > 0 && scored.every((r) => r.valN === r.n) ? 'validation' : 'test';
}

/** The sweep's best grid point on `on` (mean validation or test top-1); the first point when none has results. */
function bestVariant(rows: readonly TableRow[], on: 'validation' | 'test'): string {
  const score = (r: TableRow) => (on === 'validation' ? r.valMean : r.mean);
  const best = rows.filter((r) => r.n > 0).reduce<TableRow | null>((b, r) => (b === null || score(r) > score(b) ? r : b), null);
  return (best ?? rows[0]!).variant;
}

/**
 * The table of an experiment from its trials' records. The split that chooses is validation when
 * every finished trial had a validation split, else test (and the note says the table then must not
 * choose a recipe). Ablation rows are the full recipe, then the others by the effect of what they
 * change on that split, largest first (a leave-one-out row's effect is −Δ: what removing the trick
 * costs; an add-one-in row's is +Δ: what adding it to the base gains). Sweep rows are each grid
 * point against the best one on that split, best first.
 */
export function experimentTable(manifest: Manifest, records: ReadonlyMap<string, TrialRecord>): ExperimentTable {
  const plain = manifest.variants.map((v) => rowOf(v.name, v.trials, null, null, records));
  const on = choiceSplit(plain);
  const best = manifest.kind === 'sweep' ? bestVariant(plain, on) : '';
  const refOf = (v: Manifest['variants'][number]) => (manifest.kind === 'sweep' ? (v.name === best ? null : best) : v.reference);
  const trialsOf = new Map(manifest.variants.map((v) => [v.name, v.trials]));
  const rows = manifest.variants.map((v) => {
    const reference = refOf(v);
    return rowOf(v.name, v.trials, reference, reference ? bySeed(trialsOf.get(reference)!, records) : null, records);
  });
  const deltaOn = (r: TableRow) => (on === 'validation' ? r.valDelta : r.delta);
  const effect = (r: TableRow) => {
    const d = deltaOn(r);
    return d === null ? Infinity : Number.isNaN(d.mean) ? -Infinity : r.variant.startsWith('+') ? d.mean : -d.mean;
  };
  const score = (r: TableRow) => (on === 'validation' ? r.valMean : r.mean);
  const sorted = manifest.kind === 'sweep' ? [...rows].sort((a, b) => (Number.isNaN(score(a)) ? 1 : Number.isNaN(score(b)) ? -1 : score(b) - score(a))) : [...rows].sort((a, b) => effect(b) - effect(a));
  const referenceNote =
    manifest.kind === 'ablation'
      ? on === 'validation'
        ? 'Δ: paired difference from the full recipe (add-one-in rows +trick: from the base), on the validation split (val Δ: the one to judge tricks by; rows in its order) and on the test split'
        : 'Δ: paired difference from the full recipe (add-one-in rows +trick: from the base), on the test split: it describes this ablation, it must not choose tricks; give the trials a validation split (data.validationSplit) to choose on it'
      : on === 'validation'
        ? `Δ: paired test difference from the grid point with the best mean validation top-1 (${best}); the test split chose nothing`
        : `Δ: paired difference from the grid point with the best mean test top-1 (${best}), chosen after seeing the test results: it describes this sweep, it must not choose a recipe; give the trials a validation split (data.validationSplit) to choose on it`;
  const timeBudget = [...records.values()].some((r) => r.status === 'done' && 'timeBudget' in r.summary);
  return { kind: manifest.kind, referenceNote, selectedOn: on, rows: sorted, ...(manifest.offMeans ? { offMeans: manifest.offMeans } : {}), timeBudget };
}
