/**
 * The Trainer on one wasm replica with trickster's SIMD kernels off and on, interleaved in one
 * process so that both see the same machine load (the full bench compares checkouts only back to back).
 *
 *   npx tsx bench/simd-ab.ts [--rounds N] [--models small-cnn,resnet20] [--ab simd|fma|forward|filter-grad|input-grad|conv-grads|convs] [--out FILE]
 *
 * --ab forward / filter-grad / input-grad / conv-grads / convs: "off" keeps every other SIMD kernel
 * on and turns only the SIMD forward conv, conv filter gradient, input gradient, both gradients, or
 * all three off (those kernels then run XNNPACK or their XNNPACK compositions); --ab fma: the
 * kernels' SIMD128 build (off) against the fused multiply-add one (on); writes
 * bench/results/2026-12-01-<ab>-ab.json.
 *
 * Each round trains, per model, one short epoch (2 warm-up steps, then one timed window of
 * small-cnn 6 / resnet20 2 / resnet8 4 / resnet6-pool-stem 4 steps of 128 images, flip + crop as the bench's row (a1)) with the
 * kernels off, then on (the order alternates between rounds). Prints img/s per round and the median
 * on/off ratio; writes bench/results/2026-12-01-simd-ab.json.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setSimdFilterGradEnabled } from '../core/backends/wasm-simd/conv-filter-grad.js';
import { setSimdConvForwardEnabled } from '../core/backends/wasm-simd/conv-forward.js';
import { setSimdInputGradEnabled } from '../core/backends/wasm-simd/conv-input-grad.js';
import { setWasmFmaKernelsEnabled, setWasmSimdKernelsEnabled } from '../core/backends/wasm-simd/instance.js';
import { machineInfo } from './machine.js';
import { measureTrickster } from './measure-trickster.js';
import { median, relativeSpread } from './stats.js';

const STEPS: Record<string, number> = { 'small-cnn': 6, resnet20: 2, resnet8: 4, 'resnet6-pool-stem': 4 };

/** What each --ab turns off and on. */
const TOGGLES: Record<string, (on: boolean) => void> = {
  simd: setWasmSimdKernelsEnabled,
  fma: setWasmFmaKernelsEnabled,
  forward: setSimdConvForwardEnabled,
  'filter-grad': setSimdFilterGradEnabled,
  'input-grad': setSimdInputGradEnabled,
  'conv-grads': (on) => {
    setSimdFilterGradEnabled(on);
    setSimdInputGradEnabled(on);
  },
  convs: (on) => {
    setSimdConvForwardEnabled(on);
    setSimdFilterGradEnabled(on);
    setSimdInputGradEnabled(on);
  },
};

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const rounds = Number(flag('--rounds', '3'));
  const models = flag('--models', Object.keys(STEPS).join(',')).split(',');
  const ab = flag('--ab', 'simd');
  const toggle = TOGGLES[ab];
  if (toggle === undefined) throw new Error(`--ab must be one of ${Object.keys(TOGGLES).join(', ')}, got ${ab}`);
  const out = flag('--out', path.join('bench', 'results', `2026-12-01-${ab}-ab.json`));
  const machine = machineInfo();
  const results: Record<string, { off: number[]; on: number[]; ratios: number[] }> = {};
  for (let r = 0; r < rounds; r++) {
    for (const model of models) {
      const entry = (results[model] ??= { off: [], on: [], ratios: [] });
      const order = r % 2 === 0 ? [false, true] : [true, false];
      const rate: Record<string, number> = {};
      for (const on of order) {
        toggle(on);
        const { rates } = await measureTrickster(model, { warmup: 2, steps: STEPS[model]!, repeats: 1, batch: 128 }, true, 1);
        rate[on ? 'on' : 'off'] = rates[0]!;
        entry[on ? 'on' : 'off'].push(rates[0]!);
      }
      entry.ratios.push(rate['on']! / rate['off']!);
      console.log(`[round ${r + 1}] ${model}: off ${rate['off']!.toFixed(1)} img/s, on ${rate['on']!.toFixed(1)} img/s, on/off ${(rate['on']! / rate['off']!).toFixed(2)}`);
    }
  }
  toggle(true);
  const summary = Object.fromEntries(
    Object.entries(results).map(([model, e]) => [model, { ...e, offMedian: median(e.off), onMedian: median(e.on), ratioMedian: median(e.ratios), ratioSpread: relativeSpread(e.ratios) }]),
  );
  for (const [model, s] of Object.entries(summary)) {
    console.log(`${model}: off ${s.offMedian.toFixed(1)}, on ${s.onMedian.toFixed(1)} img/s; on/off ratio median ${s.ratioMedian.toFixed(2)} (±${(100 * s.ratioSpread).toFixed(0)}%)`);
  }
  const result = { date: new Date().toISOString(), machine, command: `npx tsx bench/simd-ab.ts --rounds ${rounds} --models ${models.join(',')} --ab ${ab}`, ab, replicas: 1, batch: 128, steps: STEPS, models: summary };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(`${out}.tmp`, JSON.stringify(result, null, 2) + '\n');
  renameSync(`${out}.tmp`, out);
  console.log(`wrote ${out}`);
}

await main();
