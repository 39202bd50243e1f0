/**
 * Where a wasm training step goes, per kernel.
 *
 *   npx tsx bench/profile-kernels.ts [--steps N] [--models small-cnn,resnet20] [--out FILE]
 *
 * One replica on wasm with trickster's kernels, batch 128 of real Fashion-MNIST, small-cnn and
 * resnet20 as the bench builds them: forward in training mode (closed-form batch norm), soft
 * cross-entropy, `tf.variableGrads` (the Trainer's lossAndGradients) and the baseline optimizer
 * (SGD Nesterov momentum 0.9, weight decay 5e-4). `tf.profile` times every kernel the engine runs
 * (on wasm a kernel runs synchronously, so its kernelMs is its real time); kernels that trickster's
 * own kernels call internally count towards the caller. The step's wall time, taken on steps
 * without the profiler, shows how much of the step the kernels cover (the rest is JavaScript:
 * tape, tidy, layer calls). Each model runs twice, alternating step by step: with trickster's own
 * WebAssembly SIMD kernels off (stock: the tf-op compositions) and on. Prints a table and writes
 * bench/results/2026-12-01-kernel-profile.json.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../core/backends/resolve.js';
import { softCrossEntropy } from '../core/losses.js';
import { Sgd } from '../core/optim/sgd.js';
import { trainableVariables } from '../core/variables.js';
import { setWasmSimdKernelsEnabled } from '../core/backends/wasm-simd/instance.js';
import { benchModel } from './bench-model.js';
import { fashionTensors } from './fashion-tensors.js';
import { machineInfo } from './machine.js';
import { median } from './stats.js';

const BATCH = 128;
const WARMUP = 2;

interface KernelRow {
  kernel: string;
  msPerStep: number;
  share: number;
  callsPerStep: number;
}

interface ModelProfile {
  model: string;
  /** 'stock': trickster's tf-op compositions; 'simd': with its own WebAssembly SIMD kernels (core/backends/wasm-simd). */
  variant: string;
  /** Median wall ms of an unprofiled step, and its spread (min, max). */
  stepMs: { median: number; min: number; max: number };
  /** Sum of all kernels' ms per profiled step, and its share of the unprofiled step's wall time. */
  kernelMsPerStep: number;
  coverage: number;
  kernels: KernelRow[];
  /** Names tf.profile reported that are op scopes around other kernels, not kernels. */
  composite: string[];
}

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** A training step as the Trainer runs it on one replica: forward, loss, backward, optimizer update. */
function makeStep(model: string): { step: () => void; dispose: () => void } {
  const net = benchModel(model);
  const variables = trainableVariables(net);
  const optimizer = new Sgd({ momentum: 0.9, dampening: 0, nesterov: true });
  const { x, y } = fashionTensors(BATCH);
  const step = (): void => {
    const { value, grads } = tf.variableGrads(() => softCrossEntropy(y, net.apply(x, { training: true }) as tf.Tensor2D), Object.values(variables));
    const byName: Record<string, tf.Tensor> = {};
    for (const [stable, v] of Object.entries(variables)) byName[stable] = grads[v.name]!;
    optimizer.apply(byName, variables, { lr: 0.05, decayFor: () => 5e-4 });
    tf.dispose([value, grads]);
  };
  return { step, dispose: () => (tf.dispose([x, y]), optimizer.dispose(), net.dispose()) };
}

type Totals = Map<string, { ms: number; calls: number }>;

/** Per-kernel ms per step and the step's wall time from the collected samples. */
function summarise(model: string, variant: string, wall: number[], totals: Totals, steps: number): ModelProfile {
  // Op scopes that are not kernels ('unnamed scope' of a customGrad forward, 'fusedMatMul__op')
  // wrap kernels that are listed themselves: left out so that no time counts twice.
  const composite = [...totals.keys()].filter((name) => tf.getKernel(name, 'wasm') === undefined);
  for (const name of composite) totals.delete(name);
  const kernelMsPerStep = [...totals.values()].reduce((s, t) => s + t.ms, 0) / steps;
  const stepMs = { median: median(wall), min: Math.min(...wall), max: Math.max(...wall) };
  const kernels = [...totals.entries()]
    .map(([kernel, t]) => ({ kernel, msPerStep: t.ms / steps, share: t.ms / steps / kernelMsPerStep, callsPerStep: t.calls / steps }))
    .sort((a, b) => b.msPerStep - a.msPerStep);
  return { model, variant, stepMs, kernelMsPerStep, coverage: kernelMsPerStep / stepMs.median, kernels, composite };
}

/**
 * Profiles `model` with trickster's SIMD kernels off ('stock': the tf-op compositions) and on
 * ('simd'), alternating step by step so that both see the same machine load.
 */
async function profileModel(model: string, steps: number): Promise<ModelProfile[]> {
  const { step, dispose } = makeStep(model);
  const variants = [
    { name: 'stock', on: false, wall: [] as number[], totals: new Map() as Totals },
    { name: 'simd', on: true, wall: [] as number[], totals: new Map() as Totals },
  ];
  for (const v of variants) {
    setWasmSimdKernelsEnabled(v.on);
    for (let i = 0; i < WARMUP; i++) step();
  }
  for (let i = 0; i < steps; i++) {
    for (const v of variants) {
      setWasmSimdKernelsEnabled(v.on);
      const start = performance.now();
      step();
      v.wall.push(performance.now() - start);
    }
    for (const v of variants) {
      setWasmSimdKernelsEnabled(v.on);
      const info = await tf.profile(() => step());
      for (const k of info.kernels) {
        const t = v.totals.get(k.name) ?? { ms: 0, calls: 0 };
        t.ms += k.kernelTimeMs as number;
        t.calls += 1;
        v.totals.set(k.name, t);
      }
    }
  }
  setWasmSimdKernelsEnabled(true);
  dispose();
  return variants.map((v) => summarise(model, v.name, v.wall, v.totals, steps));
}

function print(p: ModelProfile): void {
  console.log(`\n${p.model} (${p.variant}): step ${p.stepMs.median.toFixed(1)} ms wall (min ${p.stepMs.min.toFixed(1)}, max ${p.stepMs.max.toFixed(1)}), kernels ${p.kernelMsPerStep.toFixed(1)} ms = ${(100 * p.coverage).toFixed(0)}% of it`);
  console.log(`  ${'kernel'.padEnd(30)}${'ms/step'.padStart(9)}${'share'.padStart(8)}${'calls'.padStart(7)}`);
  for (const k of p.kernels.filter((k) => k.share >= 0.002)) {
    console.log(`  ${k.kernel.padEnd(30)}${k.msPerStep.toFixed(2).padStart(9)}${(100 * k.share).toFixed(1).padStart(7)}%${String(k.callsPerStep).padStart(7)}`);
  }
}

async function main(): Promise<void> {
  const steps = Number(flag('--steps', '5'));
  const out = flag('--out', path.join('bench', 'results', '2026-12-01-kernel-profile.json'));
  const names = flag('--models', 'small-cnn,resnet20').split(',');
  const machine = machineInfo();
  await useBackend('wasm');
  const models: ModelProfile[] = [];
  for (const model of names) {
    for (const p of await profileModel(model, steps)) {
      print(p);
      models.push(p);
    }
  }
  const result = { date: new Date().toISOString(), machine, command: `npx tsx bench/profile-kernels.ts --steps ${steps} --models ${names.join(',')}`, batch: BATCH, steps, models };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(`${out}.tmp`, JSON.stringify(result, null, 2) + '\n');
  renameSync(`${out}.tmp`, out);
  console.log(`\nwrote ${out}`);
}

await main();
