/**
 * The table of budget runs that bench/fast-recipe/README.md shows for a setting: one row per
 * run-budget.sh result (seed, CPU, epochs planned by the pilot and trained, img/s, test top-1 without and
 * with flip TTA, wall and CPU seconds, the share of the budget used), then the mean ± sample std of
 * the two accuracies over the runs, so the README's numbers come from the result files, not by hand.
 *
 *   npx tsx bench/fast-recipe/finals-table.ts bench/results/fast-recipe/2026-12-03-...-s1.json ...
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { mean, sampleStd } from '../../core/experiments/stats.js';

/** The fields of a run-budget.sh result the table reads. */
const resultSchema = z.object({
  command: z.string(),
  wallSeconds: z.number(),
  cpuSeconds: z.number(),
  summary: z.object({
    epochs: z.number(),
    imgPerSec: z.number(),
    machine: z.object({ cpu: z.string(), cpuFamily: z.number().optional(), cpuModel: z.number().optional() }).passthrough().optional(),
    timeBudget: z.object({ budgetSeconds: z.number(), pilotImgPerSec: z.number(), epochs: z.number() }).passthrough().optional(),
  }).passthrough(),
  evalNone: z.object({ top1: z.number() }).passthrough(),
  evalFlip: z.object({ top1: z.number() }).passthrough(),
}).passthrough();

/** One run-budget.sh result, as the table reads it. */
export type BudgetResult = z.infer<typeof resultSchema>;

/** Reads and checks a run-budget.sh result; a missing field is an error naming the file and the field. */
export function readBudgetResult(file: string): BudgetResult {
  const parsed = resultSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: not a run-budget.sh result (${issue.path.join('.') || 'top level'}: ${issue.message}); make it with bench/fast-recipe/run-budget.sh`);
  }
  return parsed.data;
}

const pct = (x: number) => (100 * x).toFixed(2);
const thousands = (x: number, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The seed a result's command trained with (`--seed N`). */
function seedOf(r: BudgetResult): string {
  return r.command.match(/--seed (\d+)/)?.[1] ?? '?';
}

/** The CPU a result trained on, as its summary records it (results older than the record: empty). */
function cpuOf(r: BudgetResult): string {
  const m = r.summary.machine;
  if (!m) return '';
  return m.cpuFamily === undefined ? m.cpu : `${m.cpu} family ${m.cpuFamily} model ${m.cpuModel ?? '?'}`;
}

/** The markdown table of `results`, in the order given, with a mean ± std row when there are two or more. */
export function finalsTable(results: readonly BudgetResult[]): string {
  const rows = results.map((r) => {
    const b = r.summary.timeBudget;
    const epochs = b && b.epochs !== r.summary.epochs ? `${r.summary.epochs} (${b.epochs})` : String(r.summary.epochs);
    return [
      seedOf(r),
      cpuOf(r),
      epochs,
      b ? thousands(b.pilotImgPerSec) : '',
      thousands(r.summary.imgPerSec),
      pct(r.evalNone.top1),
      pct(r.evalFlip.top1),
      thousands(r.wallSeconds, 1),
      thousands(r.cpuSeconds),
      b ? `${Math.round((100 * r.wallSeconds) / b.budgetSeconds)}%` : '',
    ];
  });
  const none = results.map((r) => r.evalNone.top1);
  const flip = results.map((r) => r.evalFlip.top1);
  const summary = results.length > 1 ? [['**mean ± std**', '', '', '', '', `**${pct(mean(none))} ± ${pct(sampleStd(none))}**`, `**${pct(mean(flip))} ± ${pct(sampleStd(flip))}**`, '', '', '']] : [];
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(['seed', 'CPU', 'epochs (planned)', 'pilot img/s', 'img/s (training)', 'test top-1 %', 'with flip TTA %', 'wall s', 'CPU s', 'of budget']),
    line(Array(10).fill('---')),
    ...[...rows, ...summary].map(line),
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const files = process.argv.slice(2);
  try {
    if (files.length === 0) throw new Error('give one or more run-budget.sh result files (bench/results/fast-recipe/*.json)');
    process.stdout.write(`${finalsTable(files.map(readBudgetResult))}\n`);
  } catch (err) {
    process.stderr.write(`finals-table: error: ${(err as Error).message.replace(/\n/g, ' ')}\n`);
    process.exit(1);
  }
}
