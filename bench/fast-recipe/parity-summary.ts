/**
 * Per-epoch validation curves of fast-recipe runs (bench/fast-recipe/README.md: the parity with
 * PyTorch, the learning-rate screen): validation top-1 after each epoch of the PyTorch twin
 * (torch_parity.py's JSON: `history`) and of trickster (a run's metrics.jsonl), as a markdown
 * table, one row per framework and label, mean over seeds per epoch and mean ± sample std at the
 * last epoch (the value alone for one seed). Only validation numbers are read.
 *
 *   npx tsx bench/fast-recipe/parity-summary.ts bench/results/fast-recipe/parity
 *   npx tsx bench/fast-recipe/parity-summary.ts bench/results/fast-recipe/screen
 *
 * File names in the folder: `<framework>-<label>-e<epochs>-s<seed>.json` (torch) or
 * `.metrics.jsonl` (trickster); the label is the model, or the model and its settings
 * (`resnet6-pool-stem-w1-lr0.2-wd5e-4`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const folder = process.argv[2];
if (!folder) {
  process.stderr.write('usage: npx tsx bench/fast-recipe/parity-summary.ts FOLDER\n');
  process.exit(2);
}

/** Validation top-1 (percent) after each epoch of one run file. */
function curveOf(file: string): number[] {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return (JSON.parse(text) as { history: { valTop1: number }[] }).history.map((h) => h.valTop1 * 100);
  return text.trim().split('\n').map((l) => (JSON.parse(l) as { valTop1: number }).valTop1 * 100);
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]): number => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1));

const groups = new Map<string, { seed: number; curve: number[] }[]>();
for (const name of readdirSync(folder).sort()) {
  const m = /^(torch|trickster)-(.+)-e\d+-s(\d+)\.(json|metrics\.jsonl)$/.exec(name);
  if (!m) continue;
  const key = `${m[1]} | ${m[2]}`;
  groups.set(key, [...(groups.get(key) ?? []), { seed: Number(m[3]), curve: curveOf(path.join(folder, name)) }]);
}
const epochs = Math.max(...[...groups.values()].flat().map((r) => r.curve.length));
const head = ['framework', 'model', 'seeds', ...Array.from({ length: epochs }, (_, i) => `ep ${i + 1}`), `ep ${epochs} per seed`, `ep ${epochs} mean ± std`];
const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
for (const [key, runs] of groups) {
  const cols = Array.from({ length: epochs }, (_, e) => mean(runs.map((r) => r.curve[e]!)).toFixed(2));
  const last = runs.map((r) => r.curve.at(-1)!);
  lines.push(`| ${key} | ${runs.map((r) => r.seed).join(', ')} | ${cols.join(' | ')} | ${last.map((v) => v.toFixed(2)).join(', ')} | ${last.length < 2 ? `${mean(last).toFixed(2)} (one seed)` : `${mean(last).toFixed(2)} ± ${std(last).toFixed(2)}`} |`);
}
process.stdout.write(lines.join('\n') + '\n');
