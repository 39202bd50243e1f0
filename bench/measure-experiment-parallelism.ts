/**
 * Which finishes an experiment sooner on this machine: one trial at a time on 2 replicas, or two
 * trials at once on 1 replica each? Runs the same 6-trial ablation (bag-of-tricks, --only ema:
 * full and base at seeds 1-3, --limit 6000 --epochs 1, full test split) through the real CLI both
 * ways, in interleaved rounds, and writes the wall times to bench/results/experiment-parallelism.json.
 *
 *   npx tsx bench/measure-experiment-parallelism.ts [--rounds 2] [--limit 6000]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineInfo } from './machine.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const rounds = flag('--rounds', 2);
const limit = flag('--limit', 6000);
const bin = path.resolve('bin/trickster.js');
const settings = [
  { name: 'one trial at a time, 2 replicas', parallel: 1, replicas: 2 },
  { name: 'two trials at once, 1 replica each', parallel: 2, replicas: 1 },
];

/** Wall seconds of one whole ablation run with the given pool setting, on wasm (the default backend, where replicas apply; with tfjs-node installed `auto` would pick tensorflow). */
function timeAblation(parallel: number, replicas: number): number {
  const out = mkdtempSync(path.join(os.tmpdir(), 'trickster-par-'));
  const started = Date.now();
  execFileSync(process.execPath, [bin, 'ablate', '--preset', 'bag-of-tricks', '--only', 'ema', '--seeds', '3', '--limit', String(limit), '--epochs', '1',
    '--parallel', String(parallel), '--replicas', String(replicas), '--backend', 'wasm', '--out', path.join(out, 'exp')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const seconds = (Date.now() - started) / 1000;
  rmSync(out, { recursive: true, force: true });
  return seconds;
}

const machine = machineInfo();
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
const walls: number[][] = settings.map(() => []);
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? [0, 1] : [1, 0];
  for (const i of order) {
    const s = settings[i]!;
    const w = timeAblation(s.parallel, s.replicas);
    walls[i]!.push(w);
    console.log(`round ${r + 1}: ${s.name}: ${w.toFixed(1)} s`);
  }
}
const results = settings.map((s, i) => ({ ...s, wallSeconds: walls[i], meanSeconds: walls[i]!.reduce((a, b) => a + b, 0) / walls[i]!.length }));
const faster = results.reduce((a, b) => (b.meanSeconds < a.meanSeconds ? b : a));
const report = {
  measured: new Date().toISOString(),
  commit,
  command: `npx tsx bench/measure-experiment-parallelism.ts --rounds ${rounds} --limit ${limit}`,
  experiment: `trickster ablate --preset bag-of-tricks --only ema --seeds 3 --limit ${limit} --epochs 1 --backend wasm (6 trials: full and base at seeds 1-3, full test split)`,
  machine,
  loadAverageAtEnd: Math.round(os.loadavg()[0]! * 100) / 100,
  results,
  faster: faster.name,
  ratio: Math.max(...results.map((r) => r.meanSeconds)) / Math.min(...results.map((r) => r.meanSeconds)),
};
writeFileSync('bench/results/experiment-parallelism.json', `${JSON.stringify(report, null, 2)}\n`);
console.log(`${faster.name} is faster by ${report.ratio.toFixed(2)}x`);
