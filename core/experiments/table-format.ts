import type { ExperimentTable, TableRow } from './table.js';

/** Output formats of `trickster experiment table`. */
export const TABLE_FORMATS = ['md', 'csv', 'json'] as const;
/** One of TABLE_FORMATS. */
export type TableFormat = (typeof TABLE_FORMATS)[number];

const pp = (x: number, digits = 2) => (Number.isFinite(x) ? (100 * x).toFixed(digits) : '');
const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${pp(x)}` : '');

/**
 * The columns of a row, as text: top-1 and deltas in percentage points; `withVal` adds the mean
 * validation top-1 and its paired Δ with the 95% interval (marked * when it excludes 0),
 * `withEpochs` the mean epochs trained (trials under a time budget).
 */
export function tableCells(r: TableRow, withVal = false, withEpochs = false): Record<string, string> {
  return {
    variant: r.variant,
    vs: r.reference ?? '',
    n: r.n === r.trials ? String(r.n) : `${r.n}/${r.trials}`,
    ...(withVal
      ? {
          'val top-1 %': r.valN > 0 ? pp(r.valMean) : '',
          'val Δ pp': r.valDelta ? signed(r.valDelta.mean) : '',
          'val 95% CI': r.valDelta && Number.isFinite(r.valDelta.low) ? `[${signed(r.valDelta.low)}, ${signed(r.valDelta.high)}]${r.valSignificant ? ' *' : ''}` : '',
        }
      : {}),
    'top-1 %': r.n === 0 ? '' : r.n > 1 ? `${pp(r.mean)} ± ${pp(r.std)}` : pp(r.mean),
    'Δ pp': r.delta ? signed(r.delta.mean) : '',
    '95% CI': r.delta && Number.isFinite(r.delta.low) ? `[${signed(r.delta.low)}, ${signed(r.delta.high)}]` : '',
    'per-seed Δ': r.diffs.map(signed).join(' '),
    ...(withEpochs ? { epochs: Number.isFinite(r.epochs) ? r.epochs.toFixed(1) : '' } : {}),
    'wall s': Number.isFinite(r.wallSeconds) ? r.wallSeconds.toFixed(0) : '',
    sig: r.significant ? '*' : '',
  };
}

/** The line under a table: what Δ is against, what the CI and * mean, which split each column is on. */
export function tableFootnote(table: ExperimentTable): string {
  const withVal = table.rows.some((r) => r.valN > 0);
  return `${table.referenceNote}; 95% CI: paired Student t over seeds (n − 1 df); * the interval excludes 0. top-1: test split, mean ± sample std over seeds;${withVal ? ' val top-1: validation split, mean over seeds (the last epoch), val Δ its paired difference (* in val 95% CI: the interval excludes 0);' : ''}${table.timeBudget ? " epochs: mean over seeds of what each trial's time budget let it train;" : ''} wall s: per trial.`;
}

/** A markdown table with a line saying what Δ is against and what * marks, what each trick's off means, and any failed trials. */
export function tableMarkdown(table: ExperimentTable): string {
  const withVal = table.rows.some((r) => r.valN > 0);
  const rows = table.rows.map((r) => tableCells(r, withVal, table.timeBudget));
  const heads = Object.keys(rows[0]!);
  const line = (v: string[]) => `| ${v.join(' | ')} |`;
  const failures = table.rows.flatMap((r) => r.failures.map((f) => `- failed: ${f}`));
  return [
    line(heads),
    line(heads.map(() => '---')),
    ...rows.map((r) => line(heads.map((h) => r[h]!))),
    '',
    tableFootnote(table),
    ...(table.offMeans ? [`Off means: ${Object.entries(table.offMeans).map(([id, off]) => `${id}: ${off}`).join('; ')}.`] : []),
    ...failures,
  ].join('\n');
}

/** CSV: one line per row, numbers in percent (top-1) and percentage points (deltas), per-seed values separated by spaces. */
export function tableCsv(table: ExperimentTable): string {
  const head = 'variant,vs,n,trials,top1_mean,top1_std,delta,ci_low,ci_high,significant,per_seed_top1,per_seed_delta,wall_seconds,failed,val_top1_mean,val_delta,val_ci_low,val_ci_high,val_significant';
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = table.rows.map((r) =>
    [
      q(r.variant),
      q(r.reference ?? ''),
      r.n,
      r.trials,
      pp(r.mean, 4),
      pp(r.std, 4),
      r.delta ? pp(r.delta.mean, 4) : '',
      r.delta ? pp(r.delta.low, 4) : '',
      r.delta ? pp(r.delta.high, 4) : '',
      r.significant,
      r.top1BySeed.map((v) => (v === null ? 'NA' : pp(v, 4))).join(' '),
      r.diffs.map((d) => pp(d, 4)).join(' '),
      Number.isFinite(r.wallSeconds) ? r.wallSeconds.toFixed(1) : '',
      r.trials - r.n,
      r.valN > 0 ? pp(r.valMean, 4) : '',
      r.valDelta ? pp(r.valDelta.mean, 4) : '',
      r.valDelta ? pp(r.valDelta.low, 4) : '',
      r.valDelta ? pp(r.valDelta.high, 4) : '',
      r.valDelta ? r.valSignificant : '',
    ].join(','),
  );
  return [head, ...lines].join('\n');
}

/** The table as JSON (fractions, not percent; NaN as null). */
export function tableJson(table: ExperimentTable): string {
  return JSON.stringify(table, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}

/** Renders `table` in `format`. */
export function formatTable(table: ExperimentTable, format: TableFormat): string {
  return format === 'md' ? tableMarkdown(table) : format === 'csv' ? tableCsv(table) : tableJson(table);
}
