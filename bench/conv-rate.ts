/**
 * Forward-conv GFLOP/s of the bench models' conv layers (batch 128): wasm as the Trainer runs it
 * (trickster's SIMD forward kernel from 16 input channels, XNNPACK below; this process,
 * bench/measure-forward.ts) and PyTorch on 1 and 2 threads (bench/torch_conv_rate.py), taken in
 * alternating rounds so both see the same machine load. Writes one JSON file:
 *
 *   npx tsx bench/conv-rate.ts [--rounds 3] [--repeats 5] [--out bench/results/conv-rate.json]
 *
 * Needs python3 with torch (pip install torch==2.13.0).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { machineInfo } from './machine.js';
import { measureForward } from './measure-forward.js';
import { median } from './stats.js';

const MODELS = ['small-cnn', 'resnet20'] as const;
const here = path.dirname(fileURLToPath(import.meta.url));

interface TorchRound {
  models: Record<string, Record<string, { convGflops: number }>>;
  cpuCapability: string;
  torch: string;
}

const opts = new Command('conv-rate.ts')
  .option('--rounds <n>', 'alternating wasm / PyTorch rounds', '3')
  .option('--repeats <n>', 'timed repeats per measurement', '5')
  .option('--out <file>', 'result file', path.join(here, 'results', 'conv-rate.json'))
  .parse(process.argv)
  .opts<{ rounds: string; repeats: string; out: string }>();

const rounds = Number(opts.rounds);
const repeats = Number(opts.repeats);
const machine = machineInfo();
const wasm: Record<string, number[]> = Object.fromEntries(MODELS.map((m) => [m, []]));
const torch: Record<string, Record<string, number[]>> = Object.fromEntries(MODELS.map((m) => [m, { '1 thread': [], '2 threads': [] }]));
let torchInfo = { version: '', cpuCapability: '' };
for (let r = 0; r < rounds; r++) {
  for (const m of MODELS) wasm[m]!.push((await measureForward(m, 128, repeats)).convGflops);
  const out = execFileSync('python3', [path.join(here, 'torch_conv_rate.py'), '--repeats', String(repeats)], { encoding: 'utf8' });
  const round = JSON.parse(out) as TorchRound;
  torchInfo = { version: round.torch, cpuCapability: round.cpuCapability };
  for (const m of MODELS) for (const t of ['1 thread', '2 threads']) torch[m]![t]!.push(round.models[m]![t]!.convGflops);
  process.stderr.write(`[conv-rate] round ${r + 1}/${rounds} done\n`);
}

const summary = Object.fromEntries(
  MODELS.map((m) => [
    m,
    {
      wasm: { median: median(wasm[m]!), rounds: wasm[m] },
      torch1Thread: { median: median(torch[m]!['1 thread']!), rounds: torch[m]!['1 thread'] },
      torch2Threads: { median: median(torch[m]!['2 threads']!), rounds: torch[m]!['2 threads'] },
    },
  ]),
);
const result = {
  measured: new Date().toISOString(),
  command: `npx tsx bench/conv-rate.ts --rounds ${rounds} --repeats ${repeats}`,
  unit: 'GFLOP/s of the model\'s conv layers run alone, batch 128 (2 x multiply-adds / time); per round the median of the repeats',
  torch: torchInfo,
  machine: { ...machine, loadAverageAtEnd: Math.round(loadavg()[0]! * 100) / 100 },
  models: summary,
};
mkdirSync(path.dirname(opts.out), { recursive: true });
writeFileSync(`${opts.out}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
renameSync(`${opts.out}.tmp`, opts.out);
for (const m of MODELS) {
  const s = summary[m]!;
  process.stdout.write(`${m}: wasm ${s.wasm.median.toFixed(1)}, PyTorch 1 thread ${s.torch1Thread.median.toFixed(1)}, 2 threads ${s.torch2Threads.median.toFixed(1)} GFLOP/s\n`);
}
