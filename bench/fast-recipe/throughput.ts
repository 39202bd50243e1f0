/**
 * Issue 13, fast recipe, step 1: training throughput of candidate models for a 30-minute
 * Fashion-MNIST budget. Each candidate trains through the real Trainer (wasm, default replicas,
 * batch 128 unless `--batch`, flip + pad-2 crop) for a few warm-up steps and then `--repeats` timed windows; the
 * window length is set from the model's multiply-adds so that every window is a few seconds.
 * `--batch` changes the batch size (default 128). Candidates run in rounds (all candidates once per round) so load swings hit them alike.
 *
 *   npx tsx bench/fast-recipe/throughput.ts [--rounds 2] [--out bench/results/fast-recipe/throughput.json]
 *
 * Epochs per 30 minutes = 1800 s × img/s / 60,000 (training steps only: evaluation and start-up
 * are not counted here; the real run measures them). The machine is shared, so each window also
 * records the process's CPU time: images per CPU-second × replicas estimates what an idle machine
 * would make (an estimate, not a bound: under contention each image also costs more CPU time).
 */
import '@tensorflow/tfjs-backend-cpu';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { buildModel, forwardMultiplyAdds, parameterCounts } from '../../core/models/index.js';
import type { ModelSpec } from '../../core/models/types.js';
import { machineInfo } from '../machine.js';
import { measureTrickster } from '../measure-trickster.js';
import { median } from '../stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const INPUT = { height: 28, width: 28, channels: 1 };
const TRAIN_IMAGES = 60_000;
const BUDGET_S = 1800;

/**
 * The candidates: small-cnn at widths 1-3 with both heads, ResNet-8 at widths 1, 1.25 (issue 13's
 * PyTorch net's size) and 2, resnet20, and resnet6-pool-stem (shaped for wasm at 28x28) at widths 1 and 1.25.
 */
const CANDIDATES: ModelSpec[] = [
  ...[1, 2, 3].flatMap((width) => (['flatten', 'gap'] as const).map((head) => ({ name: 'small-cnn', width, head }))),
  { name: 'resnet8', width: 1 },
  { name: 'resnet8', width: 1.25 },
  { name: 'resnet8', width: 2 },
  { name: 'resnet20', width: 1 },
  { name: 'resnet6-pool-stem', width: 1 },
  { name: 'resnet6-pool-stem', width: 1.25 },
];

function label(spec: ModelSpec): string {
  return `${spec.name} w${spec.width ?? 1}${spec.head ? ` ${spec.head}` : ''}`;
}

const opts = new Command('throughput.ts')
  .option('--rounds <n>', 'rounds over all candidates', '2')
  .option('--repeats <n>', 'timed windows per candidate and round', '2')
  .option('--batch <n>', 'training batch size (split over the replicas)', '128')
  .option('--only <labels>', 'comma-separated substrings: measure only candidates whose label contains one')
  .option('--out <file>', 'result file', path.join(here, '..', 'results', 'fast-recipe', 'throughput.json'))
  .parse(process.argv)
  .opts<{ rounds: string; repeats: string; batch: string; only?: string; out: string }>();

const BATCH = Number(opts.batch);

const only = opts.only?.split(',');
const candidates = CANDIDATES.filter((c) => !only || only.some((o) => label(c).includes(o)));
const machine = machineInfo();
const costs = candidates.map((spec) => {
  const m = buildModel({ ...spec, seed: 1 }, INPUT, 10);
  const cost = { params: parameterCounts(m).trainable, multiplyAdds: forwardMultiplyAdds(m, INPUT) };
  m.dispose();
  return cost;
});
// About 3e8 multiply-adds per window-step budget: ~150 steps for small-cnn w1, ~10 for resnet20.
const steps = costs.map((c) => Math.max(4, Math.round((3e8 * 128) / BATCH / c.multiplyAdds)));
const rates: number[][] = candidates.map(() => []);
const cpuRates: number[][] = candidates.map(() => []);
const loads: number[][] = candidates.map(() => []);
let replicas = 0;
for (let r = 0; r < Number(opts.rounds); r++) {
  for (const [i, spec] of candidates.entries()) {
    loads[i]!.push(Math.round(loadavg()[0]! * 100) / 100);
    const plan = { warmup: 3, steps: steps[i]!, repeats: Number(opts.repeats), batch: BATCH };
    const res = await measureTrickster(spec, plan, true, 'auto');
    replicas = res.replicas;
    rates[i]!.push(...res.rates);
    cpuRates[i]!.push(...res.cpuRates);
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
    console.log(`round ${r + 1} ${label(spec)}: ${fmt(res.rates)} img/s wall, ${fmt(res.cpuRates)} per CPU-second (load ${loads[i]!.at(-1)})`);
  }
}
const rows = candidates.map((spec, i) => {
  const imgPerS = median(rates[i]!);
  const imgPerCpuS = median(cpuRates[i]!);
  const epochs = (rate: number) => Math.round(((BUDGET_S * rate) / TRAIN_IMAGES) * 10) / 10;
  return {
    candidate: label(spec),
    spec,
    params: costs[i]!.params,
    multiplyAdds: costs[i]!.multiplyAdds,
    stepsPerWindow: steps[i]!,
    imgPerS: Math.round(imgPerS),
    imgPerCpuS: Math.round(imgPerCpuS),
    idleEstimate: Math.round(replicas * imgPerCpuS),
    windows: rates[i]!.map((x) => Math.round(x)),
    cpuWindows: cpuRates[i]!.map((x) => Math.round(x)),
    loadAverages: loads[i],
    epochsIn30Min: epochs(imgPerS),
    epochsIn30MinIdleEstimate: epochs(replicas * imgPerCpuS),
    effectiveGflops: Math.round(((imgPerS * costs[i]!.multiplyAdds * 6) / 1e9) * 10) / 10,
  };
});
console.table(rows.map(({ spec: _s, windows: _w, loadAverages: _l, ...rest }) => rest));
const result = {
  what: `trickster training img/s per candidate model (wasm, batch ${BATCH}, flip + pad-2 crop, baseline optimizer), median of timed windows (wall clock); imgPerCpuS: images per second of the process CPU time (all threads), idleEstimate = replicas x imgPerCpuS (the replicas with a core each, at the CPU-time cost per image measured under load; contention makes that cost higher than on an idle machine, so this is not a bound); epochsIn30Min counts training steps only; effectiveGflops = wall img/s x 6 x forward multiply-adds`,
  batch: BATCH,
  command: `npx tsx bench/fast-recipe/throughput.ts --rounds ${opts.rounds} --repeats ${opts.repeats} --batch ${BATCH}${opts.only ? ` --only ${opts.only}` : ''}`,
  date: new Date().toISOString(),
  machine,
  replicas,
  loadAverageAtEnd: Math.round(loadavg()[0]! * 100) / 100,
  rows,
};
mkdirSync(path.dirname(opts.out), { recursive: true });
writeFileSync(`${opts.out}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
renameSync(`${opts.out}.tmp`, opts.out);
console.log(`wrote ${opts.out}`);
