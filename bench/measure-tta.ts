/**
 * What test-time augmentation buys the baseline recipe: trains the baseline preset at each seed
 * through the real CLI (`trickster train`), then evaluates each exported model on the test split
 * with `trickster eval --tta none | flip | flip+crops`, and writes top-1 and loss per seed and
 * mode, their mean and sample standard deviation over seeds, and each mode's mean paired
 * difference to no TTA, to bench/results/tta.json (or --out). The test split is only reported on,
 * never used to choose anything inside a run.
 *
 *   npx tsx bench/measure-tta.ts                      # the measurement: 3 seeds, 10 epochs, full splits
 *   npx tsx bench/measure-tta.ts --seeds 1 --epochs 1 --limit 512 --test-limit 500 --out /tmp/tta.json   # a smoke run
 *
 * Resumable: the runs live in --work (default runs/tta-baseline-<epochs>ep); re-running the same
 * command reuses each seed's finished run (summary.json) and resumes an interrupted one
 * (`trickster train --resume`) instead of training it again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machineInfo } from './machine.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const seedCount = Number(flag('--seeds') ?? 3);
const epochs = Number(flag('--epochs') ?? 10);
const limit = flag('--limit');
const testLimit = flag('--test-limit');
const outFile = path.resolve(flag('--out') ?? 'bench/results/tta.json');
const modes = ['none', 'flip', 'flip+crops'] as const;
const bin = path.resolve('bin/trickster.js');

/** Runs the CLI and returns the JSON of its last stdout line. */
function cliJson(cliArgs: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, [bin, ...cliArgs], { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 }).toString();
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: readonly number[]) => (v.length < 2 ? null : Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / (v.length - 1)));

const work = path.resolve(flag('--work') ?? `runs/tta-baseline-${epochs}ep${limit ? `-limit${limit}` : ''}`);
const perSeed: { seed: number; trainTop1: number; wallSeconds: number; eval: Record<string, { top1: number; testLoss: number; seconds: number }> }[] = [];
{
  for (let seed = 1; seed <= seedCount; seed++) {
    const runDir = path.join(work, `seed-${seed}`);
    const summaryFile = path.join(runDir, 'summary.json');
    let summary: Record<string, unknown>;
    if (existsSync(summaryFile)) summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, unknown>;
    else if (existsSync(path.join(runDir, 'checkpoint.ckpt'))) summary = cliJson(['train', '--resume', runDir, '--progress', 'none', '--json']);
    else {
      const train = ['train', '--preset', 'baseline', '--seed', String(seed), '--epochs', String(epochs), '--out', runDir, '--progress', 'none', '--json'];
      if (limit) train.push('--limit', limit);
      if (testLimit) train.push('--test-limit', testLimit);
      summary = cliJson(train);
    }
    const evals: (typeof perSeed)[number]['eval'] = {};
    for (const mode of modes) {
      const started = Date.now();
      const m = cliJson(['eval', '--model', path.join(runDir, 'model', 'model.json'), '--tta', mode, '--json', ...(testLimit ? ['--limit', testLimit] : [])]);
      evals[mode] = { top1: m['top1'] as number, testLoss: m['testLoss'] as number, seconds: (Date.now() - started) / 1000 };
      console.log(`seed ${seed}  tta ${mode.padEnd(10)}  top1 ${(100 * evals[mode].top1).toFixed(2)}%  loss ${evals[mode].testLoss.toFixed(4)}`);
    }
    perSeed.push({ seed, trainTop1: summary['top1'] as number, wallSeconds: summary['wallSeconds'] as number, eval: evals });
  }
}

const byMode = Object.fromEntries(
  modes.map((mode) => {
    const top1 = perSeed.map((s) => s.eval[mode]!.top1);
    const loss = perSeed.map((s) => s.eval[mode]!.testLoss);
    const diff = perSeed.map((s) => s.eval[mode]!.top1 - s.eval['none']!.top1);
    return [mode, { top1Mean: mean(top1), top1Sd: sd(top1), lossMean: mean(loss), lossSd: sd(loss), top1MinusNoneMean: mean(diff), top1MinusNoneSd: sd(diff) }];
  }),
);
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
const report = {
  measured: new Date().toISOString(),
  commit,
  command: `npx tsx bench/measure-tta.ts ${args.join(' ')}`.trim(),
  setup: { preset: 'baseline', seeds: seedCount, epochs, limit: limit ? Number(limit) : 'all', testLimit: testLimit ? Number(testLimit) : 'all' },
  tta: { flip: 'original + horizontal mirror (2 views)', 'flip+crops': 'each of those also shifted 2 px up, down, left, right with zero padding (10 views)', average: 'softmax probabilities' },
  machine: machineInfo(),
  perSeed,
  byMode,
};
const tmp = `${outFile}.tmp`;
writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
renameSync(tmp, outFile);
console.log(`wrote ${outFile}`);
