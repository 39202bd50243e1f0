/** The bench table: rows (a)-(f) per model and the ratios between them, formatted as text. */
import type { Measurement } from './jobs.js';
import { relativeSpread } from './stats.js';

/**
 * Row keys in table order. `a` is the Trainer as a user runs it (training.replicas auto: one
 * replica per core on wasm), `a1` the same on one replica (one core), `aNoAug` (a) with
 * augmentation off, `aSync` (a) with training.syncBatchNorm; f1/f2 are PyTorch with 1/2 threads; g/h layers fit and the Trainer on tensorflow (tfjs-node).
 */
export const ROWS = ['a', 'a1', 'aNoAug', 'aSync', 'b', 'c', 'd', 'e', 'f1', 'f2', 'g', 'h'] as const;
export type RowKey = (typeof ROWS)[number];

/** A measured row (with the 1-minute load average when it started), or why it has no number. */
export type Outcome =
  | { readonly ok: true; readonly m: Measurement; readonly loadAverage?: number }
  | { readonly ok: false; readonly note: string };

/** All rows of one model. */
export type ModelRows = Partial<Record<RowKey, Outcome>>;

const LABELS: Record<RowKey, string> = {
  a: '(a) trickster Trainer, wasm (default)',
  a1: '    same, 1 replica (one core)',
  aNoAug: '    same as (a), augmentation off',
  aSync: '    same as (a), SyncBN on',
  b: '(b) layers model.fit, stock cpu',
  c: '(c) layers model.fit, wasm + our kernels',
  d: '(d) bare variableGrads loop, wasm',
  e: '(e) limit/core: conv rate / (3 x fwd)',
  f1: '(f) PyTorch CPU, 1 thread',
  f2: '    PyTorch CPU, 2 threads',
  g: '(g) layers model.fit, tensorflow',
  h: '(h) trickster Trainer, tensorflow',
};

/** Replicas (cores) a trickster row ran on; 1 for other rows. */
export function replicasOf(o: Outcome | undefined): number {
  return o?.ok && typeof o.m.extra?.['replicas'] === 'number' ? o.m.extra['replicas'] : 1;
}

/**
 * The ratio rows: `row` over `of`. The limit (e) is one wasm instance's, i.e. one core's; `perCore`
 * ratios compare a trickster row with (e) times the replicas (cores) it ran on.
 */
export const RATIOS: readonly { key: string; row: RowKey; of: RowKey; label: string; perCore?: true }[] = [
  { key: 'a/b', row: 'a', of: 'b', label: 'a/b  vs stock cpu fit' },
  { key: 'a/c', row: 'a', of: 'c', label: 'a/c  vs layers fit on wasm' },
  { key: 'a/d', row: 'a', of: 'd', label: 'a/d  vs bare loop' },
  { key: 'a/e', row: 'a', of: 'e', label: 'a/e  vs limit of one instance' },
  { key: 'a/(e*n)', row: 'a', of: 'e', label: 'a/(e*n) vs limit x n cores used', perCore: true },
  { key: 'a/f1', row: 'a', of: 'f1', label: 'a/f  vs PyTorch, 1 thread' },
  { key: 'a/f2', row: 'a', of: 'f2', label: 'a/f  vs PyTorch, 2 threads' },
  { key: 'a/g', row: 'a', of: 'g', label: 'a/g  vs layers fit on tensorflow' },
  { key: 'a/h', row: 'a', of: 'h', label: 'a/h  vs trickster on tensorflow' },
  { key: 'a/a1', row: 'a', of: 'a1', label: 'a/a1 gain from the replicas' },
  { key: 'aSync/a', row: 'aSync', of: 'a', label: 'aSync/a speed with SyncBN' },
  { key: 'a1/d', row: 'a1', of: 'd', label: 'a1/d kernel overhead, 1 core' },
  { key: 'a1/e', row: 'a1', of: 'e', label: 'a1/e vs limit, 1 core' },
];

/** Each ratio of {@link RATIOS}; null where either row is missing. */
export function ratios(rows: ModelRows): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const r of RATIOS) {
    const top = rows[r.row];
    const bottom = rows[r.of];
    const cores = r.perCore ? replicasOf(top) : 1;
    out[r.key] = top?.ok && bottom?.ok ? top.m.imgPerSec / (bottom.m.imgPerSec * cores) : null;
  }
  return out;
}

function num(x: number): string {
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

const CELL = 27;

function cell(o: Outcome | undefined, defaultBatch: number): string {
  if (!o) return '-'.padStart(CELL);
  if (!o.ok) return 'n/a'.padStart(CELL);
  const { m } = o;
  const batchNote = m.batch !== defaultBatch ? ` b${m.batch}` : '';
  const spread = `±${Math.round(relativeSpread(m.samples) * 100)}%`;
  return `${num(m.imgPerSec)}${batchNote} ${spread.padStart(4)} ${m.peakRssMiB.toFixed(0).padStart(5)}M`.padStart(CELL);
}

/**
 * The text table: one column per model with median img/s, ± half the spread of the repeats,
 * and the peak RSS of the measuring process; `bNN` marks a batch other than `batch`. Then the
 * ratio rows, then the notes of rows without a number.
 */
export function formatTable(models: readonly string[], rows: Record<string, ModelRows>, batch: number): string {
  const lines: string[] = [];
  const head = ''.padEnd(42) + models.map((m) => m.padStart(CELL)).join('');
  lines.push(head);
  lines.push(''.padEnd(42) + models.map(() => 'img/s  spread  peak RSS'.padStart(CELL)).join(''));
  for (const key of ROWS) lines.push(LABELS[key].padEnd(42) + models.map((m) => cell(rows[m]?.[key], batch)).join(''));
  lines.push('ratios'.padEnd(42));
  for (const r of RATIOS) {
    lines.push(`    ${r.label}`.padEnd(42) + models.map((m) => {
      const v = ratios(rows[m] ?? {})[r.key];
      return (v === null || v === undefined ? 'n/a' : `${num(v)}x`).padStart(CELL);
    }).join(''));
  }
  const notes = new Set<string>();
  for (const m of models) {
    for (const key of ROWS) {
      const o = rows[m]?.[key];
      if (o && !o.ok) notes.add(`${LABELS[key].trim()} [${m}]: ${o.note}`);
    }
  }
  if (notes.size > 0) lines.push('', ...[...notes].map((n) => `n/a: ${n}`));
  return lines.join('\n');
}
