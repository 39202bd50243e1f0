/** The bench table: rows (a)-(f) per model, the ratios of (a) to each, formatted as text. */
import type { Measurement } from './jobs.js';
import { relativeSpread } from './stats.js';

/**
 * Row keys in table order. `aNoAug` is (a) with augmentation off; `d2` is (d) data-parallel over two
 * wasm instances (the both-cores experiment); f1/f2 are PyTorch with 1/2 threads.
 */
export const ROWS = ['a', 'aNoAug', 'b', 'c', 'd', 'd2', 'e', 'f1', 'f2'] as const;
export type RowKey = (typeof ROWS)[number];

/** A measured row (with the 1-minute load average when it started), or why it has no number. */
export type Outcome =
  | { readonly ok: true; readonly m: Measurement; readonly loadAverage?: number }
  | { readonly ok: false; readonly note: string };

/** All rows of one model. */
export type ModelRows = Partial<Record<RowKey, Outcome>>;

const LABELS: Record<RowKey, string> = {
  a: '(a) trickster Trainer, wasm',
  aNoAug: '    same, augmentation off',
  b: '(b) layers model.fit, stock cpu',
  c: '(c) layers model.fit, wasm + our kernels',
  d: '(d) bare variableGrads loop, wasm',
  d2: '    same, data-parallel, 2 wasm workers',
  e: '(e) limit: conv rate / (3 x fwd FLOPs)',
  f1: '(f) PyTorch CPU, 1 thread',
  f2: '    PyTorch CPU, 2 threads',
};

/** The ratio rows: (a) over each other row. */
export const RATIOS: readonly { key: string; of: RowKey; label: string }[] = [
  { key: 'a/b', of: 'b', label: 'a/b  vs stock cpu fit' },
  { key: 'a/c', of: 'c', label: 'a/c  vs layers fit on wasm' },
  { key: 'a/d', of: 'd', label: 'a/d  vs bare loop' },
  { key: 'a/d2', of: 'd2', label: 'a/d2 vs 2-worker bare loop' },
  { key: 'a/e', of: 'e', label: 'a/e  vs forward-conv limit' },
  { key: 'a/f1', of: 'f1', label: 'a/f  vs PyTorch, 1 thread' },
  { key: 'a/f2', of: 'f2', label: 'a/f  vs PyTorch, 2 threads' },
];

/** (a) img/s divided by each other row's img/s, per ratio key; null where either is missing. */
export function ratios(rows: ModelRows): Record<string, number | null> {
  const a = rows.a?.ok ? rows.a.m.imgPerSec : null;
  const out: Record<string, number | null> = {};
  for (const r of RATIOS) {
    const o = rows[r.of];
    out[r.key] = a !== null && o?.ok ? a / o.m.imgPerSec : null;
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
  lines.push('ratios (a / row)'.padEnd(42));
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
